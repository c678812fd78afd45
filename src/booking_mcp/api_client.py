"""The MCP server's only way to the booking API: HTTP with httpx.

* one pooled :class:`httpx.AsyncClient` with timeouts;
* retries (tenacity) only where repeating is safe: reads (GET), PUT/DELETE, a write that
  carries an ``Idempotency-Key``, and the service account's login; a write without a key is
  never repeated. It retries on 502/503/504 and on connection failures, waits what a 503's
  ``Retry-After`` asks (else a short growing pause), and gives up once the total wait would
  pass ``API_RETRY_MAX_WAIT`` seconds;
* the service account logs in with ``API_USERNAME``/``API_PASSWORD`` and refreshes its token
  before it expires (or after a 401);
* :class:`ClientAuth` says on whose behalf a call is made: a fixed client token, or a Telegram
  id exchanged (``POST /auth/telegram/``, staff only) for that client's tokens, cached per id;
* every refusal becomes an :class:`ApiError` carrying the API's own message.
"""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import email.utils
import json
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception,
    stop_after_attempt,
    stop_any,
    wait_exponential,
)

from booking_common.logging import REQUEST_ID_HEADER, request_id_var

from .config import Settings

log = logging.getLogger("booking_mcp.api")

RETRY_STATUSES = {502, 503, 504}
MAX_ATTEMPTS = 6  # of one call, within API_RETRY_MAX_WAIT
SAFE_METHODS = {"GET", "HEAD", "OPTIONS", "PUT", "DELETE"}
# Failures after which the API may not have seen the request, or its answer was lost:
RETRY_ERRORS = httpx.NetworkError | httpx.TimeoutException | httpx.RemoteProtocolError
EXPIRY_MARGIN = 30.0  # seconds: refresh a token this long before it expires


