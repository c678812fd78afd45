"""OAuth 2.1 on the streamable HTTP transport, against a real API and a real MCP server.

The API (its own authorization server) runs in a thread; the MCP server runs as
``python -m booking_mcp --transport http`` (a subprocess) and in-process (uvicorn in a
thread), both over loopback. The SDK's own ``OAuthClientProvider`` runs the whole flow:
discovery (401 → protected resource metadata → authorization server metadata), dynamic
registration, authorization with PKCE, token, refresh. The person's part (sign in, allow) is
played by httpx (tests/support/oauth_login.py), and once by Chromium.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client
from sqlalchemy import update

from booking_api.app import create_app
from booking_api.core.config import Settings as ApiSettings
from booking_api.core.db import Database
from booking_api.oauth.models import OAuthToken as TokenRow
from booking_api.oauth.models import digest
from booking_mcp.config import Settings
from booking_mcp.http_app import build_http_app
from booking_mcp.oauth.scopes import TOOL_SCOPES
from booking_mcp.server import build_server
from kit.live_api import STAFF_PASSWORD, STAFF_USER
from kit.mcp import next_weekday
from kit.oauth_stack import (
    ALL,
    PEOPLE,
    REDIRECT,
    SHARED,
    MemoryStorage,
    Person,
    Stack,
    Thread,
    bearer,
    call,
    chromium_person,
    inspector_with_headers,
    oauth_provider,
    prepare_api,
    start_mcp,
    tokens_for,
)
from kit.servers import free_port
from mcp import Client

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    tmp = tmp_path_factory.mktemp("mcp-oauth")
    api_port, mcp_port, inproc_port = free_port(), free_port(), free_port()
    issuer = f"http://127.0.0.1:{api_port}"
    stack = Stack(
        issuer=issuer,
        database_url=f"sqlite+aiosqlite:///{tmp / 'oauth.sqlite3'}",
        mcp=f"http://127.0.0.1:{mcp_port}/mcp",
        in_process=f"http://127.0.0.1:{inproc_port}/mcp",
        other_audience="http://127.0.0.1:9/other/mcp",
    )
    settings = asyncio.run(
        prepare_api(
            stack.database_url,
            tmp,
            oauth_issuer=issuer,
            mcp_public_url=stack.mcp,
            oauth_resources=f"{stack.in_process},{stack.other_audience}",
        )
    )
    with Thread(create_app(settings), api_port):
        process = start_mcp(
            {
                "API_URL": stack.api,
                "API_USERNAME": STAFF_USER,
                "API_PASSWORD": STAFF_PASSWORD,
                "OAUTH_ISSUER": issuer,
                "MCP_PUBLIC_URL": stack.mcp,
                "MCP_AUTH_TOKEN": SHARED,
            },
            mcp_port,
        )
        try:
            server = build_server(stack.mcp_settings(stack.in_process))
            app = build_http_app(stack.mcp_settings(stack.in_process), server=server)
            with Thread(app, inproc_port):
                yield stack
        finally:
            process.terminate()
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()


# --- the protected resource -----------------------------------------------------------------


def test_every_tool_needs_a_listed_scope() -> None:
    server = build_server(Settings(_env_file=None))  # type: ignore[call-arg]
    names = {tool.name for tool in server._tool_manager.list_tools()}  # noqa: SLF001
    assert names == set(TOOL_SCOPES), "give each new tool a scope in booking_mcp/oauth/scopes.py"


@pytest.mark.parametrize("where", ["mcp", "in_process"])
async def test_no_token_gets_401_with_resource_metadata(stack: Stack, where: str) -> None:
    url = getattr(stack, where)
    async with httpx.AsyncClient(timeout=20) as http:
        response = await http.post(url, json={"jsonrpc": "2.0", "id": 1, "method": "ping"})
        assert response.status_code == 401
        challenge = response.headers["www-authenticate"]
        origin = url.removesuffix("/mcp")
        metadata_url = f"{origin}/.well-known/oauth-protected-resource/mcp"
        assert (
            challenge.startswith("Bearer ") and f'resource_metadata="{metadata_url}"' in challenge
        )
        metadata = (await http.get(metadata_url)).json()
        assert metadata["resource"] == url
        assert metadata["authorization_servers"] == [stack.issuer]
        assert metadata["scopes_supported"] == ALL.split()
        assert (await http.get(f"{origin}/health")).status_code == 200
        wrong = await http.post(url, json={}, headers={"Authorization": "Bearer not-a-token"})
        assert wrong.status_code == 401


@pytest.mark.parametrize(
    ("where", "auth_method"),
    [("mcp", "none"), ("in_process", None)],  # a public client; one with a secret (the default)
)
async def test_sdk_oauth_flow_with_refresh(stack: Stack, where: str, auth_method: str) -> None:
    url = getattr(stack, where)
    storage = MemoryStorage()
    provider = oauth_provider(url, Person("alice"), storage, auth_method=auth_method)
    http = create_mcp_http_client(auth=provider)
    async with http, Client(streamable_http_client(url, http_client=http)) as client:
        tools = {t.name for t in (await client.list_tools()).tools}
        assert {"create_appointment", "get_my_appointments"} <= tools
        assert storage.client_info is not None
        assert (storage.client_info.client_secret is None) == (auth_method == "none")
        first = storage.tokens
        assert first is not None and first.refresh_token and first.scope == ALL
        mine = await client.call_tool("get_my_appointments", {})
        assert not mine.is_error, mine.content

        # The access token runs out: the SDK refreshes it (a rotated pair) and carries on.
        provider.context.token_expiry_time = time.time() - 1
        again = await client.call_tool("list_categories", {})
        assert not again.is_error
        assert storage.tokens is not first
        assert storage.tokens.access_token != first.access_token
        assert storage.tokens.refresh_token != first.refresh_token


async def test_a_token_acts_only_for_its_person(stack: Stack) -> None:
    """The matrix: client A's token never reads or changes client B's bookings, and back."""
    tokens = {name: (await tokens_for(stack, name, stack.mcp))["access_token"] for name in PEOPLE}
    day = next_weekday(2, weeks=2)
    specialists = await call(stack.mcp, tokens["alice"], "get_specialists", {"city": "Казань"})
    specialist = specialists.structured_content["result"][0]["id"]
    services = await call(
        stack.mcp, tokens["alice"], "get_specialist_services", {"specialist_id": specialist}
    )
    service = services.structured_content["result"][0]["id"]
    booked: dict[str, int] = {}
    for name, start in (("alice", "10:00"), ("bob", "14:00")):
        result = await call(
            stack.mcp,
            tokens[name],
            "create_appointment",
            # A user_id naming someone else is ignored: the token decides who books.
            {
                "specialist_id": specialist,
                "service_id": service,
                "date": day.isoformat(),
                "start_time": start,
                "user_id": PEOPLE["bob" if name == "alice" else "alice"],
            },
        )
        assert not result.is_error, result.content
        booked[name] = result.structured_content["id"]

    for me, other in (("alice", "bob"), ("bob", "alice")):
        token, theirs = tokens[me], booked[other]
        mine = await call(stack.mcp, token, "get_my_appointments", {"user_id": PEOPLE[other]})
        ids = {a["id"] for a in mine.structured_content["result"]}
        assert booked[me] in ids and theirs not in ids
        for tool, arguments in (
            ("cancel_appointment", {"appointment_id": theirs, "confirm": True}),
            (
                "reschedule_appointment",
                {
                    "appointment_id": theirs,
                    "date": day.isoformat(),
                    "start_time": "16:00",
                    "confirm": True,
                },
            ),
            ("confirm_attendance", {"appointment_id": theirs}),
        ):
            result = await call(stack.mcp, token, tool, {**arguments, "user_id": PEOPLE[other]})
            assert result.is_error, (me, tool, result.content)
            assert "Not allowed" not in result.content[0].text  # refused by the API, not scope

    # Nothing changed for either of them.
    for name in PEOPLE:
        result = await call(stack.mcp, tokens[name], "get_my_appointments", {})
        (appointment,) = [a for a in result.structured_content["result"] if a["id"] == booked[name]]
        assert appointment["status"] in ("pending", "confirmed")
        assert appointment["start_time"] == ("10:00" if name == "alice" else "14:00")
        assert not appointment.get("client_confirmed_at")
    # Each one's conversation is their own.
    reply = await call(stack.mcp, tokens["bob"], "process_message", {"message": "мои записи"})
    assert not reply.is_error


async def test_token_for_another_audience_is_refused(stack: Stack) -> None:
    other = await tokens_for(stack, "alice", stack.other_audience)
    for url in (stack.mcp, stack.in_process):
        async with httpx.AsyncClient(timeout=20) as http:
            response = await http.post(
                url,
                json={"jsonrpc": "2.0", "id": 1, "method": "ping"},
                headers={"Authorization": f"Bearer {other['access_token']}"},
            )
        assert response.status_code == 401, url
    # A token for the subprocess server is no good at the in-process one either (each has its
    # own URL), and the reverse.
    mine = await tokens_for(stack, "alice", stack.mcp)
    async with httpx.AsyncClient(timeout=20) as http:
        response = await http.post(
            stack.in_process,
            json={"jsonrpc": "2.0", "id": 1, "method": "ping"},
            headers={"Authorization": f"Bearer {mine['access_token']}"},
        )
    assert response.status_code == 401


async def _unauthorized(url: str, token: str) -> bool:
    async with httpx.AsyncClient(timeout=20) as http:
        response = await http.post(
            url,
            json={"jsonrpc": "2.0", "id": 1, "method": "ping"},
            headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
        )
    return response.status_code == 401


async def test_revoked_and_expired_tokens_are_refused(stack: Stack) -> None:
    revoked = await tokens_for(stack, "alice", stack.mcp)
    result = await call(stack.mcp, revoked["access_token"], "list_categories", {})
    assert not result.is_error
    async with httpx.AsyncClient(base_url=stack.issuer) as http:
        response = await http.post(
            "/oauth/revoke",
            data={"token": revoked["refresh_token"], "client_id": revoked["client_id"]},
        )
        assert response.status_code == 200
    assert await _unauthorized(stack.mcp, revoked["access_token"])

    expired = await tokens_for(stack, "bob", stack.mcp)
    db = Database.from_settings(ApiSettings(_env_file=None, database_url=stack.database_url))  # type: ignore[call-arg]
    try:
        async with db.write_sessions() as session:
            await session.execute(
                update(TokenRow)
                .where(TokenRow.access_token_hash == digest(expired["access_token"]))
                .values(expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1))
            )
            await session.commit()
    finally:
        await db.dispose()
    assert await _unauthorized(stack.mcp, expired["access_token"])
    assert await _unauthorized(stack.in_process, expired["access_token"])


async def test_scopes_are_enforced_where_the_tools_run(stack: Stack) -> None:
    tokens = await tokens_for(stack, "alice", stack.in_process, scope="catalogue:read")
    assert tokens["scope"] == "catalogue:read"
    token = tokens["access_token"]
    assert not (await call(stack.in_process, token, "list_categories", {})).is_error
    refused = await call(stack.in_process, token, "get_my_appointments", {})
    assert refused.is_error and "bookings:read" in refused.content[0].text
    refused = await call(stack.in_process, token, "process_message", {"message": "привет"})
    assert refused.is_error
    http = bearer(token)
    async with http, Client(streamable_http_client(stack.in_process, http_client=http)) as client:
        read = await client.read_resource("catalogue://categories")
        assert json.loads(read.contents[0].text)


async def test_old_routes_take_only_the_shared_token(stack: Stack) -> None:
    token = (await tokens_for(stack, "alice", stack.mcp))["access_token"]
    origin = stack.mcp.removesuffix("/mcp")
    async with httpx.AsyncClient(base_url=origin, timeout=20) as http:
        body = {"user_id": PEOPLE["bob"], "message": "мои записи"}
        oauth = {"Authorization": f"Bearer {token}"}
        assert (await http.post("/process", json=body, headers=oauth)).status_code == 403
        assert (await http.get("/functions", headers=oauth)).status_code == 403
        assert (await http.get("/functions")).status_code == 401
        shared = {"Authorization": f"Bearer {SHARED}"}
        assert (await http.get("/functions", headers=shared)).status_code == 200
    # The shared token on /mcp still acts for the user_id it passes (the Telegram bot).
    result = await call(stack.mcp, SHARED, "get_my_appointments", {"user_id": PEOPLE["bob"]})
    assert not result.is_error


async def test_sdk_oauth_flow_in_chromium(stack: Stack, tmp_path: Path) -> None:
    from kit.webdriver import CHROMEDRIVER, CHROMIUM

    if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
        pytest.skip(f"needs {CHROMIUM} and {CHROMEDRIVER}")
    from starlette.applications import Starlette
    from starlette.responses import PlainTextResponse
    from starlette.routing import Route

    port = free_port()
    callback = REDIRECT.format(port=port)
    landing = Starlette(routes=[Route("/callback", lambda request: PlainTextResponse("ok"))])
    storage = MemoryStorage()
    person = Person("bob", browser=chromium_person(callback, tmp_path / "profile"))
    provider = oauth_provider(stack.mcp, person, storage, redirect_uri=callback)
    with Thread(landing, port):
        http = create_mcp_http_client(auth=provider)
        async with http, Client(streamable_http_client(stack.mcp, http_client=http)) as client:
            result = await client.call_tool("get_my_appointments", {})
            assert not result.is_error, result.content
    assert storage.tokens is not None and storage.tokens.scope == ALL
    async with httpx.AsyncClient(base_url=stack.api) as http:
        staff = await http.post("token/", json={"username": STAFF_USER, "password": STAFF_PASSWORD})
        seen = await http.post(
            "oauth/introspect/",
            data={"token": storage.tokens.access_token},
            headers={"Authorization": f"Bearer {staff.json()['access']}"},
        )
    assert seen.json()["username"] == "bob" and seen.json()["aud"] == stack.mcp


async def test_official_inspector_lists_tools_with_an_oauth_token(stack: Stack) -> None:
    inspector = inspector_with_headers()
    if inspector is None:
        pytest.skip("npm (and the @modelcontextprotocol/inspector package) is not available")
    token = (await tokens_for(stack, "alice", stack.mcp))["access_token"]

    def inspect(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [*inspector, "--cli", stack.mcp, "--transport", "http", *args],
            capture_output=True,
            text=True,
            timeout=120,
        )

    listed = await asyncio.to_thread(
        inspect, "--header", f"Authorization: Bearer {token}", "--method", "tools/list"
    )
    assert listed.returncode == 0, listed.stderr
    names = {tool["name"] for tool in json.loads(listed.stdout)["tools"]}
    assert {"create_appointment", "get_my_appointments", "process_message"} <= names
    called = await asyncio.to_thread(
        inspect,
        "--header",
        f"Authorization: Bearer {token}",
        "--method",
        "tools/call",
        "--tool-name",
        "get_my_appointments",
    )
    assert called.returncode == 0, called.stderr
    assert json.loads(called.stdout).get("isError") in (None, False)
    # Without the token the Inspector meets the 401 challenge and wants to sign in itself.
    refused = await asyncio.to_thread(inspect, "--stored-auth-only", "--method", "tools/list")
    assert refused.returncode != 0
    assert "auth_required" in refused.stderr or "401" in refused.stderr, refused.stderr


async def test_a_session_is_bound_to_the_person_who_opened_it(stack: Stack) -> None:
    """B's token on A's MCP session (its Mcp-Session-Id) does not get in."""
    tokens = {name: (await tokens_for(stack, name, stack.mcp))["access_token"] for name in PEOPLE}
    headers = {
        "Accept": "application/json, text/event-stream",
        "MCP-Protocol-Version": "2025-11-25",
    }
    initialize = {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "initialize",
        "params": {
            "protocolVersion": "2025-11-25",
            "capabilities": {},
            "clientInfo": {"name": "test", "version": "1"},
        },
    }
    async with httpx.AsyncClient(timeout=20) as http:
        opened = await http.post(
            stack.mcp,
            json=initialize,
            headers={**headers, "Authorization": f"Bearer {tokens['alice']}"},
        )
        assert opened.status_code == 200, opened.text
        session = opened.headers["mcp-session-id"]
        call_tool = {
            "jsonrpc": "2.0",
            "id": 2,
            "method": "tools/call",
            "params": {"name": "get_my_appointments", "arguments": {}},
        }
        hijack = await http.post(
            stack.mcp,
            json=call_tool,
            headers={
                **headers,
                "Authorization": f"Bearer {tokens['bob']}",
                "Mcp-Session-Id": session,
            },
        )
        assert hijack.status_code in (403, 404), hijack.text
