"""New: the MCP assistant's dialog context, stored for the service account (staff only)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Path, Request
from starlette.responses import Response

from booking_api.api.deps import CtxDep, ReadSession, WriteSession
from booking_api.api.openapi import ERRORS
from booking_api.core.http import JSON, format_datetime, read_body
from booking_api.dialogs import service
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
    return JSON(_represent(await service.current(session, user_key), ctx.settings.tz))


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
    data, ttl = service.parse_body(await read_body(request))
    row = await service.save(session, user_key, data, ttl)
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
    await service.forget(session, user_key)
    return Response(status_code=204)
