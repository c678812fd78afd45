"""Rules of schedules, breaks and time off (DRF's ``Serializer.validate`` of each)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from booking_api.appointments.service import END_BEFORE_START
from booking_api.core.errors import ValidationError
from booking_api.schedules import repository

NOT_UNIQUE = "The fields specialist, day_of_week must make a unique set."


def check_span(values: dict[str, Any], obj: Any, start: str, end: str) -> None:
    """A span (working day, break, time off) must end after it starts; stored values fill in."""
    first = values.get(start, getattr(obj, start, None))
    last = values.get(end, getattr(obj, end, None))
    if first is not None and last is not None and last <= first:
        raise ValidationError([END_BEFORE_START])


async def check_one_row_per_weekday(
    session: AsyncSession, values: dict[str, Any], obj: Any | None
) -> None:
    """Django's ``unique_together = (specialist, day_of_week)``, as DRF reports it."""
    if "specialist" not in values and "day_of_week" not in values:
        return
    specialist = values.get("specialist", obj.specialist_id if obj else None)
    day = values.get("day_of_week", obj.day_of_week if obj else None)
    if specialist is None or day is None:
        return
    if await repository.weekday_taken(
        session, specialist, day, except_id=obj.id if obj is not None else None
    ):
        raise ValidationError([NOT_UNIQUE])


def in_zone(values: dict[str, Any], tz: dt.tzinfo, *names: str) -> None:
    """A date-time written without an offset is in the service zone."""
    for name in names:
        if name in values and values[name].tzinfo is None:
            values[name] = values[name].replace(tzinfo=tz)
