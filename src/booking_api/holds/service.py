"""Holding a time, giving it back, and booking it.

* :func:`hold` judges the request by every rule of a booking (``appointments.service.decide``
  on the booking store's context: hours, breaks, time off, notice, horizon, and no overlap
  with an active appointment or a live hold, buffers included), then writes the hold in place
  of the client's last one. A client has one hold: holding another time gives the last one
  back, but a time overlapping their own live hold is taken, as for anyone.
* :func:`confirm` books the hold's time through ``appointments.service.book`` in the same
  transaction that marks the hold booked, so the hold never blocks its own booking and the
  two never both count. Confirming again answers the same booking.
* :func:`release` gives the time back.

A hold keeps its time until ``expires_at``, a whole minute at least ``HOLD_MINUTES`` ahead
(free-time answers are cached per minute: a hold ending on a minute boundary is exact in
them). Expiry is read off the clock wherever busy time is judged; nothing needs to run.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from booking_api.appointments import idempotency
from booking_api.appointments import service as booking
from booking_api.appointments.context import AnswerToStore, BookingAnswer, BookingRequest
from booking_api.appointments.lifecycle import Actor
from booking_api.appointments.repository import OrmBookingStore
from booking_api.appointments.schemas import represent_appointment
from booking_api.availability.repository import appointment_interval
from booking_api.core.config import Settings
from booking_api.core.db import Database
from booking_api.core.errors import BadRequest, NotFound, ValidationError
from booking_api.core.fields import validate_fields
from booking_api.holds import repository
from booking_api.holds.repository import Refusal
from booking_api.holds.schemas import represent_hold, state, writable_fields
from booking_api.models import Hold, User

HOLD_EXPIRED = "Время удержания истекло: выберите время заново."
HOLD_RELEASED = "Удержание снято: выберите время заново."
HOLD_BOOKED = "Удержание уже подтверждено: отмените запись, если она не нужна."


def refused(text: str, code: str) -> BadRequest:
    """A hold's own 400: the text, and a code a program can act on."""
    return BadRequest({"error": text, "code": code})


def expiry(settings: Settings, now: dt.datetime) -> dt.datetime:
    """``HOLD_MINUTES`` from ``now``, rounded up to a whole minute."""
    end = now + dt.timedelta(minutes=settings.hold_minutes)
    whole = end.replace(second=0, microsecond=0)
    return whole if whole == end else whole + dt.timedelta(minutes=1)


# --- holding ---------------------------------------------------------------------------------


async def hold(
    db: Database,
    settings: Settings,
    user: User,
    data: Any,
    *,
    idempotency_key: str | None = None,
) -> BookingAnswer:
    """Hold what ``data`` asks for ``user`` (201 and the hold), or answer again what the same
    request with this key was answered."""
    key = idempotency_key or None
    digest = idempotency.request_hash({"hold": data})
    for attempt in range(2):
        async with db.write_sessions() as session:
            store = OrmBookingStore(session, settings)
            if key is not None:
                stored = await idempotency.kept_answer(store, settings, user.id, key)
                if stored is not None:
                    return idempotency.replay(stored, digest)
            try:
                body = await _hold(session, store, settings, user, data)
                if key is not None:
                    answer = AnswerToStore(
                        user.id, key, digest, body, idempotency.expired_before(settings)
                    )
                    await repository.forget_expired_answers(session, answer)
                    repository.keep_answer(session, answer, 201)
                await session.commit()
                return BookingAnswer(body)
            except IntegrityError as exc:
                await session.rollback()
                why = repository.refusal(exc)
                if why is Refusal.KEY_TAKEN and key is not None:
                    twin = await store.stored_answer(user.id, key)
                    if twin is not None:
                        return idempotency.replay(twin, digest)
                if why is Refusal.CLIENT_RACED and attempt == 0:
                    continue  # the client's other hold committed first: replace it now
                if why is None:
                    raise
                raise ValidationError([booking.TAKEN]) from None
    raise ValidationError([booking.TAKEN])


async def _hold(
    session: AsyncSession, store: OrmBookingStore, settings: Settings, user: User, data: Any
) -> dict:
    request = BookingRequest.from_values(
        validate_fields(writable_fields(user.is_staff), data, partial=False)
    )
    window = booking.check_window(settings, request.date)
    context = await store.load_context(user.id, request, window)
    now = dt.datetime.now(dt.UTC)
    # Every rule of a booking, live holds counted as busy (the caller's own too).
    planned = booking.decide(settings, user, request, context, now=now)
    previous = await repository.client_hold(session, planned.client_id)
    new = Hold(
        client_id=planned.client_id,
        service_id=planned.service_id,
        specialist_id=planned.specialist_id,
        date=planned.date,
        start_time=planned.start_time,
        end_time=planned.end_time,
        buffer_before=planned.buffer_before,
        buffer_after=planned.buffer_after,
        status="held",
        created_at=now,
        expires_at=expiry(settings, now),
    )
    # Their own hold, written since the context was read, may keep this very time.
    if previous is not None and _blocks(previous, new, now, settings):
        raise ValidationError([booking.TAKEN])
    await repository.replace(session, previous, new)
    written = await repository.by_id(session, new.id)
    return represent_hold(written, now, settings.tz)


