"""Categories, specialists and services: what the API reads in and shows out."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from pydantic import BaseModel, Field

from booking_api.api.representation import NestedUser, nested_user
from booking_api.core.fields import (
    BooleanField,
    CharField,
    ChoiceField,
    DecimalField,
    IntegerField,
    PrimaryKeyField,
)
from booking_api.core.fields import Field as InputField
from booking_api.core.http import format_decimal
from booking_api.models import Service, ServiceCategory, Specialist
from booking_api.schedules.schemas import ScheduleOut, represent_schedule


class CategoryOut(BaseModel):
    id: int
    name: str = Field(max_length=100, examples=["Ногтевой сервис"])
    description: str


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


CATEGORY_FIELDS: dict[str, InputField] = {
    "name": CharField(max_length=100),
    "description": CharField(required=False, allow_blank=True, default=""),
}

SPECIALIST_FIELDS: dict[str, InputField] = {
    "name": CharField(max_length=100),
    "specialization": CharField(max_length=100),
    "description": CharField(required=False, allow_blank=True, default=""),
    "city": CharField(max_length=100, default="Казань"),
    "is_active": BooleanField(default=True),
    "telegram_id": CharField(
        max_length=20,
        required=False,
        allow_null=True,
        help_text="New: Telegram chat id for booking notifications",
    ),
    "language": ChoiceField(
        ("ru", "en"), default="ru", help_text="New: language of the notifications"
    ),
    "username": CharField(
        max_length=150,
        required=False,
        write_only=True,
        help_text="Username of the linked user created with the specialist (generated when "
        "left out)",
    ),
    "password": CharField(
        required=False, write_only=True, help_text="Password of the linked user (optional)"
    ),
    "email": CharField(required=False, allow_blank=True, write_only=True, max_length=254),
    "photo": CharField(
        required=False,
        allow_null=True,
        help_text="An image file (multipart/form-data), or null to remove the photo",
    ),
}
# Written to the linked user, not to the specialist.
LINKED_USER_FIELDS = ("username", "password", "email")

SERVICE_FIELDS: dict[str, InputField] = {
    "name": CharField(max_length=100),
    "description": CharField(required=False, allow_blank=True, default=""),
    "price": DecimalField(max_digits=10, decimal_places=2, min_value=Decimal(0)),
    "duration": IntegerField(min_value=1, max_value=24 * 60, help_text="Minutes"),
    "specialist": PrimaryKeyField(Specialist),
    "category": PrimaryKeyField(ServiceCategory, required=False, allow_null=True, default=None),
    "is_active": BooleanField(default=True),
    "buffer_before": IntegerField(min_value=0, max_value=240, default=0),
    "buffer_after": IntegerField(min_value=0, max_value=240, default=0),
}


def represent_category(obj: ServiceCategory) -> dict[str, Any]:
    return {"id": obj.id, "name": obj.name, "description": obj.description}


def represent_specialist(obj: Specialist, photo_url: str | None) -> dict[str, Any]:
    return {
        "id": obj.id,
        "user": nested_user(obj.user),
        "name": obj.name,
        "specialization": obj.specialization,
        "description": obj.description,
        "photo": photo_url,
        "city": obj.city,
        "is_active": obj.is_active,
        "schedules": [represent_schedule(s) for s in obj.schedules],
        "telegram_id": obj.telegram_id,
        "language": obj.language,
    }


def represent_service(obj: Service) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": obj.id,
        "name": obj.name,
        "description": obj.description,
        "price": format_decimal(obj.price),
        "duration": obj.duration,
        "specialist": obj.specialist_id,
        "specialist_name": obj.specialist.name,
        "category": obj.category_id,
    }
    if obj.category is not None:
        data["category_name"] = obj.category.name
    data["is_active"] = obj.is_active
    data["buffer_before"] = obj.buffer_before
    data["buffer_after"] = obj.buffer_after
    return data
