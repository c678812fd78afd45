"""The SQL of schedules, breaks and time off."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from booking_api.models import Break, SpecialistSchedule, TimeOff


def filter_schedules(
    stmt: Select[Any], *, specialist_id: int | None, day_of_week: int | None
) -> Select[Any]:
    if specialist_id is not None:
        stmt = stmt.where(SpecialistSchedule.specialist_id == specialist_id)
    if day_of_week is not None:
        stmt = stmt.where(SpecialistSchedule.day_of_week == day_of_week)
    return stmt


def filter_breaks(stmt: Select[Any], *, specialist_id: int | None) -> Select[Any]:
    if specialist_id is not None:
        stmt = stmt.where(Break.specialist_id == specialist_id)
    return stmt


def filter_time_off(stmt: Select[Any], *, specialist_id: int | None) -> Select[Any]:
    if specialist_id is not None:
        stmt = stmt.where(TimeOff.specialist_id == specialist_id)
    return stmt


async def weekday_taken(
    session: AsyncSession, specialist_id: int, day_of_week: int, *, except_id: int | None
) -> bool:
    """Whether the specialist has a schedule row for that weekday (other than ``except_id``)."""
    stmt = select(SpecialistSchedule.id).where(
        SpecialistSchedule.specialist_id == specialist_id,
        SpecialistSchedule.day_of_week == day_of_week,
    )
    if except_id is not None:
        stmt = stmt.where(SpecialistSchedule.id != except_id)
    return await session.scalar(stmt.limit(1)) is not None


async def week_of(session: AsyncSession, specialist_id: int) -> Sequence[SpecialistSchedule]:
    """The specialist's schedule rows, by id."""
    stmt = (
        select(SpecialistSchedule)
        .where(SpecialistSchedule.specialist_id == specialist_id)
        .order_by(SpecialistSchedule.id)
    )
    return (await session.scalars(stmt)).all()
