"""Schedules, breaks and time off: what the API reads in and shows out."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, Field

from booking_api.api.representation import time_text
from booking_api.core.fields import (
    CharField,
    ChoiceField,
    DateTimeField,
    FieldError,
    PrimaryKeyField,
    TimeField,
)
from booking_api.core.http import format_datetime
from booking_api.models import Break, Specialist, SpecialistSchedule, TimeOff

DAY_NAMES = ("Понедельник", "Вторник", "Среда", "Четверг", "Пятница", "Суббота", "Воскресенье")
WEEKDAYS = tuple(range(7))  # 0 = Monday … 6 = Sunday, Django's ``choices`` of day_of_week


class ScheduleOut(BaseModel):
    id: int
    specialist: int
    day_of_week: int = Field(ge=0, le=6, description="0 = Monday … 6 = Sunday")
    day_name: str = Field(examples=["Понедельник"])
    start_time: str = Field(examples=["09:00:00"])
    end_time: str = Field(examples=["18:00:00"])


class BreakOut(BaseModel):
    id: int
    specialist: int
    day_of_week: int | None
    start_time: str
    end_time: str


class TimeOffOut(BaseModel):
    id: int
    specialist: int
    start: dt.datetime
    end: dt.datetime
    reason: str


# Time off is accepted within these dates (as written, whatever the offset): older or later
# days are typing mistakes, and far from today a zone's offset may not be whole minutes.
EARLIEST_DAY = dt.date(2000, 1, 1)
LATEST_DAY = dt.date(2099, 12, 31)


class DateTimeWithinField(DateTimeField):
    """A DateTimeField whose date must lie between two days (Django's Min/MaxValueValidator
    texts, with the days as limits)."""

    def __init__(self, *, earliest: dt.date, latest: dt.date, **kw: Any):
        super().__init__(**kw)
        self.earliest, self.latest = earliest, latest

    def convert(self, value: Any) -> dt.datetime:
        parsed = super().convert(value)
        if parsed.date() < self.earliest:
            raise FieldError(
                f"Ensure this value is greater than or equal to {self.earliest.isoformat()}."
            )
        if parsed.date() > self.latest:
            raise FieldError(
                f"Ensure this value is less than or equal to {self.latest.isoformat()}."
            )
        return parsed

    def json_schema(self) -> dict[str, Any]:
        schema = super().json_schema()
        limits = f"Between {self.earliest.isoformat()} and {self.latest.isoformat()}."
        schema["description"] = f"{schema.get('description', '')} {limits}".strip()
        return schema


SCHEDULE_FIELDS = {
    "specialist": PrimaryKeyField(Specialist),
    "day_of_week": ChoiceField(WEEKDAYS, help_text="0 = Monday … 6 = Sunday"),
    "start_time": TimeField(),
    "end_time": TimeField(),
}

BREAK_FIELDS = {
    "specialist": PrimaryKeyField(Specialist),
    "day_of_week": ChoiceField(
        WEEKDAYS,
        required=False,
        allow_null=True,
        default=None,
        help_text="0 = Monday … 6 = Sunday; null = every working day",
    ),
    "start_time": TimeField(),
    "end_time": TimeField(),
}

TIME_OFF_FIELDS = {
    "specialist": PrimaryKeyField(Specialist),
    "start": DateTimeWithinField(
        earliest=EARLIEST_DAY,
        latest=LATEST_DAY,
        help_text="ISO 8601; without an offset it is in the service zone.",
    ),
    "end": DateTimeWithinField(earliest=EARLIEST_DAY, latest=LATEST_DAY),
    "reason": CharField(max_length=200, required=False, allow_blank=True, default=""),
}


def day_name(day_of_week: int) -> str:
    return DAY_NAMES[day_of_week] if 0 <= day_of_week <= 6 else ""


def represent_schedule(obj: SpecialistSchedule) -> dict[str, Any]:
    return schedule_dict(obj.id, obj.specialist_id, obj.day_of_week, obj.start_time, obj.end_time)


def schedule_dict(
    id: int, specialist_id: int, day_of_week: int, start_time: dt.time, end_time: dt.time
) -> dict[str, Any]:
    """A schedule row as the API shows it (an object's values, or a plain row in this order)."""
    return {
        "id": id,
        "specialist": specialist_id,
        "day_of_week": day_of_week,
        "day_name": day_name(day_of_week),
        "start_time": time_text(start_time),
        "end_time": time_text(end_time),
    }


def represent_break(obj: Break) -> dict[str, Any]:
    return {
        "id": obj.id,
        "specialist": obj.specialist_id,
        "day_of_week": obj.day_of_week,
        "start_time": time_text(obj.start_time),
        "end_time": time_text(obj.end_time),
    }


def rfc3339(value: dt.datetime, tz: dt.tzinfo) -> str | None:
    """``format_datetime``, in UTC where the zone's offset on that day is not whole minutes
    (local mean time before the zone's first standard offset): RFC 3339 has no seconds in an
    offset. Rows stored before time off had its date range (``DateTimeWithinField``) read so
    too."""
    try:
        offset = value.astimezone(tz).utcoffset()
    except OverflowError:  # the first or last day a datetime can hold
        offset = dt.timedelta(seconds=1)
    if offset is not None and offset.total_seconds() % 60:
        return format_datetime(value, dt.UTC)
    return format_datetime(value, tz)


def represent_time_off(obj: TimeOff, tz: dt.tzinfo) -> dict[str, Any]:
    return {
        "id": obj.id,
        "specialist": obj.specialist_id,
        "start": rfc3339(obj.start, tz),
        "end": rfc3339(obj.end, tz),
        "reason": obj.reason,
    }
