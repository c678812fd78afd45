"""What the hot paths share (``catalogue/hot.py``, ``appointments/hot.py``,
``availability/hot_slots.py``, ``hot_days.py``, ``hot_nearest.py``,
``appointments/hot_booking.py``): requests answered below FastAPI.
The reads (on PostgreSQL) send their SQL straight to asyncpg on a connection of the API's own
pool and their answer as one JSON body; a read that cannot answer (the database out of reach,
anything unexpected) passes the request on to the route, which answers or fails it the usual
way. Booking, which cannot pass on once it has read the body, answers its errors with the
app's own handlers (:func:`handled`)."""

from __future__ import annotations

import inspect
import logging
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from booking_api.core.config import Settings
from booking_api.core.db import Database, database_unavailable
from booking_api.core.driver import driver_fetch
from booking_api.core.errors import APIError
from booking_api.core.http import JSON

log = logging.getLogger("booking_api.hot")


def passed_on(exc: BaseException, path: str) -> None:
    """A hot path could not answer: the route will. Expected for a refused token or page (the
    route answers 401/404) and a database out of reach (503); anything else is logged, so that
    a hot path failing quietly (and costing its request twice) is seen."""
    if not isinstance(exc, APIError | LookupError) and not database_unavailable(exc):
        log.warning("hot path of %s passed the request on: %r", path, exc)


async def fetch(engine: AsyncEngine, sql: str, *args: Any) -> list[Any]:
    """The rows of ``sql`` sent straight to asyncpg (:func:`~booking_api.core.driver.driver_fetch`);
    one name here, so that tests can count the hot paths' statements."""
    return await driver_fetch(engine, sql, *args)


@dataclass(frozen=True)
class Matched:
    """What the router would leave in the scope as ``route`` for this path: its template,
    which the metrics label requests with (``core/metrics._template``)."""

    path: str

    @property
    def path_format(self) -> str:
        return self.path


async def send_json(scope: Scope, send: Send, answer: Any, route: Matched) -> None:
    """``answer`` as the routes' :class:`~booking_api.core.http.JSON` sends it (the same
    bytes, the same headers), with the route in the scope as if the router had matched it."""
    body = JSON(answer).body
    scope["route"] = route
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [
                (b"content-length", str(len(body)).encode()),
                (b"content-type", b"application/json"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class HotRead(ABC):
    """Pure ASGI: a read answered here when :meth:`asked` finds a request it takes (None: not
    this path's, or not a plain one) and :meth:`answer` answers it (None: the route must, for
    its 404s and 400s); anything else, a failure included (:func:`passed_on`), goes on to the
    route, which answers or fails it the usual way."""

    route: Matched

    def __init__(self, app: ASGIApp, *, db: Database, settings: Settings) -> None:
        self.app = app
        self.db = db
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        asked = self.asked(scope)
        if asked is None:
            await self.app(scope, receive, send)
            return
        try:
            answer = await self.answer(scope, asked)
        except Exception as exc:  # noqa: BLE001 - the route answers (or fails) it as usual
            passed_on(exc, scope["path"])
            answer = None
        if answer is None:
            await self.app(scope, receive, send)
            return
        await send_json(scope, send, answer, self.route)

    @abstractmethod
    def asked(self, scope: Scope) -> Any | None:
        """What a request this path takes asks (its parsed parameters), else None."""

    @abstractmethod
    async def answer(self, scope: Scope, asked: Any) -> Any | None:
        """The route's answer to ``asked``, or None where the route must answer."""


async def handled(request: Request, exc: Exception) -> Response:
    """The answer the app's exception handler for ``exc`` gives (``app.install_error_handlers``:
    an API error, a database out of reach, a client gone), for a hot path that answers errors
    itself, as if its route had raised ``exc``. What only the catch-all ``Exception`` handler
    would take is raised again, as from a route: it travels out through the middlewares (the
    body limit's own refusals among them) to Starlette's ``ServerErrorMiddleware``."""
    handlers = request.app.exception_handlers
    for kind in type(exc).__mro__:
        if kind is Exception:
            break
        handler = handlers.get(kind)
        if handler is not None:
            response = handler(request, exc)
            return await response if inspect.isawaitable(response) else response
    raise exc


def plain_query(scope: Scope, allowed: set[bytes]) -> dict[bytes, bytes] | None:
    """A GET's query parameters when a hot read may take them: only names in ``allowed``,
    each once, nothing percent- or plus-encoded (an empty query: none); else None (the route
    reads them, with its own parsing and errors)."""
    query = scope["query_string"]
    if not query:
        return {}
    if b"%" in query or b"+" in query:
        return None
    params = dict(part.partition(b"=")[::2] for part in query.split(b"&"))
    if len(params) != query.count(b"&") + 1 or not params.keys() <= allowed:
        return None  # a repeated or another parameter
    return params


def has_header(scope: Scope, name: bytes) -> bool:
    return any(key == name for key, _ in scope["headers"])
