"""Repeat no-shows: clients who missed ``NO_SHOW_CONFIRM_THRESHOLD`` visits or more are asked
to confirm a booking earlier, ``NO_SHOW_CONFIRM_HOURS`` before it (the usual reminders follow
as always).

The request is a reminder job (``reminder:<id>:48h:…``, so a cancellation or a move skips it
with the booking's other reminders) whose message asks for the confirmation outright. It is
planned by the booking's own first job, the specialist's notice, which runs right after the
booking commits (and after a move or a re-activation): the booking paths write their jobs
without reading the client's history (the PostgreSQL path in one statement), and the count
should be the one at booking time, not a guess at it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Protocol

from sqlalchemy import Select, func, select

from booking_api.core.config import Settings
from booking_api.core.db import Database
from booking_api.jobs.outbox import REMINDER, enqueue, reminder_key, starts_at
from booking_api.models import ACTIVE_STATUSES, Appointment


def early_minutes(settings: Settings) -> int | None:
    """The early request's offset in minutes, or None when it is turned off."""
    if settings.no_show_confirm_threshold <= 0 or settings.no_show_confirm_hours <= 0:
        return None
    return int(settings.no_show_confirm_hours * 60)


def no_shows_of(client_id: int) -> Select[Any]:
    """How many visits the client did not come to (read from the partial index of no-shows,
    migration 0012: keep the condition in these words)."""
    return select(func.count(Appointment.id)).where(
        Appointment.client_id == client_id, Appointment.no_show.is_(True)
    )


async def count_no_shows(db: Database, client_id: int) -> int:
    async with db.read_sessions() as session:
        count = await session.scalar(no_shows_of(client_id))
    return int(count or 0)


class Scheduled(Protocol):
    """What is read of the booking (an ``Appointment``, or the notice's ``Booked``)."""

    id: int
    status: str
    date: dt.date
    start_time: dt.time
    client_id: int


async def plan_early_confirmation(
    db: Database,
    settings: Settings,
    appointment: Scheduled,
    *,
    now: dt.datetime,
    no_shows: int | None = None,
) -> bool:
    """Queue the early confirmation request of ``appointment`` if its client has repeatedly
    not come (and the time is still ahead); True when one was queued. ``no_shows``: the
    client's count when the caller read it with the appointment (else it is read here)."""
    minutes = early_minutes(settings)
    if minutes is None or appointment.status not in ACTIVE_STATUSES:
        return False
    run_at = starts_at(appointment, settings) - dt.timedelta(minutes=minutes)
    if run_at <= now:
        return False  # too close: the usual reminders ask
    if no_shows is None:
        no_shows = await count_no_shows(db, appointment.client_id)
    if no_shows < settings.no_show_confirm_threshold:
        return False
    day, start = appointment.date, appointment.start_time
    async with db.write_sessions() as session:
        queued = await enqueue(
            session,
            REMINDER,
            {
                "appointment_id": appointment.id,
                "offset_minutes": minutes,
                "date": day.isoformat(),
                "start_time": start.strftime("%H:%M"),
                "early_confirmation": True,
            },
            run_at=run_at,
            dedupe_key=reminder_key(appointment.id, minutes, day, start),
            revive=True,
        )
        await session.commit()
    return queued
