"""Loads specialists' rules from the database for the pure slot engine.

One loader serves every question (a day's slots, a month's free days, the nearest free slot
across specialists): four queries, each bounded by the specialists and the date range asked
about (indexed), so the cost does not grow with the total number of appointments.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ..core.config import Settings
from ..models import ACTIVE_STATUSES, Appointment, Break, SpecialistSchedule, TimeOff
from ..scheduling.engine import DayRules, Interval, local_dt


@dataclass(frozen=True)
class Window:
    """When bookings may start: not before ``earliest`` (notice), not after ``latest`` (horizon)."""

    earliest: dt.datetime
    latest: dt.datetime

    @classmethod
    def from_settings(cls, settings: Settings, now: dt.datetime | None = None) -> Window:
        now = now or dt.datetime.now(settings.tz)
        return cls(
            earliest=now + dt.timedelta(minutes=settings.min_notice_minutes),
            latest=now + dt.timedelta(days=settings.booking_horizon_days),
        )


def appointment_interval(
    day: dt.date, start: dt.time, end: dt.time, before: int, after: int, tz: dt.tzinfo
) -> Interval:
    """The span an appointment blocks: its own time plus the service's buffers."""
    return Interval(
        local_dt(day, start, tz) - dt.timedelta(minutes=before),
        local_dt(day, end, tz) + dt.timedelta(minutes=after),
    )


def days_between(first: dt.date, last: dt.date) -> list[dt.date]:
    return [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]


async def load_rules(
    session: AsyncSession,
    settings: Settings,
    specialist_ids: Sequence[int],
    first: dt.date,
    last: dt.date,
    window: Window | None = None,
    *,
    exclude_appointment: int | None = None,
) -> dict[tuple[int, dt.date], DayRules]:
    """Rules for every (specialist, day) in ``first..last`` on which the specialist works."""
    if not specialist_ids or last < first:
        return {}
    tz = settings.tz
    ids = list(set(specialist_ids))
    window = window or Window.from_settings(settings)

    hours: dict[tuple[int, int], tuple[dt.time, dt.time]] = {}
    for row in await session.execute(
        select(SpecialistSchedule.specialist_id, SpecialistSchedule.day_of_week,
               SpecialistSchedule.start_time, SpecialistSchedule.end_time)
        .where(SpecialistSchedule.specialist_id.in_(ids))
    ):
        start, end = row.start_time, row.end_time
        if end <= start and end != dt.time(0):
            end = start  # a reversed row (possible in Django data) is a day without room
        hours[(row.specialist_id, row.day_of_week)] = (start, end)
    if not hours:
        return {}

    breaks: dict[tuple[int, int | None], list[tuple[dt.time, dt.time]]] = defaultdict(list)
    for row in await session.execute(
        select(Break.specialist_id, Break.day_of_week, Break.start_time, Break.end_time)
        .where(Break.specialist_id.in_(ids))
    ):
        if row.start_time < row.end_time or row.end_time == dt.time(0):
            breaks[(row.specialist_id, row.day_of_week)].append((row.start_time, row.end_time))

    range_start = local_dt(first, dt.time(0), tz)
    range_end = local_dt(last + dt.timedelta(days=1), dt.time(0), tz)
    time_off: dict[int, list[Interval]] = defaultdict(list)
    for row in await session.execute(
        select(TimeOff.specialist_id, TimeOff.start, TimeOff.end).where(
            TimeOff.specialist_id.in_(ids), TimeOff.start < range_end, TimeOff.end > range_start
        )
    ):
        if row.start < row.end:
            time_off[row.specialist_id].append(Interval(row.start.astimezone(tz),
                                                        row.end.astimezone(tz)))

    busy_stmt = select(
        Appointment.specialist_id, Appointment.date, Appointment.start_time,
        Appointment.end_time, Appointment.buffer_before, Appointment.buffer_after,
    ).where(
        Appointment.specialist_id.in_(ids),
        Appointment.date.between(first - dt.timedelta(days=1), last + dt.timedelta(days=1)),
        Appointment.status.in_(ACTIVE_STATUSES),
    )
    if exclude_appointment is not None:
        busy_stmt = busy_stmt.where(Appointment.id != exclude_appointment)
    busy: dict[tuple[int, dt.date], list[Interval]] = defaultdict(list)
    for row in await session.execute(busy_stmt):
        if row.start_time < row.end_time:
            span = appointment_interval(row.date, row.start_time, row.end_time,
                                        row.buffer_before, row.buffer_after, tz)
            # Buffers may reach into the neighbouring days.
            for offset in (-1, 0, 1):
                busy[(row.specialist_id, row.date + dt.timedelta(days=offset))].append(span)

    rules: dict[tuple[int, dt.date], DayRules] = {}
    for day in days_between(first, last):
        weekday = day.weekday()
        for specialist_id in ids:
            if (specialist_id, weekday) not in hours:
                continue
            start, end = hours[(specialist_id, weekday)]
            rules[(specialist_id, day)] = DayRules(
                day=day,
                tz=tz,
                work_start=start,
                work_end=end,
                breaks=tuple(breaks[(specialist_id, weekday)] + breaks[(specialist_id, None)]),
                time_off=tuple(time_off[specialist_id]),
                busy=tuple(busy[(specialist_id, day)]),
                earliest=window.earliest,
                latest=window.latest,
            )
    return rules


async def load_day_rules(
    session: AsyncSession,
    settings: Settings,
    specialist_id: int,
    day: dt.date,
    window: Window | None = None,
    *,
    exclude_appointment: int | None = None,
) -> DayRules | None:
    """The rules of ``day`` for one specialist, or None when they do not work that weekday."""
    rules = await load_rules(session, settings, [specialist_id], day, day, window,
                             exclude_appointment=exclude_appointment)
    return rules.get((specialist_id, day))
