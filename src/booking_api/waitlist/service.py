"""The waitlist: who may join, and claiming an offered slot (first come, first served).

An offer (made by the ``waitlist_offer`` job, see ``booking_api.jobs.handlers``) reserves
nothing: claiming it books the freed slot through the normal booking validation, so when
someone else took the time first the claimant gets the contract's 400 ("Выбранное время уже
занято.") and their entry goes back to waiting. Double booking stays impossible for the same
reasons as everywhere else (the exclusion constraint; SQLite's serialised writes).
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from booking_api.core.config import Settings
from booking_api.core.errors import BadRequest, ValidationError
from booking_api.models import Service, WaitlistEntry

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
    service = await session.get(Service, values["service"])
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
    duplicate = await session.scalar(
        select(WaitlistEntry.id)
        .where(
            WaitlistEntry.client_id == values["client"],
            WaitlistEntry.service_id == values["service"],
            WaitlistEntry.date == values["date"],
            WaitlistEntry.status.in_(("active", "offered")),
        )
        .limit(1)
    )
    if duplicate is not None:
        raise ValidationError([ALREADY_WAITING])


async def open_offer(
    session: AsyncSession, token: str, *, now: dt.datetime | None = None
) -> WaitlistEntry:
    """The entry holding this offer, locked for the claim; 400 when it is not open."""
    entry = await session.scalar(
        select(WaitlistEntry).where(WaitlistEntry.offer_token == token).with_for_update()
    )
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


def release(entry: WaitlistEntry) -> None:
    """The offered time is gone: the entry waits for the next one."""
    entry.status = "active"
    entry.offer_token = None
    entry.offered_at = entry.offer_expires_at = None
    entry.offer_specialist_id = entry.offer_start_time = entry.offer_end_time = None


async def release_by_id(session: AsyncSession, entry_id: int) -> None:
    entry = await session.get(WaitlistEntry, entry_id, with_for_update=True)
    if entry is not None and entry.status == "offered":
        release(entry)
        await session.commit()
        log.info("waitlist entry %s: the offered time was taken; waiting again", entry_id)
