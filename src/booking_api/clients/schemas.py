"""Clients: what the API reads in and shows out."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel
from pydantic import Field as SchemaField

from booking_api.api.representation import NestedUser, nested_user
from booking_api.core.fields import CharField, ChoiceField, EmailField, Field
from booking_api.models import Client


class ClientOut(BaseModel):
    id: int
    user: NestedUser | None
    name: str
    phone: str
    email: str
    city: str
    telegram_id: str | None
    language: str
    no_show_count: int | None = SchemaField(
        None, description="Staff only: how many of the client's appointments nobody came to"
    )


CLIENT_FIELDS: dict[str, Field] = {
    "name": CharField(max_length=100),
    "phone": CharField(max_length=20, allow_blank=True, default=""),
    "email": EmailField(allow_blank=True, default=""),
    "city": CharField(max_length=100, default="Казань"),
    "telegram_id": CharField(max_length=20, required=False, allow_null=True),
    "language": ChoiceField(("ru", "en"), default="ru"),
    "username": CharField(
        max_length=150,
        required=False,
        write_only=True,
        help_text="Username of the linked user (generated when left out)",
    ),
    "password": CharField(
        required=False, write_only=True, help_text="Password of the linked user (optional)"
    ),
}
# A client cannot move their profile to another Telegram account or user.
STAFF_ONLY_FIELDS = ("telegram_id", "username", "password")
# What ``PATCH /api/clients/me/`` takes.
OWN_PROFILE_FIELDS = ("name", "phone", "email", "city", "language")


def represent_client(obj: Client, *, staff: bool = False) -> dict[str, Any]:
    """The client as the API shows it; staff also see ``no_show_count`` (loaded with the
    client by ``repository.client_loaders``)."""
    body = {
        "id": obj.id,
        "user": nested_user(obj.user),
        "name": obj.name,
        "phone": obj.phone,
        "email": obj.email,
        "city": obj.city,
        "telegram_id": obj.telegram_id,
        "language": obj.language,
    }
    if staff:
        body["no_show_count"] = obj.no_show_count or 0
    return body
