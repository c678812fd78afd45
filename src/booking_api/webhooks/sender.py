"""One HTTP attempt of a delivery, signed per Standard Webhooks, and the retry schedule.

Signing is the Standard Webhooks project's own library (``standardwebhooks``): the
``webhook-id``, ``webhook-timestamp`` and ``webhook-signature`` headers, so receivers verify
with any off-the-shelf Standard Webhooks verifier (``Webhook(secret).verify(body, headers)``).
The ``webhook-id`` is the event's id: the same on every retry and "send again", which is
what receivers de-duplicate on.

Redirects are not followed (a 3xx is a failed attempt: following one could lead to an
internal address), proxies from the environment are not used, and the connection goes to the
address :mod:`.guard` checked.
"""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import random
import secrets
import time
import weakref
from dataclasses import dataclass

import httpx
from standardwebhooks import Webhook

from booking_api.core.config import Settings
from booking_api.webhooks.guard import Target

USER_AGENT = "BookingAssistant-Webhooks/1.0"
SNIPPET_BYTES = 1024
SNIPPET_CHARS = 500


def new_secret() -> str:
    """A signing secret in the Standard Webhooks format: ``whsec_`` + base64 of 32 bytes."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def valid_secret(value: str) -> bool:
    """A secret the library takes: ``whsec_`` + base64 of 24 to 64 bytes."""
    if not value.startswith("whsec_"):
        return False
    try:
        key = base64.b64decode(value[len("whsec_") :], validate=True)
    except ValueError:
        return False
    return 24 <= len(key) <= 64


def signed_headers(secret: str, msg_id: str, body: bytes, at: dt.datetime) -> dict[str, str]:
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": Webhook(secret).sign(msg_id, at, body),
    }


@dataclass(frozen=True)
class Outcome:
    """What one attempt got: the status (None when no answer came), time, the answer's start."""

    status: int | None
    latency_ms: int
    snippet: str | None
    error: str | None

    @property
    def acknowledged(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


def retry_delay(settings: Settings, attempt: int, rng: random.Random | None = None) -> float:
    """Seconds before the try after ``attempt`` (1-based): exponential from
    WEBHOOK_RETRY_BASE_SECONDS, capped at WEBHOOK_RETRY_MAX_SECONDS, with "equal jitter"
    (half fixed, half random) so receivers coming back up are not hit by every retry at once."""
    ceiling = min(
        settings.webhook_retry_max_seconds,
        settings.webhook_retry_base_seconds * 2 ** max(0, attempt - 1),
    )
    return ceiling / 2 + (rng or random).uniform(0, ceiling / 2)


# One client per event loop (a worker has one), so connections to a receiver are reused.
_clients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, httpx.AsyncClient] = (
    weakref.WeakKeyDictionary()
)


def _client() -> httpx.AsyncClient:
    loop = asyncio.get_running_loop()
    client = _clients.get(loop)
    if client is None or client.is_closed:
        client = httpx.AsyncClient(
            follow_redirects=False,
            trust_env=False,
            limits=httpx.Limits(max_connections=50, max_keepalive_connections=20),
        )
        _clients[loop] = client
    return client


async def close_clients() -> None:
    """Close this loop's client (workers call it on the way out; harmless when none)."""
    loop = asyncio.get_running_loop()
    client = _clients.pop(loop, None)
    if client is not None:
        await client.aclose()


async def post(target: Target, secret: str, msg_id: str, body: bytes, *, seconds: float) -> Outcome:
    """POST ``body`` to ``target``, signed; never raises for the receiver's faults."""
    headers = {
        "content-type": "application/json",
        "user-agent": USER_AGENT,
        "host": target.host_header,
        **signed_headers(secret, msg_id, body, dt.datetime.now(dt.UTC)),
    }
    extensions = {"sni_hostname": target.host} if target.scheme == "https" else {}
    started = time.perf_counter()
    try:
        request = _client().build_request(
            "POST",
            target.pinned_url,
            content=body,
            headers=headers,
            timeout=seconds,
            extensions=extensions,
        )
        response = await _client().send(request, stream=True)
        try:
            head = b""
            async for chunk in response.aiter_bytes():
                head += chunk
                if len(head) >= SNIPPET_BYTES:
                    break
        finally:
            await response.aclose()
    except httpx.HTTPError as exc:
        elapsed = int((time.perf_counter() - started) * 1000)
        return Outcome(None, elapsed, None, f"{type(exc).__name__}: {exc}"[:500])
    elapsed = int((time.perf_counter() - started) * 1000)
    snippet = head[:SNIPPET_BYTES].decode("utf-8", "replace")[:SNIPPET_CHARS]
    error = None if 200 <= response.status_code < 300 else f"HTTP {response.status_code}"
    return Outcome(response.status_code, elapsed, snippet, error)
