"""The streamable HTTP app: MCP at ``/mcp`` plus the old deployment's JSON routes.

* ``POST /process`` ``{user_id, message, context?, now?}`` → ``{response, context, actions}``
  (the same dialog as the ``process_message`` tool);
* ``GET /functions`` → ``{"functions": [{name, description, parameters}]}`` (the tools);
* ``GET /intents`` → ``{"intents": [...], "entities": [...]}``;
* ``GET /health`` → ``{"status": "ok"}`` (never needs a token).

When ``MCP_AUTH_TOKEN`` is set, every route but ``/health`` needs
``Authorization: Bearer <MCP_AUTH_TOKEN>``; without it the answer is 401.

With ``OAUTH_ISSUER`` and ``MCP_PUBLIC_URL`` set, ``/mcp`` takes OAuth tokens the booking API
issued for this server, and the shared token still works for trusted callers (see
:mod:`booking_mcp.oauth`).
"""

from __future__ import annotations

import hmac
import json
import logging
from typing import Any

from mcp.server.mcpserver import MCPServer
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from booking_common.asgi import install as install_request_id_and_hsts
from booking_common.logging import (
    REQUEST_ID_HEADER,
    clean_request_id,
    new_request_id,
    request_id_var,
)

from .api_client import ApiError, ApiUnavailable
from .config import Settings
from .nlu import ENTITY_KEYS, INTENTS
from .oauth.resource import OAuthGate
from .server import build_server, tool_summaries

log = logging.getLogger("booking_mcp.http")
PUBLIC_PATHS = {"/health"}


class BearerTokenMiddleware:
    """Pure ASGI middleware: require ``Authorization: Bearer <token>`` on HTTP requests."""

    def __init__(self, app: ASGIApp, token: str) -> None:
        self.app = app
        self.expected = f"Bearer {token}".encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope.get("path") not in PUBLIC_PATHS:
            given = dict(scope.get("headers") or []).get(b"authorization", b"")
            if not hmac.compare_digest(given, self.expected):
                response = JSONResponse(
                    {"detail": "Authentication credentials were not provided or are invalid."},
                    status_code=401,
                    headers={"WWW-Authenticate": 'Bearer realm="booking-mcp"'},
                )
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


def add_legacy_routes(server: MCPServer) -> None:
    """Register ``/process``, ``/functions``, ``/intents`` and ``/health`` on ``server``."""
    dialog = server.dialog  # type: ignore[attr-defined]

    @server.custom_route("/health", methods=["GET"])
    async def health(request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    @server.custom_route("/functions", methods=["GET"])
    async def functions(request: Request) -> Response:
        return JSONResponse({"functions": tool_summaries(server)})

    @server.custom_route("/intents", methods=["GET"])
    async def intents(request: Request) -> Response:
        return JSONResponse({"intents": list(INTENTS), "entities": list(ENTITY_KEYS)})

    @server.custom_route("/process", methods=["POST"])
    async def process(request: Request) -> Response:
        try:
            body: Any = json.loads(await request.body() or b"{}")
        except ValueError:
            return JSONResponse({"error": "Invalid JSON"}, status_code=400)
        if not isinstance(body, dict) or not str(body.get("message") or "").strip():
            return JSONResponse({"error": "message is required"}, status_code=400)
        context = body.get("context") if isinstance(body.get("context"), dict) else None
        try:
            reply = await dialog.handle(
                body.get("user_id"), str(body["message"]), body.get("now"), context=context
            )
        except ApiUnavailable as exc:
            return JSONResponse({"error": exc.message}, status_code=503)
        except ApiError as exc:
            return JSONResponse({"error": exc.message}, status_code=400)
        return JSONResponse(reply.model_dump(mode="json"))


def build_http_app(
    settings: Settings, host: str = "127.0.0.1", server: MCPServer | None = None
) -> ASGIApp:
    """The ASGI app served by ``booking mcp --transport http``."""
    server = server or build_server(settings)
    add_legacy_routes(server)
    propagate_request_id(server)
    app: ASGIApp = server.streamable_http_app(streamable_http_path="/mcp", host=host)
    if settings.oauth_enabled:
        app = OAuthGate(app, server, settings)
    elif settings.mcp_auth_token:
        app = BearerTokenMiddleware(app, settings.mcp_auth_token)
    # Outermost: X-Request-ID in (or a new one) → every log line and API call of the request.
    return install_request_id_and_hsts(app)


def _request_id_of(context: Any) -> str | None:
    """A tool call's request id: the request's ``_meta.request_id`` (the bot sends one per
    Telegram update), else the HTTP request's ``X-Request-ID`` header."""
    request_context = getattr(context, "request_context", None)
    meta = getattr(request_context, "meta", None)
    value = None
    if meta is not None:
        value = (
            meta.get("request_id")
            if isinstance(meta, dict)
            else getattr(meta, "request_id", None)
            or (getattr(meta, "model_extra", None) or {}).get("request_id")
        )
    if not value:
        request = getattr(request_context, "request", None)
        headers = getattr(request, "headers", None)
        value = headers.get(REQUEST_ID_HEADER) if headers is not None else None
    return clean_request_id(value) if isinstance(value, str) else None


def propagate_request_id(server: MCPServer) -> None:
    """Tool calls run in the MCP session's task, not the HTTP request's, so the middleware's
    context variable does not reach them: set it again around each call."""
    original = server.call_tool

    async def call_tool(
        name: str, arguments: dict[str, Any], context: Any = None, *args: Any, **kwargs: Any
    ) -> Any:
        request_id = _request_id_of(context) or request_id_var.get() or new_request_id()
        token = request_id_var.set(request_id)
        try:
            return await original(name, arguments, context, *args, **kwargs)
        finally:
            request_id_var.reset(token)

    server.call_tool = call_tool  # type: ignore[method-assign]
