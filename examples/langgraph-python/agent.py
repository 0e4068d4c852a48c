"""A LangGraph support agent whose model calls go through Sluice (the Python twin of ../langgraph-js).

The graph is the usual tool loop (agent -> tools -> agent ... -> END) with a checkpointer, so a thread keeps its
conversation across turns. What Sluice adds:

- the thread id is sent as ``x-sluice-session``, so ``sluice audit replay <thread id>`` shows the whole run;
- the agent authenticates as a client_credentials service account (group ``agents``) through the httpx auth hook
  of ../python/sluice_client.py: token cached, refreshed before expiry, one refresh after a 401;
- the order a tool returns carries a card number and an e-mail: the provider only ever sees them masked;
- the ``archive_case`` tool writes to an s3:// location, and the model call that carries that tool call and its
  result waits for a reviewer (the ``agents`` rule holds prompts naming ``s3://``): the run pauses, then goes on.

    python agent.py       # against `npm start` (SLUICE_URL, SLUICE_CLIENT_ID ... to point elsewhere; see README.md)
"""

from __future__ import annotations

import json
import os
import re
import sys
import time
import uuid
from pathlib import Path

import httpx
from langchain_core.messages import AIMessage, SystemMessage, ToolMessage
from langchain_core.runnables import RunnableConfig
from langchain_core.tools import tool
from langchain_openai import ChatOpenAI
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.graph import END, START, MessagesState, StateGraph
from langgraph.prebuilt import ToolNode, tools_condition

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "python"))
from sluice_client import ClientCredentials, Settings, SluiceAuth  # noqa: E402

settings = Settings.from_env("support-agent", "demo-support-agent-secret", "support-thread")
credentials = ClientCredentials(settings.token_url, settings.client_id, settings.client_secret, scope=settings.scope)
# The longest a reviewer may hold one call under the agents rule (policies/default.yaml: timeoutSeconds 600).
HOLD_SECONDS = float(os.environ.get("SLUICE_HOLD_SECONDS", "600"))
# A held call must outlive the hold: openai-python's default read timeout (600 s) equals it, so a minute more.
timeout = httpx.Timeout(connect=5.0, read=HOLD_SECONDS + 60.0, write=30.0, pool=30.0)

model = ChatOpenAI(
    model=settings.model,
    temperature=0,
    base_url=f"{settings.url}/v1",
    # The SDK insists on a key; SluiceAuth replaces the header with the current access token.
    api_key="set-by-SluiceAuth",
    http_client=httpx.Client(auth=SluiceAuth(credentials), timeout=timeout),
    timeout=timeout,
    # The SDK's default (2): a retried held call joins the same approval (approvals.rejoinSeconds).
    max_retries=2,
)

# The support desk's back office, as the agent's tools see it (raw data: Sluice masks it on the way out).
ORDERS = {
    "1042": {
        "customer": "jane@example.com",
        "card": "4111 1111 1111 1111",
        "charges": ["49.00 EUR on 2026-11-28 09:14", "49.00 EUR on 2026-11-28 09:15"],
    },
}
archived: list[dict[str, str]] = []


@tool
def lookup_order(request: str) -> str:
    """Find an order by its number and return the customer, the card used and the charges."""
    m = re.search(r"\b(\d{4})\b", request)
    order = ORDERS.get(m.group(1)) if m else None
    if order is None:
        return f'no order found in "{request}"'
    return f"order {m.group(1)}: customer {order['customer']}, card {order['card']}, charges: {'; '.join(order['charges'])}"


@tool
def archive_case(note: str) -> str:
    """Close the case and file it in the support archive with a note."""
    location = f"s3://support-archive/cases/1042-{len(archived) + 1}.json"
    archived.append({"location": location, "note": note})
    return f'case 1042 archived to {location} with the note "{note}"'


tools = [lookup_order, archive_case]
llm = model.bind_tools(tools)
SYSTEM = SystemMessage("You are a support agent. Use the tools; answer in one or two sentences.")


def agent(state: MessagesState, config: RunnableConfig) -> dict:
    """The model step. The thread id becomes ``x-sluice-session`` on every call the thread makes."""
    session = config["configurable"]["thread_id"]
    reply = llm.invoke([SYSTEM, *state["messages"]], extra_headers={"x-sluice-session": session})
    return {"messages": [reply]}


builder = StateGraph(MessagesState)
builder.add_node("agent", agent)
builder.add_node("tools", ToolNode(tools))
builder.add_edge(START, "agent")
builder.add_conditional_edges("agent", tools_condition, ["tools", END])
builder.add_edge("tools", "agent")
graph = builder.compile(checkpointer=InMemorySaver())

thread_id = os.environ.get("SLUICE_SESSION") or f"support-thread-{uuid.uuid4().hex[:8]}"
config: RunnableConfig = {"configurable": {"thread_id": thread_id}}
turns = [
    "Order 1042: the customer says she was charged twice. Look it up with lookup_order and tell me what you find.",
    "The duplicate charge was refunded. Close the case with archive_case.",
]

print(f"thread {thread_id} (x-sluice-session), gateway {settings.url}, client {settings.client_id}")
tool_calls = 0
seen = 0
started = time.monotonic()
for i, text in enumerate(turns, 1):
    print(f"\n--- turn {i}: user: {text}")
    t0 = time.monotonic()
    state = graph.invoke({"messages": [{"role": "user", "content": text}]}, config)
    for m in state["messages"][seen + 1 :]:
        if isinstance(m, AIMessage) and m.tool_calls:
            for c in m.tool_calls:
                print(f"    model calls {c['name']}({json.dumps(c['args'])})")
            tool_calls += len(m.tool_calls)
        elif isinstance(m, ToolMessage):
            print(f"    tool {m.name} -> {m.content}")
        else:
            print(f"    model: {m.content}")
    seen = len(state["messages"])
    print(f"    ({time.monotonic() - t0:.1f} s)")

messages = graph.get_state(config).values["messages"]
answers = [m for m in messages if isinstance(m, AIMessage) and not m.tool_calls]
leaked = any(re.search(r"4111[ -]?1111|jane@example\.com", str(m.content)) for m in answers)
print(
    f"\n{len(turns)} turns, {tool_calls} tool calls, {len(archived)} case(s) archived, "
    f"{credentials.fetched} token(s) fetched, {time.monotonic() - started:.1f} s"
)
print(f"the model's answers {'CONTAIN' if leaked else 'never contain'} the raw card number or e-mail")
print(f"replay: node bin/sluice.js audit replay {thread_id}")
result = {
    "sessions": [thread_id],
    "turns": len(turns),
    "toolCalls": tool_calls,
    "archived": len(archived),
    "answers": len(answers),
    "leaked": leaked,
    "tokensFetched": credentials.fetched,
}
print("RESULT " + json.dumps(result))
