"""The HTTP app's gate when OAuth is on, made of the mcp SDK's resource-server pieces.

* ``/.well-known/oauth-protected-resource/mcp`` — protected resource metadata (RFC 9728):
  this server's URL, the API as its authorization server, the scopes;
* ``/mcp`` — needs a token the API issued for this server's URL (``BearerAuthBackend`` with
  the resource check, RFC 8707); without one, 401 with
  ``WWW-Authenticate: Bearer error="invalid_token", …, resource_metadata="…"``
  (``RequireAuthMiddleware``), which is where an assistant's OAuth flow starts;
* the old deployment's routes (``/process``, ``/functions``, ``/intents``) act for any
  ``user_id``: only the shared ``MCP_AUTH_TOKEN`` may call them (403 for an OAuth token);
* ``/health`` stays open.
"""

from __future__ import annotations

from mcp.server.auth.middleware.auth_context import AuthContextMiddleware
from mcp.server.auth.middleware.bearer_auth import (
    AuthenticatedUser,
    BearerAuthBackend,
    RequireAuthMiddleware,
)
from mcp.server.auth.routes import build_resource_metadata_url, create_protected_resource_routes
from mcp.server.mcpserver import MCPServer
from pydantic import AnyHttpUrl, ConfigDict, TypeAdapter
from starlette.authentication import AuthenticationError
from starlette.middleware.authentication import AuthenticationMiddleware
from starlette.requests import HTTPConnection
from starlette.responses import JSONResponse, Response
from starlette.routing import Router
from starlette.types import ASGIApp, Receive, Scope, Send

from booking_common.oauth_scopes import ALL_SCOPES

from ..config import Settings
from .identity import Identities
from .scopes import enforce
from .verifier import IntrospectionVerifier, is_shared

MCP_PATHS = ("/mcp", "/mcp/")
OPEN_PATHS = ("/health",)
METADATA_PREFIX = "/.well-known/oauth-protected-resource"
# As the SDK reads them: "http://host:port" stays without a final slash (issuers compare as
# strings, RFC 8414 §3.3).
URL = TypeAdapter(AnyHttpUrl, config=ConfigDict(url_preserve_empty_path=True))


def _unavailable(conn: HTTPConnection, exc: AuthenticationError) -> Response:
    """The API could not be asked about the token: a 503, not a 401 that restarts sign-in."""
    return JSONResponse({"error": "temporarily_unavailable", "error_description": str(exc)}, 503)


class _SharedTokenOnly:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        user = scope.get("user")
        if isinstance(user, AuthenticatedUser) and is_shared(user.access_token):
            await self.app(scope, receive, send)
            return
        response = JSONResponse(
            {"error": "insufficient_scope", "error_description": "Only for MCP_AUTH_TOKEN."},
            status_code=403,
        )
        await response(scope, receive, send)


class OAuthGate:
    """Pure ASGI: routes each request through the checks above."""

    def __init__(self, app: ASGIApp, server: MCPServer, settings: Settings) -> None:
        api = server.booking_service.api  # type: ignore[attr-defined]
        resource = URL.validate_python((settings.mcp_public_url or "").rstrip("/"))
        issuer = URL.validate_python((settings.oauth_issuer or "").rstrip("/"))
        enforce(server, Identities(api, str(resource).rstrip("/")))
        self.metadata = Router(
            routes=create_protected_resource_routes(
                resource_url=resource,
                authorization_servers=[issuer],
                scopes_supported=list(ALL_SCOPES),
                resource_name="Booking assistant",
            )
        )
        metadata_url = build_resource_metadata_url(resource)
        self.mcp = RequireAuthMiddleware(app, [], metadata_url)
        self.legacy = RequireAuthMiddleware(_SharedTokenOnly(app), [], metadata_url)
        self.open = app
        self.checked = AuthenticationMiddleware(
            AuthContextMiddleware(self._route),
            backend=BearerAuthBackend(
                IntrospectionVerifier(api, settings), resource_server_url=resource
            ),
            on_error=_unavailable,
        )

    async def _route(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or path in OPEN_PATHS:
            await self.open(scope, receive, send)
        elif path in MCP_PATHS:
            await self.mcp(scope, receive, send)
        else:
            await self.legacy(scope, receive, send)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope.get("path", "").startswith(METADATA_PREFIX):
            await self.metadata(scope, receive, send)
        elif scope["type"] == "http":
            await self.checked(scope, receive, send)
        else:  # lifespan: the session manager's start and stop
            await self.open(scope, receive, send)
