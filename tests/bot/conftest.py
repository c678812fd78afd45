"""Fixtures for the bot tests: FakeTelegram, a stand-in MCP server over streamable HTTP
(in-memory catalogue with the contract's tool names, until ``booking_mcp`` has an HTTP entry
point), and the real bot polling against both."""

from __future__ import annotations

import asyncio
import datetime as dt
import socket
import threading
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
import uvicorn
from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError

from booking_bot.config import BotSettings
from booking_bot.main import create_bot, create_dispatcher
from booking_bot.mcp_gateway import McpGateway
from booking_bot.storage import SQLiteStorage
from support.fake_telegram import FakeTelegram


class FakeBooking:
    """The data behind the stand-in MCP server."""

    def __init__(self) -> None:
        self.clients: dict[str, dict[str, Any]] = {}
        self.appointments: list[dict[str, Any]] = []
        self.keys: dict[str, dict[str, Any]] = {}
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.actions: list[dict[str, Any]] = []
        self.response = "Понял вас."


CATEGORIES = [{"id": 1, "name": "Ногтевой сервис", "description": ""}]
SPECIALISTS = [{"id": 7, "name": "Анна Иванова", "specialization": "Мастер маникюра",
                "city": "Казань"}]
SERVICES = [{"id": 11, "name": "Маникюр", "price": "1500.00", "duration": 90, "specialist": 7,
             "specialist_name": "Анна Иванова", "category": 1}]
TIMES = ["10:00", "11:30", "14:00"]


def free_days(month: str) -> list[str]:
    year, mon = (int(x) for x in month.split("-"))
    day, out = dt.date(year, mon, 1), []
    while day.month == mon:
        if day > dt.date.today() and day.weekday() < 5:
            out.append(day.isoformat())
        day += dt.timedelta(days=1)
    return out


def build_mcp(data: FakeBooking) -> MCPServer:
    mcp = MCPServer("fake-booking")

    def log(tool: str, **kw: Any) -> None:
        data.calls.append((tool, kw))

    @mcp.tool()
    def list_categories() -> dict:
        log("list_categories")
        return {"categories": CATEGORIES}

    @mcp.tool()
    def get_specialists(category_id: int | None = None, city: str | None = None,
                        search: str | None = None) -> dict:
        return {"specialists": SPECIALISTS}

    @mcp.tool()
    def get_specialist_services(specialist_id: int, category_id: int | None = None) -> dict:
        return {"services": [s for s in SERVICES if s["specialist"] == specialist_id]}

    @mcp.tool()
    def list_services(search: str | None = None, category_id: int | None = None,
                      city: str | None = None) -> dict:
        return {"services": SERVICES}

    @mcp.tool()
    def get_available_days(specialist_id: int, service_id: int, month: str) -> dict:
        return {"days": free_days(month)}

    @mcp.tool()
    def get_available_slots(specialist_id: int, date: str, service_id: int | None = None) -> dict:
        taken = {a["start_time"] for a in data.appointments
                 if a["date"] == date and a["status"] != "cancelled"}
        return {"slots": [{"start_time": t, "end_time": ""} for t in TIMES if t not in taken]}

    @mcp.tool()
    def register_client(user_id: str, name: str, phone: str | None = None,
                        language: str | None = None) -> dict:
        log("register_client", user_id=user_id, name=name, phone=phone, language=language)
        data.clients[user_id] = {"name": name, "phone": phone, "language": language}
        return {"id": len(data.clients), "name": name}

    @mcp.tool()
    def create_appointment(user_id: str, specialist_id: int, service_id: int, date: str,
                           start_time: str, idempotency_key: str | None = None) -> dict:
        log("create_appointment", user_id=user_id, date=date, start_time=start_time)
        if idempotency_key and idempotency_key in data.keys:
            return data.keys[idempotency_key]
        if any(a["date"] == date and a["start_time"] == start_time and a["status"] != "cancelled"
               for a in data.appointments):
            raise ToolError("Это время уже занято.")
        row = {"id": len(data.appointments) + 1, "user_id": user_id, "date": date,
               "start_time": start_time, "end_time": "", "status": "pending",
               "service": service_id, "service_name": "Маникюр", "specialist": specialist_id,
               "specialist_name": "Анна Иванова", "price": "1500.00", "duration": 90}
        data.appointments.append(row)
        if idempotency_key:
            data.keys[idempotency_key] = row
        return row

    @mcp.tool()
    def get_my_appointments(user_id: str) -> dict:
        return {"appointments": [a for a in data.appointments if a["user_id"] == user_id]}

    @mcp.tool()
    def cancel_appointment(user_id: str, appointment_id: int, confirm: bool) -> dict:
        log("cancel_appointment", appointment_id=appointment_id, confirm=confirm)
        for a in data.appointments:
            if a["id"] == appointment_id and a["user_id"] == user_id and confirm:
                a["status"] = "cancelled"
                return a
        raise ToolError("Запись не найдена.")

    @mcp.tool()
    def reschedule_appointment(user_id: str, appointment_id: int, date: str, start_time: str,
                               confirm: bool) -> dict:
        log("reschedule_appointment", appointment_id=appointment_id, date=date,
            start_time=start_time)
        for a in data.appointments:
            if a["id"] == appointment_id and a["user_id"] == user_id:
                a.update(date=date, start_time=start_time)
                return a
        raise ToolError("Запись не найдена.")

    @mcp.tool()
    def process_message(user_id: str, message: str, now: str | None = None) -> dict:
        log("process_message", user_id=user_id, message=message)
        return {"response": data.response, "context": {}, "actions": data.actions}

    return mcp


