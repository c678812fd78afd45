"""Tokens (simplejwt-compatible) and Telegram sign-in."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from booking_api.api.deps import CtxDep, WriteSession
from booking_api.api.openapi import ERRORS, register_schema
from booking_api.auth import tokens
from booking_api.auth.telegram import find_or_register_client, verify_telegram
from booking_api.clients.routes import represent_client
from booking_api.core import throttle
from booking_api.core.errors import PermissionDenied, ValidationError
from booking_api.core.fields import CharField, ChoiceField, object_schema, validate_fields
from booking_api.core.http import JSON, read_body
from booking_api.models import Client, User
from booking_api.schemas import AccessToken, TelegramAuthOut, TokenPair

router = APIRouter(tags=["Authentication"])

_OBTAIN = {"username": CharField(), "password": CharField()}
_REFRESH = {"refresh": CharField()}
_VERIFY = {"token": CharField()}
_EXCHANGE = {
    "telegram_id": CharField(max_length=20),
    "name": CharField(max_length=100, required=False, allow_blank=True),
    "phone": CharField(max_length=20, required=False, allow_blank=True),
    "language": ChoiceField(("ru", "en"), required=False),
}


def _body(name: str, fields: dict) -> dict[str, Any]:
    ref = register_schema(name, object_schema(fields))
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": ref}}}}


@router.post(
    "/token/",
    summary="Obtain a refresh/access token pair",
    response_model=TokenPair,
    responses=ERRORS(400, 401, 415),
    openapi_extra=_body("TokenObtain", _OBTAIN),
)
async def obtain_token(request: Request, session: WriteSession, ctx: CtxDep) -> Any:
    await throttle.check(request, "auth")
    # simplejwt's PasswordField is a DRF CharField, so the password is trimmed like the username.
    values = validate_fields(_OBTAIN, await read_body(request))
    return JSON(await tokens.obtain(session, ctx.settings, values["username"], values["password"]))


@router.post(
    "/token/refresh/",
    summary="A new access token for a refresh token",
    response_model=AccessToken,
    responses=ERRORS(400, 401, 415),
    openapi_extra=_body("TokenRefresh", _REFRESH),
)
async def refresh_token(request: Request, session: WriteSession, ctx: CtxDep) -> Any:
    await throttle.check(request, "auth")
    values = validate_fields(_REFRESH, await read_body(request))
    return JSON(await tokens.refresh(session, ctx.settings, values["refresh"]))


@router.post(
    "/token/verify/",
    summary="Check that a token (access or refresh) is valid",
    responses=ERRORS(400, 401, 415),
    openapi_extra=_body("TokenVerify", _VERIFY),
)
async def verify_token(request: Request, session: WriteSession, ctx: CtxDep) -> Any:
    values = validate_fields(_VERIFY, await read_body(request))
    return JSON(await tokens.verify(session, ctx.settings, values["token"]))


@router.post(
    "/token/blacklist/",
    summary="Log out: revoke a refresh token",
    responses=ERRORS(400, 401, 415),
    openapi_extra=_body("TokenBlacklist", _REFRESH),
)
async def blacklist_token(request: Request, session: WriteSession, ctx: CtxDep) -> Any:
    values = validate_fields(_REFRESH, await read_body(request))
    return JSON(await tokens.blacklist(session, ctx.settings, values["refresh"]))


_TELEGRAM_DOC = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "oneOf": [
                        {
                            "title": "Login Widget",
                            "type": "object",
                            "properties": {
                                k: {"type": "string"}
                                for k in (
                                    "id",
                                    "first_name",
                                    "last_name",
                                    "username",
                                    "photo_url",
                                    "auth_date",
                                    "hash",
                                )
                            },
                            "required": ["id", "auth_date", "hash"],
                        },
                        {
                            "title": "Mini App",
                            "type": "object",
                            "properties": {
                                "init_data": {
                                    "type": "string",
                                    "description": "Telegram.WebApp.initData as is",
                                }
                            },
                            "required": ["init_data"],
                        },
                        {
                            "title": "Service account exchange (staff only)",
                            **register_schema("TelegramExchange", object_schema(_EXCHANGE)),
                        },
                    ]
                }
            }
        },
    }
}


@router.post(
    "/auth/telegram/",
    summary="Sign in with Telegram",
    description=(
        "Accepts Telegram Login Widget data or a Mini App's `initData`, verifies the HMAC with "
        "the bot token and the freshness of `auth_date`, finds or registers the client by "
        "`telegram_id`, and returns tokens for them.\n\n"
        "A staff (service) account may instead send `{telegram_id[, name, phone, language]}` "
        "with its own bearer token to act for that client: this is how the MCP server and the "
        "bot act for a Telegram user. The client is registered when unknown."
    ),
    response_model=TelegramAuthOut,
    responses=ERRORS(400, 401, 403, 415),
    openapi_extra=_TELEGRAM_DOC,
)
async def telegram_auth(request: Request, session: WriteSession, ctx: CtxDep) -> Any:
    if not ctx.is_staff:  # a service account (MCP server, bot) signs in every client it serves
        await throttle.check(request, "auth")
    data = await read_body(request)
    if not isinstance(data, dict):
        raise ValidationError(["Invalid data. Expected a dictionary, but got list."])
    if "hash" not in data and "init_data" not in data:
        # Exchange by a service account.
        if not ctx.is_staff:
            ctx.require_user()
            raise PermissionDenied()
        values = validate_fields(_EXCHANGE, data)
        client = await find_or_register_client(
            session,
            ctx.settings,
            values["telegram_id"],
            name=values.get("name") or None,
            phone=values.get("phone", ""),
            language=values.get("language"),
        )
    else:
        identity = verify_telegram(data, ctx.settings)
        name = " ".join(
            p for p in (identity.get("first_name"), identity.get("last_name")) if p
        ) or identity.get("username")
        client = await find_or_register_client(
            session,
            ctx.settings,
            str(identity["id"]),
            name=name,
            language=identity.get("language_code"),
        )
    assert client is not None and client.user_id is not None
    user = await session.get(User, client.user_id)
    assert user is not None
    pair = await tokens.token_pair(session, ctx.settings, user)
    client = await session.scalar(
        select(Client).where(Client.id == client.id).options(joinedload(Client.user))
    )
    return JSON({**pair, "client": represent_client(client)})
