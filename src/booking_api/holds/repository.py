"""Holds in the database.

On PostgreSQL two triggers (migration 0008) refuse a hold that overlaps an active appointment
or a live hold, and an appointment that overlaps a live hold, also when they race; a refusal
reaches here as an ``IntegrityError`` (:func:`refusal`). On SQLite write transactions queue
(``BEGIN IMMEDIATE``), so the rules the service checks first are all it takes.
"""

from __future__ import annotations

import datetime as dt
from enum import Enum
from typing import Any

from sqlalchemy import Select, delete, false, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from booking_api.appointments import repository as appointments
from booking_api.appointments.context import AnswerToStore
from booking_api.models import Appointment, Hold, IdempotencyKey, User


def visible_to(user: User, client_id: int | None) -> Select[Any]:
    """Staff see every hold; a client their own; anyone else none."""
    stmt = select(Hold)
    if user.is_staff:
        return stmt
    if client_id is None:
        return stmt.where(false())
    return stmt.where(Hold.client_id == client_id)


def _with_relations(stmt: Select[Any]) -> Select[Any]:
    return stmt.options(
        joinedload(Hold.client), joinedload(Hold.service), joinedload(Hold.specialist)
    )


async def get_visible(
    session: AsyncSession, user: User, client_id: int | None, pk: int, *, lock: bool = False
) -> Hold | None:
    """The hold with its relations, if the user sees it; ``lock``: row-locked until the
    transaction ends (PostgreSQL)."""
    stmt = _with_relations(visible_to(user, client_id).where(Hold.id == pk))
    if lock:
        stmt = stmt.with_for_update(of=Hold)
    return (await session.execute(stmt)).unique().scalar()


async def by_id(session: AsyncSession, pk: int) -> Hold:
    """A hold just written, with its relations."""
    stmt = _with_relations(select(Hold).where(Hold.id == pk))
    return (await session.execute(stmt)).unique().scalar_one()


async def live(
    session: AsyncSession, user: User, client_id: int | None, now: dt.datetime
) -> list[Hold]:
    """The holds the user sees that still keep their time, soonest first."""
    stmt = visible_to(user, client_id).where(Hold.status == "held", Hold.expires_at > now)
    stmt = _with_relations(stmt.order_by(Hold.date, Hold.start_time, Hold.id))
    return list((await session.execute(stmt)).unique().scalars())


async def client_hold(session: AsyncSession, client_id: int) -> Hold | None:
    """The client's one hold row (any status), row-locked (PostgreSQL)."""
    return await session.scalar(select(Hold).where(Hold.client_id == client_id).with_for_update())


async def replace(session: AsyncSession, previous: Hold | None, hold: Hold) -> None:
    """Write ``hold`` in place of the client's ``previous`` row, drawing its id (the old row
    goes first: one row per client)."""
    if previous is not None:
        await session.delete(previous)
        await session.flush()
    session.add(hold)
    await session.flush()


def keep_answer(session: AsyncSession, answer: AnswerToStore, status_code: int) -> None:
    """Store the answer to an ``Idempotency-Key`` (whole: the hold's id is in it)."""
    session.add(
        IdempotencyKey(
            user_id=answer.user_id,
            key=answer.key,
            request_hash=answer.request_hash,
            status_code=status_code,
            body=answer.body,
            created_at=dt.datetime.now(dt.UTC),
        )
    )


async def forget_expired_answers(session: AsyncSession, answer: AnswerToStore) -> None:
    await session.execute(
        delete(IdempotencyKey).where(
            IdempotencyKey.user_id == answer.user_id,
            IdempotencyKey.created_at < answer.expired_before,
        )
    )


async def appointment(session: AsyncSession, appointment_id: int) -> Appointment | None:
    """The booking a hold became, with what it is shown with."""
    stmt = select(Appointment).where(Appointment.id == appointment_id)
    return (await session.execute(stmt.options(*appointments.with_relations()))).unique().scalar()


class Refusal(Enum):
    TAKEN = "taken"  # the time overlaps an active appointment or a live hold
    CLIENT_RACED = "client raced"  # the client's other hold was written first
    KEY_TAKEN = "key taken"  # a twin request stored its answer under the key first


def refusal(exc: IntegrityError) -> Refusal | None:
    """What the database's refusal of a hold means (None: not a refusal of ours)."""
    text = str(exc.orig).lower()
    if "booking_hold_no_overlap" in text or appointments.is_overlap_violation(exc):
        return Refusal.TAKEN
    if "idempotencykey" in text:
        return Refusal.KEY_TAKEN
    if "client_id" in text and ("unique" in text or "duplicate" in text):
        return Refusal.CLIENT_RACED
    return None
