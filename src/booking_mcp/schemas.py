"""Pydantic outputs of the MCP tools (their JSON schemas are the tools' output schemas).

The results a chat front-end reads (the catalogue, slots, appointments, waitlist entries and
the ``process_message`` reply) are the shared models of :mod:`booking_common.conversation`,
re-exported here; this module adds the outputs only the MCP server's own clients see.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from booking_common.conversation import (
    Action,
    Appointment,
    Category,
    NearestSlot,
    Reply,
    Service,
    Slot,
    Specialist,
    WaitlistEntry,
    WaitlistOffer,
)

__all__ = [
    "Action",
    "Appointment",
    "Category",
    "BusinessInfo",
    "BusinessProfile",
    "FaqItem",
    "CancellationPolicy",
    "Client",
    "Hold",
    "Intent",
    "NearestSlot",
    "Reply",
    "Service",
    "Slot",
    "Specialist",
    "WaitlistEntry",
    "WaitlistOffer",
]


class _Out(BaseModel):
    model_config = ConfigDict(extra="ignore")


class Client(_Out):
    id: int
    name: str = ""
    phone: str = ""
    email: str | None = None
    city: str | None = None
    telegram_id: str | None = None
    language: str | None = None


class Intent(_Out):
    """What a message asks for (``recognize_intent``)."""

    intent: str
    entities: dict[str, Any] = Field(
        description="specialist_id, service_id, service_name, category_id, specialization, "
        "city, date (YYYY-MM-DD), time (HH:MM), appointment_id; null when absent"
    )
    confidence: float
    language: Literal["ru", "en"] = "ru"


class Hold(_Out):
    """A time kept for the client until ``expires_at`` (``hold_slot``)."""

    id: int
    service: int
    service_name: str | None = None
    service_name_en: str = ""
    specialist: int
    specialist_name: str | None = None
    date: dt.date
    start_time: str = Field(description="HH:MM")
    end_time: str = Field(description="HH:MM")
    status: Literal["held", "expired", "released", "booked"] = Field(
        description="held: kept for the client until expires_at; expired: not confirmed in "
        "time; released: given back; booked: confirmed (see appointment)"
    )
    expires_at: str = Field(description="ISO datetime: until then nobody else can book it")
    appointment: int | None = Field(None, description="The booking it became (booked)")

    @field_validator("start_time", "end_time", mode="before")
    @classmethod
    def _times(cls, value: Any) -> Any:
        return str(value)[:5] if value else value


class CancellationPolicy(_Out):
    """The rules of booking, holding, cancelling and moving (``business://cancellation-policy``)."""

    time_zone: str
    cancel_cutoff_minutes: int = Field(
        description="Clients may not cancel or move a booking later than this before its start"
    )
    hold_minutes: int = Field(description="How long hold_slot keeps a time")
    min_notice_minutes: int
    booking_horizon_days: int
    rules: list[str] = Field(description="The same, in words to tell the user")


class FaqItem(_Out):
    question: str
    answer: str
    question_en: str = ""
    answer_en: str = ""


class BusinessInfo(_Out):
    """The business profile the API keeps (``GET /api/business/``); every text has an English
    twin (``*_en``, empty when there is none)."""

    name: str = ""
    name_en: str = ""
    address: str = ""
    address_en: str = ""
    phone: str = ""
    opening_hours: str = ""
    opening_hours_en: str = ""
    faq: list[FaqItem] = Field(default_factory=list)


class BusinessProfile(_Out):
    """Who the assistant books for (``business://profile``)."""

    name: str
    name_en: str = ""
    contacts: str
    address: str = ""
    address_en: str = ""
    phone: str = ""
    opening_hours: str = ""
    opening_hours_en: str = ""
    faq: list[FaqItem] = Field(default_factory=list, description="Questions and answers")
    time_zone: str
    languages: list[str]
    cities: list[str]
    categories: list[str]
    specialists: list[dict[str, Any]] = Field(description="id, name, specialization, city")
    services: int = Field(description="How many services are offered")
