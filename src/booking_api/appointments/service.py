"""Booking an appointment: the booking rules (contract section 5) and the one decision.

* **Booking** (:func:`book`): a store (``context.py``) loads what the rules ask about;
  :func:`decide`, the one function that applies every rule of a new booking, judges it; the
  store writes the row. The rules about time (working hours, breaks, time off, notice,
  horizon, overlaps with buffers) are the pure engine's (``availability/engine.py``), asked
  through :func:`judge_time`.
* **Moving** (PUT/PATCH, reschedule in ``lifecycle.py``; a waitlist offer): :func:`check_slot`,
  the same time rules on the specialist's day without the appointment being moved.

Double booking is refused by the database itself: PostgreSQL's exclusion constraint over
(specialist, blocked time range) for pending/confirmed rows, and on SQLite write transactions
that begin with ``BEGIN IMMEDIATE`` (see ``core/db.py``). A refused write becomes the
contract's 400 "Выбранное время уже занято.", never a 500.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from booking_api.appointments import idempotency
from booking_api.appointments.context import (
    AnswerToStore,
    BookingAnswer,
    BookingContext,
    BookingRequest,
    BookingStore,
    KeyTaken,
    LostRace,
    NewAppointment,
    RowGone,
    SlotTaken,
)
from booking_api.appointments.repository import OrmBookingStore
from booking_api.appointments.repository_pg import PgBookingStore
from booking_api.appointments.schemas import (
    appointment_body,
    with_id,
    writable_fields,
)
from booking_api.availability.engine import DayRules, Refusal, check_booking, local_dt
from booking_api.availability.repository import load_day_rules
from booking_api.availability.window import Window
from booking_api.clients.service import NOT_A_CLIENT
from booking_api.core.config import Settings
from booking_api.core.db import Database
from booking_api.core.errors import PermissionDenied, ValidationError
from booking_api.core.fields import missing_pk, validate_fields
from booking_api.models import ACTIVE_STATUSES, Service, User

TAKEN = "Выбранное время уже занято."
# A write aborted to let a concurrent one go first (:class:`LostRace`) is tried again this many
# times when it carries an Idempotency-Key (the winner may be its own twin).
LOST_RACE_RETRIES = 2
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

# --- booking ---------------------------------------------------------------------------------


@asynccontextmanager
async def booking_store(db: Database, settings: Settings) -> AsyncIterator[BookingStore]:
    """The store that books on this database: two statements on PostgreSQL, else the ORM."""
    if db.dialect == "postgresql":
        async with PgBookingStore.open(db, settings) as store:
            yield store
    else:
        async with OrmBookingStore.open(db, settings) as store:
            yield store


async def book(
    store: BookingStore,
    settings: Settings,
    user: User,
    data: Any,
    *,
    idempotency_key: str | None = None,
) -> BookingAnswer:
    """Book what ``data`` asks for ``user``, or answer again what the same request with this
    key was answered; a broken rule raises the contract's error."""
    key = idempotency_key or None
    digest = idempotency.request_hash(data) if key is not None else ""  # kept only with a key
    if key is not None:
        stored = await idempotency.kept_answer(store, settings, user.id, key)
        if stored is not None:
            return idempotency.replay(stored, digest)
    try:
        return await _book_through_lost_races(store, settings, user, data, key, digest)
    except (ValidationError, KeyTaken) as exc:
        # A twin retry with the same key may have booked a moment ago (then our read saw its
        # slot busy, or our write met its row or its key): answer what it answered.
        if key is not None and (twin := await store.stored_answer(user.id, key)) is not None:
            return idempotency.replay(twin, digest)
        if isinstance(exc, KeyTaken):
            raise ValidationError([TAKEN]) from None
        raise


async def book_in_session(
    session: AsyncSession,
    settings: Settings,
    user: User,
    data: Any,
    *,
    before_commit: Callable[[int], None] | None = None,
) -> BookingAnswer:
    """:func:`book` inside the caller's write session, through the ORM store:
    ``before_commit(new_id)`` makes the caller's own changes, which commit with the booking."""
    store = OrmBookingStore(session, settings, before_commit=before_commit)
    return await book(store, settings, user, data)


async def _book_through_lost_races(
    store: BookingStore,
    settings: Settings,
    user: User,
    data: Any,
    key: str | None,
    digest: str,
) -> BookingAnswer:
    """:func:`_book`; a write the database aborted to let a concurrent one go first
    (:class:`LostRace`) is refused as taken, or, when it carries a key, tried again: the winner
    may be its own twin and not yet committed, and the next try's read sees its row, or its
    write waits for it to commit."""
    retries = LOST_RACE_RETRIES if key is not None else 0
    for attempt in range(retries + 1):
        try:
            return await _book(store, settings, user, data, key, digest)
        except LostRace:
            if attempt == retries:
                raise ValidationError([TAKEN]) from None
    raise AssertionError("unreachable")  # pragma: no cover


async def _book(
    store: BookingStore,
    settings: Settings,
    user: User,
    data: Any,
    key: str | None,
    digest: str,
) -> BookingAnswer:
    request = BookingRequest.from_values(
        validate_fields(writable_fields(user.is_staff), data, partial=False)
    )
    # A day no booking can be on is refused before anything is loaded for it.
    window = check_window(settings, request.date) if request.wants_active else None
    context = await store.load_context(user.id, request, window)
    appointment = decide(settings, user, request, context, now=dt.datetime.now(dt.UTC))
    body = _new_body(appointment, context, settings.tz)
    answer = None
    if key:
        expired = idempotency.expired_before(settings)
        answer = AnswerToStore(user.id, key, digest, body, expired)
    try:
        appointment_id = await store.write(appointment, answer)
    except LostRace:
        raise
    except SlotTaken:
        raise ValidationError([TAKEN]) from None
    except RowGone as gone:
        if gone.field is None:
            raise ValidationError([TAKEN]) from None
        raise ValidationError({gone.field: [missing_pk(getattr(request, gone.field))]}) from None
    return BookingAnswer(with_id(appointment_id, body))


