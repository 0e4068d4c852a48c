"""Unit tests for sluice_client (stdlib unittest; httpx.MockTransport stands in for the IdP and the gateway).

    python -m unittest -v test_sluice_client.py
"""

from __future__ import annotations

import base64
import json
import sys
import threading
import time
import unittest
from pathlib import Path

import httpx
import openai

sys.path.insert(0, str(Path(__file__).resolve().parent))

from sluice_client import ClientCredentials, SluiceAuth, TokenError, enrich_partition, refresh_margin_seconds  # noqa: E402

SECRET = "s3cret:with+odd chars"


class FakeIdp:
    def __init__(self, expires_in: int = 300) -> None:
        self.calls = 0
        self.expires_in = expires_in
        self.lock = threading.Lock()

    def __call__(self, request: httpx.Request) -> httpx.Response:
        want = "Basic " + base64.b64encode(b"job:s3cret%3Awith%2Bodd+chars").decode()
        if request.headers.get("authorization") != want or request.content != b"grant_type=client_credentials":
            return httpx.Response(401, json={"error": "invalid_client", "error_description": "bad credentials"})
        with self.lock:
            self.calls += 1
            n = self.calls
        time.sleep(0.01)
        return httpx.Response(200, json={"access_token": f"tok-{n}", "token_type": "Bearer", "expires_in": self.expires_in})


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def credentials(idp: FakeIdp, clock: Clock | None = None, secret: str = SECRET) -> ClientCredentials:
    http = httpx.Client(transport=httpx.MockTransport(idp))
    return ClientCredentials("http://idp/token", "job", secret, http=http, clock=clock or time.monotonic)


class ClientCredentialsTest(unittest.TestCase):
    def test_refreshes_within_the_margin_not_before(self) -> None:
        idp, clock = FakeIdp(300), Clock()
        c = credentials(idp, clock)
        first = c.token()
        clock.now += 239
        self.assertEqual(c.token(), first)
        clock.now += 2
        self.assertNotEqual(c.token(), first)
        self.assertEqual(idp.calls, 2)

    def test_margin(self) -> None:
        self.assertEqual(refresh_margin_seconds(300), 60)
        self.assertEqual(refresh_margin_seconds(10), 2)
        self.assertEqual(refresh_margin_seconds(3600), 60)

    def test_one_refresh_for_many_threads(self) -> None:
        idp = FakeIdp()
        c = credentials(idp)
        threads = [threading.Thread(target=c.token) for _ in range(20)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(idp.calls, 1)

    def test_refused_client_names_the_error_not_the_secret(self) -> None:
        c = credentials(FakeIdp(), secret="wrong-secret-value")
        with self.assertRaises(TokenError) as e:
            c.token()
        self.assertIn("invalid_client", str(e.exception))
        self.assertNotIn("wrong-secret-value", str(e.exception))
        self.assertNotIn("wrong-secret-value", repr(c))


class Gateway:
    """Answers chat completions; rejects revoked tokens; scripted faults per Idempotency-Key."""

    def __init__(self) -> None:
        self.revoked: set[str] = set()
        self.seen: dict[str, list[str]] = {}
        self.concurrent = 0
        self.max_concurrent = 0
        self.lock = threading.Lock()

    def __call__(self, request: httpx.Request) -> httpx.Response:
        token = request.headers["authorization"].removeprefix("Bearer ")
        key = request.headers.get("idempotency-key", "")
        with self.lock:
            self.seen.setdefault(key, []).append(token)
            attempt = len(self.seen[key])
            self.concurrent += 1
            self.max_concurrent = max(self.max_concurrent, self.concurrent)
        try:
            time.sleep(0.03)
            if token in self.revoked or key.startswith("always401"):
                return httpx.Response(401, json={"error": {"message": "invalid token", "type": "invalid_request_error", "code": "SLUICE_AUTH_INVALID"}})
            if key.startswith("limited") and attempt == 1:
                return httpx.Response(429, headers={"retry-after-ms": "20"}, json={"error": {"message": "slow down", "type": "rate_limit_exceeded", "code": "rate_limit_exceeded"}})
            if key.startswith("bad"):
                return httpx.Response(400, json={"error": {"message": "too long", "type": "invalid_request_error", "code": "context_length_exceeded"}})
            body = json.loads(request.content)
            text = body["messages"][-1]["content"]
            return httpx.Response(
                200,
                json={
                    "id": "c1",
                    "object": "chat.completion",
                    "created": 0,
                    "model": body["model"],
                    "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": f"echo: {text}"}}],
                    "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
                },
            )
        finally:
            with self.lock:
                self.concurrent -= 1


