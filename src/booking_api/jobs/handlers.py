"""What each kind of job does. A handler returns normally when its work is done, or raises
:class:`Skip`, :class:`RetryLater` or :class:`PermanentFailure` (see :mod:`.errors`).

Handlers re-read the database: a job carries ids and the state it was created for, and
checks that state still holds (a reminder for a start time the appointment moved away from is
skipped, not sent).
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Integer, Select, any_, bindparam, or_, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import joinedload

from booking_api.appointments.service import check_slot
from booking_api.availability.engine import local_dt
from booking_api.clients.repository import no_shows_of
from booking_api.core.driver import DriverQuery
from booking_api.core.errors import ValidationError
from booking_api.jobs import attendance, texts
from booking_api.jobs.context import Handler, JobContext
from booking_api.jobs.errors import Skip
from booking_api.jobs.outbox import (
    REMINDER,
    SPECIALIST_NOTICE,
    WAITLIST_EXPIRE,
    WAITLIST_NOTIFY,
    WAITLIST_OFFER,
    Snapshot,
    enqueue,
    offer_freed_slot,
    offset_label,
    reminder_offsets,
    starts_at,
)
from booking_api.jobs.queue import ClaimedJob
from booking_api.models import (
    ACTIVE_STATUSES,
    Appointment,
    Client,
    Service,
    Specialist,
    WaitlistEntry,
)
from booking_api.webhooks.service import HANDLERS as WEBHOOK_HANDLERS

log = logging.getLogger("booking_api.jobs")


def _time(value: str) -> dt.time:
    return dt.time.fromisoformat(value)


# Built once: a job runs for every booking, and building an ORM statement (above all an
# alias) costs more Python than running it.
_APPOINTMENT = (
    select(Appointment)
    .where(Appointment.id == bindparam("appointment_id"))
    .options(
        joinedload(Appointment.client),
        joinedload(Appointment.service),
        joinedload(Appointment.specialist),
    )
)


@dataclass(frozen=True)
class Booked:
    """What the specialist's notice (the job of every booking) needs, in one read."""

    id: int
    status: str
    date: dt.date
    start_time: dt.time
    client_id: int
    specialist_id: int
    client_name: str
    service_name: str
    specialist_telegram_id: str | None
    specialist_language: str
    no_shows: int  # visits of this client nobody came to (for the early confirmation)


def _booked_select() -> Select[Any]:
    return (
        select(
            Appointment.id,
            Appointment.status,
            Appointment.date,
            Appointment.start_time,
            Appointment.client_id,
            Appointment.specialist_id,
            Client.name,
            Service.name,
            Specialist.telegram_id,
            Specialist.language,
            no_shows_of(Appointment.client_id),
        )
        .join(Client, Client.id == Appointment.client_id)
        .join(Service, Service.id == Appointment.service_id)
        .join(Specialist, Specialist.id == Appointment.specialist_id)
    )


_BOOKED = DriverQuery(_booked_select().where(Appointment.id == bindparam("appointment_id")))
# PostgreSQL: the notices claimed together read their appointments in one statement.
_BOOKED_MANY = DriverQuery(
    _booked_select().where(Appointment.id == any_(bindparam("ids", type_=ARRAY(Integer))))
)


async def _booked(ctx: JobContext, appointment_id: int) -> Booked | None:
    if ctx.db.dialect == "postgresql":

        async def read(ids: list[int]) -> dict[int, Booked]:
            return {row[0]: Booked(*row) for row in await _BOOKED_MANY.rows(ctx.db, ids=ids)}

        return await ctx.batched(_BOOKED_MANY, appointment_id, read)
    rows = await _BOOKED.rows(ctx.db, appointment_id=appointment_id)
    return Booked(*rows[0]) if rows else None


async def _appointment(ctx: JobContext, appointment_id: int) -> Appointment | None:
    async with ctx.db.read_sessions() as session:
        result = await session.execute(_APPOINTMENT, {"appointment_id": appointment_id})
        return result.unique().scalar()


