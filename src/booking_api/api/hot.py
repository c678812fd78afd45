"""What the hot paths share (``catalogue/hot.py``, ``appointments/hot.py``): reads answered
below FastAPI on PostgreSQL, their SQL sent straight to asyncpg on a connection of the API's
own pool, their answer sent as one JSON body. A hot path that cannot answer (the database out
of reach, anything unexpected) passes the request on to the route, which answers or fails it
the usual way."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.util import greenlet_spawn
from starlette.types import Scope, Send

from booking_api.core.http import JSON


async def fetch(engine: AsyncEngine, sql: str) -> list[Any]:
    """The rows of ``sql`` on a pooled connection, sent to asyncpg directly (prepared once per
    connection; unnamed each time under DATABASE_PGBOUNCER, where asyncpg's cache is off)."""
    pooled = await engine.raw_connection()
    try:
        return await pooled.driver_connection.fetch(sql)
    finally:
        if pooled.driver_connection.is_closed():  # lost mid-request: not back to the pool
            await greenlet_spawn(pooled.invalidate)
        await greenlet_spawn(pooled.close)


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


def has_header(scope: Scope, name: bytes) -> bool:
    return any(key == name for key, _ in scope["headers"])
