"""The real stack for the bot's end-to-end tests (importable as ``bot_stack``).

* :class:`LiveApi` - the booking API (SQLite, migrations, demo catalogue, a staff account)
  served by uvicorn in a thread, with staff-side helpers to read what ends up in the database;
* :class:`ServerThread` - any ASGI app in a uvicorn thread on a fixed port, stoppable and
  restartable on the same port (the MCP server going down and coming back);
* :class:`RunningBot` - the real bot (long polling) against FakeTelegram and the MCP server.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
import socket
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from aiogram.fsm.storage.base import BaseEventIsolation, BaseStorage

from booking_api.core.config import Settings as ApiSettings
from booking_api.core.db import Database
from booking_api.core.security import make_password
from booking_api.demo import seed_demo
from booking_api.migrate import upgrade
from booking_api.models import User as ApiUser
from booking_bot.config import BotSettings
from booking_bot.formatting import today
from booking_bot.main import create_bot, create_dispatcher, create_gateway, create_storage
from support.fake_telegram import FakeTelegram, User

STAFF_USER, STAFF_PASSWORD = "bot-e2e-service", "service-pass-123"
MCP_TOKEN = "bot-e2e-mcp-token"
_user_ids = itertools.count(700_001)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def new_user(first_name: str = "Анна", language_code: str = "ru") -> User:
    """A Telegram user nobody has seen yet (one per test keeps the tests independent)."""
    user_id = next(_user_ids)
    return User(
        id=user_id, first_name=first_name, language_code=language_code, phone=f"+7900{user_id:07d}"
    )


async def prepare_api(tmp: Path, **overrides: Any) -> ApiSettings:
    """A fresh SQLite database (migrated, demo catalogue, a staff account) and its settings."""
    url = f"sqlite+aiosqlite:///{tmp / 'api.sqlite3'}"
    values: dict[str, Any] = dict(  # as tests/mcp/conftest.py
        database_url=url,
        secret_key="bot-e2e-secret-0123456789abcdef0123456",
        environment="test",
        password_hash_iterations=1000,
        media_root=tmp / "media",
        telegram_bot_token="123456:TEST-TOKEN",
    )
    values.update(overrides)
    settings = ApiSettings(_env_file=None, **values)  # type: ignore[call-arg]
    await upgrade(url)
    db = Database.from_settings(settings)
    async with db.write_sessions() as session:
        await seed_demo(session, settings)
        session.add(
            ApiUser(
                username=STAFF_USER,
                is_staff=True,
                password=make_password(STAFF_PASSWORD, iterations=1000),
            )
        )
        await session.commit()
    await db.dispose()
    return settings


class ServerThread:
    """An ASGI app (made by ``factory``) served by uvicorn in a thread; restartable on its port."""

    def __init__(self, factory: Callable[[], Any], port: int | None = None) -> None:
        self.factory = factory
        self.port = port or free_port()
        self.server: uvicorn.Server | None = None
        self.thread: threading.Thread | None = None

    def start(self) -> None:
        config = uvicorn.Config(
            self.factory(),
            host="127.0.0.1",
            port=self.port,
            log_level="warning",
            lifespan="on",
            timeout_graceful_shutdown=1,
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("server did not start")
            time.sleep(0.01)

    def stop(self) -> None:
        if self.server is not None:
            self.server.should_exit = True
        if self.thread is not None:
            self.thread.join(10)
        self.server = self.thread = None


class LiveApi:
    def __init__(self, url: str) -> None:
        self.url = url  # ends in /api
        self._token: str | None = None

    async def get(self, path: str, **params: object) -> Any:
        async with httpx.AsyncClient(base_url=self.url + "/", timeout=20) as http:
            if self._token is None:
                response = await http.post(
                    "token/", json={"username": STAFF_USER, "password": STAFF_PASSWORD}
                )
                self._token = response.json()["access"]
            response = await http.get(
                path, params=params, headers={"Authorization": f"Bearer {self._token}"}
            )
            response.raise_for_status()
            return response.json()

    async def post(self, path: str, body: dict[str, Any] | None = None) -> Any:
        """A staff POST (e.g. booking for a client); raises on an error status."""
        await self.get("categories/")  # makes sure there is a token
        async with httpx.AsyncClient(base_url=self.url + "/", timeout=20) as http:
            response = await http.post(
                path, json=body or {}, headers={"Authorization": f"Bearer {self._token}"}
            )
            response.raise_for_status()
            return response.json()

    async def client_of(self, user: User) -> dict[str, Any]:
        """The client row registered with ``user``'s Telegram id."""
        return next(
            c for c in await self.items("clients/") if str(c.get("telegram_id")) == str(user.id)
        )

    async def items(self, path: str, **params: object) -> list[dict[str, Any]]:
        data = await self.get(path, page_size=500, **params)
        return data["results"] if isinstance(data, dict) else data

    async def appointments_of(self, user: User) -> list[dict[str, Any]]:
        """The appointment rows of the client registered with ``user``'s Telegram id."""
        clients = [
            c for c in await self.items("clients/") if str(c.get("telegram_id")) == str(user.id)
        ]
        if not clients:
            return []
        rows = await self.items("appointments/", client_id=clients[0]["id"])
        return sorted(rows, key=lambda r: r["id"])

    async def service(self, name: str) -> dict[str, Any]:
        return next(s for s in await self.items("services/") if s["name"] == name)

    async def free_slot(
        self, service_name: str, wanted: str | None = None, after: dt.date | None = None
    ) -> tuple[dt.date, str]:
        """The first day after ``after`` (default today) with a free start time (``wanted``
        when given) for the service, computed from the API."""
        service = await self.service(service_name)
        day = after or today()
        for _ in range(60):
            day += dt.timedelta(days=1)
            try:
                slots = await self.get(
                    f"specialists/{service['specialist']}/available_slots/",
                    date=day.isoformat(),
                    service=service["id"],
                )
            except httpx.HTTPStatusError as error:
                if error.response.status_code == 400:  # a day off
                    continue
                raise
            times = [str(s["start_time"])[:5] for s in slots]
            if wanted is None and times:
                return day, times[0]
            if wanted in times:
                return day, wanted
        raise AssertionError(f"no free time for {service_name}")


