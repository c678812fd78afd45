"""Telegram sign-in: Login Widget data or Mini App ``initData``, verified with the bot token."""

from __future__ import annotations

import hmac
import json
import time
from typing import Any
from urllib.parse import parse_qsl

from booking_api.core.config import Settings
from booking_api.core.errors import AuthenticationFailed, ValidationError
from booking_api.core.security import telegram_login_hash, telegram_webapp_hash


class TelegramIdentity(dict):
    """``id``, ``first_name``, ``last_name``, ``username``, ``language_code`` of the user."""


def verify_telegram(
    data: dict[str, Any], settings: Settings, *, now: float | None = None
) -> TelegramIdentity:
    """Check the HMAC and the freshness of ``auth_date``; return who signed in."""
    if settings.telegram_bot_token is None:
        raise AuthenticationFailed("Telegram sign-in is not configured (TELEGRAM_BOT_TOKEN).")
    bot_token = settings.telegram_bot_token.get_secret_value()
    if "init_data" in data:
        raw = data["init_data"]
        if not isinstance(raw, str):
            raise ValidationError({"init_data": ["Not a valid string."]})
        fields = dict(parse_qsl(raw, keep_blank_values=True))
        expected = telegram_webapp_hash(fields, bot_token)
        try:
            user = json.loads(fields.get("user", ""))
        except (ValueError, RecursionError):  # deep nesting is a RecursionError
            user = None
    else:
        fields = {k: str(v) for k, v in data.items() if v is not None}
        if "id" not in fields or "hash" not in fields:
            missing = [k for k in ("id", "auth_date", "hash") if k not in fields]
            raise ValidationError({k: ["This field is required."] for k in missing})
        expected = telegram_login_hash(fields, bot_token)
        user = {k: fields[k] for k in ("id", "first_name", "last_name", "username") if k in fields}
    # Bytes: compare_digest refuses str with characters beyond ASCII (any hash may be sent).
    given = str(fields.get("hash", "")).encode("utf-8", "surrogatepass")
    if not hmac.compare_digest(expected.encode(), given):
        raise AuthenticationFailed("Invalid Telegram signature.", code="telegram_invalid")
    try:
        auth_date = int(fields.get("auth_date", "0"))
    except ValueError:
        auth_date = 0
    if (now or time.time()) - auth_date > settings.telegram_auth_max_age_seconds:
        raise AuthenticationFailed("Telegram authorization has expired.", code="telegram_expired")
    if not isinstance(user, dict) or "id" not in user:
        raise ValidationError({"user": ["This field is required."]})
    return TelegramIdentity(user)
