"""ASGI middleware of the API alone (Django and DRF parity, and the limits of a request).

* :class:`HeadAsGetMiddleware` — HEAD answered like GET without the body.
* :class:`NullCharactersMiddleware` — a NUL character in a query parameter is a 400.
* :class:`RequestBodyLimitMiddleware` — a body beyond the size limit is a 413 (from its
  Content-Length before any of it is read, else as soon as the count passes it); a body that
  stops arriving is a 400 after the read timeout.
"""

from __future__ import annotations

import asyncio
import json
import logging
from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from booking_api.core.errors import APIError, ClientClosedRequest, ParseError, PayloadTooLarge

log = logging.getLogger("booking_api.http")

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


class _BodyRefused(Exception):
    """Raised into the app from ``receive``; the middleware answers instead of the app."""


class RequestBodyLimitMiddleware:
    """Bounds on request bodies, so that no client can hold a worker or its memory:

    * at most ``max_bytes`` (``MAX_REQUEST_BODY_BYTES``; multipart uploads ``upload_bytes``
      more, for the photo): a larger Content-Length is refused with 413 before the body is
      read, and a body sent without one (chunked) is cut off with 413 once it passes the limit;
    * at most ``timeout`` seconds (``REQUEST_BODY_TIMEOUT_SECONDS``) of waiting for the next
      part of a body: a body shorter than its Content-Length, or one that stops, is a 400.

    Both answers close the connection (the rest of the body would be read as a next request);
    a client that disconnects mid-body is logged with a 499 (nginx's "client closed request"),
    never as a server error.
    """

    def __init__(self, app: ASGIApp, *, max_bytes: int, upload_bytes: int, timeout: float):
        self.app = app
        self.max_bytes = max_bytes
        self.upload_bytes = upload_bytes
        self.timeout = timeout

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit, declared = self.max_bytes, None
        for name, value in scope["headers"]:
            if name == b"content-length" and value.isdigit():
                declared = int(value)
            elif name == b"content-type" and value[:19].lower() == b"multipart/form-data":
                limit += self.upload_bytes
        if declared is not None and declared > limit:
            await _answer(send, PayloadTooLarge(limit))
            return

        received, complete, refusal = 0, False, None
        started = False

        async def limited_receive() -> Message:
            nonlocal received, complete, refusal
            if complete:  # the body is in: what follows is a wait for the disconnect
                return await receive()
            try:
                async with asyncio.timeout(self.timeout):
                    message = await receive()
            except TimeoutError:
                refusal = ParseError(
                    f"Incomplete request body: nothing arrived for {self.timeout:g} seconds "
                    f"after {received} bytes"
                    + (f" of the {declared} announced." if declared is not None else ".")
                )
                raise _BodyRefused from None
            if message["type"] == "http.disconnect":
                refusal = ClientClosedRequest()
                raise _BodyRefused
            received += len(message.get("body", b""))
            if received > limit:
                refusal = PayloadTooLarge(limit)
                raise _BodyRefused
            complete = not message.get("more_body", False)
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if refusal is not None:
                return  # whatever the app made of the exception, the refusal is the answer
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, limited_receive, guarded_send)
        except Exception:
            if refusal is None:
                raise
        if refusal is not None:
            log.info("request body refused: %s", refusal.detail)
            if not started:
                await _answer(send, refusal)


async def _answer(send: Send, error: APIError) -> None:
    """A JSON error answered from middleware; the connection is closed after it."""
    body = json.dumps(error.body).encode()
    await send(
        {
            "type": "http.response.start",
            "status": error.status_code,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
