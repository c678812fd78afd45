"""Writing jobs: the outbox side, called inside the booking change's own transaction.

Nothing here talks to Telegram or Redis. A booking route calls :func:`appointment_changed`
right before ``commit``; the job rows commit (or roll back) together with the booking. Once
the transaction commits, a "wake-up" is passed to whichever runtime is active (the in-process
poller, or arq through Redis) so immediate work goes out at once instead of at the next poll.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event, exists, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from booking_api.availability.engine import local_dt
from booking_api.core.config import Settings
from booking_api.models import ACTIVE_STATUSES, Appointment, Job, Service, WaitlistEntry
from booking_api.webhooks import events as webhook_events

log = logging.getLogger("booking_api.jobs")

REMINDER = "reminder"
SPECIALIST_NOTICE = "specialist_notice"
WAITLIST_OFFER = "waitlist_offer"
WAITLIST_NOTIFY = "waitlist_notify"
WAITLIST_EXPIRE = "waitlist_expire"
WEBHOOK_EVENT = webhook_events.JOB_KIND

_PENDING = "booking_jobs_wake"


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def reminder_offsets(settings: Settings) -> list[int]:
    """REMINDER_OFFSETS as minutes, largest first ("1440,120" → [1440, 120])."""
    values = {
        int(part) for part in settings.reminder_offsets.replace(";", ",").split(",") if part.strip()
    }
    return sorted((v for v in values if v > 0), reverse=True)


def offset_label(minutes: int) -> str:
    return f"{minutes // 60}h" if minutes % 60 == 0 else f"{minutes}m"


def starts_at(appointment: Appointment, settings: Settings) -> dt.datetime:
    """The appointment's start as an aware UTC datetime (the date and time are local)."""
    return local_dt(appointment.date, appointment.start_time, settings.tz).astimezone(dt.UTC)


def _iso(day: dt.date, time: dt.time) -> str:
    return f"{day.isoformat()}T{time.strftime('%H:%M')}"


def reminder_key(appointment_id: int | str, minutes: int, day: dt.date, time: dt.time) -> str:
    # The appointment id comes first so that all of one appointment's reminders share a prefix.
    return f"reminder:{appointment_id}:{offset_label(minutes)}:{_iso(day, time)}"


# --- writing rows ----------------------------------------------------------------------------


@dataclass(frozen=True)
class JobSpec:
    """One job row to write (the pure part of :func:`enqueue`)."""

    kind: str
    payload: dict[str, Any]
    run_at: dt.datetime
    dedupe_key: str
    revive: bool = False


def reminder_jobs(
    settings: Settings, appointment_id: int | str, day: dt.date, start: dt.time, *, now: dt.datetime
) -> list[JobSpec]:
    """The reminders of an appointment starting at ``day`` ``start``: one per REMINDER_OFFSETS
    entry that is still ahead (a reminder due already would only be noise)."""
    begins = local_dt(day, start, settings.tz).astimezone(dt.UTC)
    jobs = []
    for minutes in reminder_offsets(settings):
        run_at = begins - dt.timedelta(minutes=minutes)
        if run_at <= now:
            continue
        payload = {
            "appointment_id": appointment_id,
            "offset_minutes": minutes,
            "date": day.isoformat(),
            "start_time": start.strftime("%H:%M"),
        }
        key = reminder_key(appointment_id, minutes, day, start)
        jobs.append(JobSpec(REMINDER, payload, run_at, key, revive=True))
    return jobs


def notice_job(
    appointment_id: int | str,
    day: dt.date,
    start: dt.time,
    event_name: str,
    before: Snapshot | None,
    now: dt.datetime,
) -> JobSpec:
    """The specialist's message about a new, cancelled or moved booking (sent at once)."""
    payload: dict[str, Any] = {
        "appointment_id": appointment_id,
        "event": event_name,
        "date": day.isoformat(),
        "start_time": start.strftime("%H:%M"),
    }
    if before is not None:
        payload.update(
            old_date=before.date.isoformat(), old_start_time=before.start_time.strftime("%H:%M")
        )
    key = f"specialist:{event_name}:{appointment_id}:{_iso(day, start)}"
    if event_name == "moved":  # a booking may move to the same time more than once
        key += f":{now.timestamp():.6f}"
    return JobSpec(SPECIALIST_NOTICE, payload, now, key)


def webhook_event_job(
    event_type: str,
    object_id: int | str,
    now: dt.datetime,
    *,
    previous: dict[str, Any] | None = None,
    once: bool = False,
) -> JobSpec:
    """A webhook event (``booking_api.webhooks``): one job, fanned out to the endpoints that
    subscribe to it when it runs. ``once``: the event can happen once per object (creation)."""
    return JobSpec(
        WEBHOOK_EVENT,
        webhook_events.event_payload(event_type, object_id, now, previous),
        now,
        webhook_events.event_key(event_type, object_id, None if once else now),
    )


