"""A specialist's free slots on a day answered below FastAPI on PostgreSQL: ``GET
/api/specialists/{id}/available_slots/?date=YYYY-MM-DD``, alone or with ``&service=ID``, asked
anonymously (what the Mini App, the bot and the MCP server ask for every day a client looks
at: with a service once the client has chosen one).

The same answer as the route (``tests/api/availability/test_slots_hot.py`` compares both
ways), for less CPU: no dependency injection, no session, and ONE statement instead of the
route's two or three (the specialist's hours and breaks, time off, busy appointments and live
holds around the day, as arrays: ``repository.range_rows_sql``, as the free-days and nearest
hot reads; and the service's duration and buffers), sent on a pooled connection straight to
asyncpg (``api/hot.fetch``). The day's rules are assembled by the route's loader's own
function (``repository.rules_of_days``); the engine (``engine.free_slots``) and the JSON are
the route's own.

Anything else goes to the route: another parameter (``appointment``), a bearer token, an id
or date that is not plain, a day outside the booking window, an unknown specialist (404), a
day off or a service the specialist does not offer (400), and any failure (the route answers
or fails it as usual). The cache middleware, outside this one, still answers first when it
holds the answer.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from starlette.requests import Request
from starlette.types import Scope

from booking_api.api import hot as hot_path
from booking_api.availability.engine import free_slots
from booking_api.availability.repository import rules_from_range_row, specialist_range_query
from booking_api.availability.schemas import slot_json
from booking_api.availability.service import asked_shape
from booking_api.availability.window import Window
from booking_api.caching.scopes import slot_now
from booking_api.core.config import Settings
from booking_api.core.db import Database
from booking_api.core.fields import parse_date

PATH = re.compile(r"^/api/specialists/([0-9]{1,9})/available_slots/$")
ROUTE = hot_path.Matched("/api/specialists/{pk}/available_slots/")


class HotSlots(hot_path.HotRead):
    """Pure ASGI: answers the plain free-slots read (see the module's docstring), else passes
    on."""

    route = ROUTE

    def asked(self, scope: Scope) -> tuple[int, dt.date, int | None] | None:
        """(specialist id, day, service id or None) of a request this path answers, else None:
        ``date=`` alone or with ``service=`` (plain digits), in either order."""
        if scope["type"] != "http" or scope["method"] != "GET":
            return None
        match = PATH.match(scope["path"])
        params = hot_path.plain_query(scope, {b"date", b"service"})
        if match is None or params is None:
            return None
        service = params.get(b"service")
        if service is not None and not (service.isdigit() and len(service) <= 9):
            return None
        if b"date" not in params or hot_path.has_header(scope, b"authorization"):
            return None
        day = parse_date(params[b"date"].decode("ascii", "replace"))
        if day is None:
            return None
        return int(match.group(1)), day, int(service) if service is not None else None

    async def answer(self, scope: Scope, asked: tuple[int, dt.date, int | None]) -> Any:
        """The route's answer, or None where the route must answer (see the docstring)."""
        specialist_id, day, service_id = asked
        settings, tz = self.settings, self.settings.tz
        window = Window.for_slots(settings, slot_now(Request(scope), tz))
        if not window.covers(day):
            return None
        sql, args = specialist_range_query(specialist_id, day, day, tz, service_id)
        rows = await hot_path.fetch(self.db.read_engine, sql, *args)
        if not rows:
            return None  # no such specialist: the route's 404
        rules = rules_from_range_row(rows[0], specialist_id, day, day, window, tz)
        day_rules = rules.get((specialist_id, day))
        shape = asked_shape(settings, service_id, rows[0]["service"])
        if day_rules is None or shape is None:
            return None  # a day off, or not this specialist's service: the route's 400s
        return [slot_json(s) for s in free_slots(day_rules, **shape)]


def install(app: Any, db: Database, settings: Settings) -> None:
    """On PostgreSQL, answer the plain free-slots read here (a no-op on SQLite)."""
    if db.dialect == "postgresql":
        app.add_middleware(HotSlots, db=db, settings=settings)
