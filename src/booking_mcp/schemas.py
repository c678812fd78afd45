"""Pydantic outputs of the MCP tools (their JSON schemas are the tools' output schemas).

The results a chat front-end reads (the catalogue, slots, appointments, waitlist entries and
the ``process_message`` reply) are the shared models of :mod:`booking_common.conversation`,
re-exported here; this module adds the outputs only the MCP server's own clients see.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

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
    "Client",
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
