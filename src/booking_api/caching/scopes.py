"""What a cached answer depends on: the scopes of each cacheable route, and "now" to the minute.

Scopes: ``catalogue`` (categories, specialists, schedules, services, breaks, time off — and
the names of users shown inside specialists), ``bookings:<specialist_id>`` (that specialist's
appointments) and ``bookings`` (anybody's appointments; the nearest-slot search).
"""

from __future__ import annotations

import datetime as dt
import re
import time
from typing import Any

CATALOGUE = "catalogue"
BOOKINGS = "bookings"


def bookings_scope(specialist_id: int) -> str:
    return f"bookings:{specialist_id}"


_CATALOGUE_ROUTE = re.compile(
    r"^/api/(?:(?:categories|services|specialists|schedules|breaks|time-off)/(?:\d+/)?"
    r"|specialists/\d+/(?:services|schedule)/)$"
)
_SPECIALIST_SLOTS = re.compile(r"^/api/specialists/(\d+)/available_(?:slots|days)/$")
_NEAREST = "/api/slots/nearest/"


def route_scopes(path: str) -> tuple[list[str], bool] | None:
    """(scopes, depends on the minute) of a cacheable GET route, else None."""
    if (m := _SPECIALIST_SLOTS.match(path)) is not None:
        return [CATALOGUE, bookings_scope(int(m.group(1)))], True
    if path == _NEAREST:
        return [CATALOGUE, BOOKINGS], True
    if _CATALOGUE_ROUTE.match(path):
        return [CATALOGUE], False
    return None


def slot_now(request: Any, tz: dt.tzinfo) -> dt.datetime:
    """ "Now" for free-slot answers: the start of the current minute plus one minute.

    Computing ``earliest`` from it offers exactly the slots (whole-minute starts) that have not
    started at any instant of this minute, so one answer serves the whole minute. The
    middleware fixes the minute for cached requests (``state.slot_minute``).
    """
    minute = getattr(request.state, "slot_minute", None) if request is not None else None
    if minute is None:
        minute = int(time.time() // 60)
    return dt.datetime.fromtimestamp((minute + 1) * 60, tz)