class ApiError(Exception):
    """The API refused a request; ``message`` is its explanation, fit to show a user."""

    def __init__(self, status: int, message: str, data: Any = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.data = data


class ApiUnavailable(ApiError):
    """The API could not be reached (connection failure, timeout, 5xx after retries)."""


class _Transient(Exception):
    """Internal: a response worth retrying."""

    def __init__(self, response: httpx.Response) -> None:
        super().__init__(response.status_code)
        self.response = response


def retry_after(response: httpx.Response) -> float | None:
    """Seconds the response's ``Retry-After`` asks to wait (a number or an HTTP date)."""
    value = response.headers.get("Retry-After", "").strip()
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return max(0.0, (when - dt.datetime.now(dt.UTC)).total_seconds())


_backoff = wait_exponential(multiplier=0.2, max=2)


def _retry_wait(state: RetryCallState) -> float:
    """A 503's own ``Retry-After``, else a short pause that grows with each attempt."""
    failure = state.outcome.exception() if state.outcome else None
    if isinstance(failure, _Transient):
        asked = retry_after(failure.response)
        if asked is not None:
            return asked
    return _backoff(state)


def error_message(data: Any, status: int) -> str:
    """Turn a DRF-style error body into one readable sentence."""
    if isinstance(data, dict):
        for key in ("detail", "error"):
            if isinstance(data.get(key), str):
                return data[key]
        parts = []
        for key, value in data.items():
            texts = value if isinstance(value, list) else [value]
            text = " ".join(str(t) for t in texts)
            parts.append(text if key == "non_field_errors" else f"{key}: {text}")
        if parts:
            return "; ".join(parts)
    if isinstance(data, list) and data:
        return " ".join(str(x) for x in data)
    if isinstance(data, str) and data.strip():
        return data.strip()[:300]
    return f"HTTP {status}"


def token_expiry(token: str) -> float:
    """The ``exp`` claim of a JWT (not verified: the API verifies), 0 when unreadable."""
    try:
        payload = token.split(".")[1]
        payload += "=" * (-len(payload) % 4)
        return float(json.loads(base64.urlsafe_b64decode(payload))["exp"])
    except (IndexError, KeyError, ValueError, TypeError):
        return 0.0


def token_type(token: str) -> str | None:
    try:
        payload = token.split(".")[1]
        payload += "=" * (-len(payload) % 4)
        return json.loads(base64.urlsafe_b64decode(payload)).get("token_type")
    except (IndexError, ValueError, TypeError, AttributeError):
        return None


@dataclass
class _Tokens:
    access: str
    refresh: str | None = None
    client: dict[str, Any] = field(default_factory=dict)

    @property
    def fresh(self) -> bool:
        exp = token_expiry(self.access)
        return exp == 0.0 or exp - EXPIRY_MARGIN > time.time()


@dataclass(frozen=True)
class ClientAuth:
    """On whose behalf a call is made: a Telegram user (via the exchange) or a fixed token."""

    telegram_id: str | None = None
    token: str | None = None
    name: str | None = None
    phone: str | None = None
    language: str | None = None

    @property
    def key(self) -> str:
        return f"tg:{self.telegram_id}" if self.telegram_id else "token"


SERVICE = "service"  # the ``auth`` value for calls made as the service account


async def _forward_request_id(request: httpx.Request) -> None:
    """Every API call carries the current request id (``X-Request-ID``), so the API's log
    lines of a user's message share the id of the bot's and the MCP server's."""
    request_id = request_id_var.get()
    if request_id and REQUEST_ID_HEADER not in request.headers:
        request.headers[REQUEST_ID_HEADER] = request_id


class ApiClient:
    """Async client of the booking API; see the module docstring."""

    def __init__(
        self,
        settings: Settings,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ):
        """``transport`` and ``sleep`` replace the network and the retry pauses in tests."""
        self.settings = settings
        base = settings.api_url.rstrip("/") + "/"
        self._http = httpx.AsyncClient(
            base_url=base,
            timeout=httpx.Timeout(
                settings.request_timeout, connect=min(5.0, settings.request_timeout)
            ),
            limits=httpx.Limits(max_connections=50, max_keepalive_connections=20),
            headers={"Accept": "application/json"},
            transport=transport,
            event_hooks={"request": [_forward_request_id]},
        )
        self._sleep = sleep
        self._service: _Tokens | None = None
        self._clients: dict[str, _Tokens] = {}

    async def aclose(self) -> None:
        await self._http.aclose()

    # ------------------------------------------------------------------ raw requests

    def _waited_enough(self, state: RetryCallState) -> bool:
        """Stop before a pause that would take the call's total wait past the budget."""
        return state.idle_for + (state.upcoming_sleep or 0) > self.settings.api_retry_max_wait

    async def _send(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        json_body: Any = None,
        headers: dict[str, str] | None = None,
        retry: bool | None = None,
    ) -> httpx.Response:
        """One request, retried when that is safe; returns any response (errors included).

        ``retry`` overrides the rule (reads and keyed writes are retried, other writes not)
        for a write that changes nothing, such as logging in.
        """
        params = {k: v for k, v in (params or {}).items() if v is not None and v != ""}
        if retry is None:
            retry = method in SAFE_METHODS or bool(headers and "Idempotency-Key" in headers)

        def transient(exc: BaseException) -> bool:
            return retry and isinstance(exc, _Transient | RETRY_ERRORS)

        retrying = AsyncRetrying(
            retry=retry_if_exception(transient),
            wait=_retry_wait,
            stop=stop_any(stop_after_attempt(MAX_ATTEMPTS), self._waited_enough),
            sleep=self._sleep,
            reraise=True,
        )
        try:
            async for attempt in retrying:
                with attempt:
                    response = await self._http.request(
                        method, path.lstrip("/"), params=params, json=json_body, headers=headers
                    )
                    if response.status_code in RETRY_STATUSES:
                        raise _Transient(response)
            return response
        except _Transient as exc:
            return exc.response
        except httpx.HTTPError as exc:
            log.warning("API %s %s failed: %r", method, path, exc)
            raise ApiUnavailable(
                503, f"The booking service is unavailable ({exc.__class__.__name__})."
            ) from exc

    @staticmethod
    def _result(response: httpx.Response) -> Any:
        if response.status_code == 204 or not response.content:
            data = None
        else:
            try:
                data = response.json()
            except ValueError:
                data = response.text
        if response.status_code >= 400:
            cls = ApiUnavailable if response.status_code >= 500 else ApiError
            raise cls(response.status_code, error_message(data, response.status_code), data)
        return data

    # ------------------------------------------------------------------ tokens

    async def _service_tokens(self, *, force: bool = False) -> _Tokens:
        tokens = self._service
        if tokens is not None and tokens.fresh and not force:
            return tokens
        if tokens is not None and tokens.refresh and token_expiry(tokens.refresh) > time.time() + 5:
            response = await self._send(
                "POST", "token/refresh/", json_body={"refresh": tokens.refresh}
            )
            if response.status_code == 200:
                data = response.json()
                self._service = _Tokens(data["access"], data.get("refresh") or tokens.refresh)
                return self._service
        if not self.settings.api_username:
            raise ApiError(
                401, "API_USERNAME/API_PASSWORD (a staff service account) are not configured."
            )
        response = await self._send(
            "POST",
            "token/",
            json_body={
                "username": self.settings.api_username,
                "password": self.settings.api_password,
            },
            retry=True,  # logging in creates nothing
        )
        data = self._result(response)
        self._service = _Tokens(data["access"], data.get("refresh"))
        return self._service

    async def _client_tokens(self, who: ClientAuth, *, force: bool = False) -> _Tokens:
        cached = self._clients.get(who.key)
        if cached is not None and cached.fresh and not force:
            return cached
        if cached is not None and cached.refresh and token_expiry(cached.refresh) > time.time() + 5:
            response = await self._send(
                "POST", "token/refresh/", json_body={"refresh": cached.refresh}
            )
            if response.status_code == 200:
                data = response.json()
                cached = _Tokens(
                    data["access"], data.get("refresh") or cached.refresh, cached.client
                )
                self._clients[who.key] = cached
                return cached
        if who.token:
            if token_type(who.token) == "refresh":
                data = self._result(
                    await self._send("POST", "token/refresh/", json_body={"refresh": who.token})
                )
                tokens = _Tokens(data["access"], data.get("refresh") or who.token)
            else:
                tokens = _Tokens(who.token)  # an access token: used until it expires
        elif who.telegram_id:
            body: dict[str, Any] = {"telegram_id": str(who.telegram_id)}
            for key in ("name", "phone", "language"):
                if getattr(who, key):
                    body[key] = getattr(who, key)
            data = await self.request("POST", "auth/telegram/", auth=SERVICE, json_body=body)
            tokens = _Tokens(data["access"], data.get("refresh"), data.get("client") or {})
        else:
            raise ApiError(400, "No client given: pass user_id (the Telegram id).")
        self._clients[who.key] = tokens
        return tokens

    async def exchange(self, who: ClientAuth) -> dict[str, Any]:
        """The client's profile from the exchange (registering them when unknown)."""
        tokens = await self._client_tokens(who)
        if tokens.client:
            return tokens.client
        return await self.request("GET", "clients/me/", auth=who)

    # ------------------------------------------------------------------ public

    async def request(
        self,
        method: str,
        path: str,
        *,
        auth: ClientAuth | str | None = None,
        params: dict[str, Any] | None = None,
        json_body: Any = None,
        idempotency_key: str | None = None,
    ) -> Any:
        """Call the API; returns the decoded JSON or raises :class:`ApiError`.

        ``auth``: ``None`` (anonymous), ``SERVICE`` (the service account) or a
        :class:`ClientAuth`. A 401 with a cached token renews it once and repeats.
        """
        data, _ = await self.request_with_headers(
            method,
            path,
            auth=auth,
            params=params,
            json_body=json_body,
            idempotency_key=idempotency_key,
        )
        return data

    async def request_with_headers(
        self,
        method: str,
        path: str,
        *,
        auth: ClientAuth | str | None = None,
        params: dict[str, Any] | None = None,
        json_body: Any = None,
        idempotency_key: str | None = None,
    ) -> tuple[Any, httpx.Headers]:
        """:meth:`request`, also returning the answer's headers (``Idempotent-Replayed``)."""
        for attempt in range(2):
            headers: dict[str, str] = {}
            if idempotency_key:
                headers["Idempotency-Key"] = idempotency_key
            if auth == SERVICE:
                tokens = await self._service_tokens(force=attempt > 0)
            elif isinstance(auth, ClientAuth):
                tokens = await self._client_tokens(auth, force=attempt > 0)
            else:
                tokens = None
            if tokens is not None:
                headers["Authorization"] = f"Bearer {tokens.access}"
            response = await self._send(
                method, path, params=params, json_body=json_body, headers=headers
            )
            if response.status_code == 401 and tokens is not None and attempt == 0:
                if isinstance(auth, ClientAuth):
                    self._clients.pop(auth.key, None)
                continue
            return self._result(response), response.headers
        raise AssertionError("unreachable")
