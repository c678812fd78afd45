"""ASGI middleware of the API alone (Django and DRF parity).

* :class:`HeadAsGetMiddleware` — HEAD answered like GET without the body.
* :class:`NullCharactersMiddleware` — a NUL character in a query parameter is a 400.
"""

from __future__ import annotations

import json
from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Message, Receive, Scope, Send

NULL_CHARACTERS = "Null characters are not allowed."


class HeadAsGetMiddleware:
    """HEAD is answered like GET without the body (Django answers HEAD on every GET view)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def send_headers_only(message: Message) -> None:
            if message["type"] == "http.response.body":
                if message.get("more_body", False):
                    return
                message = {"type": "http.response.body", "body": b""}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, send_headers_only)


class NullCharactersMiddleware:
    """A query parameter holding a NUL character gets DRF's 400 ("Null characters are not
    allowed.", as django-filter's form fields say) instead of reaching the database, which
    cannot store or compare it. Costs one substring test per request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        query = scope.get("query_string", b"") if scope["type"] == "http" else b""
        if b"%00" not in query and b"\x00" not in query:
            await self.app(scope, receive, send)
            return
        names = sorted(
            {name for name, value in parse_qsl(query.decode("latin-1"), True) if "\x00" in value}
        )
        if not names:
            await self.app(scope, receive, send)
            return
        body = json.dumps({name: [NULL_CHARACTERS] for name in names}).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 400,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