def new_booking_jobs(
    settings: Settings,
    appointment_id: int | str,
    day: dt.date,
    start: dt.time,
    *,
    now: dt.datetime,
) -> list[JobSpec]:
    """What a new active booking queues: its reminders, the specialist's message and (with
    WEBHOOKS_ENABLED) the ``appointment.created`` webhook event. ``appointment_id`` is text when
    the writer puts the id in later: the PostgreSQL booking store writes the jobs in the
    statement whose insert draws it."""
    jobs = [
        *reminder_jobs(settings, appointment_id, day, start, now=now),
        notice_job(appointment_id, day, start, "created", None, now),
    ]
    if settings.webhooks_enabled:
        jobs.append(
            webhook_event_job(webhook_events.APPOINTMENT_CREATED, appointment_id, now, once=True)
        )
    return jobs


async def enqueue_spec(session: AsyncSession, job: JobSpec) -> bool:
    return await enqueue(
        session,
        job.kind,
        job.payload,
        run_at=job.run_at,
        dedupe_key=job.dedupe_key,
        revive=job.revive,
    )


async def enqueue(
    session: AsyncSession,
    kind: str,
    payload: dict[str, Any],
    *,
    run_at: dt.datetime,
    dedupe_key: str,
    revive: bool = False,
) -> bool:
    """Insert a job unless one with ``dedupe_key`` exists; True when a row was queued.

    ``revive`` re-queues a job that exists but was skipped (a reminder for a start time the
    appointment moved away from and then back to); a done job is never queued again.
    """
    values = dict(
        kind=kind,
        payload=payload,
        run_at=run_at,
        status="queued",
        attempts=0,
        dedupe_key=dedupe_key,
        created_at=utcnow(),
    )
    insert = pg_insert if session.bind.dialect.name == "postgresql" else sqlite_insert
    result = await session.execute(
        insert(Job).values(**values).on_conflict_do_nothing(index_elements=["dedupe_key"])
    )
    queued = bool(result.rowcount)
    if not queued and revive:
        result = await session.execute(
            update(Job)
            .where(Job.dedupe_key == dedupe_key, Job.status == "skipped")
            .values(
                status="queued",
                run_at=run_at,
                payload=payload,
                attempts=0,
                locked_by=None,
                locked_until=None,
                done_at=None,
                last_error=None,
            )
            .execution_options(synchronize_session=False)
        )
        queued = bool(result.rowcount)
    if queued:
        note_pending(session.info, dedupe_key, run_at)
    return queued


def note_pending(info: dict[str, Any], dedupe_key: str, run_at: dt.datetime) -> None:
    """Remember a job written in this session's transaction, to wake the runtime after commit
    (for writers that insert job rows themselves, e.g. the webhooks' ORM hooks)."""
    info.setdefault(_PENDING, []).append((dedupe_key, run_at))


@dataclass(frozen=True)
class Snapshot:
    """What an appointment looked like before a change (to tell moves and cancellations)."""

    status: str
    specialist_id: int
    date: dt.date
    start_time: dt.time
    end_time: dt.time

    @property
    def active(self) -> bool:
        return self.status in ACTIVE_STATUSES


def snapshot(appointment: Appointment) -> Snapshot:
    return Snapshot(
        appointment.status,
        appointment.specialist_id,
        appointment.date,
        appointment.start_time,
        appointment.end_time,
    )


async def appointment_changed(
    session: AsyncSession,
    settings: Settings,
    appointment: Appointment,
    before: Snapshot | None,
    *,
    now: dt.datetime | None = None,
) -> None:
    """Queue what a booking change causes (call right before commit, after the change).

    * new (or re-activated) booking → reminders + the specialist's "new booking" message
      (a new one also the ``appointment.created`` webhook event; changes of a booking are
      webhook events through the ORM hook of ``booking_api.webhooks.hooks``);
    * cancelled → pending reminders skipped, the specialist told, the slot offered to the
      waitlist;
    * moved → old reminders skipped, new ones scheduled, the specialist told, the old slot
      offered to the waitlist.
    """
    now = now or utcnow()
    after = snapshot(appointment)
    if before is None and not after.active:
        return  # staff recording a past (completed or cancelled) visit: nothing to send
    if before is None or (not before.active and after.active):
        await schedule_reminders(session, settings, appointment, now=now)
        await _notice(session, appointment, "created", None, now)
        if before is None and settings.webhooks_enabled:
            await enqueue_spec(
                session,
                webhook_event_job(
                    webhook_events.APPOINTMENT_CREATED, appointment.id, now, once=True
                ),
            )
        return
    if before.active and not after.active:
        await skip_reminders(session, appointment.id, "appointment " + after.status)
        if after.status == "cancelled":
            await _notice(session, appointment, "cancelled", None, now)
            await offer_freed_slot(session, settings, before, appointment.id, now=now)
        return
    moved = (before.specialist_id, before.date, before.start_time, before.end_time) != (
        after.specialist_id,
        after.date,
        after.start_time,
        after.end_time,
    )
    if after.active and moved:
        await skip_reminders(
            session, appointment.id, "appointment moved", keep=(after.date, after.start_time)
        )
        await schedule_reminders(session, settings, appointment, now=now)
        await _notice(session, appointment, "moved", before, now)
        await offer_freed_slot(session, settings, before, appointment.id, now=now)


