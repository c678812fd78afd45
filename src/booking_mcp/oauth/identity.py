"""Whose bookings a tool call acts on when a person signed in with OAuth.

The call's OAuth access token is for this server only (its audience), so it is never sent on
to the API. Instead the server's staff account exchanges it at the API
(``POST /api/oauth/exchange/``) for an API token of the same person, kept until shortly
before it expires. :data:`signed_in` holds that person for the duration of a tool call;
:meth:`booking_mcp.service.BookingService.who` and the dialog's context key look at it first.
"""

from __future__ import annotations

import hashlib
import time
from contextvars import ContextVar
from dataclasses import dataclass

from mcp.server.auth.provider import AccessToken

from ..api_client import SERVICE, ApiClient, ClientAuth

ACCESS_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:access_token"
MARGIN = 30.0  # seconds: exchange again this long before the API token expires


@dataclass(frozen=True)
class OAuthClientAuth(ClientAuth):
    """A person signed in with OAuth: ``token`` is their API token, ``subject`` their user id
    at the API (what keys their cached tokens and their conversation)."""

    subject: str = ""

    @property
    def key(self) -> str:
        return f"oauth:{self.subject}"


signed_in: ContextVar[ClientAuth | None] = ContextVar("booking_signed_in", default=None)


class Identities:
    """OAuth access token → the person's API identity, exchanged at the API and kept."""

    def __init__(self, api: ApiClient, audience: str) -> None:
        self.api = api
        self.audience = audience
        self._kept: dict[str, tuple[float, OAuthClientAuth]] = {}

    async def of(self, access: AccessToken) -> OAuthClientAuth:
        key = hashlib.sha256(access.token.encode()).hexdigest()
        kept = self._kept.get(key)
        if kept is not None and kept[0] - MARGIN > time.time():
            return kept[1]
        data = await self.api.request(
            "POST",
            "oauth/exchange/",
            auth=SERVICE,
            json_body={
                "subject_token": access.token,
                "subject_token_type": ACCESS_TOKEN_TYPE,
                "audience": self.audience,
            },
        )
        who = OAuthClientAuth(token=data["access_token"], subject=str(data["sub"]))
        if len(self._kept) > 1000:
            now = time.time()
            self._kept = {k: v for k, v in self._kept.items() if v[0] > now}
        self._kept[key] = (time.time() + float(data["expires_in"]), who)
        return who
