"""Waitlist entries in the database."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Select, false, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from booking_api.models import WAITLIST_STATUSES, Service, User, WaitlistEntry


def visible_to(user: User, client_id: int | None) -> Select[Any]:
    """Staff see every entry; a client their own; anyone else none."""
    stmt = select(WaitlistEntry)
    if user.is_staff:
        return stmt
    if client_id is None:
        return stmt.where(false())
    return stmt.where(WaitlistEntry.client_id == client_id)


def with_relations() -> list[Any]:
    return [
        joinedload(WaitlistEntry.client),
        joinedload(WaitlistEntry.service),
        joinedload(WaitlistEntry.specialist),
    ]


def filtered(
    stmt: Select[Any],
    *,
    client_id: int | None = None,
    service_id: int | None = None,
    specialist_id: int | None = None,
    status: str | None = None,
    date: dt.date | None = None,
) -> Select[Any]:
    """The list's filters (each one left out when None; an unknown status too)."""
    if client_id is not None:
        stmt = stmt.where(WaitlistEntry.client_id == client_id)
    if service_id is not None:
        stmt = stmt.where(WaitlistEntry.service_id == service_id)
    if specialist_id is not None:
        stmt = stmt.where(WaitlistEntry.specialist_id == specialist_id)
    if status in WAITLIST_STATUSES:
        stmt = stmt.where(WaitlistEntry.status == status)
    if date is not None:
        stmt = stmt.where(WaitlistEntry.date == date)
    return stmt


ORDERING_FIELDS = {"date": WaitlistEntry.date, "created_at": WaitlistEntry.created_at}


def in_queue_order(stmt: Select[Any]) -> Select[Any]:
    """First come, first served: by day, then by when they joined."""
    return stmt.order_by(WaitlistEntry.date, WaitlistEntry.created_at, WaitlistEntry.id)


async def load_service(session: AsyncSession, service_id: int) -> Service | None:
    return await session.get(Service, service_id)


async def waiting_entry_of(
    session: AsyncSession, client_id: int, service_id: int, day: dt.date
) -> int | None:
    """An entry of the client still waiting (or offered) for that service and day."""
    return await session.scalar(
        select(WaitlistEntry.id)
        .where(
            WaitlistEntry.client_id == client_id,
            WaitlistEntry.service_id == service_id,
            WaitlistEntry.date == day,
            WaitlistEntry.status.in_(("active", "offered")),
        )
        .limit(1)
    )


async def add(session: AsyncSession, entry: WaitlistEntry) -> None:
    session.add(entry)
    await session.flush()


async def by_offer_token_locked(session: AsyncSession, token: str) -> WaitlistEntry | None:
    """The entry holding this offer, locked until the transaction ends."""
    return await session.scalar(
        select(WaitlistEntry).where(WaitlistEntry.offer_token == token).with_for_update()
    )


async def get_locked(session: AsyncSession, entry_id: int) -> WaitlistEntry | None:
    return await session.get(WaitlistEntry, entry_id, with_for_update=True)
