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
from typing import Protocol

from booking_api.core.config import Settings
from booking_api.core.db import Database
from booking_api.jobs.outbox import REMINDER, enqueue, reminder_key, starts_at
from booking_api.models import ACTIVE_STATUSES


def early_minutes(settings: Settings) -> int | None:
    """The early request's offset in minutes, or None when it is turned off."""
    if settings.no_show_confirm_threshold <= 0 or settings.no_show_confirm_hours <= 0:
        return None
    return int(settings.no_show_confirm_hours * 60)


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
    no_shows: int,
) -> bool:
    """Queue the early confirmation request of ``appointment`` if its client has repeatedly
    not come (``no_shows``, read with the appointment: ``clients.repository.no_shows_of``)
    and the time is still ahead; True when one was queued."""
    minutes = early_minutes(settings)
    if minutes is None or appointment.status not in ACTIVE_STATUSES:
        return False
    run_at = starts_at(appointment, settings) - dt.timedelta(minutes=minutes)
    if run_at <= now:
        return False  # too close: the usual reminders ask
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