class ServerThread:
    """A Starlette/ASGI app served by uvicorn in a thread; can be stopped and restarted on
    the same port (to simulate the MCP server going down and coming back)."""

    def __init__(self, app: Any) -> None:
        self.app = app
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        self.port = sock.getsockname()[1]
        sock.close()
        self.server: uvicorn.Server | None = None
        self.thread: threading.Thread | None = None

    def start(self) -> None:
        config = uvicorn.Config(self.app, host="127.0.0.1", port=self.port, log_level="warning",
                                lifespan="on", timeout_graceful_shutdown=1)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            assert time.monotonic() < deadline, "server did not start"
            time.sleep(0.01)

    def stop(self) -> None:
        if self.server is not None:
            self.server.should_exit = True
            self.server.force_exit = True
        if self.thread is not None:
            self.thread.join(5)


class MCPStandIn:
    def __init__(self) -> None:
        self.data = FakeBooking()
        self.mcp = build_mcp(self.data)
        self.server = ServerThread(self.mcp.streamable_http_app(host="127.0.0.1"))

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.port}/mcp"

    def restart(self) -> None:
        """A fresh app (new session manager) on the same port."""
        self.mcp = build_mcp(self.data)
        self.server = ServerThread.__new__(ServerThread)
        port = self.server_port
        self.server.__init__(self.mcp.streamable_http_app(host="127.0.0.1"))
        self.server.port = port
        self.server.start()


@pytest.fixture
async def mcp_server() -> AsyncIterator[MCPStandIn]:
    standin = MCPStandIn()
    await asyncio.to_thread(standin.server.start)
    standin.server_port = standin.server.port
    yield standin
    await asyncio.to_thread(standin.server.stop)


@pytest.fixture
async def tg() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram(bot_username="booking_bot") as fake:
        yield fake


class RunningBot:
    def __init__(self, settings: BotSettings, tg: FakeTelegram) -> None:
        self.settings = settings
        self.tg = tg
        self.task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self.bot = create_bot(self.settings)
        self.gateway = McpGateway(self.settings.mcp_server_url, timeout=3)
        self.storage = SQLiteStorage(self.settings.bot_state_path)
        self.dp = create_dispatcher(self.settings, self.gateway, storage=self.storage)
        self.task = asyncio.create_task(
            self.dp.start_polling(self.bot, handle_signals=False, polling_timeout=1))
        await self.tg.wait_for(lambda: self.tg.calls_of("getUpdates"))

    async def stop(self) -> None:
        if self.task is not None:
            await self.dp.stop_polling()
            await asyncio.wait_for(self.task, 10)
            self.task = None
        await self.bot.session.close()
        await self.storage.close()


@pytest.fixture
async def running_bot(tg: FakeTelegram, mcp_server: MCPStandIn,
                      tmp_path: Any) -> AsyncIterator[RunningBot]:
    settings = BotSettings(
        _env_file=None, telegram_bot_token="123456:TEST", telegram_api_url=tg.base_url,
        mcp_server_url=mcp_server.url, bot_state_path=tmp_path / "state.sqlite3",
        telegram_backoff_base=0.01,
    )
    bot = RunningBot(settings, tg)
    await bot.start()
    yield bot
    await bot.stop()
