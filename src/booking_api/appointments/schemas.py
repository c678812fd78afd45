"""Appointments as requests carry them and as the API shows them."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, Field

from booking_api.core.fields import (
    ChoiceField,
    DateField,
    PrimaryKeyField,
    TimeField,
)
from booking_api.core.fields import Field as RequestField
from booking_api.core.http import format_datetime
from booking_api.models import APPOINTMENT_STATUSES, Appointment, Client, Service, Specialist

# --- requests --------------------------------------------------------------------------------

APPOINTMENT_FIELDS: dict[str, RequestField] = {
    "client": PrimaryKeyField(
        Client, help_text="Required for staff; a client books for themselves"
    ),
    "service": PrimaryKeyField(Service),
    "specialist": PrimaryKeyField(Specialist),
    "date": DateField(),
    "start_time": TimeField(),
    "end_time": TimeField(),
    "status": ChoiceField(APPOINTMENT_STATUSES, default="pending"),
}

RESCHEDULE_FIELDS: dict[str, RequestField] = {
    "date": DateField(),
    "start_time": TimeField(),
    "end_time": TimeField(required=False),
}


def writable_fields(is_staff: bool) -> dict[str, RequestField]:
    """What a user may send: staff name the client; a client may leave it out (themselves)."""
    if is_staff:
        return APPOINTMENT_FIELDS
    return {**APPOINTMENT_FIELDS, "client": PrimaryKeyField(Client, required=False)}


# --- answers ---------------------------------------------------------------------------------


class AppointmentOut(BaseModel):
    id: int
    client: int
    client_name: str
    service: int
    service_name: str
    specialist: int
    specialist_name: str
    category_name: str | None = None
    service_name_en: str = Field("", description="New: the service's English name (may be empty)")
    category_name_en: str | None = Field(
        None, description="New: the category's English name; left out with no category"
    )
    date: dt.date
    start_time: str = Field(examples=["14:30:00"])
    end_time: str = Field(examples=["15:30:00"])
    status: str = Field(examples=["pending"])
    created_at: dt.datetime
    updated_at: dt.datetime
    cancelled_at: dt.datetime | None = None
    client_confirmed_at: dt.datetime | None = Field(
        None, description="When the client confirmed they will come (reminder button)"
    )
    no_show: bool = Field(
        False,
        description="Nobody came (marked by staff or the specialist); the status is then "
        "`cancelled`, so clients that know only the four statuses read it as a cancellation",
    )


def appointment_body(
    *,
    client: int,
    client_name: str,
    service: int,
    service_name: str,
    specialist: int,
    specialist_name: str,
    category_name: str | None,
    date: dt.date,
    start_time: dt.time,
    end_time: dt.time,
    status: str,
    created_at: dt.datetime,
    updated_at: dt.datetime,
    cancelled_at: dt.datetime | None,
    client_confirmed_at: dt.datetime | None,
    tz: dt.tzinfo,
    no_show: bool = False,
    service_name_en: str = "",
    category_name_en: str | None = None,
) -> dict[str, Any]:
    """An appointment as the API shows it (AppointmentOut) but its id, whichever way it was
    loaded; ``category_name`` is left out for a service without a category, as DRF did."""
    data: dict[str, Any] = {
        "client": client,
        "client_name": client_name,
        "service": service,
        "service_name": service_name,
        "specialist": specialist,
        "specialist_name": specialist_name,
    }
    if category_name is not None:
        data["category_name"] = category_name
    data.update(
        date=date.isoformat(),
        start_time=start_time.isoformat(),
        end_time=end_time.isoformat(),
        status=status,
        created_at=format_datetime(created_at, tz),
        updated_at=format_datetime(updated_at, tz),
        cancelled_at=format_datetime(cancelled_at, tz),
        client_confirmed_at=format_datetime(client_confirmed_at, tz),
        no_show=no_show,
    )
    data["service_name_en"] = service_name_en
    if category_name is not None:
        data["category_name_en"] = category_name_en or ""
    return data


def with_id(appointment_id: int, body: dict[str, Any]) -> dict[str, Any]:
    """The whole answer: the id first, as DRF orders the fields."""
    return {"id": appointment_id, **body}


def represent_appointment(obj: Appointment, tz: dt.tzinfo) -> dict[str, Any]:
    """An appointment loaded with its client, service (and category) and specialist."""
    category = obj.service.category
    body = appointment_body(
        client=obj.client_id,
        client_name=obj.client.name,
        service=obj.service_id,
        service_name=obj.service.name,
        specialist=obj.specialist_id,
        specialist_name=obj.specialist.name,
        category_name=category.name if category is not None else None,
        date=obj.date,
        start_time=obj.start_time,
        end_time=obj.end_time,
        status=obj.status,
        created_at=obj.created_at,
        updated_at=obj.updated_at,
        cancelled_at=obj.cancelled_at,
        client_confirmed_at=obj.client_confirmed_at,
        tz=tz,
        no_show=bool(obj.no_show),
        service_name_en=obj.service.name_en,
        category_name_en=category.name_en if category is not None else None,
    )
    return with_id(obj.id, body)


def appointment_from_row(row: Any, tz: dt.tzinfo) -> dict[str, Any]:
    """A row of ``repository.list_columns``, as :func:`represent_appointment` shows it (the
    same keys in the same order as :func:`appointment_body` with the id first; built in one
    go, as the busiest staff read shows 20 of them per request: a third of its CPU when it
    went through the keyword call and the copy)."""
    (id, client, client_name, service, service_name, specialist, specialist_name, category_name,
     date, start_time, end_time, status, created_at, updated_at, cancelled_at,
     client_confirmed_at, service_name_en, category_name_en, no_show) = row  # fmt: skip
    data: dict[str, Any] = {
        "id": id,
        "client": client,
        "client_name": client_name,
        "service": service,
        "service_name": service_name,
        "specialist": specialist,
        "specialist_name": specialist_name,
    }
    if category_name is not None:
        data["category_name"] = category_name
    data["date"] = date.isoformat()
    data["start_time"] = start_time.isoformat()
    data["end_time"] = end_time.isoformat()
    data["status"] = status
    data["created_at"] = format_datetime(created_at, tz)
    data["updated_at"] = format_datetime(updated_at, tz)
    data["cancelled_at"] = format_datetime(cancelled_at, tz)
    data["client_confirmed_at"] = format_datetime(client_confirmed_at, tz)
    data["no_show"] = bool(no_show)
    data["service_name_en"] = service_name_en
    if category_name is not None:
        data["category_name_en"] = category_name_en or ""
    return data
