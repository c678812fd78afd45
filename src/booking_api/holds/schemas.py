"""Holds as requests carry them and as the API shows them."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, Field

from booking_api.appointments.schemas import APPOINTMENT_FIELDS
from booking_api.core.fields import Field as RequestField
from booking_api.core.fields import PrimaryKeyField
from booking_api.core.http import format_datetime
from booking_api.models import Client, Hold

# A hold is asked for with a booking's fields but its status (its booking is pending).
HOLD_FIELDS: dict[str, RequestField] = {
    name: field for name, field in APPOINTMENT_FIELDS.items() if name != "status"
}


def writable_fields(is_staff: bool) -> dict[str, RequestField]:
    """Staff name the client; a client may leave it out (themselves)."""
    if is_staff:
        return HOLD_FIELDS
    return {**HOLD_FIELDS, "client": PrimaryKeyField(Client, required=False)}


HoldState = Literal["held", "expired", "released", "booked"]


def state(hold: Hold, now: dt.datetime) -> HoldState:
    """``held`` while it blocks its time; ``expired`` once ``expires_at`` passed unconfirmed;
    ``released`` when given back; ``booked`` once confirmed."""
    if hold.status == "held":
        return "held" if hold.expires_at > now else "expired"
    return "booked" if hold.status == "booked" else "released"


class HoldOut(BaseModel):
    id: int
    client: int
    client_name: str
    service: int
    service_name: str
    specialist: int
    specialist_name: str
    date: dt.date
    start_time: str = Field(examples=["14:30:00"])
    end_time: str = Field(examples=["15:30:00"])
    status: HoldState = Field(
        description="held: the time is kept for the client until expires_at; expired: it "
        "was not confirmed in time; released: given back; booked: confirmed (see appointment)"
    )
    expires_at: dt.datetime
    created_at: dt.datetime
    appointment: int | None = Field(None, description="The booking a confirmed hold became")
    service_name_en: str = Field("", description="New: the service's English name (may be empty)")


def represent_hold(hold: Hold, now: dt.datetime, tz: dt.tzinfo) -> dict[str, Any]:
    """A hold loaded with its client, service and specialist."""
    return {
        "id": hold.id,
        "client": hold.client_id,
        "client_name": hold.client.name,
        "service": hold.service_id,
        "service_name": hold.service.name,
        "specialist": hold.specialist_id,
        "specialist_name": hold.specialist.name,
        "date": hold.date.isoformat(),
        "start_time": hold.start_time.isoformat(),
        "end_time": hold.end_time.isoformat(),
        "status": state(hold, now),
        "expires_at": format_datetime(hold.expires_at, tz),
        "created_at": format_datetime(hold.created_at, tz),
        "appointment": hold.appointment_id,
        "service_name_en": hold.service.name_en,
    }
