"""Pure ASGI middleware every HTTP server of the project uses (no BaseHTTPMiddleware: no extra
task, no body buffering).

* :class:`RequestIdMiddleware` — takes ``X-Request-ID`` from the request (or makes one), keeps it
  in :data:`booking_common.logging.request_id_var` for every log line of the request, returns
  it in the response header and writes one access-log line: method, path, status, duration,
  user id when authentication set ``request.state.user_id`` (DEBUG for successful probes of
  ``/health`` and ``/ready``). Never the query string, headers or body (tokens, passwords,
  phone numbers live there). ``access_log="errors"`` writes the line only for answers >= 400
  and requests slower than ``slow_ms``, ``"off"`` never; ``sample`` (0..1) keeps that share of
  the other lines (errors and slow requests are always written).
* :class:`HSTSMiddleware` — ``Strict-Transport-Security`` on answers to https requests: direct
  TLS, or ``X-Forwarded-Proto: https`` from a proxy uvicorn trusts (``FORWARDED_ALLOW_IPS``;
  uvicorn's proxy-headers middleware has already rewritten the scheme by then).
"""

from __future__ import annotations

import logging
import random
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from booking_common.logging import (
    REQUEST_ID_HEADER,
    clean_request_id,
    new_request_id,
    request_id_var,
)

_HEADER = REQUEST_ID_HEADER.lower().encode()
QUIET_PATHS = frozenset({"/health", "/ready"})


class RequestIdMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        *,
        logger: str = "booking_api.access",
        quiet_paths: frozenset[str] = QUIET_PATHS,
        access_log: str = "on",
        sample: float = 1.0,
        slow_ms: float = 1000.0,
    ) -> None:
        self.app = app
        self.log = logging.getLogger(logger)
        self.quiet_paths = quiet_paths
        self.mode, self.sample, self.slow_ms = access_log, sample, slow_ms

    def _wanted(self, path: str, status: int, duration_ms: float) -> bool:
        """Whether this request gets an access-log line (see the module's docstring)."""
        if self.mode == "off":
            return False
        if status >= 400 or duration_ms >= self.slow_ms:
            return True
        if self.mode == "errors" or path in self.quiet_paths:
            return False
        return self.sample >= 1.0 or random.random() < self.sample

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = None
        for name, value in scope.get("headers") or ():
            if name == _HEADER:
                incoming = clean_request_id(value)
                break
        request_id = incoming or new_request_id()
        token = request_id_var.set(request_id)
        status = 500
        started = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != _HEADER]
                headers.append((_HEADER, request_id.encode()))
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            path = scope.get("path", "")
            duration_ms = round((time.perf_counter() - started) * 1000, 2)
            # Probes (/health, /ready) come every few seconds: DEBUG, unless they fail.
            probe = path in self.quiet_paths and status < 400
            level = logging.DEBUG if probe else logging.INFO
            wanted = self._wanted(path, status, duration_ms) or (probe and self.mode != "off")
            if wanted and self.log.isEnabledFor(level):
                state = scope.get("state") or {}
                user_id = state.get("user_id") if isinstance(state, dict) else None
                extra = {
                    "method": scope.get("method"),
                    "path": path,
                    "status": status,
                    "duration_ms": duration_ms,
                    "request_id": request_id,
                }
                if user_id is not None:
                    extra["user_id"] = user_id
                # The record made directly: Logger.log would walk the stack for the caller's
                # file and line (a sixth of the line's cost), the same for every access line.
                record = self.log.makeRecord(
                    self.log.name,
                    level,
                    __file__,
                    0,
                    "%s %s %s %.1fms",
                    (extra["method"], path, status, duration_ms),
                    None,
                    "access",
                    extra,
                )
                self.log.handle(record)
            request_id_var.reset(token)


class HSTSMiddleware:
    def __init__(
        self, app: ASGIApp, *, max_age: int = 31536000, include_subdomains: bool = True
    ) -> None:
        self.app = app
        value = f"max-age={max_age}" + ("; includeSubDomains" if include_subdomains else "")
        self.header = (b"strict-transport-security", value.encode())

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("scheme") != "https":
            await self.app(scope, receive, send)
            return

        async def send_with_hsts(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                if not any(k.lower() == self.header[0] for k, _ in headers):
                    headers.append(self.header)
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_hsts)


def install(app: ASGIApp, *, hsts_max_age: int = 31536000) -> ASGIApp:
    """Wrap a plain ASGI app (the MCP HTTP app) in both middlewares."""
    return RequestIdMiddleware(
        HSTSMiddleware(app, max_age=hsts_max_age), logger="booking_mcp.access"
    )
