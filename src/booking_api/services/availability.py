"""Loads one specialist-day's rules from the database for the pure slot engine.

Every query here is bounded by the specialist and the day (indexed), so the cost of a
specialist-day does not grow with the total number of appointments.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import or_, select
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


async def load_day_rules(
    session: AsyncSession,
    settings: Settings,
    specialist_id: int,
    day: dt.date,
    window: Window | None = None,
    *,
    exclude_appointment: int | None = None,
) -> DayRules | None:
    """The rules of ``day`` for the specialist, or None when they do not work that weekday."""
    tz = settings.tz
    weekday = day.weekday()
    schedule = (
        await session.execute(
            select(SpecialistSchedule.start_time, SpecialistSchedule.end_time).where(
                SpecialistSchedule.specialist_id == specialist_id,
                SpecialistSchedule.day_of_week == weekday,
            )
        )
    ).first()
    if schedule is None:
        return None
    day_start = local_dt(day, dt.time(0), tz)
    day_end = local_dt(day + dt.timedelta(days=1), dt.time(0), tz)

    breaks = (
        await session.execute(
            select(Break.start_time, Break.end_time).where(
                Break.specialist_id == specialist_id,
                or_(Break.day_of_week == weekday, Break.day_of_week.is_(None)),
            )
        )
    ).all()
    time_off = (
        await session.execute(
            select(TimeOff.start, TimeOff.end).where(
                TimeOff.specialist_id == specialist_id,
                TimeOff.start < day_end,
                TimeOff.end > day_start,
            )
        )
    ).all()
    busy_stmt = select(
        Appointment.date, Appointment.start_time, Appointment.end_time,
        Appointment.buffer_before, Appointment.buffer_after,
    ).where(
        Appointment.specialist_id == specialist_id,
        Appointment.date.between(day - dt.timedelta(days=1), day + dt.timedelta(days=1)),
        Appointment.status.in_(ACTIVE_STATUSES),
    )
    if exclude_appointment is not None:
        busy_stmt = busy_stmt.where(Appointment.id != exclude_appointment)
    busy = (await session.execute(busy_stmt)).all()

    window = window or Window.from_settings(settings)
    work_start, work_end = schedule.start_time, schedule.end_time
    if work_end <= work_start and work_end != dt.time(0):
        work_end = work_start  # a reversed row (possible in Django data) is a day without room
    return DayRules(
        day=day,
        tz=tz,
        work_start=work_start,
        work_end=work_end,
        breaks=tuple((b.start_time, b.end_time) for b in breaks if b.start_time < b.end_time),
        time_off=tuple(Interval(t.start.astimezone(tz), t.end.astimezone(tz)) for t in time_off),
        busy=tuple(
            appointment_interval(a.date, a.start_time, a.end_time, a.buffer_before,
                                 a.buffer_after, tz)
            for a in busy
            if a.start_time < a.end_time
        ),
        earliest=window.earliest,
        latest=window.latest,
    )
