"""Booking rules (contract section 5) and the appointment lifecycle.

Double booking is refused by the database itself: PostgreSQL's exclusion constraint over
(specialist, blocked time range) for pending/confirmed rows, and on SQLite write transactions
that begin with ``BEGIN IMMEDIATE`` (see ``core/db.py``). A refused write becomes the
contract's 400 "Выбранное время уже занято.", never a 500.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from booking_api.availability.engine import DayRules, Refusal, check_booking, local_dt
from booking_api.availability.repository import Window, load_day_rules
from booking_api.core.config import Settings
from booking_api.core.errors import BadRequest, ValidationError
from booking_api.models import Appointment, Service, User

TAKEN = "Выбранное время уже занято."
NOT_WORKING = "Специалист не работает в выбранный день."
OUTSIDE_HOURS = "Время записи не соответствует графику работы специалиста."
END_BEFORE_START = "Время окончания должно быть позже времени начала."
WRONG_SPECIALIST = "Выбранная услуга не оказывается этим специалистом."
IN_PAST = "Нельзя записаться на прошедшее время."
BEYOND_HORIZON = "Запись возможна не более чем на {days} дн. вперёд."
ON_BREAK = "Выбранное время попадает на перерыв специалиста."
TIME_OFF = "Специалист не принимает в выбранное время."

REFUSAL_TEXT = {
    Refusal.OUTSIDE_HOURS: OUTSIDE_HOURS,
    Refusal.IN_PAST: IN_PAST,
    Refusal.ON_BREAK: ON_BREAK,
    Refusal.TIME_OFF: TIME_OFF,
    Refusal.BUSY: TAKEN,
}

TRANSITIONS = {
    "confirm": ({"pending"}, "confirmed"),
    "complete": ({"confirmed"}, "completed"),
    "cancel": ({"pending", "confirmed"}, "cancelled"),
}
STATUS_NAMES = {
    "pending": "ожидает подтверждения",
    "confirmed": "подтверждена",
    "completed": "завершена",
    "cancelled": "отменена",
}


async def check_slot(
    session: AsyncSession,
    settings: Settings,
    *,
    specialist_id: int,
    service: Service,
    day: dt.date,
    start: dt.time,
    end: dt.time,
    exclude_appointment: int | None = None,
    now: dt.datetime | None = None,
) -> None:
    """Raise the contract's ValidationError when this booking breaks a rule."""
    window = check_window(settings, day, now)
    check_request(start, end, service.specialist_id, specialist_id)
    rules = await load_day_rules(
        session, settings, specialist_id, day, window, exclude_appointment=exclude_appointment
    )
    check_rules(settings, rules, day, start, end, service.buffer_before, service.buffer_after)


# The checks in their order, shared by both booking paths (this module's ORM one and
# services/booking_pg.py): the window, then the request itself, then the day's rules.


def check_request(
    start: dt.time, end: dt.time, service_specialist_id: int, specialist_id: int
) -> None:
    """What the request alone can break: its times, and the service's specialist."""
    if end <= start:
        raise ValidationError([END_BEFORE_START])
    if service_specialist_id != specialist_id:
        raise ValidationError([WRONG_SPECIALIST])


def check_rules(
    settings: Settings,
    rules: DayRules | None,
    day: dt.date,
    start: dt.time,
    end: dt.time,
    buffer_before: int,
    buffer_after: int,
) -> None:
    """The day's rules (None: the specialist does not work that weekday), judged by the
    engine, as the contract's 400s."""
    if rules is None:
        raise ValidationError([NOT_WORKING])
    refusal = check_booking(
        rules,
        local_dt(day, start, settings.tz),
        local_dt(day, end, settings.tz),
        buffer_before=dt.timedelta(minutes=buffer_before),
        buffer_after=dt.timedelta(minutes=buffer_after),
    )
    raise_refusal(settings, refusal)


def check_window(settings: Settings, day: dt.date, now: dt.datetime | None = None) -> Window:
    """Refuse a day no booking can be on (in the past, beyond the horizon) before anything is
    loaded for it; returns the booking window."""
    window = Window.from_settings(settings, now)
    if not window.covers(day):
        if day < window.earliest.date():
            raise ValidationError([IN_PAST])
        raise ValidationError([BEYOND_HORIZON.format(days=settings.booking_horizon_days)])
    return window


def raise_refusal(settings: Settings, refusal: Refusal | None) -> None:
    """The contract's 400 for the engine's refusal, if any."""
    if refusal is Refusal.BEYOND_HORIZON:
        raise ValidationError([BEYOND_HORIZON.format(days=settings.booking_horizon_days)])
    if refusal is not None:
        raise ValidationError([REFUSAL_TEXT[refusal]])


def is_overlap_violation(exc: IntegrityError) -> bool:
    """True when the database refused a row because its time range overlaps another's."""
    text = str(exc.orig).lower()
    return "booking_appointment_no_overlap" in text or "exclusion" in text or "23p01" in text


async def flush_or_taken(session: AsyncSession) -> None:
    """Flush, turning the exclusion constraint's refusal into the contract's 400."""
    try:
        await session.flush()
    except IntegrityError as exc:
        await session.rollback()
        if is_overlap_violation(exc):
            raise ValidationError([TAKEN]) from None
        raise


def transition(appointment: Appointment, action: str, user: User) -> None:
    allowed, target = TRANSITIONS[action]
    if appointment.status not in allowed:
        verb = {"confirm": "подтвердить", "complete": "завершить", "cancel": "отменить"}[action]
        raise BadRequest(
            {"error": f"Нельзя {verb} запись, которая {STATUS_NAMES[appointment.status]}."}
        )
    appointment.status = target
    if target == "cancelled":
        appointment.cancelled_at = dt.datetime.now(dt.UTC)
        appointment.cancelled_by_id = user.id


def starts_within(
    appointment: Appointment, minutes: int, settings: Settings, now: dt.datetime | None = None
) -> bool:
    """True when the appointment starts in less than ``minutes`` from now (the cut-off)."""
    if minutes <= 0:
        return False
    now = now or dt.datetime.now(settings.tz)
    start = local_dt(appointment.date, appointment.start_time, settings.tz)
    return start - now < dt.timedelta(minutes=minutes)


async def load_service(session: AsyncSession, service_id: int) -> Service | None:
    """The service (from the identity map when validation loaded it already)."""
    return await session.get(Service, service_id)


def stamp_buffers(appointment: Appointment, service: Service) -> None:
    appointment.buffer_before = service.buffer_before
    appointment.buffer_after = service.buffer_after


def values_or_stored(values: dict[str, Any], obj: Appointment | None, key: str, attr: str) -> Any:
    if key in values:
        return values[key]
    return getattr(obj, attr) if obj is not None else None