async def reminder(job: ClaimedJob, ctx: JobContext) -> None:
    p = job.payload
    appt = await _appointment(ctx, p["appointment_id"])
    if appt is None:
        raise Skip("the appointment was deleted")
    if appt.status not in ACTIVE_STATUSES:
        raise Skip(f"the appointment is {appt.status}")
    if (appt.date.isoformat(), appt.start_time.strftime("%H:%M")) != (p["date"], p["start_time"]):
        raise Skip("the appointment was moved")
    start = starts_at(appt, ctx.settings)
    if ctx.now >= start:
        raise Skip(f"the appointment started at {start.isoformat()}: a reminder is no use now")
    offset = int(p["offset_minutes"])
    for other in reminder_offsets(ctx.settings):
        if other < offset and ctx.now >= start - dt.timedelta(minutes=other):
            raise Skip(f"too late: the {offset_label(other)} reminder is due already")
    if not appt.client.telegram_id:
        raise Skip(f"client {appt.client_id} has no telegram_id")
    text, buttons = texts.reminder(
        lang=appt.client.language,
        offset_minutes=offset,
        early=bool(p.get("early_confirmation")),
        service=appt.service.name,
        specialist=appt.specialist.name,
        day=appt.date,
        time=appt.start_time,
        appointment_id=appt.id,
    )
    await ctx.sender.send(appt.client.telegram_id, text, buttons)


async def specialist_notice(job: ClaimedJob, ctx: JobContext) -> None:
    p = job.payload
    appt = await _booked(ctx, p["appointment_id"])
    if appt is None:
        raise Skip("the appointment was deleted")
    if p["event"] in ("created", "moved"):  # the booking's first job: see .attendance
        await attendance.plan_early_confirmation(
            ctx.db, ctx.settings, appt, now=ctx.now, no_shows=appt.no_shows
        )
    if not appt.specialist_telegram_id:
        raise Skip(f"specialist {appt.specialist_id} has no telegram_id")
    day, start = dt.date.fromisoformat(p["date"]), _time(p["start_time"])
    if ctx.now >= local_dt(day, start, ctx.settings.tz):
        raise Skip("the appointment time has passed")
    text = texts.specialist_notice(
        p["event"],
        lang=appt.specialist_language,
        client=appt.client_name,
        service=appt.service_name,
        day=day,
        time=start,
        old_day=dt.date.fromisoformat(p["old_date"]) if p.get("old_date") else None,
        old_time=_time(p["old_start_time"]) if p.get("old_start_time") else None,
    )
    await ctx.sender.send(appt.specialist_telegram_id, text)


async def _client_busy(
    session: Any, client_id: int, day: dt.date, start: dt.time, end: dt.time
) -> bool:
    clash = await session.scalar(
        select(Appointment.id)
        .where(
            Appointment.client_id == client_id,
            Appointment.date == day,
            Appointment.status.in_(ACTIVE_STATUSES),
            Appointment.start_time < end,
            Appointment.end_time > start,
        )
        .limit(1)
    )
    return clash is not None


async def waitlist_offer(job: ClaimedJob, ctx: JobContext) -> None:
    """Offer a freed slot to the earliest active matching entry whose client is free then."""
    p = job.payload
    specialist_id = int(p["specialist_id"])
    day, start = dt.date.fromisoformat(p["date"]), _time(p["start_time"])
    tz = ctx.settings.tz
    if local_dt(day, start, tz) <= ctx.now:
        raise Skip("the freed time has passed")
    exclude = [int(x) for x in p.get("exclude") or []]
    async with ctx.db.write_sessions() as session:
        stmt = (
            select(WaitlistEntry)
            .join(Service, Service.id == WaitlistEntry.service_id)
            .where(
                WaitlistEntry.date == day,
                WaitlistEntry.status == "active",
                Service.specialist_id == specialist_id,
                Service.is_active.is_(True),
                or_(
                    WaitlistEntry.specialist_id.is_(None),
                    WaitlistEntry.specialist_id == specialist_id,
                ),
            )
            .order_by(WaitlistEntry.created_at, WaitlistEntry.id)
            .with_for_update(of=WaitlistEntry, skip_locked=True)
        )
        if exclude:
            stmt = stmt.where(WaitlistEntry.id.not_in(exclude))
        for entry in (await session.execute(stmt)).scalars().all():
            service = await session.get(Service, entry.service_id)
            client = await session.get(Client, entry.client_id)
            assert service is not None and client is not None
            end_dt = dt.datetime.combine(day, start) + dt.timedelta(minutes=service.duration)
            if end_dt.date() != day:
                continue
            end = end_dt.time()
            if (entry.time_from and start < entry.time_from) or (
                entry.time_to and end > entry.time_to
            ):
                continue
            if not client.telegram_id:
                log.info(
                    "waitlist entry %s passed over: client %s has no telegram_id",
                    entry.id,
                    client.id,
                )
                continue
            if await _client_busy(session, client.id, day, start, end):
                continue
            try:
                await check_slot(
                    session,
                    ctx.settings,
                    specialist_id=specialist_id,
                    service=service,
                    day=day,
                    start=start,
                    end=end,
                    now=ctx.now.astimezone(tz),
                )
            except ValidationError:
                continue  # the service does not fit there, or the time was taken meanwhile
            token = secrets.token_urlsafe(18)
            expires = ctx.now + dt.timedelta(minutes=ctx.settings.waitlist_offer_minutes)
            entry.status, entry.offer_token = "offered", token
            entry.offered_at, entry.offer_expires_at = ctx.now, expires
            entry.offer_specialist_id = specialist_id
            entry.offer_start_time, entry.offer_end_time = start, end
            await enqueue(
                session,
                WAITLIST_NOTIFY,
                {"entry_id": entry.id, "token": token},
                run_at=ctx.now,
                dedupe_key=f"waitlist-notify:{entry.id}:{token}",
            )
            await enqueue(
                session,
                WAITLIST_EXPIRE,
                {**p, "entry_id": entry.id, "token": token, "exclude": [*exclude, entry.id]},
                run_at=expires,
                dedupe_key=f"waitlist-expire:{entry.id}:{token}",
            )
            await session.commit()
            log.info(
                "waitlist: %s %s offered to entry %s (client %s) until %s",
                day,
                start,
                entry.id,
                client.id,
                expires.isoformat(),
            )
            return
    raise Skip(f"nobody on the waitlist can take {day} {start:%H:%M}")


