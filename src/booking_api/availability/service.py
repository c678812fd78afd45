"""Free time: a specialist's slots on a day (contract), the days of a month with room and the
nearest free slots across specialists (new).

``repository.py`` loads the rules of the days asked about; the pure engine (``engine.py``)
says which starts are free. Every answer is computed with ``now`` frozen to a minute
(``caching.scopes.slot_now``), so a cached answer is exact for that minute.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from booking_api.availability import repository
from booking_api.availability.engine import DayRules, Slot, days_with_room, free_slots
from booking_api.availability.window import Window, days_between
from booking_api.core.config import Settings
from booking_api.core.errors import BadRequest, NotFound
from booking_api.core.fields import lookup_id_text

NOT_WORKING = "Специалист не работает в этот день недели"
BAD_SERVICE = "Услуга не найдена у этого специалиста"


async def require_specialist(session: AsyncSession, specialist_id: int) -> None:
    if not await repository.specialist_exists(session, specialist_id):
        raise NotFound.model("Specialist")


async def slot_shape(
    session: AsyncSession, settings: Settings, specialist_id: int, service: str | None
) -> dict[str, dt.timedelta]:
    """Duration, grid step and buffers of the slots asked for.

    Without a service: the contract's 30-minute grid. With one (its id, as sent): its duration
    and buffers on the configured step; a service the specialist does not offer is a 400.
    """
    if not service:
        return dict(HALF_HOURS)
    row = None
    if service.isascii() and service.isdigit():
        row = await repository.service_of(session, lookup_id_text(service), specialist_id)
    if row is None:
        raise BadRequest({"error": BAD_SERVICE})
    return service_shape(settings, row.duration, row.buffer_before, row.buffer_after)


# The contract's grid when no service is asked for.
HALF_HOURS = {"duration": dt.timedelta(minutes=30), "step": dt.timedelta(minutes=30)}


def asked_shape(
    settings: Settings, service_id: int | None, found: tuple[int, int, int] | None
) -> dict[str, dt.timedelta] | None:
    """:func:`slot_shape` for a hot read, from its ``service`` column (``found``: the asked
    service's duration and buffers when it is the specialist's): None where the route answers
    a 400 (a service the specialist does not offer)."""
    if service_id is None:
        return dict(HALF_HOURS)
    return None if found is None else service_shape(settings, *found)


def service_shape(
    settings: Settings, duration: int, buffer_before: int, buffer_after: int
) -> dict[str, dt.timedelta]:
    """Slots that fit a service (minutes): its duration and buffers, on SLOT_STEP_MINUTES."""
    return {
        "duration": dt.timedelta(minutes=duration),
        "step": dt.timedelta(minutes=settings.slot_step_minutes),
        "buffer_before": dt.timedelta(minutes=buffer_before),
        "buffer_after": dt.timedelta(minutes=buffer_after),
    }


async def free_slots_on(
    session: AsyncSession,
    settings: Settings,
    now: dt.datetime,
    specialist_id: int,
    day: dt.date,
    *,
    service: str | None,
    moving: int | None = None,
) -> list[Slot]:
    """The free slots of the specialist on ``day``; the appointment ``moving`` does not block
    its own time."""
    # Hours, breaks and the specialist's existence in one query; busy time in a second.
    window = Window.for_slots(settings, now)
    found, existing = await repository.load_rules_checked(
        session,
        settings,
        [specialist_id],
        day,
        day,
        window,
        exclude_appointment=moving,
        check_exists=True,
    )
    if specialist_id not in existing:
        raise NotFound.model("Specialist")
    shape = await slot_shape(session, settings, specialist_id, service)
    if not window.covers(day):
        return []  # long past, or beyond the booking horizon: nothing can be booked
    rules = found.get((specialist_id, day))
    if rules is None:
        raise BadRequest({"error": NOT_WORKING})
    return free_slots(rules, **shape)


async def find_nearest_slots(
    session: AsyncSession,
    settings: Settings,
    now: dt.datetime,
    *,
    service_id: int | None,
    category_id: int | None,
    service_name: str | None,
    city: str | None,
    specialist_id: int | None,
    date_from: dt.date | None,
    date_to: dt.date | None,
    limit: int,
    per_specialist: int | None,
) -> list[tuple[Any, Slot]]:
    """The earliest free slots of matching services (cheaper first on a tie), as (offer, slot)
    pairs: at most ``limit``, at most ``per_specialist`` per specialist. The search runs from
    ``date_from`` (today) to ``date_to`` (13 days on), never past the horizon."""
    window = Window.for_slots(settings, now)
    first, last = nearest_search_days(window, date_from, date_to)
    offers = await repository.offers(
        session,
        service_id=service_id,
        category_id=category_id,
        service_name=service_name,
        city=city,
        specialist_id=specialist_id,
    )
    if not offers or last < first:
        return []
    rules = await repository.load_rules(
        session, settings, [o.specialist_id for o in offers], first, last, window
    )
    return earliest_slots(settings, offers, rules, first, last, limit, per_specialist)


def nearest_search_days(
    window: Window, date_from: dt.date | None, date_to: dt.date | None
) -> tuple[dt.date, dt.date]:
    """The days a nearest-slot search looks at: ``date_from`` (today) to ``date_to`` (13 days
    on), at most 63 days, never past the horizon (empty when ``last < first``)."""
    today = window.earliest.date()
    first = max(date_from or today, today)
    # No search may run past the horizon (nor past the calendar's last day).
    first = min(first, window.latest.date() + dt.timedelta(days=1))
    last = date_to or first + dt.timedelta(days=13)
    last = min(last, window.latest.date(), first + dt.timedelta(days=62))
    return first, last


def earliest_slots(
    settings: Settings,
    offers: Sequence[Any],
    rules: dict[tuple[int, dt.date], DayRules],
    first: dt.date,
    last: dt.date,
    limit: int,
    per_specialist: int | None,
) -> list[tuple[Any, Slot]]:
    """:func:`find_nearest_slots`'s answer from the offers (cheapest first) and their
    specialists' rules of ``first..last`` (also the hot path's, ``hot_nearest.py``)."""
    found: list[tuple[dt.datetime, Any, Slot]] = []
    for day in days_between(first, last):
        for offer in offers:
            day_rules = rules.get((offer.specialist_id, day))
            if day_rules is None:
                continue
            for slot in free_slots(
                day_rules,
                duration=dt.timedelta(minutes=offer.duration),
                step=dt.timedelta(minutes=settings.slot_step_minutes),
                buffer_before=dt.timedelta(minutes=offer.buffer_before),
                buffer_after=dt.timedelta(minutes=offer.buffer_after),
            ):
                found.append((slot.start, offer, slot))
        if len(found) >= limit and per_specialist is None:
            break  # later days cannot hold earlier slots
    found.sort(key=lambda item: (item[0], item[1].price, item[1].specialist_id))
    result: list[tuple[Any, Slot]] = []
    per_person: dict[int, int] = {}
    for _, offer, slot in found:
        if per_specialist is not None:
            if per_person.get(offer.specialist_id, 0) >= per_specialist:
                continue
            per_person[offer.specialist_id] = per_person.get(offer.specialist_id, 0) + 1
        result.append((offer, slot))
        if len(result) >= limit:
            break
    return result


async def days_with_free_slots(
    session: AsyncSession,
    settings: Settings,
    now: dt.datetime,
    specialist_id: int,
    month: dt.date,
    *,
    service: str | None,
) -> list[dt.date]:
    """The days of ``month`` (its first day) on which the specialist (known to exist) has a
    free slot for ``service`` (a 30-minute slot without one); none in the past or beyond the
    horizon."""
    last = month.replace(day=calendar.monthrange(month.year, month.month)[1])
    shape = await slot_shape(session, settings, specialist_id, service)
    window = Window.for_slots(settings, now)
    first = max(month, window.earliest.date())
    last = min(last, window.latest.date())
    rules = await repository.load_rules(session, settings, [specialist_id], first, last, window)
    ordered = [
        rules[(specialist_id, d)] for d in days_between(first, last) if (specialist_id, d) in rules
    ]
    return days_with_room(ordered, **shape)
