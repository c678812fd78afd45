"""Tokens and Telegram sign-in: what the API reads in and shows out."""

from __future__ import annotations

from pydantic import BaseModel

from booking_api.clients.schemas import ClientOut
from booking_api.core.fields import CharField, ChoiceField, Field


class TokenPair(BaseModel):
    refresh: str
    access: str


class AccessToken(BaseModel):
    access: str


class TelegramAuthOut(TokenPair):
    client: ClientOut


OBTAIN_FIELDS: dict[str, Field] = {"username": CharField(), "password": CharField()}
REFRESH_FIELDS: dict[str, Field] = {"refresh": CharField()}
VERIFY_FIELDS: dict[str, Field] = {"token": CharField()}
# A service account acting for a Telegram user.
EXCHANGE_FIELDS: dict[str, Field] = {
    "telegram_id": CharField(max_length=20),
    "name": CharField(max_length=100, required=False, allow_blank=True),
    "phone": CharField(max_length=20, required=False, allow_blank=True),
    "language": ChoiceField(("ru", "en"), required=False),
}
LOGIN_WIDGET_KEYS = ("id", "first_name", "last_name", "username", "photo_url", "auth_date", "hash")