async def waitlist_notify(job: ClaimedJob, ctx: JobContext) -> None:
    p = job.payload
    async with ctx.db.read_sessions() as session:
        entry = (
            (
                await session.execute(
                    select(WaitlistEntry)
                    .where(WaitlistEntry.id == p["entry_id"])
                    .options(joinedload(WaitlistEntry.client), joinedload(WaitlistEntry.service))
                )
            )
            .unique()
            .scalar()
        )
        specialist_name = None
        if entry is not None and entry.offer_specialist_id is not None:
            from booking_api.models import Specialist

            specialist = await session.get(Specialist, entry.offer_specialist_id)
            specialist_name = specialist.name if specialist else ""
    if entry is None or entry.status != "offered" or entry.offer_token != p["token"]:
        raise Skip("the offer is no longer open")
    assert entry.offer_expires_at and entry.offer_start_time
    if ctx.now >= entry.offer_expires_at:
        raise Skip("the offer expired before it could be sent")
    text, buttons = texts.waitlist_offer(
        lang=entry.client.language,
        service=entry.service.name,
        specialist=specialist_name or "",
        day=entry.date,
        time=entry.offer_start_time,
        until=entry.offer_expires_at.astimezone(ctx.settings.tz),
        token=entry.offer_token,
    )
    await ctx.sender.send(entry.client.telegram_id or "", text, buttons)


async def waitlist_expire(job: ClaimedJob, ctx: JobContext) -> None:
    """An unanswered offer: the entry waits again, the slot goes to the next in line."""
    p = job.payload
    async with ctx.db.write_sessions() as session:
        entry = await session.get(WaitlistEntry, p["entry_id"], with_for_update=True)
        if entry is None or entry.status != "offered" or entry.offer_token != p["token"]:
            raise Skip("the offer was taken or withdrawn")
        entry.status, entry.offer_token = "active", None
        entry.offered_at = entry.offer_expires_at = None
        entry.offer_specialist_id = entry.offer_start_time = entry.offer_end_time = None
        freed = Snapshot(
            "cancelled",
            int(p["specialist_id"]),
            dt.date.fromisoformat(p["date"]),
            _time(p["start_time"]),
            _time(p["end_time"]),
        )
        offered = await offer_freed_slot(
            session,
            ctx.settings,
            freed,
            int(p["source_appointment_id"]),
            now=ctx.now,
            exclude=list(p.get("exclude") or []),
        )
        await session.commit()
    log.info(
        "waitlist: offer to entry %s expired unanswered; %s",
        p["entry_id"],
        "offered to the next in line" if offered else "nobody else waits",
    )


HANDLERS: dict[str, Handler] = {
    REMINDER: reminder,
    SPECIALIST_NOTICE: specialist_notice,
    WAITLIST_OFFER: waitlist_offer,
    WAITLIST_NOTIFY: waitlist_notify,
    WAITLIST_EXPIRE: waitlist_expire,
    **WEBHOOK_HANDLERS,  # fan-out of webhook events and delivery attempts
}

__all__ = ["HANDLERS", "JobContext"]
