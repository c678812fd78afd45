"""New: the MCP assistant's dialog context, stored for the service account (staff only)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Path, Request
from sqlalchemy import delete, select

from booking_api.api.deps import CtxDep, ReadSession, WriteSession
from booking_api.api.openapi import ERRORS
from booking_api.core.errors import NotFound, ValidationError
from booking_api.core.http import JSON, format_datetime, read_body
from booking_api.models import DialogContext

router = APIRouter(tags=["Dialog contexts"])
KEY = Path(..., max_length=64, pattern=r"^[\w:.-]+$", description="e.g. tg:123456")


def _represent(row: DialogContext, tz: dt.tzinfo) -> dict[str, Any]:
    return {
        "user_key": row.user_key,
        "data": row.data,
        "updated_at": format_datetime(row.updated_at, tz),
        "expires_at": format_datetime(row.expires_at, tz),
    }


@router.get(
    "/dialog-contexts/{user_key}/",
    summary="Read a conversation's context",
    responses=ERRORS(401, 403, 404),
)
async def get_context(session: ReadSession, ctx: CtxDep, user_key: str = KEY) -> Any:
    ctx.require_staff()
    row = await session.scalar(select(DialogContext).where(DialogContext.user_key == user_key))
    now = dt.datetime.now(dt.UTC)
    if row is None or (row.expires_at is not None and row.expires_at <= now):
        raise NotFound.model("DialogContext")
    return JSON(_represent(row, ctx.settings.tz))


@router.put(
    "/dialog-contexts/{user_key}/",
    summary="Save a conversation's context",
    description='Body: `{"data": {...}, "ttl_seconds": 3600}`; expires after the TTL.',
    responses=ERRORS(400, 401, 403),
)
async def put_context(
    request: Request, session: WriteSession, ctx: CtxDep, user_key: str = KEY
) -> Any:
    ctx.require_staff()
    body = await read_body(request)
    if not isinstance(body, dict):
        raise ValidationError(
            [f"Invalid data. Expected a dictionary, but got {type(body).__name__}."]
        )
    data = body.get("data")
    if not isinstance(data, dict):
        kind = type(data).__name__
        raise ValidationError({"data": [f'Expected a dictionary of items but got type "{kind}".']})
    ttl = body.get("ttl_seconds", 3600)
    if not isinstance(ttl, int) or isinstance(ttl, bool) or not 1 <= ttl <= 30 * 86400:
        raise ValidationError({"ttl_seconds": ["A valid integer is required."]})
    now = dt.datetime.now(dt.UTC)
    row = await session.scalar(select(DialogContext).where(DialogContext.user_key == user_key))
    if row is None:
        row = DialogContext(user_key=user_key)
        session.add(row)
    row.data = data
    row.updated_at = now
    row.expires_at = now + dt.timedelta(seconds=ttl)
    await session.commit()
    return JSON(_represent(row, ctx.settings.tz))


@router.delete(
    "/dialog-contexts/{user_key}/",
    status_code=204,
    summary="Forget a conversation",
    response_model=None,
    responses=ERRORS(401, 403),
)
async def delete_context(session: WriteSession, ctx: CtxDep, user_key: str = KEY) -> Any:
    ctx.require_staff()
    await session.execute(delete(DialogContext).where(DialogContext.user_key == user_key))
    await session.commit()
    from starlette.responses import Response

    return Response(status_code=204)
