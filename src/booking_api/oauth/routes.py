"""The authorization server's HTTP endpoints (on when ``OAUTH_ISSUER`` is set, else 404).

Public (the assistants and the person's browser):
``GET /.well-known/oauth-authorization-server`` (RFC 8414), ``POST /oauth/register``
(RFC 7591), ``GET|POST /oauth/authorize`` (the sign-in and consent page), ``POST /oauth/token``
(authorization code with PKCE, refresh), ``POST /oauth/revoke`` (RFC 7009).

Staff only (the MCP server's service account): ``POST /api/oauth/introspect/`` (RFC 7662)
and ``POST /api/oauth/exchange/`` (an API token for the token's person, RFC 8693's fields).
"""

from __future__ import annotations

import json
from typing import Any

from authlib.oauth2 import OAuth2Error
from fastapi import APIRouter, Request
from starlette.datastructures import FormData
from starlette.responses import JSONResponse, Response

from booking_api.api.deps import CtxDep, ReadSession, WriteSession
from booking_api.core import throttle
from booking_api.core.config import Settings
from booking_api.core.errors import NotFound
from booking_api.core.fields import CharField, validate_fields
from booking_api.core.http import JSON, read_body
from booking_api.oauth import pages, repository, service
from booking_api.oauth.server import AuthorizationServer, Incoming, Reply, metadata

router = APIRouter(include_in_schema=False)

FORM = "application/x-www-form-urlencoded"
_INTROSPECT = {"token": CharField()}
_EXCHANGE = {
    "subject_token": CharField(),
    "subject_token_type": CharField(required=False),
    "audience": CharField(required=False),
}


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    if not settings.oauth_issuer:
        raise NotFound()
    return settings


def _server(request: Request, session: Any) -> AuthorizationServer:
    return AuthorizationServer(session, _settings(request), request.app.state.oauth_documents)


def _oauth_error(error: str, description: str, status: int = 400) -> JSONResponse:
    return JSONResponse(
        {"error": error, "error_description": description},
        status_code=status,
        headers={"Cache-Control": "no-store"},
    )


async def _form(request: Request) -> FormData | None:
    """The urlencoded body (what OAuth endpoints take), or None when it is something else."""
    if request.headers.get("content-type", "").split(";")[0].strip().lower() != FORM:
        return None
    try:
        return await request.form()
    except Exception:  # noqa: BLE001 - undecodable or malformed: a bad request, not a 500
        return None


def _incoming(request: Request, form: FormData | None = None, json_body: Any = None) -> Incoming:
    issuer = (request.app.state.settings.oauth_issuer or "").rstrip("/")
    query = f"?{request.url.query}" if request.url.query else ""
    return Incoming(
        method=request.method,
        uri=f"{issuer}{request.url.path}{query}",
        headers=request.headers,  # case-insensitive, as Authlib reads it
        query=list(request.query_params.multi_items()),
        form=[(k, v) for k, v in (form.multi_items() if form else []) if isinstance(v, str)],
        json=json_body,
    )


async def _authlib(server: AuthorizationServer, fn: Any, *args: Any) -> Reply:
    try:
        return await server.call(fn, *args)
    except OAuth2Error as error:  # raised before Authlib's own handling (e.g. plain http)
        return server.handle_error_response(None, error)


async def _finish(session: Any, reply: Reply, ok: tuple[int, ...]) -> Response:
    if reply.status in ok:
        await session.commit()
    else:
        await session.rollback()
    return reply.response()


# --- metadata, registration, token, revocation ---------------------------------------------


@router.get("/.well-known/oauth-authorization-server")
async def authorization_server_metadata(request: Request) -> Any:
    return JSON(metadata(_settings(request)))


@router.post("/oauth/register")
async def register(request: Request, session: WriteSession) -> Any:
    server = _server(request, session)
    try:
        body = json.loads(await request.body())
    except ValueError:
        return _oauth_error("invalid_client_metadata", "The body must be a JSON object.")
    reply = await _authlib(
        server,
        server.create_endpoint_response,
        "client_registration",
        _incoming(request, None, body),
    )
    return await _finish(session, reply, (201,))


@router.post("/oauth/token")
async def token(request: Request, session: WriteSession) -> Any:
    server = _server(request, session)
    form = await _form(request)
    if form is None:
        return _oauth_error("invalid_request", f"Send the parameters as {FORM}.")
    reply = await _authlib(server, server.create_token_response, _incoming(request, form))
    return await _finish(session, reply, (200,))