def _blocks(held: Hold, wanted: Hold, now: dt.datetime, settings: Settings) -> bool:
    """Whether the live hold ``held`` overlaps the time ``wanted`` asks for."""
    if state(held, now) != "held" or held.specialist_id != wanted.specialist_id:
        return False
    a, b = (
        appointment_interval(
            h.date, h.start_time, h.end_time, h.buffer_before, h.buffer_after, settings.tz
        )
        for h in (held, wanted)
    )
    return a.start < b.end and b.start < a.end


# --- reading ---------------------------------------------------------------------------------


async def live_holds(
    session: AsyncSession, settings: Settings, actor: Actor
) -> list[dict[str, Any]]:
    """The holds the caller sees that still keep their time."""
    user = actor.require_user()
    await actor.load_profiles(session)
    now = dt.datetime.now(dt.UTC)
    rows = await repository.live(session, user, actor.client_id, now)
    return [represent_hold(h, now, settings.tz) for h in rows]


async def get_visible(session: AsyncSession, actor: Actor, pk: int, *, lock: bool = False) -> Hold:
    """The hold if the caller sees it (their own, or any for staff); else DRF's 404."""
    user = actor.require_user()
    await actor.load_profiles(session)
    found = await repository.get_visible(session, user, actor.client_id, pk, lock=lock)
    if found is None:
        raise NotFound.model("Hold")
    return found


async def shown(session: AsyncSession, settings: Settings, actor: Actor, pk: int) -> dict[str, Any]:
    found = await get_visible(session, actor, pk)
    return represent_hold(found, dt.datetime.now(dt.UTC), settings.tz)


# --- giving back and booking -----------------------------------------------------------------


async def release(session: AsyncSession, actor: Actor, pk: int) -> None:
    """Give the time back (again: nothing changes). A booked hold is refused: its booking
    is cancelled, not its hold."""
    found = await get_visible(session, actor, pk, lock=True)
    if found.status == "booked":
        raise refused(HOLD_BOOKED, "hold_confirmed")
    found.status = "released"
    await session.commit()


async def confirm(
    db: Database,
    settings: Settings,
    actor: Actor,
    pk: int,
    *,
    idempotency_key: str | None = None,
) -> BookingAnswer:
    """Book the hold's time for its client: the new appointment (201), as ``POST
    /api/appointments/`` answers; the same booking again (200) once it is booked.

    Judged by every booking rule again (the schedule may have changed meanwhile). An expired
    or released hold is refused with its code; the time may be free still, but it was not
    kept, and nobody books unknowingly what someone else may be holding now.
    """
    user = actor.require_user()
    async with db.write_sessions() as session:
        found = await get_visible(session, actor, pk, lock=True)
        now = dt.datetime.now(dt.UTC)
        current = state(found, now)
        if current == "booked":
            return await _booked(session, found, settings)
        if current == "expired":
            raise refused(HOLD_EXPIRED, "hold_expired")
        if current == "released":
            raise refused(HOLD_RELEASED, "hold_released")
        found.status = "booked"  # from here on it blocks nothing: its booking takes the time
        await session.flush()

        def link(appointment_id: int) -> None:
            found.appointment_id = appointment_id

        store = OrmBookingStore(session, settings, before_commit=link)
        data = {
            "client": found.client_id,
            "service": found.service_id,
            "specialist": found.specialist_id,
            "date": found.date.isoformat(),
            "start_time": found.start_time.isoformat(),
            "end_time": found.end_time.isoformat(),
        }
        return await booking.book(store, settings, user, data, idempotency_key=idempotency_key)


async def _booked(session: AsyncSession, found: Hold, settings: Settings) -> BookingAnswer:
    """A confirmed hold's booking as it is now (a repeated confirmation)."""
    appointment = (
        await repository.appointment(session, found.appointment_id)
        if found.appointment_id is not None
        else None
    )
    if appointment is None:  # deleted by staff since
        raise NotFound.model("Appointment")
    body = represent_appointment(appointment, settings.tz)
    return BookingAnswer(body, status_code=200, replayed=True)
