"""Dialog contexts: a conversation's state, kept until its time to live runs out."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from booking_api.core.errors import NotFound, ValidationError
from booking_api.dialogs import repository
from booking_api.models import DialogContext

DEFAULT_TTL_SECONDS = 3600
MAX_TTL_SECONDS = 30 * 86400


async def current(session: AsyncSession, user_key: str) -> DialogContext:
    """The stored context, unless it has expired (then the model's 404)."""
    row = await repository.by_key(session, user_key)
    now = dt.datetime.now(dt.UTC)
    if row is None or (row.expires_at is not None and row.expires_at <= now):
        raise NotFound.model("DialogContext")
    return row


def parse_body(body: Any) -> tuple[dict[str, Any], int]:
    """``{"data": {...}, "ttl_seconds": N}``, checked with DRF's texts."""
    if not isinstance(body, dict):
        raise ValidationError(
            [f"Invalid data. Expected a dictionary, but got {type(body).__name__}."]
        )
    data = body.get("data")
    if not isinstance(data, dict):
        kind = type(data).__name__
        raise ValidationError({"data": [f'Expected a dictionary of items but got type "{kind}".']})
    ttl = body.get("ttl_seconds", DEFAULT_TTL_SECONDS)
    if not isinstance(ttl, int) or isinstance(ttl, bool) or not 1 <= ttl <= MAX_TTL_SECONDS:
        raise ValidationError({"ttl_seconds": ["A valid integer is required."]})
    return data, ttl


async def save(
    session: AsyncSession, user_key: str, data: dict[str, Any], ttl: int
) -> DialogContext:
    now = dt.datetime.now(dt.UTC)
    row = await repository.save(
        session, user_key, data, now=now, expires_at=now + dt.timedelta(seconds=ttl)
    )
    await session.commit()
    return row


async def forget(session: AsyncSession, user_key: str) -> None:
    await repository.forget(session, user_key)
    await session.commit()
