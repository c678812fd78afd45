"""``GET /api/policy/``: the rules a client books, holds, cancels and moves by — what an
assistant tells a client before they commit (public, like the catalogue)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field

from booking_api.api.deps import SettingsDep
from booking_api.core.config import Settings
from booking_api.core.http import JSON

router = APIRouter(tags=["Policy"])


class PolicyOut(BaseModel):
    time_zone: str = Field(description="Wall-clock zone of every date and time")
    cancel_cutoff_minutes: int = Field(
        description="A client may not cancel or move a booking later than this before its "
        "start (0: until it starts)"
    )
    hold_minutes: int = Field(
        description="How long a hold keeps a time (ends on a whole minute, at least this far)"
    )
    min_notice_minutes: int = Field(description="Bookings start at least this far ahead")
    booking_horizon_days: int = Field(description="Bookings start at most this many days ahead")
    slot_step_minutes: int = Field(description="The grid free times of a service start on")


def policy(settings: Settings) -> dict[str, Any]:
    return {
        "time_zone": settings.time_zone,
        "cancel_cutoff_minutes": settings.cancel_cutoff_minutes,
        "hold_minutes": settings.hold_minutes,
        "min_notice_minutes": settings.min_notice_minutes,
        "booking_horizon_days": settings.booking_horizon_days,
        "slot_step_minutes": settings.slot_step_minutes,
    }


@router.get(
    "/policy/",
    summary="The booking policy",
    description="Cancellation cut-off, how long a hold lasts, notice and horizon of bookings, "
    "the slot grid and the time zone (settings of this deployment).",
    response_model=PolicyOut,
    operation_id="policy_retrieve",
)
async def get_policy(settings: SettingsDep) -> Any:
    return JSON(policy(settings))
