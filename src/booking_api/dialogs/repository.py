"""The SQL of dialog contexts."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from booking_api.models import DialogContext


async def by_key(session: AsyncSession, user_key: str) -> DialogContext | None:
    return await session.scalar(select(DialogContext).where(DialogContext.user_key == user_key))


async def save(
    session: AsyncSession,
    user_key: str,
    data: dict[str, Any],
    *,
    now: dt.datetime,
    expires_at: dt.datetime,
) -> DialogContext:
    """Insert or replace the context of ``user_key``."""
    row = await by_key(session, user_key)
    if row is None:
        row = DialogContext(user_key=user_key)
        session.add(row)
    row.data = data
    row.updated_at = now
    row.expires_at = expires_at
    await session.flush()
    return row


async def forget(session: AsyncSession, user_key: str) -> None:
    await session.execute(delete(DialogContext).where(DialogContext.user_key == user_key))
