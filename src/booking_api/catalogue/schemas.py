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

EN = "New: the English text (empty when there is none)"


class CategoryOut(BaseModel):
    id: int
    name: str = Field(max_length=100, examples=["Ногтевой сервис"])
    description: str
    name_en: str = Field(examples=["Nail care"], description=EN)
    description_en: str = Field(description=EN)


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
    specialization_en: str = Field(examples=["Nail technician"], description=EN)
    city_en: str = Field(examples=["Kazan"], description=EN)
    description_en: str = Field(description=EN)


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
    name_en: str = Field(examples=["Manicure"], description=EN)
    description_en: str = Field(description=EN)
    category_name_en: str | None = Field(
        None, examples=["Nail care"], description=EN + "; left out when there is no category"
    )


def _english(max_length: int | None = None) -> CharField:
    return CharField(max_length=max_length, required=False, allow_blank=True, default="",
                     help_text=EN)  # fmt: skip


CATEGORY_FIELDS: dict[str, InputField] = {
    "name": CharField(max_length=100),
    "description": CharField(required=False, allow_blank=True, default=""),
    "name_en": _english(100),
    "description_en": _english(),
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
    "specialization_en": _english(100),
    "city_en": _english(100),
    "description_en": _english(),
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
    "name_en": _english(100),
    "description_en": _english(),
}


def represent_category(obj: ServiceCategory) -> dict[str, Any]:
    return {
        "id": obj.id,
        "name": obj.name,
        "description": obj.description,
        "name_en": obj.name_en,
        "description_en": obj.description_en,
    }


def represent_specialist(obj: Specialist, photo_url: str | None) -> dict[str, Any]:
    return specialist_dict(
        obj.id,
        nested_user(obj.user),
        obj.name,
        obj.specialization,
        obj.description,
        photo_url,
        obj.city,
        obj.is_active,
        [represent_schedule(s) for s in obj.schedules],
        obj.telegram_id,
        obj.language,
        obj.specialization_en,
        obj.city_en,
        obj.description_en,
    )


def specialist_dict(
    id: int,
    user: dict[str, Any] | None,
    name: str,
    specialization: str,
    description: str,
    photo: str | None,
    city: str,
    is_active: bool,
    schedules: list[dict[str, Any]],
    telegram_id: str | None,
    language: str,
    specialization_en: str,
    city_en: str,
    description_en: str,
) -> dict[str, Any]:
    return {
        "id": id,
        "user": user,
        "name": name,
        "specialization": specialization,
        "description": description,
        "photo": photo,
        "city": city,
        "is_active": is_active,
        "schedules": schedules,
        "telegram_id": telegram_id,
        "language": language,
        "specialization_en": specialization_en,
        "city_en": city_en,
        "description_en": description_en,
    }


def specialist_from_row(
    row: Any, photo_url: str | None, schedules: list[dict[str, Any]]
) -> dict[str, Any]:
    """A row of ``repository.specialist_columns``."""
    (id, name, specialization, description, _photo, city, is_active, telegram_id, language,
     user_id, username, email, first_name, last_name, specialization_en, city_en,
     description_en) = row  # fmt: skip
    user = (
        None
        if user_id is None
        else {
            "id": user_id,
            "username": username,
            "email": email,
            "first_name": first_name,
            "last_name": last_name,
        }
    )
    return specialist_dict(
        id,
        user,
        name,
        specialization,
        description,
        photo_url,
        city,
        is_active,
        schedules,
        telegram_id,
        language,
        specialization_en,
        city_en,
        description_en,
    )


def represent_service(obj: Service) -> dict[str, Any]:
    return service_dict(
        obj.id,
        obj.name,
        obj.description,
        obj.price,
        obj.duration,
        obj.specialist_id,
        obj.specialist.name,
        obj.category_id,
        obj.category.name if obj.category is not None else None,
        obj.is_active,
        obj.buffer_before,
        obj.buffer_after,
        obj.name_en,
        obj.description_en,
        obj.category.name_en if obj.category is not None else None,
    )


def service_dict(
    id: int,
    name: str,
    description: str,
    price: Decimal,
    duration: int,
    specialist_id: int,
    specialist_name: str,
    category_id: int | None,
    category_name: str | None,
    is_active: bool,
    buffer_before: int,
    buffer_after: int,
    name_en: str,
    description_en: str,
    category_name_en: str | None,
) -> dict[str, Any]:
    """A service as the API shows it (an object's values, or a row of
    ``repository.service_columns`` in this order)."""
    data: dict[str, Any] = {
        "id": id,
        "name": name,
        "description": description,
        "price": format_decimal(price),
        "duration": duration,
        "specialist": specialist_id,
        "specialist_name": specialist_name,
        "category": category_id,
    }
    if category_name is not None:  # DRF leaves out a name read through a null relation
        data["category_name"] = category_name
    data["is_active"] = is_active
    data["buffer_before"] = buffer_before
    data["buffer_after"] = buffer_after
    data["name_en"] = name_en
    data["description_en"] = description_en
    if category_name is not None:
        data["category_name_en"] = category_name_en
    return data
