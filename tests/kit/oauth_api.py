"""The API with its OAuth authorization server on, and an assistant's side of the protocol."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
from authlib.oauth2.rfc7636 import create_s256_code_challenge

from kit.api import Catalogue, Env

ISSUER = "http://127.0.0.1:8000"
MCP_URL = "http://127.0.0.1:5000/mcp"
REDIRECT = "http://127.0.0.1:33418/callback"


@dataclass
class Assistant:
    """An MCP client registered with the API: builds authorization requests, redeems codes."""

    http: httpx.AsyncClient
    client_id: str
    redirect_uri: str = REDIRECT
    verifier: str = field(default_factory=lambda: secrets.token_urlsafe(48))
    state: str = field(default_factory=lambda: secrets.token_urlsafe(16))

    def authorization_url(self, **overrides: Any) -> str:
        params = {
            "response_type": "code",
            "client_id": self.client_id,
            "redirect_uri": self.redirect_uri,
            "state": self.state,
            "code_challenge": create_s256_code_challenge(self.verifier),
            "code_challenge_method": "S256",
            "resource": MCP_URL,
            "scope": "catalogue:read bookings:read bookings:write",
            **overrides,
        }
        return "/oauth/authorize?" + urlencode({k: v for k, v in params.items() if v is not None})

    async def redeem(self, code: str, **overrides: Any) -> httpx.Response:
        data = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": self.redirect_uri,
            "client_id": self.client_id,
            "code_verifier": self.verifier,
            "resource": MCP_URL,
            **overrides,
        }
        return await self.http.post(
            "/oauth/token", data={k: v for k, v in data.items() if v is not None}
        )

    async def refresh(self, refresh_token: str, **overrides: Any) -> httpx.Response:
        data = {
            "grant_type": "refresh_token",
            "refresh_token": refresh_token,
            "client_id": self.client_id,
            **overrides,
        }
        return await self.http.post("/oauth/token", data=data)


@dataclass
class OAuthKit:
    env: Env
    cat: Catalogue
    http: httpx.AsyncClient

    async def register(self, **metadata: Any) -> dict[str, Any]:
        body = {
            "client_name": "Test Assistant",
            "redirect_uris": [REDIRECT],
            "token_endpoint_auth_method": "none",
            "grant_types": ["authorization_code", "refresh_token"],
            "response_types": ["code"],
            **metadata,
        }
        response = await self.http.post("/oauth/register", json=body)
        assert response.status_code == 201, response.text
        return response.json()

    async def assistant(self, **metadata: Any) -> Assistant:
        return Assistant(self.http, (await self.register(**metadata))["client_id"])

    async def tokens(
        self, assistant: Assistant | None = None, username: str = "alice", **overrides: Any
    ) -> dict[str, Any]:
        """The whole flow for ``username`` (password sign-in); returns the token response."""
        from kit.oauth_login import callback_params, sign_in_and_allow

        assistant = assistant or await self.assistant()
        location = await sign_in_and_allow(
            assistant.authorization_url(**overrides),
            username=username,
            password="pass12345",
            http=self.http,
        )
        params = callback_params(location)
        assert params["state"] == assistant.state and params["iss"] == ISSUER, params
        response = await assistant.redeem(params["code"])
        assert response.status_code == 200, response.text
        return response.json()

    def staff(self) -> dict[str, str]:
        return self.env.auth(self.cat.staff)

    async def introspect(self, token: str) -> dict[str, Any]:
        response = await self.http.post(
            "/api/oauth/introspect/", data={"token": token}, headers=self.staff()
        )
        assert response.status_code == 200, response.text
        return response.json()


@pytest.fixture
async def oauth(env: Env, cat: Catalogue) -> AsyncIterator[OAuthKit]:
    settings = env.settings
    saved = settings.oauth_issuer, settings.mcp_public_url, settings.telegram_bot_username
    settings.oauth_issuer, settings.mcp_public_url = ISSUER, MCP_URL
    settings.telegram_bot_username = "booking_test_bot"
    transport = httpx.ASGITransport(app=env.app)
    async with httpx.AsyncClient(transport=transport, base_url=ISSUER) as http:
        yield OAuthKit(env, cat, http)
    settings.oauth_issuer, settings.mcp_public_url, settings.telegram_bot_username = saved
