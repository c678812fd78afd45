"""The calendar feeds' SQL: tokens, and the bookings a calendar shows."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from booking_api.calendars.ics import Booking
from booking_api.calendars.models import CalendarFeed
from booking_api.models import Appointment, Client, Service, Specialist

OWNERS = {"specialist": CalendarFeed.specialist_id, "client": CalendarFeed.client_id}


def new_token() -> str:
    """256 bits from the OS's CSPRNG, URL-safe: the feed's only credential."""
    return secrets.token_urlsafe(32)


async def feed_by_token(session: AsyncSession, token: str) -> CalendarFeed | None:
    return await session.scalar(select(CalendarFeed).where(CalendarFeed.token == token))


async def feed_of(session: AsyncSession, owner: str, owner_id: int) -> CalendarFeed | None:
    return await session.scalar(select(CalendarFeed).where(OWNERS[owner] == owner_id))


async def specialist_by_telegram(session: AsyncSession, telegram_id: str) -> int | None:
    """The active specialist whose Telegram chat is ``telegram_id`` (the first, if several)."""
    if not telegram_id:
        return None
    return await session.scalar(
        select(Specialist.id)
        .where(Specialist.telegram_id == telegram_id, Specialist.is_active.is_(True))
        .order_by(Specialist.id)
        .limit(1)
    )


async def get_or_create(session: AsyncSession, owner: str, owner_id: int) -> CalendarFeed:
    """The owner's feed, made on first use (caller commits)."""
    feed = await feed_of(session, owner, owner_id)
    if feed is None:
        feed = CalendarFeed(token=new_token(), **{f"{owner}_id": owner_id})
        session.add(feed)
        await session.flush()
    return feed


async def rotate(session: AsyncSession, owner: str, owner_id: int) -> CalendarFeed:
    """A new token for the owner's feed: the old link stops working (caller commits)."""
    feed = await feed_of(session, owner, owner_id)
    if feed is None:
        return await get_or_create(session, owner, owner_id)
    feed.token = new_token()
    feed.created_at = dt.datetime.now(dt.UTC)
    await session.flush()
    return feed


def _bookings_query() -> Select[Any]:
    return (
        select(
            Appointment.id,
            Appointment.date,
            Appointment.start_time,
            Appointment.end_time,
            Appointment.status,
            Service.name,
            Specialist.name,
            Client.name,
            Appointment.created_at,
            Appointment.updated_at,
        )
        .join(Service, Service.id == Appointment.service_id)
        .join(Specialist, Specialist.id == Appointment.specialist_id)
        .join(Client, Client.id == Appointment.client_id)
    )


async def bookings(
    session: AsyncSession, owner: str, owner_id: int, *, since: dt.date
) -> list[Booking]:
    """The owner's bookings from ``since`` on, in time order."""
    column = Appointment.specialist_id if owner == "specialist" else Appointment.client_id
    rows = await session.execute(
        _bookings_query()
        .where(column == owner_id, Appointment.date >= since)
        .order_by(Appointment.date, Appointment.start_time, Appointment.id)
    )
    return [Booking(*row) for row in rows]


async def booking(session: AsyncSession, appointment_id: int) -> Booking | None:
    row = (await session.execute(_bookings_query().where(Appointment.id == appointment_id))).first()
    return None if row is None else Booking(*row)


async def owner_name_and_language(
    session: AsyncSession, owner: str, owner_id: int
) -> tuple[str, str] | None:
    model = Specialist if owner == "specialist" else Client
    row = (
        await session.execute(select(model.name, model.language).where(model.id == owner_id))
    ).first()
    return None if row is None else (row[0], row[1])


async def appointment_parties(
    session: AsyncSession, appointment_id: int
) -> tuple[int, int, str, str] | None:
    """(client id, specialist id, client's language, specialist's language)."""
    row = (
        await session.execute(
            select(
                Appointment.client_id,
                Appointment.specialist_id,
                Client.language,
                Specialist.language,
            )
            .join(Client, Client.id == Appointment.client_id)
            .join(Specialist, Specialist.id == Appointment.specialist_id)
            .where(Appointment.id == appointment_id)
        )
    ).first()
    return None if row is None else (row[0], row[1], row[2], row[3])
