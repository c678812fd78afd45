"""Pieces of representation several resources share (DRF's nested serializers and formats)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel

from booking_api.models import User


class NestedUser(BaseModel):
    """The read-only ``user`` inside specialists and clients."""

    id: int
    username: str
    email: str
    first_name: str
    last_name: str


def nested_user(user: User | None) -> dict[str, Any] | None:
    if user is None:
        return None
    return {
        "id": user.id,
        "username": user.username,
        "email": user.email,
        "first_name": user.first_name,
        "last_name": user.last_name,
    }


def time_text(value: dt.time) -> str:
    """DRF's TimeField: ``HH:MM:SS`` (microseconds only when non-zero)."""
    return value.isoformat()
