"""Sluice client helpers for Python jobs: the official ``openai`` SDK pointed at Sluice, with an OAuth2
client_credentials token that is cached, refreshed before it expires and refreshed once more after a 401 (an
``httpx`` auth hook), timeouts and retries suited to requests a reviewer may hold, and ``enrich_partition``: the
body of a Spark ``mapPartitions`` (bounded concurrency, one idempotency key per record, per-record errors).

Works with any IdP that serves the grant (Keycloak, Okta, Entra ID, Auth0) and with Sluice's demo issuer.
Dependencies: ``openai`` and ``httpx`` (see requirements.txt).
"""

from __future__ import annotations

import base64
import os
import threading
import time
import uuid
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Iterator
from urllib.parse import quote_plus

import httpx
import openai

__all__ = [
    "ClientCredentials",
    "Settings",
    "SluiceAuth",
    "TokenError",
    "enrich_partition",
    "make_openai_client",
    "refresh_margin_seconds",
]


def refresh_margin_seconds(lifetime: float) -> float:
    """Refresh this long before expiry: a fifth of the lifetime, at most a minute."""
    return min(60.0, lifetime / 5)


class TokenError(RuntimeError):
    """The token endpoint refused or could not be reached (the message never contains the secret)."""


class ClientCredentials:
    """OAuth2 client_credentials (RFC 6749 §4.4): one cached token per process, refreshed by one thread at a time."""

    def __init__(
        self,
        token_url: str,
        client_id: str,
        client_secret: str,
        *,
        scope: str | None = None,
        http: httpx.Client | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.token_url = token_url
        self.client_id = client_id
        self._secret = client_secret
        self.scope = scope
        self._http = http or httpx.Client(timeout=httpx.Timeout(10.0))
        self._clock = clock
        self._lock = threading.Lock()
        self._token: str | None = None
        self._refresh_at = 0.0
        self.fetched = 0
        self.refreshed_after_401 = 0

    def __repr__(self) -> str:  # never print the secret
        return f"ClientCredentials(token_url={self.token_url!r}, client_id={self.client_id!r})"

    def token(self) -> str:
        """A valid access token: the cached one, or a fresh one once the cached one is within its refresh margin."""
        with self._lock:  # callers wait for one refresh instead of each asking the IdP
            if self._token is not None and self._clock() < self._refresh_at:
                return self._token
            return self._fetch()

    def invalidate(self, token: str) -> None:
        """The gateway answered 401 to ``token``: forget it if it is still the cached one, and count the refresh."""
        with self._lock:
            self.refreshed_after_401 += 1
            if self._token == token:
                self._token = None

    def _fetch(self) -> str:
        data = {"grant_type": "client_credentials"}
        if self.scope:
            data["scope"] = self.scope
        started = self._clock()
        # RFC 6749 §2.3.1: id and secret are form-encoded before Base64 (httpx's own BasicAuth does not encode).
        pair = f"{quote_plus(self.client_id)}:{quote_plus(self._secret)}".encode()
        headers = {"accept": "application/json", "authorization": "Basic " + base64.b64encode(pair).decode()}
        try:
            res = self._http.post(self.token_url, data=data, headers=headers)
        except httpx.HTTPError as e:
            raise TokenError(f"token endpoint unreachable: {e}") from None
        try:
            body = res.json()
        except ValueError:
            body = {}
        if res.status_code != 200 or not isinstance(body.get("access_token"), str):
            raise TokenError(f"token request failed: HTTP {res.status_code} {body.get('error', '')} {body.get('error_description', '')}".strip())
        lifetime = float(body.get("expires_in") or 300)
        # Counted from when we asked, on our own clock: immune to clock skew between us and the IdP.
        self._token = body["access_token"]
        self._refresh_at = started + lifetime - refresh_margin_seconds(lifetime)
        self.fetched += 1
        return self._token


class SluiceAuth(httpx.Auth):
    """The httpx auth hook: ``Authorization: Bearer <token>`` on every request; after a 401, one refresh and one retry."""

    def __init__(self, credentials: ClientCredentials) -> None:
        self.credentials = credentials

    def auth_flow(self, request: httpx.Request):  # type: ignore[override]
        token = self.credentials.token()
        request.headers["Authorization"] = f"Bearer {token}"
        response = yield request
        if response.status_code == 401:
            self.credentials.invalidate(token)
            request.headers["Authorization"] = f"Bearer {self.credentials.token()}"
            yield request


@dataclass
class Settings:
    """What a job needs to reach Sluice; ``from_env`` reads SLUICE_* with the demo's defaults."""

    url: str = "http://127.0.0.1:8080"
    token_url: str = ""
    client_id: str = ""
    client_secret: str = field(default="", repr=False)
    scope: str | None = None
    model: str = "gpt-4o-mini"
    session: str = ""

    @classmethod
    def from_env(cls, client_id: str, client_secret: str, session_prefix: str) -> "Settings":
        url = os.environ.get("SLUICE_URL", "http://127.0.0.1:8080").rstrip("/")
        return cls(
            url=url,
            token_url=os.environ.get("SLUICE_TOKEN_URL", f"{url}/sluice/demo/token"),
            client_id=os.environ.get("SLUICE_CLIENT_ID", client_id),
            client_secret=os.environ.get("SLUICE_CLIENT_SECRET", client_secret),
            scope=os.environ.get("SLUICE_TOKEN_SCOPE") or None,
            model=os.environ.get("SLUICE_MODEL", "gpt-4o-mini"),
            session=os.environ.get("SLUICE_SESSION", f"{session_prefix}-{uuid.uuid4().hex[:8]}"),
        )


def make_openai_client(
    settings: Settings,
    credentials: ClientCredentials | None = None,
    *,
    hold_seconds: float = 600.0,
    max_retries: int = 3,
) -> openai.OpenAI:
    """An ``openai.OpenAI`` whose requests go through Sluice as the job's service account.

    ``hold_seconds``: the longest a reviewer may hold one request under your policy (the rule's
    ``timeoutSeconds``; 600 by default). The read timeout is a minute longer, so the SDK never gives up on a
    request that is still waiting for a reviewer and retries it (each retry would be a new request to review).
    """
    credentials = credentials or ClientCredentials(settings.token_url, settings.client_id, settings.client_secret, scope=settings.scope)
    timeout = httpx.Timeout(connect=5.0, read=hold_seconds + 60.0, write=30.0, pool=30.0)
    http_client = openai.DefaultHttpxClient(auth=SluiceAuth(credentials), timeout=timeout)
    return openai.OpenAI(
        base_url=f"{settings.url}/v1",
        timeout=timeout,
        # The SDK insists on a key; SluiceAuth replaces the header with the current access token.
        api_key="set-by-SluiceAuth",
        http_client=http_client,
        # 408/409/429/5xx and connection errors, honouring retry-after (up to 120 s in this SDK).
        max_retries=max_retries,
        default_headers={"x-sluice-session": settings.session} if settings.session else None,
    )


def _describe(e: Exception) -> dict[str, Any]:
    if isinstance(e, openai.APIStatusError):
        body = e.body if isinstance(e.body, dict) else {}
        return {"status": e.status_code, "code": body.get("code") or body.get("type") or f"http_{e.status_code}", "error": e.message}
    if isinstance(e, openai.APITimeoutError):
        return {"status": None, "code": "timeout", "error": str(e)}
    if isinstance(e, openai.APIConnectionError):
        return {"status": None, "code": "network_error", "error": str(e)}
    return {"status": None, "code": type(e).__name__, "error": str(e)}


def enrich_partition(
    rows: Iterable[Any],
    client: openai.OpenAI,
    *,
    key_of: Callable[[Any], str],
    text_of: Callable[[Any], str],
    model: str = "gpt-4o-mini",
    system_prompt: str = "Classify this text: topic and urgency, one line.",
    max_in_flight: int = 8,
    max_tokens: int = 200,
) -> Iterator[dict[str, Any]]:
    """Enrich every row; yields one dict per row, in input order, never raises for a single bad row.

    At most ``max_in_flight`` calls run at once, and no more rows are read from ``rows`` than are in flight
    (backpressure: Spark does not materialize the partition). Every call carries ``Idempotency-Key: key_of(row)``,
    the same on each of the SDK's retries.
    """

    def call(row: Any) -> dict[str, Any]:
        key = key_of(row)
        try:
            res = client.chat.completions.create(
                model=model,
                temperature=0,
                max_tokens=max_tokens,
                messages=[{"role": "system", "content": system_prompt}, {"role": "user", "content": text_of(row)}],
                extra_headers={"Idempotency-Key": key},
            )
            return {"key": key, "ok": True, "enrichment": res.choices[0].message.content or "", "tokens": res.usage.total_tokens if res.usage else None}
        except Exception as e:  # noqa: BLE001 - a record's failure is data, not a crash
            return {"key": key, "ok": False, **_describe(e)}

    window: deque[Future[dict[str, Any]]] = deque()
    with ThreadPoolExecutor(max_workers=max_in_flight, thread_name_prefix="sluice-enrich") as pool:
        for row in rows:
            if len(window) >= max_in_flight:
                yield window.popleft().result()
            window.append(pool.submit(call, row))
        while window:
            yield window.popleft().result()
