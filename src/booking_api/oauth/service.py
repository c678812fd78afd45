"""Signing a person in on the authorization page, and what the MCP server asks of the API.

* Sign-in: a username and password (Django's hashes), or Telegram's Login Widget (verified
  with the bot token like ``POST /api/auth/telegram/``, registering an unknown client).
* Consent: after sign-in the page carries a *consent ticket*, signed with ``SECRET_KEY``
  (itsdangerous) for ten minutes and bound to this one authorization request, so "Allow"
  needs no cookie and cannot be forged by another site.
* Introspection (RFC 7662): whether an access token is active, for whom, which scopes and
  which audience. The MCP server asks on every request, so a revoked token stops at once.
* Token exchange (RFC 8693's fields): for an active OAuth access token, an API access token
  of the same person, so the API applies its usual ownership rules to what the assistant
  does. It never outlives the OAuth token.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections.abc import Mapping
from typing import Any

import anyio.to_thread
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy.ext.asyncio import AsyncSession

from booking_api.auth.telegram import verify_telegram
from booking_api.clients.service import find_or_register_by_telegram
from booking_api.core.config import Settings
from booking_api.core.errors import APIError
from booking_api.core.security import check_password, issue_token, make_password
from booking_api.models import User
from booking_api.oauth import repository
from booking_api.oauth.models import digest, now

TICKET_SECONDS = 600
ACCESS_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:access_token"


class ExchangeRefused(Exception):
    """The subject token cannot be exchanged (unknown, expired, revoked, other audience)."""


# --- sign-in -------------------------------------------------------------------------------


@functools.lru_cache(maxsize=4)
def _dummy_hash(iterations: int) -> str:
    return make_password("not-a-password", iterations=iterations)


async def sign_in_with_password(
    session: AsyncSession, settings: Settings, username: str, password: str
) -> User | None:
    """The active user with these credentials; as slow for an unknown name as for a known."""
    user = await repository.user_by_username(session, username)
    encoded = user.password if user is not None else _dummy_hash(settings.password_hash_iterations)
    valid = await anyio.to_thread.run_sync(check_password, password, encoded)
    return user if user is not None and valid and user.is_active else None


async def sign_in_with_telegram(
    session: AsyncSession, settings: Settings, data: dict[str, Any]
) -> User | None:
    """The user of the client with this Telegram id (registered when new). Raises the API's
    AuthenticationFailed/ValidationError when the widget's data does not verify."""
    identity = verify_telegram(data, settings)
    name = " ".join(
        p for p in (identity.get("first_name"), identity.get("last_name")) if p
    ) or identity.get("username")
    client = await find_or_register_by_telegram(
        session, settings, str(identity["id"]), name=name, language=identity.get("language_code")
    )
    if client is None or client.user_id is None:
        return None
    return await repository.user(session, client.user_id)


async def sign_in(
    session: AsyncSession, settings: Settings, method: str, form: Mapping[str, Any]
) -> User | None:
    """Who signs in with the page's form (``method`` password or telegram); None if nobody."""
    if method == "password":
        return await sign_in_with_password(
            session, settings, str(form.get("username") or ""), str(form.get("password") or "")
        )
    try:
        data = json.loads(str(form.get("telegram") or ""))
        return await sign_in_with_telegram(session, settings, data)
    except (ValueError, TypeError, AttributeError, APIError):  # bad JSON or a bad signature
        return None


def display_name(user: User) -> str:
    return " ".join(p for p in (user.first_name, user.last_name) if p) or user.username


# --- consent tickets -----------------------------------------------------------------------


def request_key(query: list[tuple[str, str]]) -> str:
    """One authorization request's fingerprint (its parameters but the page language)."""
    return digest(repr(sorted((k, v) for k, v in query if k != "ui_locales")))


def _signer(settings: Settings) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(settings.secret_key.get_secret_value(), salt="oauth-consent")


def consent_ticket(settings: Settings, user_id: int, key: str) -> str:
    return _signer(settings).dumps({"user": user_id, "request": key})


def ticket_user(settings: Settings, ticket: str, key: str) -> int | None:
    """The user a ticket was made for, when it is fresh, genuine and for this request."""
    try:
        data = _signer(settings).loads(ticket, max_age=TICKET_SECONDS)
    except BadSignature:  # SignatureExpired included
        return None
    if not isinstance(data, dict) or data.get("request") != key:
        return None
    user_id = data.get("user")
    return user_id if isinstance(user_id, int) else None


# --- for the MCP server (staff only) --------------------------------------------------------


async def introspect(session: AsyncSession, settings: Settings, token: str) -> dict[str, Any]:
    row = await repository.token_by_access(session, token)
    user = await repository.user(session, row.user_id) if row is not None else None
    if row is None or not row.active or user is None:
        return {"active": False}
    return {
        "active": True,
        "scope": row.scope,
        "client_id": row.client_id,
        "username": user.username,
        "token_type": "Bearer",
        "exp": int(row.expires_at.timestamp()),
        "iat": int(row.issued_at.timestamp()),
        "sub": str(user.id),
        "aud": row.resource,
        "iss": (settings.oauth_issuer or "").rstrip("/"),
    }


async def exchange(
    session: AsyncSession, settings: Settings, subject_token: str, audience: str | None
) -> dict[str, Any]:
    row = await repository.token_by_access(session, subject_token)
    user = await repository.user(session, row.user_id) if row is not None else None
    if row is None or not row.active or user is None:
        raise ExchangeRefused("The subject token is not active.")
    if audience is not None and audience.rstrip("/") != row.resource:
        raise ExchangeRefused("The subject token was issued for another audience.")
    lifetime = min(
        row.expires_at - now(), dt.timedelta(minutes=settings.access_token_lifetime_minutes)
    )
    api_token = issue_token(user.id, "access", lifetime, settings.secret_key.get_secret_value())
    return {
        "access_token": api_token.raw,
        "issued_token_type": ACCESS_TOKEN_TYPE,
        "token_type": "Bearer",
        "expires_in": int(lifetime.total_seconds()),
        "scope": row.scope,
        "sub": str(user.id),
        "client_id": row.client_id,
    }
