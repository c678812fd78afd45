"""The waitlist: who may join, and claiming an offered slot (first come, first served).

An offer (made by the ``waitlist_offer`` job, see ``booking_api.jobs.handlers``) reserves
nothing: claiming it books the freed slot through the booking service, with the same rules as
any booking, so when someone else took the time first the claimant gets the contract's 400
("Выбранное время уже занято.") and their entry goes back to waiting. Double booking stays
impossible for the same reasons as everywhere else (the exclusion constraint; SQLite's
serialised writes).
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from booking_api.appointments.lifecycle import Actor
from booking_api.appointments.service import book_in_session
from booking_api.core.config import Settings
from booking_api.core.errors import BadRequest, PermissionDenied, ValidationError
from booking_api.models import WaitlistEntry
from booking_api.waitlist import repository

log = logging.getLogger("booking_api.waitlist")

ALREADY_WAITING = "Вы уже в листе ожидания на этот день."
OFFER_GONE = "Предложение не найдено или уже недействительно."
OFFER_EXPIRED = "Время на ответ истекло: предложение передано следующему в очереди."
PAST_DAY = "Нельзя встать в лист ожидания на прошедший день."
WRONG_SPECIALIST = "Выбранная услуга не оказывается этим специалистом."
INACTIVE_SERVICE = "Эта услуга сейчас недоступна."
TIMES_ORDER = "Время «до» должно быть позже времени «с»."


async def validate_entry(
    session: AsyncSession,
    settings: Settings,
    values: dict[str, Any],
    *,
    now: dt.datetime | None = None,
) -> None:
    """Rules for a new entry (``values`` has ids under client/service/specialist)."""
    service = await repository.load_service(session, values["service"])
    assert service is not None  # checked by check_relations
    if not service.is_active:
        raise ValidationError({"service": [INACTIVE_SERVICE]})
    specialist = values.get("specialist")
    if specialist is not None and specialist != service.specialist_id:
        raise ValidationError([WRONG_SPECIALIST])
    today = (now or dt.datetime.now(settings.tz)).astimezone(settings.tz).date()
    if values["date"] < today:
        raise ValidationError({"date": [PAST_DAY]})
    if (
        values.get("time_from")
        and values.get("time_to")
        and values["time_to"] <= values["time_from"]
    ):
        raise ValidationError([TIMES_ORDER])
    if await repository.waiting_entry_of(
        session, values["client"], values["service"], values["date"]
    ):
        raise ValidationError([ALREADY_WAITING])


async def join(session: AsyncSession, values: dict[str, Any]) -> WaitlistEntry:
    """A new entry from validated ``values``."""
    entry = WaitlistEntry(
        client_id=values["client"],
        specialist_id=values.get("specialist"),
        service_id=values["service"],
        date=values["date"],
        time_from=values.get("time_from"),
        time_to=values.get("time_to"),
        created_at=dt.datetime.now(dt.UTC),
    )
    await repository.add(session, entry)
    return entry


async def open_offer(
    session: AsyncSession, token: str, *, now: dt.datetime | None = None
) -> WaitlistEntry:
    """The entry holding this offer, locked for the claim; 400 when it is not open."""
    entry = await repository.by_offer_token_locked(session, token)
    if entry is None or entry.status != "offered" or entry.offer_start_time is None:
        raise BadRequest({"error": OFFER_GONE})
    now = now or dt.datetime.now(dt.UTC)
    if entry.offer_expires_at is not None and entry.offer_expires_at <= now:
        raise BadRequest({"error": OFFER_EXPIRED})
    return entry


def booking_request(entry: WaitlistEntry) -> dict[str, Any]:
    """The appointment body that claiming this offer books."""
    assert entry.offer_start_time and entry.offer_end_time
    return {
        "client": entry.client_id,
        "service": entry.service_id,
        "specialist": entry.offer_specialist_id,
        "date": entry.date.isoformat(),
        "start_time": entry.offer_start_time.strftime("%H:%M"),
        "end_time": entry.offer_end_time.strftime("%H:%M"),
    }


async def claim(
    session: AsyncSession, settings: Settings, actor: Actor, token: str
) -> dict[str, Any]:
    """Book the time offered under ``token`` for the entry's client (by them, or staff for
    them); the entry is marked booked in the booking's own transaction. Returns the new
    appointment as the API shows it."""
    user = actor.require_user()
    await actor.load_profiles(session)
    entry = await open_offer(session, token)
    if not actor.is_staff and (actor.client_id is None or entry.client_id != actor.client_id):
        raise PermissionDenied()
    entry_id = entry.id

    def mark_booked(appointment_id: int) -> None:
        entry.status, entry.appointment_id = "booked", appointment_id

    try:
        answer = await book_in_session(
            session, settings, user, booking_request(entry), before_commit=mark_booked
        )
    except ValidationError:
        await session.rollback()
        await release_by_id(session, entry_id)
        raise
    return answer.body


def release(entry: WaitlistEntry) -> None:
    """The offered time is gone: the entry waits for the next one."""
    entry.status = "active"
    entry.offer_token = None
    entry.offered_at = entry.offer_expires_at = None
    entry.offer_specialist_id = entry.offer_start_time = entry.offer_end_time = None


async def release_by_id(session: AsyncSession, entry_id: int) -> None:
    entry = await repository.get_locked(session, entry_id)
    if entry is not None and entry.status == "offered":
        release(entry)
        await session.commit()
        log.info("waitlist entry %s: the offered time was taken; waiting again", entry_id)