def route(idp: FakeIdp, gw: Gateway):
    def handler(request: httpx.Request) -> httpx.Response:
        return idp(request) if request.url.path == "/token" else gw(request)

    return handler


def sdk(idp: FakeIdp, gw: Gateway) -> tuple[openai.OpenAI, ClientCredentials]:
    transport = httpx.MockTransport(route(idp, gw))
    creds = ClientCredentials("http://idp/token", "job", SECRET, http=httpx.Client(transport=transport))
    client = openai.OpenAI(base_url="http://gw/v1", api_key="set-by-SluiceAuth", max_retries=2, http_client=httpx.Client(transport=transport, auth=SluiceAuth(creds)))
    return client, creds


def keyed(rows, prefix=""):
    return {"key_of": lambda r: f"{prefix}{r}", "text_of": lambda r: f"text {r}"}


class SluiceAuthTest(unittest.TestCase):
    def test_a_401_refreshes_once_and_retries(self) -> None:
        idp, gw = FakeIdp(), Gateway()
        client, creds = sdk(idp, gw)
        gw.revoked.add(creds.token())
        res = client.chat.completions.create(model="m", messages=[{"role": "user", "content": "hi"}])
        self.assertEqual(res.choices[0].message.content, "echo: hi")
        self.assertEqual(idp.calls, 2)
        self.assertEqual(creds.refreshed_after_401, 1)

    def test_a_second_401_is_final(self) -> None:
        idp, gw = FakeIdp(), Gateway()
        client, creds = sdk(idp, gw)
        with self.assertRaises(openai.AuthenticationError):
            client.chat.completions.create(model="m", messages=[{"role": "user", "content": "hi"}], extra_headers={"Idempotency-Key": "always401-1"})
        self.assertEqual(len(gw.seen["always401-1"]), 2)


class EnrichPartitionTest(unittest.TestCase):
    def test_bounded_ordered_and_per_record_errors(self) -> None:
        idp, gw = FakeIdp(), Gateway()
        client, _ = sdk(idp, gw)
        rows = [f"r{i}" for i in range(12)] + ["bad-1", "limited-1"]
        out = list(enrich_partition(iter(rows), client, max_in_flight=3, key_of=lambda r: r, text_of=lambda r: f"text {r}"))
        self.assertEqual([o["key"] for o in out], rows)
        self.assertTrue(all(o["ok"] for o in out[:12]))
        self.assertEqual(out[12], {"key": "bad-1", "ok": False, "status": 400, "code": "context_length_exceeded", "error": out[12]["error"]})
        self.assertTrue(out[13]["ok"])
        # The SDK retried the 429 with the same Idempotency-Key.
        self.assertEqual(len(gw.seen["limited-1"]), 2)
        self.assertEqual(gw.max_concurrent, 3)

    def test_reads_no_further_ahead_than_in_flight(self) -> None:
        idp, gw = FakeIdp(), Gateway()
        client, _ = sdk(idp, gw)
        pulled = []

        def source():
            for i in range(10):
                pulled.append(i)
                yield f"p{i}"

        it = enrich_partition(source(), client, max_in_flight=2, key_of=lambda r: r, text_of=lambda r: r)
        next(it)
        self.assertLessEqual(len(pulled), 3)
        self.assertEqual(len(list(it)), 9)


if __name__ == "__main__":
    unittest.main()