@router.post("/oauth/revoke")
async def revoke(request: Request, session: WriteSession) -> Any:
    server = _server(request, session)
    form = await _form(request)
    if form is None:
        return _oauth_error("invalid_request", f"Send the parameters as {FORM}.")
    reply = await _authlib(
        server, server.create_endpoint_response, "revocation", _incoming(request, form)
    )
    return await _finish(session, reply, (200,))


# --- the sign-in and consent page ----------------------------------------------------------


async def _consent_grant(server: AuthorizationServer, request: Request) -> Any:
    """The validated authorization request, or the response that refuses it: a redirect to
    the client when its redirect URI is known good, else an error page."""
    incoming = _incoming(request)
    try:
        return await server.call(server.get_consent_grant, incoming)
    except OAuth2Error as error:
        if error.redirect_uri:
            return server.with_issuer(server.handle_error_response(None, error)).response()
        return pages.render(
            request, "error", error=error.get_error_description() or error.error, status_code=400
        )


def _about(request: Request, grant: Any) -> dict[str, Any]:
    """What the page shows of a validated request (read before the session may expire it)."""
    settings: Settings = request.app.state.settings
    return {
        "client_name": grant.client.name,
        "redirect_uri": grant.request.payload.redirect_uri or grant.client.redirect_uris[0],
        "scope": grant.request.scope or "",
        "telegram_bot": settings.telegram_bot_username if settings.telegram_bot_token else None,
    }


@router.get("/oauth/authorize")
async def authorize_page(request: Request, session: ReadSession) -> Any:
    server = _server(request, session)
    grant = await _consent_grant(server, request)
    if isinstance(grant, Response):
        return grant
    return pages.render(request, "login", **_about(request, grant))


@router.post("/oauth/authorize")
async def authorize(request: Request, session: WriteSession) -> Any:
    server = _server(request, session)
    settings = server.settings
    grant = await _consent_grant(server, request)
    if isinstance(grant, Response):
        return grant
    about = _about(request, grant)
    form = await _form(request) or FormData()
    action = form.get("action")
    lang = pages.language(request)
    key = service.request_key(list(request.query_params.multi_items()))

    if action == "deny":
        reply = await _authlib(
            server, server.create_authorization_response, grant.request, None, grant
        )
        return reply.response()

    if action == "allow":
        user_id = service.ticket_user(settings, str(form.get("ticket") or ""), key)
        user = await repository.user(session, user_id) if user_id is not None else None
        if user is None:
            error = pages.text(lang, "expired")
            return pages.render(request, "login", error=error, status_code=400, **about)
        reply = await _authlib(
            server, server.create_authorization_response, grant.request, user, grant
        )
        return await _finish(session, reply, (302,))

    if action in ("password", "telegram"):
        await throttle.check(request, "auth")
        user = await service.sign_in(session, settings, action, form)
        if user is None:
            await session.rollback()  # nothing to keep; ``about`` was read before
            error = pages.text(lang, "bad_credentials" if action == "password" else "bad_telegram")
            return pages.render(request, "login", error=error, status_code=400, **about)
        name, ticket = service.display_name(user), service.consent_ticket(settings, user.id, key)
        await session.commit()  # a client who signed in with Telegram for the first time
        return pages.render(request, "consent", user_name=name, ticket=ticket, **about)

    return pages.render(request, "login", **about)


# --- for the MCP server --------------------------------------------------------------------


@router.post("/api/oauth/introspect/")
async def introspect(request: Request, session: ReadSession, ctx: CtxDep) -> Any:
    settings = _settings(request)
    ctx.require_staff()
    values = validate_fields(_INTROSPECT, await read_body(request))
    return JSON(await service.introspect(session, settings, values["token"]))


@router.post("/api/oauth/exchange/")
async def exchange(request: Request, session: ReadSession, ctx: CtxDep) -> Any:
    settings = _settings(request)
    ctx.require_staff()
    values = validate_fields(_EXCHANGE, await read_body(request))
    kind = values.get("subject_token_type")
    if kind is not None and kind != service.ACCESS_TOKEN_TYPE:
        return _oauth_error("invalid_request", f"subject_token_type: {service.ACCESS_TOKEN_TYPE}")
    try:
        answer = await service.exchange(
            session, settings, values["subject_token"], values.get("audience")
        )
    except service.ExchangeRefused as exc:
        return _oauth_error("invalid_grant", str(exc))
    return JSON(answer, headers={"Cache-Control": "no-store"})
