"""The staff board: its columns and blocks, and every change made from it.

Each change goes through the API's own services (``appointments.service.book`` for a new
booking, ``appointments.lifecycle`` for confirm, complete, cancel, no-show and moving, the
clients' service for a quick new client), so the rules, their texts and the notifications
(``jobs.appointment_changed``) are those of the API. A refusal is raised as the API's
:class:`~booking_api.core.errors.APIError`; the admin's routes answer it as JSON.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from booking_api.appointments import lifecycle
from booking_api.appointments import service as booking
from booking_api.board import repository
from booking_api.clients.schemas import CLIENT_FIELDS
from booking_api.clients.service import prepare_new_client
from booking_api.core.config import Settings
from booking_api.core.db import Database
from booking_api.core.errors import PermissionDenied, ValidationError
from booking_api.core.fields import validate_fields
from booking_api.models import ACTIVE_STATUSES, Appointment, Client, User

ACTIONS = ("confirm", "complete", "cancel", "no_show")
DAY = dt.timedelta(days=1)
MIDNIGHT = dt.time(0)


@dataclass
class StaffActor:
    """Who acts on the board: a staff user, or a specialist's own user (``specialist``), in
    the shape ``appointments.lifecycle`` asks for (the API's request context is another)."""

    user: User
    specialist: int | None = None
    client: int | None = field(default=None)

    @property
    def is_staff(self) -> bool:
        return bool(self.user.is_staff)

    @property
    def client_id(self) -> int | None:
        return self.client

    @property
    def specialist_id(self) -> int | None:
        return self.specialist

    def require_user(self) -> User:
        return self.user

    async def load_profiles(self, session: AsyncSession) -> None:
        """Loaded at sign-in (``admin.auth``)."""

    @property
    def column(self) -> int | None:
        """The one column a specialist sees (None: staff see them all)."""
        return None if self.is_staff else self.specialist


# --- what the board shows --------------------------------------------------------------------


def _iso(day: dt.date, time: dt.time) -> str:
    """A wall-clock moment as the calendar takes it (no offset: shown as it is)."""
    if time == MIDNIGHT:
        return f"{day.isoformat()}T00:00:00"
    return f"{day.isoformat()}T{time.strftime('%H:%M:%S')}"


def _end_iso(day: dt.date, time: dt.time) -> str:
    """An end of ``00:00`` is midnight at the end of the day."""
    return _iso(day + DAY, MIDNIGHT) if time == MIDNIGHT else _iso(day, time)


def _shade(resource: int, day: dt.date, start: str, end: str, kind: str, title: str = "") -> dict:
    return {
        "id": f"{kind}-{resource}-{start}",
        "resourceIds": [str(resource)],
        "start": start,
        "end": end,
        "display": "background",
        "classNames": [f"board-{kind}"],
        "title": title,
    }


def block(appointment: Appointment, actor: StaffActor, now: dt.datetime) -> dict[str, Any]:
    """An appointment as a block on the board, with the actions the actor may take on it."""
    status = "no_show" if appointment.no_show else appointment.status
    started = dt.datetime.combine(appointment.date, appointment.start_time) <= now
    actions = [
        action
        for action in ACTIONS
        if appointment.status in lifecycle.TRANSITIONS[action][0]
        and (action != "no_show" or started)
    ]
    active = appointment.status in ACTIVE_STATUSES
    client = appointment.client
    return {
        "id": str(appointment.id),
        "resourceIds": [str(appointment.specialist_id)],
        "start": _iso(appointment.date, appointment.start_time),
        "end": _end_iso(appointment.date, appointment.end_time),
        "title": f"{client.name} · {appointment.service.name}",
        "classNames": [f"board-status-{status}"],
        "editable": bool(actor.is_staff and active),
        "extendedProps": {
            "status": status,
            "client": client.name,
            "client_id": client.id,
            "phone": client.phone,
            "client_no_shows": client.no_show_count or 0,
            "service": appointment.service.name,
            "specialist": appointment.specialist.name,
            "actions": actions,
            "can_move": bool(actor.is_staff and active),
        },
    }


@dataclass(frozen=True)
class Board:
    columns: list[dict[str, Any]]
    slot_min: str
    slot_max: str


async def columns(session: AsyncSession, actor: StaffActor) -> Board:
    """The columns the actor sees (staff: every active specialist; a specialist: their own)
    and the hours the board spans (everyone's working hours, 08:00–20:00 at least)."""
    if not actor.is_staff and actor.specialist is None:
        raise PermissionDenied()
    found = await repository.specialists(session, actor.column)
    ids = [s.id for s in found]
    hours = await repository.weekly_hours(session, ids) if ids else []
    first = min([h.start_time.hour for h in hours] + [8])
    last = max([_hour_after(h.end_time) for h in hours] + [20])
    return Board(
        columns=[
            {"id": str(s.id), "title": s.name, "extendedProps": {"role": s.specialization}}
            for s in found
        ],
        slot_min=f"{first:02d}:00",
        slot_max=f"{min(last, 24):02d}:00",
    )


def _hour_after(end: dt.time) -> int:
    if end == MIDNIGHT:
        return 24
    return end.hour + (1 if end.minute or end.second else 0)


async def events(
    session: AsyncSession,
    settings: Settings,
    actor: StaffActor,
    first: dt.date,
    last: dt.date,
) -> list[dict[str, Any]]:
    """The blocks of ``first..last`` and, behind them, the time nobody can be booked: outside
    working hours, breaks, time off."""
    board = await columns(session, actor)
    ids = [int(c["id"]) for c in board.columns]
    if not ids or last < first or (last - first).days > 62:
        return []
    tz = settings.tz
    hours = {
        (h.specialist_id, h.day_of_week): h for h in await repository.weekly_hours(session, ids)
    }
    pauses: dict[int, list[Any]] = defaultdict(list)
    for pause in await repository.breaks(session, ids):
        pauses[pause.specialist_id].append(pause)
    range_start = dt.datetime.combine(first, MIDNIGHT, tz)
    range_end = dt.datetime.combine(last + DAY, MIDNIGHT, tz)
    offs = await repository.time_off(session, ids, range_start, range_end)
    shading: list[dict[str, Any]] = []
    day = first
    while day <= last:
        for sid in ids:
            shading.extend(_day_shading(sid, day, hours.get((sid, day.weekday())), pauses[sid]))
        day += DAY
    for off in offs:
        start = max(off.start.astimezone(tz), range_start).replace(tzinfo=None)
        end = min(off.end.astimezone(tz), range_end).replace(tzinfo=None)
        shading.append(
            _shade(
                off.specialist_id,
                start.date(),
                start.isoformat(timespec="seconds"),
                end.isoformat(timespec="seconds"),
                "timeoff",
                off.reason or "Нерабочее время",
            )
        )
    now = dt.datetime.now(tz).replace(tzinfo=None)
    blocks = [
        block(a, actor, now) for a in await repository.appointments(session, ids, first, last)
    ]
    return shading + blocks


def _day_shading(sid: int, day: dt.date, hours: Any, pauses: Sequence[Any]) -> list[dict]:
    whole = (_iso(day, MIDNIGHT), _iso(day + DAY, MIDNIGHT))
    if hours is None or (hours.end_time <= hours.start_time and hours.end_time != MIDNIGHT):
        return [_shade(sid, day, *whole, "off", "Не работает")]
    shades = []
    if hours.start_time != MIDNIGHT:
        shades.append(_shade(sid, day, whole[0], _iso(day, hours.start_time), "off"))
    if hours.end_time != MIDNIGHT:
        shades.append(_shade(sid, day, _iso(day, hours.end_time), whole[1], "off"))
    for pause in pauses:
        if pause.day_of_week in (None, day.weekday()) and (
            pause.start_time < pause.end_time or pause.end_time == MIDNIGHT
        ):
            shades.append(
                _shade(
                    sid,
                    day,
                    _iso(day, pause.start_time),
                    _end_iso(day, pause.end_time),
                    "break",
                    "Перерыв",
                )
            )
    return shades


# --- what is picked in the booking form ------------------------------------------------------


async def services(session: AsyncSession, actor: StaffActor, specialist_id: int) -> list[dict]:
    if actor.column is not None and actor.column != specialist_id:
        raise PermissionDenied()
    return [
        {"id": s.id, "name": s.name, "duration": s.duration, "price": f"{s.price:.2f}"}
        for s in await repository.services_of(session, specialist_id)
    ]


def client_row(client: Client) -> dict[str, Any]:
    return {
        "id": client.id,
        "name": client.name,
        "phone": client.phone,
        "no_shows": client.no_show_count or 0,
    }


async def find_clients(
    session: AsyncSession, settings: Settings, actor: StaffActor, text: str
) -> list[dict]:
    if not actor.is_staff:
        raise PermissionDenied()
    text = text.strip()[:100]
    if not text:
        return []
    return [client_row(c) for c in await repository.find_clients(session, settings, text, 20)]


async def new_client(
    session: AsyncSession, settings: Settings, actor: StaffActor, data: Any
) -> dict[str, Any]:
    """A client made from the board, as the API's ``POST /api/clients/`` makes one."""
    if not actor.is_staff:
        raise PermissionDenied()
    fields = {k: CLIENT_FIELDS[k] for k in ("name", "phone", "email", "city")}
    values = validate_fields(fields, data)
    await prepare_new_client(session, settings, actor.user, values)
    client = Client(**values)
    session.add(client)
    await session.flush()
    row = client_row(client)
    await session.commit()
    return row


# --- changes ---------------------------------------------------------------------------------


async def book(
    db: Database, settings: Settings, actor: StaffActor, data: dict[str, Any]
) -> dict[str, Any]:
    """Book from a free slot: the API's booking (its rules, texts and notifications)."""
    async with booking.booking_store(db, settings) as store:
        answer = await booking.book(store, settings, actor.user, data)
    return answer.body


async def act(
    session: AsyncSession, settings: Settings, actor: StaffActor, pk: int, action: str
) -> Appointment:
    """Confirm, complete, cancel or mark a no-show (the API's transitions)."""
    if action not in ACTIONS:
        raise ValidationError({"action": [f'"{action}" is not a valid choice.']})
    appointment = await lifecycle.get_visible(session, actor, pk)
    await lifecycle.change_status(session, settings, actor, appointment, action)
    return appointment


async def move(
    session: AsyncSession, settings: Settings, actor: StaffActor, pk: int, data: Any
) -> Appointment:
    """Move to another time of the same specialist (the API's reschedule; its length is
    kept when no end is given)."""
    appointment = await lifecycle.get_visible(session, actor, pk)
    if isinstance(data, dict) and data.get("specialist") not in (
        None,
        appointment.specialist_id,
        str(appointment.specialist_id),
    ):
        raise ValidationError([booking.WRONG_SPECIALIST])
    lifecycle.require_own(actor, appointment)
    body = {k: v for k, v in data.items() if k != "specialist"} if isinstance(data, dict) else data
    await lifecycle.reschedule(session, settings, actor, appointment, body)
    return appointment


async def edit(
    session: AsyncSession,
    settings: Settings,
    actor: StaffActor,
    appointment: Appointment,
    values: dict[str, Any],
) -> None:
    """The admin's edit form: the API's PUT (its checks, then its write and notifications)."""
    await lifecycle.check_change(session, settings, actor, appointment, values)
    columns = {
        (f"{k}_id" if k in ("client", "service", "specialist") else k): v for k, v in values.items()
    }
    await lifecycle.apply_change(session, settings, actor, appointment, columns)
    await session.commit()