def decide(
    settings: Settings,
    user: User,
    request: BookingRequest,
    context: BookingContext,
    *,
    now: dt.datetime,
) -> NewAppointment:
    """The booking decision: every rule of a new booking, in the contract's order, on what a
    store loaded (the day no booking can be on was refused before the load, by
    :func:`check_window`).

    1. The rows named exist: DRF's "Invalid pk" per field.
    2. Who books: staff for any client, in any status; a client for themselves only, as
       ``pending`` (403 otherwise).
    3. When: for an active booking, :func:`judge_time`: end after start, the specialist's own
       service, then the day's rules, among them "no overlap with another active appointment,
       buffers included" (:data:`TAKEN`).

    The database refuses an overlap that raced this decision (the store's :class:`SlotTaken`).
    """
    missing = {
        name: [missing_pk(getattr(request, name))]
        for name in ("client", "service", "specialist")
        if getattr(request, name) is not None and getattr(context, name) is None
    }
    if missing:
        raise ValidationError(missing)
    if user.is_staff:
        status = request.status or "pending"
    else:
        if context.my_client is None:
            raise PermissionDenied(NOT_A_CLIENT)
        if request.client not in (None, context.my_client):
            raise PermissionDenied()
        if request.status not in (None, "pending"):
            raise PermissionDenied()
        status = "pending"
    client, service, specialist = context.client, context.service, context.specialist
    assert client is not None and service is not None and specialist is not None
    if status in ACTIVE_STATUSES:
        judge_time(
            settings,
            day=request.date,
            start=request.start_time,
            end=request.end_time,
            specialist_id=specialist.id,
            service_specialist_id=service.specialist_id,
            buffer_before=service.buffer_before,
            buffer_after=service.buffer_after,
            rules=context.day,
        )
    return NewAppointment(
        client_id=client.id,
        service_id=service.id,
        specialist_id=specialist.id,
        date=request.date,
        start_time=request.start_time,
        end_time=request.end_time,
        status=status,
        buffer_before=service.buffer_before,
        buffer_after=service.buffer_after,
        created_at=now,
    )


def _new_body(appointment: NewAppointment, context: BookingContext, tz: dt.tzinfo) -> dict:
    """The answer to a new booking but its id (as ``schemas.represent_appointment`` shows the
    row once written)."""
    assert context.client and context.service and context.specialist
    return appointment_body(
        client=appointment.client_id,
        client_name=context.client.name,
        service=appointment.service_id,
        service_name=context.service.name,
        specialist=appointment.specialist_id,
        specialist_name=context.specialist.name,
        category_name=context.service.category_name,
        service_name_en=context.service.name_en,
        category_name_en=context.service.category_name_en,
        date=appointment.date,
        start_time=appointment.start_time,
        end_time=appointment.end_time,
        status=appointment.status,
        created_at=appointment.created_at,
        updated_at=appointment.created_at,
        cancelled_at=None,
        client_confirmed_at=None,
        tz=tz,
    )


# --- the time rules --------------------------------------------------------------------------


def check_window(settings: Settings, day: dt.date, now: dt.datetime | None = None) -> Window:
    """Refuse a day no booking can be on (in the past, beyond the horizon) before anything is
    loaded for it; returns the booking window."""
    window = Window.from_settings(settings, now)
    if not window.covers(day):
        if day < window.earliest.date():
            raise ValidationError([IN_PAST])
        raise ValidationError([BEYOND_HORIZON.format(days=settings.booking_horizon_days)])
    return window


def judge_time(
    settings: Settings,
    *,
    day: dt.date,
    start: dt.time,
    end: dt.time,
    specialist_id: int,
    service_specialist_id: int,
    buffer_before: int,
    buffer_after: int,
    rules: DayRules | None,
) -> None:
    """Whether this time can be booked with this specialist: first what the request alone can
    break (its times, the service's specialist), then the day's ``rules`` (None: the specialist
    does not work that weekday), judged by the engine, as the contract's 400s."""
    if end <= start:
        raise ValidationError([END_BEFORE_START])
    if service_specialist_id != specialist_id:
        raise ValidationError([WRONG_SPECIALIST])
    if rules is None:
        raise ValidationError([NOT_WORKING])
    refusal = check_booking(
        rules,
        local_dt(day, start, settings.tz),
        local_dt(day, end, settings.tz),
        buffer_before=dt.timedelta(minutes=buffer_before),
        buffer_after=dt.timedelta(minutes=buffer_after),
    )
    if refusal is Refusal.BEYOND_HORIZON:
        raise ValidationError([BEYOND_HORIZON.format(days=settings.booking_horizon_days)])
    if refusal is not None:
        raise ValidationError([REFUSAL_TEXT[refusal]])


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
    """The time rules for a booking that moves (or a time offered from the waitlist): the
    appointment being moved does not block itself."""
    window = check_window(settings, day, now)
    rules = await load_day_rules(
        session, settings, specialist_id, day, window, exclude_appointment=exclude_appointment
    )
    judge_time(
        settings,
        day=day,
        start=start,
        end=end,
        specialist_id=specialist_id,
        service_specialist_id=service.specialist_id,
        buffer_before=service.buffer_before,
        buffer_after=service.buffer_after,
        rules=rules,
    )
