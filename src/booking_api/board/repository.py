"""The SQL of the staff board and the dashboard: who works when, what is booked, and counts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload, with_expression

from booking_api.api.repository import search
from booking_api.clients.repository import client_search, no_show_count
from booking_api.core.config import Settings
from booking_api.models import (
    Appointment,
    Break,
    Client,
    Service,
    Specialist,
    SpecialistSchedule,
    TimeOff,
)


def _specialists(only: int | None) -> Select[Any]:
    stmt = select(Specialist)
    if only is not None:
        return stmt.where(Specialist.id == only)
    return stmt.where(Specialist.is_active.is_(True))


async def specialists(session: AsyncSession, only: int | None = None) -> Sequence[Specialist]:
    """The board's columns: every active specialist by name, or just ``only``."""
    stmt = _specialists(only).order_by(Specialist.name, Specialist.id)
    return (await session.scalars(stmt)).all()


async def weekly_hours(session: AsyncSession, ids: Sequence[int]) -> Sequence[SpecialistSchedule]:
    stmt = select(SpecialistSchedule).where(SpecialistSchedule.specialist_id.in_(ids))
    return (await session.scalars(stmt)).all()


async def breaks(session: AsyncSession, ids: Sequence[int]) -> Sequence[Break]:
    return (await session.scalars(select(Break).where(Break.specialist_id.in_(ids)))).all()


async def time_off(
    session: AsyncSession, ids: Sequence[int], start: dt.datetime, end: dt.datetime
) -> Sequence[TimeOff]:
    """Time off that overlaps ``[start, end)``."""
    stmt = select(TimeOff).where(
        TimeOff.specialist_id.in_(ids), TimeOff.start < end, TimeOff.end > start
    )
    return (await session.scalars(stmt)).all()


async def appointments(
    session: AsyncSession, ids: Sequence[int], first: dt.date, last: dt.date
) -> Sequence[Appointment]:
    """The specialists' appointments dated ``first..last``, with client (and the client's
    no-show count), service and specialist."""
    stmt = (
        select(Appointment)
        .where(
            Appointment.specialist_id.in_(ids),
            Appointment.date >= first,
            Appointment.date <= last,
        )
        .options(
            joinedload(Appointment.client).options(
                with_expression(Client.no_show_count, no_show_count())
            ),
            joinedload(Appointment.service),
            joinedload(Appointment.specialist),
        )
        .order_by(Appointment.date, Appointment.start_time, Appointment.id)
    )
    return (await session.scalars(stmt)).unique().all()


async def services_of(session: AsyncSession, specialist_id: int) -> Sequence[Service]:
    stmt = (
        select(Service)
        .where(Service.specialist_id == specialist_id, Service.is_active.is_(True))
        .order_by(Service.name, Service.id)
    )
    return (await session.scalars(stmt)).all()


async def find_clients(
    session: AsyncSession, settings: Settings, text: str, limit: int
) -> Sequence[Client]:
    """Clients whose name, phone, email or city match every term of ``text`` (the API's
    search), with their no-show counts."""
    stmt = search(select(Client), text, client_search(settings))
    stmt = stmt.options(with_expression(Client.no_show_count, no_show_count()))
    return (await session.scalars(stmt.order_by(Client.name, Client.id).limit(limit))).all()


# --- the dashboard ---------------------------------------------------------------------------


async def first_bookings(
    session: AsyncSession, ids: Sequence[int], since: dt.datetime
) -> Sequence[dt.datetime]:
    """When each client who first booked (with these specialists) at or after ``since`` did
    so: a client's first booking is how the dashboard counts them as new."""
    first = (
        select(func.min(Appointment.created_at).label("first"))
        .where(Appointment.specialist_id.in_(ids))
        .group_by(Appointment.client_id)
        .subquery()
    )
    return (await session.scalars(select(first.c.first).where(first.c.first >= since))).all()


async def lost_visits(
    session: AsyncSession, ids: Sequence[int], first: dt.date, last: dt.date
) -> Sequence[tuple[dt.date, bool]]:
    """(date, no_show) of the cancelled appointments dated ``first..last``."""
    stmt = select(Appointment.date, Appointment.no_show).where(
        Appointment.specialist_id.in_(ids),
        Appointment.status == "cancelled",
        Appointment.date >= first,
        Appointment.date <= last,
    )
    return [(day, bool(flag)) for day, flag in (await session.execute(stmt)).all()]
