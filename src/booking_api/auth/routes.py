"""Tokens (simplejwt-compatible) and Telegram sign-in."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from booking_api.api.deps import CtxDep, WriteSession
from booking_api.api.openapi import ERRORS, register_schema
from booking_api.auth import tokens
from booking_api.auth.schemas import (
    EXCHANGE_FIELDS,
    LOGIN_WIDGET_KEYS,
    OBTAIN_FIELDS,
    REFRESH_FIELDS,
    VERIFY_FIELDS,
    AccessToken,
    TelegramAuthOut,
    TokenPair,
)
from booking_api.auth.telegram import verify_telegram
from booking_api.clients.schemas import represent_client
from booking_api.clients.service import find_or_register_by_telegram
from booking_api.core import throttle
from booking_api.core.errors import PermissionDenied, ValidationError
from booking_api.core.fields import object_schema, validate_fields
from booking_api.core.http import JSON, read_body

router = APIRouter(tags=["Authentication"])


def _body(name: str, fields: dict) -> dict[str, Any]:
    ref = register_schema(name, object_schema(fields))
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": ref}}}}


@router.post(
    "/token/",
    summary="Obtain a refresh/access token pair",
    response_model=TokenPair,
    responses=ERRORS(400, 401, 415),
    openapi_extra=_body("TokenObtain", OBTAIN_FIELDS),
)
async def obtain_token(request: Request, session: WriteSession, ctx: CtxDep) -> Any:
    await throttle.check(request, "auth")
    # simplejwt's PasswordField is a DRF CharField, so the password is trimmed like the username.
    values = validate_fields(OBTAIN_FIELDS, await read_body(request))
    return JSON(await tokens.obtain(session, ctx.settings, values["username"], values["password"]))


@router.post(
    "/token/refresh/",
    summary="A new access token for a refresh token",
    response_model=AccessToken,
    responses=ERRORS(400, 401, 415),
    openapi_extra=_body("TokenRefresh", REFRESH_FIELDS),
)
async def refresh_token(request: Request, session: WriteSession, ctx: CtxDep) -> Any:
    await throttle.check(request, "auth")
    values = validate_fields(REFRESH_FIELDS, await read_body(request))
    return JSON(await tokens.refresh(session, ctx.settings, values["refresh"]))


@router.post(
    "/token/verify/",
    summary="Check that a token (access or refresh) is valid",
    responses=ERRORS(400, 401, 415),
    openapi_extra=_body("TokenVerify", VERIFY_FIELDS),
)
async def verify_token(request: Request, session: WriteSession, ctx: CtxDep) -> Any:
    values = validate_fields(VERIFY_FIELDS, await read_body(request))
    return JSON(await tokens.verify(session, ctx.settings, values["token"]))


@router.post(
    "/token/blacklist/",
    summary="Log out: revoke a refresh token",
    responses=ERRORS(400, 401, 415),
    openapi_extra=_body("TokenBlacklist", REFRESH_FIELDS),
)
async def blacklist_token(request: Request, session: WriteSession, ctx: CtxDep) -> Any:
    values = validate_fields(REFRESH_FIELDS, await read_body(request))
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
                            "properties": {k: {"type": "string"} for k in LOGIN_WIDGET_KEYS},
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
                            **register_schema("TelegramExchange", object_schema(EXCHANGE_FIELDS)),
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
        values = validate_fields(EXCHANGE_FIELDS, data)
        client = await find_or_register_by_telegram(
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
        client = await find_or_register_by_telegram(
            session,
            ctx.settings,
            str(identity["id"]),
            name=name,
            language=identity.get("language_code"),
        )
    assert client is not None
    pair, client = await tokens.client_token_pair(session, ctx.settings, client)
    return JSON({**pair, "client": represent_client(client)})
