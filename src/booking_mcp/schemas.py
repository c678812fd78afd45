"""Pydantic outputs of the MCP tools (their JSON schemas are the tools' output schemas).

Field names follow the API's resources (``specialist``, ``service``, ``category`` are ids) so
that scripts written against the API read tool results the same way.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator


class _Out(BaseModel):
    model_config = ConfigDict(extra="ignore")


def _hhmm(value: Any) -> Any:
    return str(value)[:5] if value else value


class Category(_Out):
    id: int
    name: str
    description: str = ""


class Specialist(_Out):
    id: int
    name: str
    specialization: str = ""
    description: str = ""
    city: str = ""
    photo: str | None = None


class Service(_Out):
    id: int
    name: str
    description: str = ""
    price: str = Field(description='Decimal as a string, e.g. "1500.00"')
    duration: int = Field(description="Minutes")
    specialist: int
    specialist_name: str | None = None
    category: int | None = None
    category_name: str | None = None


class Slot(_Out):
    start_time: str = Field(description="HH:MM")
    end_time: str = Field(description="HH:MM")


class NearestSlot(_Out):
    """A free slot found by the scheduling engine, with who and what it is for."""

    specialist_id: int
    specialist_name: str
    service_id: int
    service_name: str
    price: str
    duration: int
    date: str = Field(description="YYYY-MM-DD")
    start_time: str
    end_time: str


class Client(_Out):
    id: int
    name: str = ""
    phone: str = ""
    email: str | None = None
    city: str | None = None
    telegram_id: str | None = None
    language: str | None = None


class Appointment(_Out):
    id: int
    client: int | None = None
    client_name: str | None = None
    service: int
    service_name: str | None = None
    specialist: int
    specialist_name: str | None = None
    category_name: str | None = None
    date: str
    start_time: str = Field(description="HH:MM")
    end_time: str = Field(description="HH:MM")
    status: str
    client_confirmed_at: str | None = Field(
        None, description="When the client said they will come (confirm_attendance); null if not"
    )

    @field_validator("start_time", "end_time", mode="before")
    @classmethod
    def _times(cls, value: Any) -> Any:
        return _hhmm(value)


class WaitlistOffer(_Out):
    """A freed time offered to the client; book it with ``claim_waitlist_offer(token)``."""

    token: str
    specialist: int | None = None
    date: str
    start_time: str = Field(description="HH:MM")
    end_time: str = Field(description="HH:MM")
    expires_at: str | None = None

    @field_validator("start_time", "end_time", mode="before")
    @classmethod
    def _times(cls, value: Any) -> Any:
        return _hhmm(value)


class WaitlistEntry(_Out):
    """A wish to be told when a time frees up (``specialist`` null = any)."""

    id: int
    client: int | None = None
    specialist: int | None = None
    specialist_name: str | None = None
    service: int
    service_name: str | None = None
    date: str
    time_from: str | None = Field(None, description="HH:MM")
    time_to: str | None = Field(None, description="HH:MM")
    status: str = Field(description="active | offered | booked | expired")
    offer: WaitlistOffer | None = None
    appointment: int | None = None

    @field_validator("time_from", "time_to", mode="before")
    @classmethod
    def _times(cls, value: Any) -> Any:
        return _hhmm(value)


class Intent(_Out):
    """What a message asks for (``recognize_intent``)."""

    intent: str
    entities: dict[str, Any] = Field(
        description="specialist_id, service_id, service_name, category_id, specialization, "
        "city, date (YYYY-MM-DD), time (HH:MM), appointment_id; null when absent"
    )
    confidence: float
    language: Literal["ru", "en"] = "ru"


class Action(_Out):
    """Something the user can do next, e.g. buttons; see :mod:`booking_mcp.dialog`."""

    type: str
    payload: dict[str, Any] = Field(default_factory=dict)


class Reply(_Out):
    """The assistant's answer to one message (``process_message`` and ``POST /process``)."""

    response: str
    context: dict[str, Any] = Field(default_factory=dict)
    actions: list[Action] = Field(default_factory=list)


class Cancelled(_Out):
    appointment: Appointment
    message: str
