"""Response shapes of appointments and free slots (the other domains keep theirs in their own
``schemas`` modules)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, Field

from booking_api.core.http import format_datetime


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
