"""Appointments: the booking decision, moving a booking, and its lifecycle.

* **Booking** (:func:`book`): a store (``context.py``) loads what the rules ask about;
  :func:`decide`, the one function that applies every rule of a new booking (contract
  section 5), judges it; the store writes the row. The rules about time (working hours,
  breaks, time off, notice, horizon, overlaps with buffers) are the pure engine's
  (``availability/engine.py``), asked through :func:`judge_time`.
* **Moving** (PUT/PATCH, reschedule, a waitlist offer): :func:`check_slot`, the same time
  rules on the specialist's day without the appointment being moved.
* **Lifecycle**: confirm, complete, cancel (:data:`TRANSITIONS`), attendance, who may do what
  (contract section 3).

Double booking is refused by the database itself: PostgreSQL's exclusion constraint over
(specialist, blocked time range) for pending/confirmed rows, and on SQLite write transactions
that begin with ``BEGIN IMMEDIATE`` (see ``core/db.py``). A refused write becomes the
contract's 400 "Выбранное время уже занято.", never a 500.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from booking_api.appointments import idempotency, repository
from booking_api.appointments.context import (
    AnswerToStore,
    BookingAnswer,
    BookingContext,
    BookingRequest,
    BookingStore,
    KeyTaken,
    NewAppointment,
    RowGone,
    SlotTaken,
)
from booking_api.appointments.repository import OrmBookingStore
from booking_api.appointments.repository_pg import PgBookingStore
from booking_api.appointments.schemas import (
    RESCHEDULE_FIELDS,
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
from booking_api.core.errors import BadRequest, NotFound, PermissionDenied, ValidationError
from booking_api.core.fields import missing_pk, validate_fields
from booking_api.jobs import appointment_changed, snapshot
from booking_api.models import ACTIVE_STATUSES, Appointment, Service, User

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


class Actor(Protocol):
    """Who acts, and their profiles (the API's request context is one)."""

    user: User | None

    @property
    def is_staff(self) -> bool: ...

    @property
    def client_id(self) -> int | None: ...

    @property
    def specialist_id(self) -> int | None: ...

    def require_user(self) -> User: ...

    async def load_profiles(self, session: AsyncSession) -> None: ...


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
    digest = idempotency.request_hash(data)
    if key and (stored := await idempotency.kept_answer(store, settings, user.id, key)):
        return idempotency.replay(stored, digest)
    try:
        return await _book(store, settings, user, data, key, digest)
    except (ValidationError, KeyTaken) as exc:
        # A twin retry with the same key may have booked a moment ago (then our read saw its
        # slot busy, or our write met its row or its key): answer what it answered.
        if key and (twin := await store.stored_answer(user.id, key)) is not None:
            return idempotency.replay(twin, digest)
        if isinstance(exc, KeyTaken):
            raise ValidationError([TAKEN]) from None
        raise


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


async def _save(session: AsyncSession) -> None:
    """Write a changed appointment; an overlap the database refuses is the contract's 400."""
    try:
        await repository.flush(session)
    except SlotTaken:
        raise ValidationError([TAKEN]) from None


# --- reading ---------------------------------------------------------------------------------


async def get_visible(session: AsyncSession, actor: Actor, pk: int) -> Appointment:
    """The appointment (with its relations) if the actor sees it (contract section 3). Another
    client's appointment is DRF's 404, as if it did not exist: never a 403, which would tell
    a stranger that the id exists."""
    user = actor.require_user()
    await actor.load_profiles(session)
    obj = await repository.get_visible(session, user, actor.client_id, actor.specialist_id, pk)
    if obj is None:
        raise NotFound.model("Appointment")
    return obj


# --- changes of an existing booking ----------------------------------------------------------


def require_own(actor: Actor, appointment: Appointment) -> None:
    """Staff, or the appointment's client (a specialist who sees it may not edit it)."""
    if not actor.is_staff and (actor.client_id is None or appointment.client_id != actor.client_id):
        raise PermissionDenied()


def check_delete(actor: Actor) -> None:
    """Only staff delete appointments (others cancel them). Asked once the appointment was
    found: someone who cannot see it gets the 404 first."""
    if not actor.is_staff:
        raise PermissionDenied()


def _values_or_stored(values: dict[str, Any], obj: Appointment, key: str, attr: str) -> Any:
    return values[key] if key in values else getattr(obj, attr)


async def check_change(
    session: AsyncSession,
    settings: Settings,
    actor: Actor,
    obj: Appointment,
    values: dict[str, Any],
) -> None:
    """PUT/PATCH: only staff change the status; a change of time, service or specialist is
    judged like a new booking (its own old slot does not block it); fields not sent keep
    their stored values."""
    if not actor.is_staff:
        if values.get("status", obj.status) != obj.status:
            raise PermissionDenied()
        values.pop("status", None)
    moved = any(k in values for k in ("service", "specialist", "date", "start_time", "end_time"))
    if moved and values.get("status", obj.status) in ACTIVE_STATUSES:
        service = await repository.load_service(
            session, _values_or_stored(values, obj, "service", "service_id")
        )
        assert service is not None  # checked by check_relations
        await check_slot(
            session,
            settings,
            specialist_id=_values_or_stored(values, obj, "specialist", "specialist_id"),
            service=service,
            day=_values_or_stored(values, obj, "date", "date"),
            start=_values_or_stored(values, obj, "start_time", "start_time"),
            end=_values_or_stored(values, obj, "end_time", "end_time"),
            exclude_appointment=obj.id,
        )


async def apply_change(
    session: AsyncSession,
    settings: Settings,
    actor: Actor,
    obj: Appointment,
    columns: dict[str, Any],
) -> None:
    """Write a checked PUT/PATCH (``columns`` by column name) and queue what it causes."""
    before = snapshot(obj)
    if columns.get("status") == "cancelled" and obj.status != "cancelled":
        obj.cancelled_at = dt.datetime.now(dt.UTC)
        obj.cancelled_by_id = actor.require_user().id
    for key, value in columns.items():
        setattr(obj, key, value)
    service = await repository.load_service(session, obj.service_id)
    assert service is not None
    obj.buffer_before, obj.buffer_after = service.buffer_before, service.buffer_after
    await _save(session)
    await appointment_changed(session, settings, obj, before)


def transition(appointment: Appointment, action: str, user: User) -> None:
    """Confirm, complete or cancel, when the status allows it (400 otherwise)."""
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


def _cut_off(settings: Settings, verb: str) -> BadRequest:
    return BadRequest(
        {
            "error": (
                f"{verb} запись можно не позднее чем за "
                f"{settings.cancel_cutoff_minutes} мин. до начала."
            )
        }
    )


async def change_status(
    session: AsyncSession, settings: Settings, actor: Actor, obj: Appointment, action: str
) -> None:
    """Confirm or complete (staff, the appointment's specialist), or cancel (also its client,
    bound by the cut-off), and commit."""
    user = actor.require_user()
    if not actor.is_staff:
        own_specialist = (
            actor.specialist_id is not None and obj.specialist_id == actor.specialist_id
        )
        own_client = actor.client_id is not None and obj.client_id == actor.client_id
        if action == "cancel" and not (own_client or own_specialist):
            raise PermissionDenied()
        if action in ("confirm", "complete") and not own_specialist:
            raise PermissionDenied()
        if (
            action == "cancel"
            and own_client
            and not own_specialist
            and starts_within(obj, settings.cancel_cutoff_minutes, settings)
        ):
            raise _cut_off(settings, "Отменить")
    before = snapshot(obj)
    transition(obj, action, user)
    await appointment_changed(session, settings, obj, before)
    await session.commit()


async def confirm_attendance(
    session: AsyncSession, settings: Settings, actor: Actor, obj: Appointment
) -> dt.datetime:
    """The client says they will come (the reminder's button); the status stays. Returns when
    they first said so."""
    require_own(actor, obj)
    if obj.status not in ACTIVE_STATUSES:
        raise BadRequest({"error": f"Нельзя подтвердить визит: запись {STATUS_NAMES[obj.status]}."})
    if obj.client_confirmed_at is None:
        obj.client_confirmed_at = dt.datetime.now(dt.UTC)
    confirmed_at = obj.client_confirmed_at
    await session.commit()
    return confirmed_at


async def reschedule(
    session: AsyncSession,
    settings: Settings,
    actor: Actor,
    obj: Appointment,
    data: Any,
) -> None:
    """Move an active appointment to the date and times in ``data`` (keeping its length when
    no end is given), judged like a new booking; atomic: on any refusal nothing changes."""
    require_own(actor, obj)
    values = validate_fields(RESCHEDULE_FIELDS, data)
    if obj.status not in ACTIVE_STATUSES:
        raise BadRequest({"error": "Перенести можно только активную запись."})
    if not actor.is_staff and starts_within(obj, settings.cancel_cutoff_minutes, settings):
        raise _cut_off(settings, "Перенести")
    day, start = values["date"], values["start_time"]
    check_window(settings, day)  # before any date arithmetic
    end = values.get("end_time")
    if end is None:
        length = dt.datetime.combine(obj.date, obj.end_time) - dt.datetime.combine(
            obj.date, obj.start_time
        )
        end_dt = dt.datetime.combine(day, start) + length
        if end_dt.date() != day:
            raise ValidationError([OUTSIDE_HOURS])
        end = end_dt.time()
    service = await repository.load_service(session, obj.service_id)
    assert service is not None
    await check_slot(
        session,
        settings,
        specialist_id=obj.specialist_id,
        service=service,
        day=day,
        start=start,
        end=end,
        exclude_appointment=obj.id,
    )
    before = snapshot(obj)
    obj.date, obj.start_time, obj.end_time = day, start, end
    await _save(session)
    await appointment_changed(session, settings, obj, before)
    await session.commit()
