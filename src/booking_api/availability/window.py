"""The booking window: how soon (notice) and how far ahead (horizon) a booking may start."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from booking_api.core.config import Settings

ONE_DAY = dt.timedelta(days=1)


@dataclass(frozen=True)
class Window:
    """When bookings may start: not before ``earliest`` (notice), not after ``latest`` (horizon)."""

    earliest: dt.datetime
    latest: dt.datetime

    @classmethod
    def from_settings(cls, settings: Settings, now: dt.datetime | None = None) -> Window:
        now = now or dt.datetime.now(settings.tz)
        return cls(
            earliest=now + dt.timedelta(minutes=settings.min_notice_minutes),
            latest=now + dt.timedelta(days=settings.booking_horizon_days),
        )

    def covers(self, day: dt.date) -> bool:
        """Whether ``day`` can hold a bookable slot: the window's days and one either side (a
        local day may start or end in a neighbouring UTC day). Days further off are answered
        without loading anything (and without date arithmetic that leaves the calendar)."""
        return self.earliest.date() - ONE_DAY <= day <= self.latest.date() + ONE_DAY

    @classmethod
    def for_slots(cls, settings: Settings, next_minute: dt.datetime) -> Window:
        """The window of a free-slot answer valid for a whole minute (``caching.scopes.slot_now``):
        ``earliest`` from the end of the minute, ``latest`` from its start (both conservative)."""
        window = cls.from_settings(settings, next_minute)
        return cls(window.earliest, window.latest - dt.timedelta(minutes=1))


def days_between(first: dt.date, last: dt.date) -> list[dt.date]:
    return [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]
