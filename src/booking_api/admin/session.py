"""A signed-cookie session for the admin (what Starlette's SessionMiddleware does).

Starlette's own middleware needs ``itsdangerous``, which the project does not install; this one
signs with HMAC-SHA256 over SECRET_KEY from the standard library. The cookie holds
``base64(json).timestamp.signature``; a bad signature or an expired timestamp gives an empty
session. It is written back only when the session changed (compared as JSON at the start of the
response, so in-place changes like sqladmin's flash messages count too).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import time
from typing import Any

from starlette.datastructures import MutableHeaders
from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class SignedCookieSession:
    def __init__(
        self,
        app: ASGIApp,
        secret_key: str,
        session_cookie: str = "session",
        max_age: int = 14 * 24 * 3600,
        path: str = "/",
        same_site: str = "lax",
        https_only: bool = False,
    ) -> None:
        self.app = app
        # A key of its own, so a session signature is never valid as anything else.
        self.key = hashlib.sha256(b"booking_api.admin.session:" + secret_key.encode()).digest()
        self.cookie = session_cookie
        self.max_age = max_age
        self.flags = f"path={path}; httponly; samesite={same_site}"
        if https_only:
            self.flags += "; secure"

    def _sign(self, value: bytes) -> str:
        return base64.urlsafe_b64encode(
            hmac.new(self.key, value, hashlib.sha256).digest()
        ).decode().rstrip("=")

    def dumps(self, data: dict[str, Any], now: float | None = None) -> str:
        payload = base64.urlsafe_b64encode(json.dumps(data, separators=(",", ":")).encode())
        stamped = payload.decode() + "." + str(int(now if now is not None else time.time()))
        return stamped + "." + self._sign(stamped.encode())

    def loads(self, raw: str, now: float | None = None) -> dict[str, Any]:
        try:
            stamped, signature = raw.rsplit(".", 1)
            payload, stamp = stamped.split(".", 1)
            if not hmac.compare_digest(signature, self._sign(stamped.encode())):
                return {}
            if (now if now is not None else time.time()) - int(stamp) > self.max_age:
                return {}
            data = json.loads(base64.urlsafe_b64decode(payload.encode()))
        except (ValueError, binascii.Error):
            return {}
        return data if isinstance(data, dict) else {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        raw = HTTPConnection(scope).cookies.get(self.cookie)
        session = self.loads(raw) if raw else {}
        had_cookie = bool(raw)
        initial = json.dumps(session, sort_keys=True)
        scope["session"] = session

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                current: dict[str, Any] = scope["session"]
                headers = MutableHeaders(scope=message)
                if current and json.dumps(current, sort_keys=True) != initial:
                    headers.append(
                        "Set-Cookie",
                        f"{self.cookie}={self.dumps(current)}; Max-Age={self.max_age}; "
                        f"{self.flags}",
                    )
                elif not current and had_cookie:
                    headers.append(
                        "Set-Cookie",
                        f"{self.cookie}=; expires=Thu, 01 Jan 1970 00:00:00 GMT; {self.flags}",
                    )
            await send(message)

        await self.app(scope, receive, send_wrapper)