class RunningBot:
    """The bot polling FakeTelegram in the test's event loop; ``stop``/``start`` = a restart."""

    def __init__(
        self,
        settings: BotSettings,
        tg: FakeTelegram,
        storage_factory: Callable[[], tuple[BaseStorage, BaseEventIsolation]] | None = None,
    ) -> None:
        self.settings = settings
        self.tg = tg
        self.storage_factory = storage_factory or (lambda: create_storage(settings))
        self.task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self.bot = create_bot(self.settings)
        self.gateway = create_gateway(self.settings)
        storage, isolation = self.storage_factory()
        self.dp = create_dispatcher(
            self.settings, self.gateway, storage=storage, events_isolation=isolation
        )
        polls = len(self.tg.calls_of("getUpdates"))
        self.task = asyncio.create_task(
            self.dp.start_polling(
                self.bot, handle_signals=False, polling_timeout=1, close_bot_session=False
            )
        )
        await self.tg.wait_for(lambda: len(self.tg.calls_of("getUpdates")) > polls)

    async def stop(self) -> None:
        if self.task is not None:
            await self.dp.stop_polling()
            await asyncio.wait_for(self.task, 10)
            self.task = None
        await self.bot.session.close()
        await self.dp.storage.close()


def bot_settings(tg: FakeTelegram, mcp_url: str, state_path: Path, **extra: Any) -> BotSettings:
    return BotSettings(
        _env_file=None,
        telegram_bot_token="123456:TEST",
        telegram_api_url=tg.base_url,
        mcp_server_url=mcp_url,
        mcp_auth_token=MCP_TOKEN,
        mcp_timeout_seconds=5,
        bot_state_path=state_path,
        telegram_backoff_base=0.01,
        **extra,
    )
