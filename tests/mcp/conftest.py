"""A real booking API (SQLite, demo catalogue, a staff service account) for the MCP tests.

The API runs with uvicorn in a thread of its own on a free port, so that the MCP server under
test (in-process or as a subprocess) reaches it only over HTTP, as in production.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import uvicorn
from mcp_support import STAFF_PASSWORD, STAFF_USER, free_port

from booking_api.app import create_app
from booking_api.core.config import Settings as ApiSettings
from booking_api.core.db import Database
from booking_api.core.security import make_password
from booking_api.demo import seed_demo
from booking_api.migrate import upgrade
from booking_api.models import User
from booking_mcp.config import Settings
from booking_mcp.server import build_server


@dataclass
class LiveApi:
    url: str  # ends in /api

    def settings(self, **overrides: object) -> Settings:
        values: dict[str, object] = dict(
            api_url=self.url,
            api_username=STAFF_USER,
            api_password=STAFF_PASSWORD,
            request_timeout=20.0,
        )
        values.update(overrides)
        return Settings(_env_file=None, **values)  # type: ignore[arg-type]

    async def staff_get(self, path: str, **params: object) -> object:
        async with httpx.AsyncClient(base_url=self.url + "/") as http:
            token = (
                await http.post("token/", json={"username": STAFF_USER, "password": STAFF_PASSWORD})
            ).json()["access"]
            response = await http.get(
                path, params=params, headers={"Authorization": f"Bearer {token}"}
            )
            response.raise_for_status()
            return response.json()


async def _prepare(tmp: Path) -> object:
    url = f"sqlite+aiosqlite:///{tmp / 'mcp.sqlite3'}"
    settings = ApiSettings(  # as tests/conftest.py::make_settings (not importable from here)
        _env_file=None,
        database_url=url,
        secret_key="mcp-test-secret-0123456789abcdef012345",
        environment="test",
        password_hash_iterations=1000,
        media_root=tmp / "media",
        telegram_bot_token="123456:TEST-TOKEN",
        cache_backend="off",
        throttle_auth="",
        throttle_booking="",
    )  # type: ignore[call-arg]
    await upgrade(url)
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
        await session.commit()
    await db.dispose()
    return settings


@pytest.fixture(scope="session")
def live_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveApi]:
    tmp = tmp_path_factory.mktemp("mcp-api")
    settings = asyncio.run(_prepare(tmp))
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(settings), host="127.0.0.1", port=port, log_level="warning", lifespan="on"
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.time() + 20
    while not server.started:
        if time.time() > deadline or not thread.is_alive():
            raise RuntimeError("the API did not start")
        time.sleep(0.05)
    yield LiveApi(f"http://127.0.0.1:{port}/api")
    server.should_exit = True
    thread.join(10)


@pytest.fixture
async def mcp_server(live_api: LiveApi) -> AsyncIterator[object]:
    server = build_server(live_api.settings())
    yield server
    await server.booking_service.aclose()  # type: ignore[attr-defined]
