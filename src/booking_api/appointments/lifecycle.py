"""An appointment after it is booked: who sees it, who may change it (contract section 3),
editing and moving it (judged by the booking rules of ``service``), and its life: confirm,
complete, cancel, no-show (:data:`TRANSITIONS`), and the client's word that they will come.

A no-show (nobody came) is stored as the status ``cancelled`` with ``no_show`` true: the
visit did not take place and the time is not held, which is what a client that knows only the
four DRF statuses should read; ``completed`` would count a visit (and its price) that never
happened. It can be marked once the appointment has started."""

from __future__ import annotations

import datetime as dt
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from booking_api.appointments import repository
from booking_api.appointments.context import SlotTaken
from booking_api.appointments.schemas import RESCHEDULE_FIELDS
from booking_api.appointments.service import OUTSIDE_HOURS, TAKEN, check_slot, check_window
from booking_api.availability.engine import local_dt
from booking_api.core.config import Settings
from booking_api.core.errors import BadRequest, NotFound, PermissionDenied, ValidationError
from booking_api.core.fields import validate_fields
from booking_api.jobs import appointment_changed, snapshot
from booking_api.models import ACTIVE_STATUSES, Appointment, User

TRANSITIONS = {
    "confirm": ({"pending"}, "confirmed"),
    "complete": ({"confirmed"}, "completed"),
    "cancel": ({"pending", "confirmed"}, "cancelled"),
    "no_show": ({"pending", "confirmed"}, "cancelled"),
}
VERBS = {
    "confirm": "подтвердить",
    "complete": "завершить",
    "cancel": "отменить",
    "no_show": "отметить неявкой",
}
NOT_STARTED = "Отметить неявку можно только после начала записи."
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
    if columns.get("status", obj.status) != obj.status:
        obj.no_show = False  # a no-show is a cancelled appointment: a new status ends it
    for key, value in columns.items():
        setattr(obj, key, value)
    service = await repository.load_service(session, obj.service_id)
    assert service is not None
    obj.buffer_before, obj.buffer_after = service.buffer_before, service.buffer_after
    await _save(session)
    await appointment_changed(session, settings, obj, before)


def transition(appointment: Appointment, action: str, user: User) -> None:
    """Confirm, complete, cancel or mark a no-show, when the status allows it (400 otherwise)."""
    allowed, target = TRANSITIONS[action]
    if appointment.status not in allowed:
        raise BadRequest(
            {"error": f"Нельзя {VERBS[action]} запись, которая {STATUS_NAMES[appointment.status]}."}
        )
    appointment.status = target
    appointment.no_show = action == "no_show"
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
    """Confirm, complete or mark a no-show once it has started (staff, the appointment's
    specialist), or cancel (also its client, bound by the cut-off), and commit."""
    user = actor.require_user()
    if not actor.is_staff:
        own_specialist = (
            actor.specialist_id is not None and obj.specialist_id == actor.specialist_id
        )
        own_client = actor.client_id is not None and obj.client_id == actor.client_id
        if action == "cancel" and not (own_client or own_specialist):
            raise PermissionDenied()
        if action in ("confirm", "complete", "no_show") and not own_specialist:
            raise PermissionDenied()
        if (
            action == "cancel"
            and own_client
            and not own_specialist
            and starts_within(obj, settings.cancel_cutoff_minutes, settings)
        ):
            raise _cut_off(settings, "Отменить")
    started = local_dt(obj.date, obj.start_time, settings.tz) <= dt.datetime.now(settings.tz)
    if action == "no_show" and obj.status in TRANSITIONS[action][0] and not started:
        raise BadRequest({"error": NOT_STARTED})
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


async def _save(session: AsyncSession) -> None:
    """Write a changed appointment; an overlap the database refuses is the contract's 400."""
    try:
        await repository.flush(session)
    except SlotTaken:
        raise ValidationError([TAKEN]) from None
