"""Waitlist entries as requests carry them and as the API shows them."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, Field

from booking_api.core.fields import CharField, DateField, PrimaryKeyField, TimeField
from booking_api.core.fields import Field as RequestField
from booking_api.core.http import format_datetime
from booking_api.models import Client, Service, Specialist, WaitlistEntry

ENTRY_FIELDS: dict[str, RequestField] = {
    "client": PrimaryKeyField(
        Client, help_text="Required for staff; a client joins for themselves"
    ),
    "specialist": PrimaryKeyField(
        Specialist, required=False, allow_null=True, help_text="Null or left out: any"
    ),
    "service": PrimaryKeyField(Service),
    "date": DateField(),
    "time_from": TimeField(
        required=False, allow_null=True, help_text="Earliest acceptable start (optional)"
    ),
    "time_to": TimeField(
        required=False, allow_null=True, help_text="Latest acceptable end (optional)"
    ),
}

CLAIM_FIELDS: dict[str, RequestField] = {
    "token": CharField(max_length=64, help_text="The offer's token (`wl:book:<token>`)")
}


class WaitlistEntryOut(BaseModel):
    id: int
    client: int
    client_name: str
    specialist: int | None
    specialist_name: str | None
    service: int
    service_name: str
    date: str
    time_from: str | None
    time_to: str | None
    status: str
    created_at: str
    offer: dict[str, Any] | None = None
    appointment: int | None = None
    service_name_en: str = Field("", description="New: the service's English name (may be empty)")


def _time(value: dt.time | None) -> str | None:
    return value.isoformat() if value is not None else None


def represent_entry(obj: WaitlistEntry, tz: dt.tzinfo) -> dict[str, Any]:
    """An entry loaded with its client, service and specialist; an open offer shows what is
    offered until when."""
    offer = None
    if obj.status == "offered" and obj.offer_start_time is not None:
        offer = {
            "token": obj.offer_token,
            "specialist": obj.offer_specialist_id,
            "date": obj.date.isoformat(),
            "start_time": _time(obj.offer_start_time),
            "end_time": _time(obj.offer_end_time),
            "expires_at": format_datetime(obj.offer_expires_at, tz),
        }
    return {
        "id": obj.id,
        "client": obj.client_id,
        "client_name": obj.client.name,
        "specialist": obj.specialist_id,
        "specialist_name": obj.specialist.name if obj.specialist else None,
        "service": obj.service_id,
        "service_name": obj.service.name,
        "date": obj.date.isoformat(),
        "time_from": _time(obj.time_from),
        "time_to": _time(obj.time_to),
        "status": obj.status,
        "created_at": format_datetime(obj.created_at, tz),
        "offer": offer,
        "appointment": obj.appointment_id,
        "service_name_en": obj.service.name_en,
    }
