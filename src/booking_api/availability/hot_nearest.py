"""The nearest free slots answered below FastAPI on PostgreSQL: ``GET /api/slots/nearest/``
by ``service``, ``category_id`` and/or ``specialist``, with ``date_from``, ``date_to``,
``limit`` and ``per_specialist`` as the route takes them, asked anonymously (the Mini App's
"first day with room" and the bot's "when is the soonest?").

The same answer as the route (``tests/api/availability/test_nearest_hot.py`` compares both
ways) for less CPU: the route reads in four statements through a session (the asked service's
name, the matching offers, their specialists' weekly hours and breaks, then time off, busy
appointments and live holds of the days searched); here ONE statement sent straight to asyncpg
(``api/hot.fetch``) answers all of it, each offer with its specialist's rules. The days'
rules are assembled by the route's own function (``repository.rules_of_days``) and the slots
chosen by the route's own search (``service.earliest_slots``).

Anything else goes to the route: ``service_name`` or ``city`` (matched by the route's text
search), another or a repeated parameter, a bearer token, a value that is not plain (an empty
one, an id with more than 9 digits, a malformed date, a limit outside 1..50), no criterion
(the route's 400), and any failure (the route answers or fails it as usual). The cache
middleware, outside this one, still answers first when it holds the answer.

The route matches other services by the asked one's name lowered in Python against theirs
lowered by PostgreSQL; here both are lowered by PostgreSQL, and a name that the two lower
differently (a letter such as "İ", or any capital under a database collation that lowers
only ASCII) goes to the route. Each specialist's rules are read once however many of their
services match.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from starlette.requests import Request
from starlette.types import Scope

from booking_api.api import hot as hot_path
from booking_api.availability.engine import Interval, local_dt
from booking_api.availability.repository import (
    add_range_row,
    range_rows_sql,
    rules_of_days,
)
from booking_api.availability.schemas import nearest_slot_json
from booking_api.availability.service import earliest_slots, nearest_search_days
from booking_api.availability.window import ONE_DAY, Window
from booking_api.caching.scopes import slot_now
from booking_api.core.config import Settings
from booking_api.core.db import Database
from booking_api.core.fields import parse_date

PATH = "/api/slots/nearest/"
ROUTE = hot_path.Matched(PATH)
IDS = {b"service": "service_id", b"category_id": "category_id", b"specialist": "specialist_id"}
DATES = {b"date_from", b"date_to"}
COUNTS = {b"limit", b"per_specialist"}  # 1..50, as the route's Query(ge=1, le=50)
DATE = re.compile(rb"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")

# $1 the asked service (its name), $2 category, $3 specialist (each NULL when not asked), $4..$5
# the days whose appointments and holds can reach into the days searched, $6..$7 the first and
# next-after-last local instants (time off), $8 now (live holds). The asked name as stored and
# lowered, then the offers cheapest first, each with its specialist's rules (one row with no
# offer when none matches).
NEAREST_SQL = (
    """
WITH asked AS (
    SELECT a.name, lower(a.name) AS lowered FROM booking_service a WHERE a.id = $1
), offers AS (
    SELECT s.id, s.name, s.price, s.duration, s.buffer_before, s.buffer_after, s.specialist_id,
           sp.name AS spec_name, s.name_en
      FROM booking_service s
      JOIN booking_specialist sp ON sp.id = s.specialist_id
     WHERE s.is_active AND sp.is_active
       AND ($1::integer IS NULL OR lower(s.name) = (SELECT lowered FROM asked))
       AND ($2::integer IS NULL OR s.category_id = $2)
       AND ($3::integer IS NULL OR s.specialist_id = $3)
), rules AS (
    SELECT d.specialist_id,"""
    + range_rows_sql("d.specialist_id", "$4", "$5", "$6", "$7", "$8")
    + """
      FROM (SELECT DISTINCT specialist_id FROM offers) d
)
SELECT (SELECT name FROM asked) AS asked_name, (SELECT lowered FROM asked) AS asked_lowered,
       o.id, o.name, o.price, o.duration, o.buffer_before, o.buffer_after, o.specialist_id,
       o.spec_name, o.name_en, r.hours, r.breaks, r.time_off, r.busy
  FROM (SELECT 1) AS one
  LEFT JOIN (offers o JOIN rules r ON r.specialist_id = o.specialist_id) ON true
 ORDER BY o.price, o.id
