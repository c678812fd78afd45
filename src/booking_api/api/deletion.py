"""Deleting rows the way Django's ``on_delete`` rules did.

Django applies ``CASCADE`` and ``SET_NULL`` in Python, so the tables it created carry no
``ON DELETE`` clauses. The same rules live here, as data, and run as set-based statements
(one per related table, never one per row).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from booking_api.models import (
    Appointment,
    Break,
    Client,
    IdempotencyKey,
    OutstandingToken,
    Service,
    ServiceCategory,
    Specialist,
    SpecialistSchedule,
    TimeOff,
    User,
)

CASCADE, SET_NULL = "cascade", "set_null"

# model -> the foreign keys pointing at it, and what happens to their rows.
ON_DELETE: dict[type, list[tuple[Any, str]]] = {
    User: [
        (Specialist.user_id, SET_NULL),
        (Client.user_id, SET_NULL),
        (Appointment.cancelled_by_id, SET_NULL),
        (OutstandingToken.user_id, SET_NULL),
        (IdempotencyKey.user_id, CASCADE),
    ],
    ServiceCategory: [(Service.category_id, SET_NULL)],
    Specialist: [
        (Service.specialist_id, CASCADE),
        (Appointment.specialist_id, CASCADE),
        (SpecialistSchedule.specialist_id, CASCADE),
        (Break.specialist_id, CASCADE),
        (TimeOff.specialist_id, CASCADE),
    ],
    Service: [(Appointment.service_id, CASCADE)],
    Client: [(Appointment.client_id, CASCADE)],
}


def register(model: type, column: Any, action: str) -> None:
    """Let a new table (e.g. the waitlist) take part in its parents' deletes."""
    ON_DELETE.setdefault(model, []).append((column, action))


async def delete_with_dependents(session: AsyncSession, model: Any, ids: Sequence[int]) -> None:
    """Delete ``model`` rows ``ids`` and, first, what Django would delete or detach with them."""
    if not ids:
        return
    for column, action in ON_DELETE.get(model, []):
        child = column.class_
        if action == SET_NULL:
            await session.execute(update(child).where(column.in_(ids)).values({column.key: None}))
        else:
            child_ids = (await session.scalars(select(child.id).where(column.in_(ids)))).all()
            await delete_with_dependents(session, child, child_ids)
    await session.execute(delete(model).where(model.id.in_(ids)))
