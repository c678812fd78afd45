"""The MCP server under test, against the real API over HTTP (see :mod:`kit.live_api`).

Fixtures (registered by ``tests/mcp/conftest.py``): ``live_api``, one API per session;
``mcp_server``, a fresh in-process MCP server per test. :func:`serve_mcp` serves the MCP
server's streamable HTTP app instead (what the bot talks to).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from mcp.server.mcpserver import MCPServer

from booking_mcp.http_app import build_http_app
from booking_mcp.server import build_server
from kit.live_api import LiveApi, serve_api
from kit.servers import ServerThread


def next_weekday(weekday: int, after: dt.date | None = None, weeks: int = 1) -> dt.date:
    """A date ``weeks`` weeks ahead falling on ``weekday`` (0 = Monday)."""
    day = (after or dt.date.today()) + dt.timedelta(days=7 * (weeks - 1) + 1)
    while day.weekday() != weekday:
        day += dt.timedelta(days=1)
    return day


@contextmanager
def serve_mcp(api: LiveApi, **overrides: Any) -> Iterator[ServerThread]:
    """The MCP server's HTTP app (``/mcp``) for ``api``, in a restartable server thread."""
    settings = api.mcp_settings(**overrides)
    server = ServerThread(lambda: build_http_app(settings))
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def live_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveApi]:
    """The API for the MCP tests: no cache and no rate limits, so that every call counts."""
    with serve_api(
        tmp_path_factory.mktemp("mcp-api"),
        cache_backend="off",
        throttle_auth="",
        throttle_booking="",
    ) as api:
        yield api


@pytest.fixture
async def mcp_server(live_api: LiveApi) -> AsyncIterator[MCPServer]:
    server = build_server(live_api.mcp_settings())
    yield server
    await server.booking_service.aclose()  # type: ignore[attr-defined]


async def known_client(server, user: str, name: str | None = None) -> None:
    """The client has a name and a phone already: no ``ask_contact`` before the booking."""
    from booking_mcp.api_client import ClientAuth

    who = ClientAuth(telegram_id=user)
    await server.booking_service.register(who, name=name or f"Клиент {user}", phone="+79001112233")


async def say(
    client, user: str, text: str, now: str | None = None, lang: str | None = None
) -> dict:
    """One message to ``process_message`` (as ``user``, at ``now``, in the front-end's ``lang``);
    its structured reply. A tool error fails the test."""
    args: dict = {"user_id": user, "message": text}
    if now is not None:
        args["now"] = now
    if lang:
        args["language"] = lang
    result = await client.call_tool("process_message", args)
    assert not result.is_error, result.content
    return result.structured_content


def options(reply: dict, kind: str) -> list[dict]:
    """The options of the reply's action of ``kind`` (the test fails when there is none)."""
    for action in reply["actions"]:
        if action["type"] == kind:
            return action["payload"]["options"]
    raise AssertionError(f"no {kind} action in {reply}")