async def schedule_reminders(
    session: AsyncSession, settings: Settings, appointment: Appointment, *, now: dt.datetime
) -> None:
    for job in reminder_jobs(
        settings, appointment.id, appointment.date, appointment.start_time, now=now
    ):
        await enqueue_spec(session, job)


async def skip_reminders(
    session: AsyncSession,
    appointment_id: int,
    reason: str,
    keep: tuple[dt.date, dt.time] | None = None,
) -> None:
    """Mark the appointment's queued reminders skipped (those for ``keep`` stay)."""
    stmt = update(Job).where(
        Job.kind == REMINDER,
        Job.status == "queued",
        Job.dedupe_key.startswith(f"reminder:{appointment_id}:", autoescape=True),
    )
    if keep is not None:
        stmt = stmt.where(~Job.dedupe_key.endswith(":" + _iso(*keep), autoescape=True))
    result = await session.execute(
        stmt.values(
            status="skipped", done_at=utcnow(), last_error=f"superseded: {reason}"
        ).execution_options(synchronize_session=False)
    )
    if result.rowcount:
        log.info(
            "appointment %s: %s queued reminder(s) skipped (%s)",
            appointment_id,
            result.rowcount,
            reason,
        )


async def _notice(
    session: AsyncSession,
    appointment: Appointment,
    event_name: str,
    before: Snapshot | None,
    now: dt.datetime,
) -> None:
    await enqueue_spec(
        session,
        notice_job(
            appointment.id, appointment.date, appointment.start_time, event_name, before, now
        ),
    )


async def offer_freed_slot(
    session: AsyncSession,
    settings: Settings,
    freed: Snapshot,
    appointment_id: int,
    *,
    now: dt.datetime,
    exclude: list[int] | None = None,
) -> bool:
    """Queue a waitlist offer for a slot that just became free, if anyone waits that day."""
    if local_dt(freed.date, freed.start_time, settings.tz) <= now:
        return False
    waiting = await session.scalar(
        select(
            exists().where(
                WaitlistEntry.date == freed.date,
                WaitlistEntry.status == "active",
                WaitlistEntry.service_id.in_(
                    select(Service.id).where(Service.specialist_id == freed.specialist_id)
                ),
            )
        )
    )
    if not waiting:
        return False
    payload = {
        "specialist_id": freed.specialist_id,
        "date": freed.date.isoformat(),
        "start_time": freed.start_time.strftime("%H:%M"),
        "end_time": freed.end_time.strftime("%H:%M"),
        "source_appointment_id": appointment_id,
        "exclude": exclude or [],
    }
    key = (
        f"waitlist:{freed.specialist_id}:{_iso(freed.date, freed.start_time)}:"
        f"{appointment_id}:{now.timestamp():.6f}"
    )
    return await enqueue(session, WAITLIST_OFFER, payload, run_at=now, dedupe_key=key)


# --- waking the runtime after commit -------------------------------------------------------

Waker = Callable[[list[str]], Awaitable[None]]
_waker: Waker | None = None
_tasks: set[asyncio.Task[None]] = set()


def set_waker(waker: Waker | None) -> Waker | None:
    """Install what is told about newly committed jobs; returns the previous one."""
    global _waker
    previous, _waker = _waker, waker
    return previous


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    committed(session.info.pop(_PENDING, None) or [])


def committed(pending: list[tuple[str, dt.datetime]]) -> None:
    """Tell the runtime about jobs just committed (``(dedupe_key, run_at)`` pairs); those due
    within seconds are run at once. Called by the session hook, and by writers that bypass the
    ORM (appointments/repository_pg.py)."""
    if not pending or _waker is None:
        return
    soon = utcnow() + dt.timedelta(seconds=5)
    keys = [key for key, run_at in pending if run_at <= soon]
    if not keys:
        return
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        return
    task = loop.create_task(_wake(_waker, keys))
    _tasks.add(task)
    task.add_done_callback(_tasks.discard)


async def _wake(waker: Waker, keys: list[str]) -> None:
    try:
        await waker(keys)
    except Exception:  # noqa: BLE001 - the pollers pick the jobs up anyway
        log.warning(
            "could not wake the job runner for %s; the next poll will run them", keys, exc_info=True
        )


@event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    session.info.pop(_PENDING, None)