"""
)


@dataclass(frozen=True)
class Offer:
    """A matching service, as ``repository.offers`` gives its rows."""

    id: int
    name: str
    price: Decimal
    duration: int
    buffer_before: int
    buffer_after: int
    specialist_id: int
    spec_name: str
    name_en: str


@dataclass(frozen=True)
class Asked:
    service_id: int | None = None
    category_id: int | None = None
    specialist_id: int | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    limit: int = 5
    per_specialist: int | None = None


class HotNearest(hot_path.HotRead):
    """Pure ASGI: answers the plain nearest-slots read (see the module's docstring), else
    passes on."""

    route = ROUTE

    def asked(self, scope: Scope) -> Asked | None:
        """What a request this path answers asks, else None."""
        if scope["type"] != "http" or scope["method"] != "GET" or scope["path"] != PATH:
            return None
        if hot_path.has_header(scope, b"authorization"):
            return None
        params = hot_path.plain_query(scope, IDS.keys() | DATES | COUNTS)
        if not params:
            return None  # no query, or service_name, city, a repeat…: the route
        values: dict[str, Any] = {}
        for name, value in params.items():
            if name in DATES:
                day = parse_date(value.decode("ascii")) if DATE.match(value) else None
                if day is None:
                    return None
                values[name.decode()] = day
            elif not (value.isdigit() and len(value) <= 9):
                return None
            elif name in COUNTS:
                if not 1 <= int(value) <= 50:
                    return None
                values[name.decode()] = int(value)
            else:
                values[IDS[name]] = int(value)
        if not values.keys() & set(IDS.values()):
            return None  # no criterion: the route's 400
        return Asked(**values)

    async def answer(self, scope: Scope, asked: Asked) -> Any:
        """The route's answer (``service.find_nearest_slots``), from one statement."""
        settings, tz = self.settings, self.settings.tz
        window = Window.for_slots(settings, slot_now(Request(scope), tz))
        first, last = nearest_search_days(window, asked.date_from, asked.date_to)
        if last < first:
            return []
        rows = await hot_path.fetch(
            self.db.read_engine,
            NEAREST_SQL,
            asked.service_id,
            asked.category_id,
            asked.specialist_id,
            first - ONE_DAY,
            last + ONE_DAY,
            local_dt(first, dt.time(0), tz),
            local_dt(last + ONE_DAY, dt.time(0), tz),
            dt.datetime.now(dt.UTC),
        )
        asked_name = rows[0]["asked_name"]
        if asked_name is not None and asked_name.lower() != rows[0]["asked_lowered"]:
            return None  # Python and this database lower the name differently: the route's
        rows = [row for row in rows if row["id"] is not None]  # no offer: one empty row
        offers = [Offer(*row[2:11]) for row in rows]
        hours: dict[tuple[int, int], tuple[dt.time, dt.time]] = {}
        breaks: dict[tuple[int, int | None], list[tuple[dt.time, dt.time]]] = defaultdict(list)
        time_off: dict[int, list[Interval]] = defaultdict(list)
        busy: dict[tuple[int, dt.date], list[Interval]] = defaultdict(list)
        seen: set[int] = set()
        for row in rows:
            sid = row["specialist_id"]
            if sid in seen:
                continue  # the same specialist's rules again (another of their services)
            seen.add(sid)
            add_range_row(row, sid, tz, hours, breaks, time_off, busy)
        rules = rules_of_days(list(seen), first, last, window, tz, hours, breaks, time_off, busy)
        found = earliest_slots(
            settings, offers, rules, first, last, asked.limit, asked.per_specialist
        )
        return [nearest_slot_json(offer, slot) for offer, slot in found]


def install(app: Any, db: Database, settings: Settings) -> None:
    """On PostgreSQL, answer the plain nearest-slots read here (a no-op on SQLite)."""
    if db.dialect == "postgresql":
        app.add_middleware(HotNearest, db=db, settings=settings)
