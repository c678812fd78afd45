"""Fixtures for the bot's end-to-end tests: one real API and one real MCP server per session
(each in a uvicorn thread, talking HTTP), a fresh FakeTelegram and a freshly started bot per
test.  See ``bot_stack`` for the pieces."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from bot_stack import (
    MCP_TOKEN,
    STAFF_PASSWORD,
    STAFF_USER,
    LiveApi,
    RunningBot,
    ServerThread,
    bot_settings,
    prepare_api,
)

from booking_api.app import create_app
from booking_mcp.config import Settings as McpSettings
from booking_mcp.http_app import build_http_app
from support.fake_telegram import FakeTelegram


@pytest.fixture(scope="session")
def live_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveApi]:
    settings = asyncio.run(prepare_api(tmp_path_factory.mktemp("bot-api")))
    server = ServerThread(lambda: create_app(settings))
    server.start()
    yield LiveApi(f"http://127.0.0.1:{server.port}/api")
    server.stop()


@pytest.fixture(scope="session")
def mcp_http(live_api: LiveApi) -> Iterator[ServerThread]:
    """The real MCP server (streamable HTTP, bearer token); restartable on the same port."""
    settings = McpSettings(
        _env_file=None,
        api_url=live_api.url,
        api_username=STAFF_USER,
        api_password=STAFF_PASSWORD,
        mcp_auth_token=MCP_TOKEN,
        request_timeout=20.0,
    )  # type: ignore[call-arg]
    server = ServerThread(lambda: build_http_app(settings))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def mcp_url(mcp_http: ServerThread) -> str:
    if mcp_http.server is None:  # a test stopped it and failed before restarting
        mcp_http.start()
    return f"http://127.0.0.1:{mcp_http.port}/mcp"


@pytest.fixture
async def tg() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram(bot_username="booking_bot") as fake:
        yield fake


@pytest.fixture
async def running_bot(tg: FakeTelegram, mcp_url: str, tmp_path: Path) -> AsyncIterator[RunningBot]:
    bot = RunningBot(bot_settings(tg, mcp_url, tmp_path / "state.sqlite3"), tg)
    await bot.start()
    yield bot
    await bot.stop()
