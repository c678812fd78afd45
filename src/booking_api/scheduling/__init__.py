"""Scheduling: the pure availability engine (no I/O, no database)."""

from booking_api.scheduling.engine import (
    DayRules,
    Interval,
    Refusal,
    Slot,
    check_booking,
    days_with_room,
    free_slots,
    is_nonexistent,
    local_dt,
)

__all__ = [
    "DayRules",
    "Interval",
    "Refusal",
    "Slot",
    "check_booking",
    "days_with_room",
    "free_slots",
    "is_nonexistent",
    "local_dt",
]
