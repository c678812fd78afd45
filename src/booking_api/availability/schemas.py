"""Free slots as the API shows them."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, Field

from booking_api.availability.engine import Slot
from booking_api.core.http import format_decimal


class SlotOut(BaseModel):
    start_time: str = Field(examples=["14:30"])
    end_time: str = Field(examples=["15:00"])


class NearestSlotOut(BaseModel):
    specialist: int
    specialist_name: str
    service: int
    service_name: str
    price: str = Field(examples=["1500.00"])
    duration: int
    date: dt.date
    start_time: str = Field(examples=["14:30"])
    end_time: str = Field(examples=["15:30"])
    service_name_en: str = Field("", description="New: the service's English name (may be empty)")


def _hhmm(value: dt.datetime) -> str:
    return value.strftime("%H:%M")


def slot_json(slot: Slot) -> dict[str, str]:
    return {"start_time": _hhmm(slot.start), "end_time": _hhmm(slot.end)}


def nearest_slot_json(offer: Any, slot: Slot) -> dict[str, Any]:
    """A free slot of a matching service (``offer``: a row of ``repository.offers``)."""
    return {
        "specialist": offer.specialist_id,
        "specialist_name": offer.spec_name,
        "service": offer.id,
        "service_name": offer.name,
        "price": format_decimal(offer.price),
        "duration": offer.duration,
        "date": slot.start.date().isoformat(),
        "start_time": _hhmm(slot.start),
        "end_time": _hhmm(slot.end),
        "service_name_en": offer.name_en,
    }
