"""Response shapes, for the OpenAPI document (responses are rendered by the resources)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, Field

from booking_api.core.http import format_datetime


class NestedUser(BaseModel):
    id: int
    username: str
    email: str
    first_name: str
    last_name: str


class CategoryOut(BaseModel):
    id: int
    name: str = Field(max_length=100, examples=["Ногтевой сервис"])
    description: str


class ScheduleOut(BaseModel):
    id: int
    specialist: int
    day_of_week: int = Field(ge=0, le=6, description="0 = Monday … 6 = Sunday")
    day_name: str = Field(examples=["Понедельник"])
    start_time: str = Field(examples=["09:00:00"])
    end_time: str = Field(examples=["18:00:00"])


class SpecialistOut(BaseModel):
    id: int
    user: NestedUser | None
    name: str
    specialization: str
    description: str
    photo: str | None = Field(description="Absolute URL of the photo")
    city: str = Field(examples=["Казань"])
    is_active: bool
    schedules: list[ScheduleOut]
    telegram_id: str | None = Field(description="New: chat id for booking notifications")
    language: str = Field(description="New: language of those notifications (ru, en)")


class ServiceOut(BaseModel):
    id: int
    name: str
    description: str
    price: str = Field(examples=["1500.00"])
    duration: int = Field(description="Minutes")
    specialist: int
    specialist_name: str
    category: int | None
    category_name: str | None = Field(None, description="Left out when there is no category")
    is_active: bool
    buffer_before: int = Field(description="Minutes kept free before each booking")
    buffer_after: int = Field(description="Minutes kept free after each booking")


class ClientOut(BaseModel):
    id: int
    user: NestedUser | None
    name: str
    phone: str
    email: str
    city: str
    telegram_id: str | None
    language: str


class AppointmentOut(BaseModel):
    id: int
    client: int
    client_name: str
    service: int
    service_name: str
    specialist: int
    specialist_name: str
    category_name: str | None = None
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


class TokenPair(BaseModel):
    refresh: str
    access: str


class AccessToken(BaseModel):
    access: str


class TelegramAuthOut(TokenPair):
    client: ClientOut


def appointment_json(
    *,
    id: int,
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
) -> dict[str, Any]:
    """An appointment as the API shows it (AppointmentOut), whichever way it was loaded;
    ``category_name`` is left out for a service without a category, as DRF did."""
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
    data.update(
        date=date.isoformat(),
        start_time=start_time.isoformat(),
        end_time=end_time.isoformat(),
        status=status,
        created_at=format_datetime(created_at, tz),
        updated_at=format_datetime(updated_at, tz),
        cancelled_at=format_datetime(cancelled_at, tz),
        client_confirmed_at=format_datetime(client_confirmed_at, tz),
    )
    return data
