"""The official openai Python SDK through Sluice: a JSON call, a stream with usage, a tool-call round trip and a
small enrichment batch, authenticated as a client_credentials service account (demo client ``py-notebook``,
group ``analysts``: personal data is masked before the provider sees it, and in what comes back).

    python demo.py        # against `npm start` (SLUICE_URL etc. to point elsewhere; see README.md)
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from sluice_client import ClientCredentials, Settings, enrich_partition, make_openai_client  # noqa: E402

settings = Settings.from_env("py-notebook", "demo-py-notebook-secret", "py-notebook")
credentials = ClientCredentials(settings.token_url, settings.client_id, settings.client_secret, scope=settings.scope)
# analysts have no approval rules: a read timeout of 2 minutes is plenty (hold_seconds=60 -> 120 s).
client = make_openai_client(settings, credentials, hold_seconds=60)


def section(title: str) -> None:
    print(f"\n--- {title}")


section("JSON: chat.completions.create")
res = client.chat.completions.create(
    model=settings.model,
    messages=[{"role": "user", "content": "Draft a reply to jane@example.com about the refund on card 4111 1111 1111 1111."}],
)
print(res.choices[0].message.content)
print(f"usage: {res.usage.total_tokens} tokens")
json_ok = "4111 1111 1111 1111" not in (res.choices[0].message.content or "")

section("streaming with usage (stream_options.include_usage)")
stream = client.chat.completions.create(
    model=settings.model,
    stream=True,
    stream_options={"include_usage": True},
    messages=[{"role": "user", "content": "Summarise: customer +44 20 7946 0958 asked twice about order 881."}],
)
text, usage = "", None
for chunk in stream:
    if chunk.choices and chunk.choices[0].delta.content:
        text += chunk.choices[0].delta.content
    if chunk.usage:
        usage = chunk.usage.total_tokens
print(text)
print(f"usage (last chunk): {usage} tokens")
stream_ok = usage is not None and len(text) > 0

section("tool calls: the model asks, the job runs the tool, the model answers")
tools = [
    {
        "type": "function",
        "function": {
            "name": "lookup_order",
            "description": "Look up an order by id",
            "parameters": {"type": "object", "properties": {"order_id": {"type": "string"}}, "required": ["order_id"]},
        },
    }
]
messages = [{"role": "user", "content": "Where is order 881?"}]
first = client.chat.completions.create(model=settings.model, messages=messages, tools=tools)
call = first.choices[0].message.tool_calls[0]
print(f"model called {call.function.name}({call.function.arguments})")
# The tool's answer holds personal data: Sluice masks it on its way to the model.
result = {"order": "881", "status": "shipped", "contact": "omar.k@example.org", "phone": "+1 415 555 0134"}
messages += [first.choices[0].message.model_dump(exclude_none=True), {"role": "tool", "tool_call_id": call.id, "content": json.dumps(result)}]
final = client.chat.completions.create(model=settings.model, messages=messages, tools=tools)
print(final.choices[0].message.content)
tools_ok = call.function.name == "lookup_order" and "omar.k@example.org" not in (final.choices[0].message.content or "")

section("enrich_partition: 12 notes, 4 in flight, an Idempotency-Key per record")
notes = [
    {"id": f"N-{i}", "text": t}
    for i, t in enumerate(
        [
            "Refund card 5555 5555 5555 4444 please",
            "Password reset loops forever",
            "Invoice for li.wei@example.net is wrong",
            "Call +44 20 7946 0321 about the delay",
            "Feature request: dark mode",
            "Cancel subscription for sara@example.com",
            "App crashes on upload",
            "IBAN GB82 WEST 1234 5698 7654 32 for payouts",
            "Late delivery again",
            "Duplicate charge on 4012 8888 8888 1881",
            "Where is my parcel?",
            "Change plan to annual",
        ]
    )
]
rows = list(enrich_partition(notes, client, model=settings.model, key_of=lambda r: f"{settings.session}-{r['id']}", text_of=lambda r: r["text"], max_in_flight=4))
for r in rows[:4]:
    print(json.dumps(r))
batch_ok = sum(1 for r in rows if r["ok"])
print(f"{batch_ok} of {len(rows)} enriched; tokens fetched {credentials.fetched}, refreshed after a 401: {credentials.refreshed_after_401}")

ok = json_ok and stream_ok and tools_ok and batch_ok == len(notes)
print(
    "RESULT "
    + json.dumps(
        {
            "sessions": [settings.session],
            "json": json_ok,
            "stream": stream_ok,
            "tools": tools_ok,
            "batchOk": batch_ok,
            "batch": len(notes),
            "tokensFetched": credentials.fetched,
        }
    )
)
sys.exit(0 if ok else 1)
