"""Routes outside the resources: the API root, the site root, liveness and readiness."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from starlette.responses import RedirectResponse

from booking_api.api.deps import CtxDep
from booking_api.core.http import JSON

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
