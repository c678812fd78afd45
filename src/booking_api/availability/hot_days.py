"""The days of a month with room answered below FastAPI on PostgreSQL: ``GET
/api/specialists/{id}/available_days/?month=YYYY-MM&service=ID`` (either, both or neither),
asked anonymously: the bot's and the Mini App's calendar of free days, asked for every month a
client looks at.

The same answer as the route (``tests/api/availability/test_days_hot.py`` compares both ways)
for less CPU: the route reads in four statements through a session (the specialist's
existence, the service's shape, the weekly hours and breaks, then the month's time off, busy
appointments and live holds); here ONE statement sent straight to asyncpg
(``api/hot.fetch``) answers all of it. The rules of each day are assembled by the route's own
function (``repository.rules_of_days``) and judged by the route's engine
(``engine.days_with_room``).

Anything else goes to the route: another or a repeated parameter, a bearer token, a month or
id that is not plain, an unknown specialist (404), a service the specialist does not offer
(400), and any failure (the route answers or fails it as usual). The cache middleware, outside
this one, still answers first when it holds the answer.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from typing import Any

from starlette.requests import Request
from starlette.types import Scope

from booking_api.api import hot as hot_path
from booking_api.availability.engine import days_with_room
from booking_api.availability.repository import rules_from_range_row, specialist_range_query
from booking_api.availability.service import asked_shape
from booking_api.availability.window import Window, days_between
from booking_api.caching.scopes import slot_now
from booking_api.core.config import Settings
from booking_api.core.db import Database
from booking_api.core.fields import parse_date

PATH = re.compile(r"^/api/specialists/([0-9]{1,9})/available_days/$")
ROUTE = hot_path.Matched("/api/specialists/{pk}/available_days/")
MONTH = re.compile(rb"^[0-9]{4}-[0-9]{2}$")


class HotDays(hot_path.HotRead):
    """Pure ASGI: answers the plain free-days read (see the module's docstring), else passes
    on."""

    route = ROUTE

    def asked(self, scope: Scope) -> tuple[int, dt.date | None, int | None] | None:
        """(specialist id, the month's first day or None for this month, service id or None)
        of a request this path answers, else None."""
        if scope["type"] != "http" or scope["method"] != "GET":
            return None
        match = PATH.match(scope["path"])
        if match is None or hot_path.has_header(scope, b"authorization"):
            return None
        params = hot_path.plain_query(scope, {b"month", b"service"})
        if params is None:
            return None
        service = params.get(b"service")
        if service is not None and not (service.isdigit() and len(service) <= 9):
            return None  # an empty, odd or unknown service: the route's answer
        month = params.get(b"month")
        first = None
        if month is not None:  # as the route reads it: YYYY-MM, its first day a date
            first = parse_date(month.decode() + "-01") if MONTH.match(month) else None
            if first is None:
                return None  # an empty or malformed month: the route's 400
        return int(match.group(1)), first, int(service) if service is not None else None

    async def answer(self, scope: Scope, asked: tuple[int, dt.date | None, int | None]) -> Any:
        """The route's answer, or None where the route must answer (see the docstring)."""
        specialist_id, month, service_id = asked
        settings, tz = self.settings, self.settings.tz
        now = slot_now(Request(scope), tz)
        window = Window.for_slots(settings, now)
        month = month or now.date().replace(day=1)
        # The days the route looks at (service.days_with_free_slots); a month wholly outside
        # the booking window has none (first > last) and answers [].
        last_day = month.replace(day=calendar.monthrange(month.year, month.month)[1])
        first = max(month, window.earliest.date())
        last = min(last_day, window.latest.date())
        sql, args = specialist_range_query(specialist_id, first, last, tz, service_id)
        rows = await hot_path.fetch(self.db.read_engine, sql, *args)
        if not rows:
            return None  # no such specialist: the route's 404
        shape = asked_shape(settings, service_id, rows[0]["service"])
        if shape is None:
            return None  # not this specialist's service: the route's 400
        rules = rules_from_range_row(rows[0], specialist_id, first, last, window, tz)
        ordered = [
            rules[key] for d in days_between(first, last) if (key := (specialist_id, d)) in rules
        ]
        return [d.isoformat() for d in days_with_room(ordered, **shape)]


def install(app: Any, db: Database, settings: Settings) -> None:
    """On PostgreSQL, answer the plain free-days read here (a no-op on SQLite)."""
    if db.dialect == "postgresql":
        app.add_middleware(HotDays, db=db, settings=settings)
