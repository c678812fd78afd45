"""Routes outside the resources: the API root, the site root, liveness and readiness."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from fastapi import APIRouter, Request
from sqlalchemy import text
from starlette.responses import RedirectResponse

from booking_api.api.deps import CtxDep
from booking_api.core.db import Database
from booking_api.core.http import JSON

log = logging.getLogger("booking_api")

# DRF's DefaultRouter lists its registered viewsets at the API root, in registration order.
ROUTER_RESOURCES = ("categories", "specialists", "schedules", "services", "clients", "appointments")

router = APIRouter(include_in_schema=False)


@router.get("/api/")
async def api_root(ctx: CtxDep) -> Any:
    """DRF's API root: ``{"categories": "<absolute URL of its list>", …}``."""
    base = str(ctx.request.base_url)
    return JSON({name: f"{base}api/{name}/" for name in ROUTER_RESOURCES})


@router.get("/")
async def site_root() -> Any:
    """Nothing lives at /: send people to the API's documentation."""
    return RedirectResponse("/api/docs/", status_code=302)


@router.get("/health")
async def health() -> Any:
    """Liveness: the process answers."""
    return JSON({"status": "ok"})


@router.get("/ready")
async def ready(request: Request) -> Any:
    """Readiness follows what the API can do: it serves reads and bookings with its database
    alone, so the database decides (503 without it). Redis only carries the shared cache and
    rate limits, which fall back in-process: without it the API is ready but ``degraded``."""
    settings = request.app.state.settings
    parts = {"database": "ok" if await database_answers(request.app.state.db, settings) else "down"}
    if settings.redis_url:
        parts["redis"] = "ok" if await redis_answers(settings.redis_url) else "down"
    if parts["database"] != "ok":
        body = {"status": "unavailable", **parts, "down": ["database"]}
        headers = {"Retry-After": str(settings.database_retry_after_seconds)}
        return JSON(body, status_code=503, headers=headers)
    degraded = [name for name, state in parts.items() if state != "ok"]
    if degraded:
        return JSON({"status": "degraded", **parts, "degraded": degraded})
    return JSON({"status": "ok", **parts})


async def database_answers(db: Database, settings: Any) -> bool:
    try:
        async with asyncio.timeout(settings.db_connect_timeout_seconds + 1):
            async with db.read_sessions() as session:
                await session.execute(text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001 - any failure means "not ready"
        db.availability.lost(exc)
        return False
    db.availability.back()
    return True


async def redis_answers(url: str) -> bool:
    try:
        from redis.asyncio import Redis

        client = Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
        try:
            return bool(await client.ping())
        finally:
            await client.aclose()
    except Exception:  # noqa: BLE001 - unreachable, refused, bad URL: all mean "down"
        return False
