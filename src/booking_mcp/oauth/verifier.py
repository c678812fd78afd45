"""The token verifier: asks the booking API about each bearer token (introspection).

Why introspection rather than self-contained signed tokens: the API's answer is current, so a
revoked or expired token is refused on its next request, and this server keeps no key that
could mint tokens. The API answers in a few milliseconds on the salon's own network.

``MCP_AUTH_TOKEN``, when set too, is accepted as the trusted shared principal (the Telegram
bot), with every scope, acting for the ``user_id`` it passes.
"""

from __future__ import annotations

import hmac
import logging

from mcp.server.auth.provider import AccessToken
from starlette.authentication import AuthenticationError

from booking_common.oauth_scopes import ALL_SCOPES

from ..api_client import SERVICE, ApiClient, ApiError, ApiUnavailable
from ..config import Settings

log = logging.getLogger("booking_mcp.oauth")

SHARED_CLIENT = "mcp-auth-token"
"""``client_id`` of the shared-token principal (``MCP_AUTH_TOKEN``)."""


def is_shared(token: AccessToken) -> bool:
    return token.client_id == SHARED_CLIENT and token.subject is None


class IntrospectionVerifier:
    """The mcp SDK's ``TokenVerifier`` for tokens the booking API issued."""

    def __init__(self, api: ApiClient, settings: Settings) -> None:
        self.api = api
        self.issuer = (settings.oauth_issuer or "").rstrip("/")
        self.resource = (settings.mcp_public_url or "").rstrip("/")
        self.shared = settings.mcp_auth_token

    async def verify_token(self, token: str) -> AccessToken | None:
        if self.shared and hmac.compare_digest(token.encode(), self.shared.encode()):
            return AccessToken(
                token=token,
                client_id=SHARED_CLIENT,
                scopes=list(ALL_SCOPES),
                resource=self.resource,
            )
        try:
            data = await self.api.request(
                "POST", "oauth/introspect/", auth=SERVICE, json_body={"token": token}
            )
        except ApiUnavailable as exc:
            raise AuthenticationError(exc.message) from exc
        except ApiError as exc:
            log.warning("token introspection refused: %s", exc.message)
            return None
        if not isinstance(data, dict) or data.get("active") is not True:
            return None
        if str(data.get("iss") or "").rstrip("/") != self.issuer:
            return None
        return AccessToken(
            token=token,
            client_id=str(data["client_id"]),
            scopes=str(data.get("scope") or "").split(),
            expires_at=int(data["exp"]),
            resource=str(data.get("aud") or ""),
            subject=str(data["sub"]),
            claims={"iss": self.issuer, "username": data.get("username")},
        )
