"""OAuth 2.1 authorization server: people add the salon to their own AI assistant.

The MCP server is the protected resource; this API is its authorization server. An assistant
registers (RFC 7591) or names itself by a metadata document URL, sends its user to
``/oauth/authorize`` (sign in with a password or Telegram, then consent), and gets tokens for
one audience, the MCP server (RFC 8707), with the scopes the person allowed
(:mod:`booking_common.oauth_scopes`). The MCP server checks each token here (introspection)
and acts for its person with an API token of theirs (exchange), so the API's ownership rules
apply unchanged.

``models`` (tables), ``repository`` (SQL), ``server`` (Authlib on async storage),
``client_documents`` (Client ID Metadata Documents), ``service`` (sign-in, consent tickets,
introspection, exchange), ``pages`` (the page), ``routes`` (HTTP).
"""

from __future__ import annotations

from fastapi import FastAPI
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

from booking_api.oauth.client_documents import ClientDocuments
from booking_api.oauth.routes import router

# Browser-based assistants (the MCP Inspector, web apps) discover, register and fetch tokens
# from another origin; these answers carry no cookies, so any origin may read them.
CROSS_ORIGIN_PATHS = ("/.well-known/oauth-authorization-server", "/oauth/")


class _CrossOrigin:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.cors = CORSMiddleware(
            app,
            allow_origins=["*"],
            allow_methods=["GET", "POST", "OPTIONS"],
            allow_headers=["Authorization", "Content-Type", "MCP-Protocol-Version"],
            max_age=3600,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "") if scope["type"] == "http" else ""
        if path.startswith(CROSS_ORIGIN_PATHS) and not path.startswith("/oauth/authorize"):
            await self.cors(scope, receive, send)
        else:
            await self.app(scope, receive, send)


def install(app: FastAPI) -> None:
    """Add the endpoints (off until ``OAUTH_ISSUER`` is set) and their cross-origin access."""
    app.state.oauth_documents = ClientDocuments()
    app.include_router(router)
    app.add_middleware(_CrossOrigin)


__all__ = ["install"]
