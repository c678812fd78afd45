"""The real bot for end-to-end tests: long polling against FakeTelegram, the real MCP server
over HTTP (:func:`kit.mcp.serve_mcp`), the real API on SQLite (:mod:`kit.live_api`).

* :class:`RunningBot` - the bot polling in the test's event loop; ``stop``/``start`` is a
  restart; :func:`bot_settings` its settings, :func:`new_user` a Telegram user nobody has
  seen yet;
* what a user does with the bot's buttons, step by step (:func:`register`,
  :func:`open_calendar`, :func:`book_manicure`, ...);
* fixtures (registered by ``tests/bot/conftest.py``): ``live_api`` and ``mcp_http``, one per
  session; ``mcp_url`` and ``running_bot``, a freshly started bot per test.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from aiogram.fsm.storage.base import BaseEventIsolation, BaseStorage

from booking_bot.config import BotSettings
from booking_bot.formatting import today
from booking_bot.main import create_bot, create_dispatcher, create_gateway, create_storage
from kit.live_api import LiveApi, serve_api
from kit.mcp import serve_mcp
from kit.servers import ServerThread
from kit.telegram import FakeTelegram, User

MCP_TOKEN = "bot-e2e-mcp-token"
BOT_TOKEN = "123456:TEST"
_user_ids = itertools.count(700_001)


def new_user(first_name: str = "Анна", language_code: str = "ru") -> User:
    """A Telegram user nobody has seen yet (one per test keeps the tests independent)."""
    user_id = next(_user_ids)
    return User(
        id=user_id, first_name=first_name, language_code=language_code, phone=f"+7900{user_id:07d}"
    )


def bot_settings(tg: FakeTelegram, mcp_url: str, state_path: Path, **extra: Any) -> BotSettings:
    return BotSettings(
        _env_file=None,
        telegram_bot_token=BOT_TOKEN,
        telegram_api_url=tg.base_url,
        mcp_server_url=mcp_url,
        mcp_auth_token=MCP_TOKEN,
        mcp_timeout_seconds=5,
        bot_state_path=state_path,
        telegram_backoff_base=0.01,
        **extra,
    )


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


# --------------------------------------------------------------------------- a user's steps


def text_of(tg: FakeTelegram, user: User) -> str:
    """The text of the last message the user got."""
    message = tg.last_message(user)
    return (message.text or "") if message else ""


async def register(tg: FakeTelegram, user: User) -> None:
    """/start, the name, the phone: the user is registered."""
    ru = user.language_code != "en"
    tg.send_command(user, "/start")
    await tg.wait_for_message(
        user, contains="Как к вам обращаться" if ru else "How should we address you"
    )
    tg.tap_reply_button(user, user.first_name)
    await tg.wait_for(lambda: any("📱" in b for row in tg.reply_keyboard(user) or [] for b in row))
    tg.tap_reply_button(user, "📱")
    await tg.wait_for_message(user, contains="Записывайтесь" if ru else "Book with the buttons")


async def press_and_wait(
    tg: FakeTelegram,
    user: User,
    button: str,
    contains: str,
    timeout: float = 10,  # noqa: ASYNC109
) -> str:
    """Press the button and wait for a message containing ``contains``; its text."""
    mark = tg.mark()
    tg.press_button(user, button)
    message = await tg.wait_for_message(user, contains=contains, since=mark, timeout=timeout)
    return message.text or ""


async def open_calendar(
    tg: FakeTelegram,
    user: User,
    specialist: str = "Анна Иванова",
    service: str = "Маникюр · 1 500 ₽ · 1 ч",
) -> None:
    """Book → category → specialist → service: the calendar of free days."""
    await press_and_wait(tg, user, "Записаться", "Выберите категорию")
    assert "Ногтевой сервис" in tg.last_message(user).button_texts
    await press_and_wait(tg, user, "Ногтевой сервис", "К кому")
    await press_and_wait(tg, user, specialist, "Выберите услугу")
    assert service in tg.last_message(user).button_texts
    await press_and_wait(tg, user, service, "выберите день")


async def pick_day_and_time(
    tg: FakeTelegram, user: User, day: dt.date, time: str, expect: str = "Проверьте"
) -> None:
    """On the calendar: the day, then the time."""
    calendar = tg.last_message(user)
    assert f"cal:day:{day.isoformat()}" in [d for _t, d in calendar.buttons], calendar.buttons
    mark = tg.mark()
    tg.press(user, calendar, f"cal:day:{day.isoformat()}")
    await tg.wait_for_message(user, contains="Свободное время", since=mark)
    await press_and_wait(tg, user, time, expect)


async def book_manicure(
    tg: FakeTelegram, user: User, live_api: LiveApi, after: dt.date | None = None
) -> tuple[dt.date, str]:
    """Up to the confirmation of a manicure at the first free time after ``after``."""
    day, time = await live_api.free_slot("Маникюр", after=after)
    await open_calendar(tg, user)
    if day.month != today().month and f"cal:day:{day}" not in str(tg.last_message(user).buttons):
        await press_and_wait(tg, user, "›", "выберите день")
    await pick_day_and_time(tg, user, day, time)
    return day, time


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="session")
def live_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveApi]:
    with serve_api(tmp_path_factory.mktemp("bot-api")) as api:
        yield api


@pytest.fixture(scope="session")
def mcp_http(live_api: LiveApi) -> Iterator[ServerThread]:
    """The real MCP server (streamable HTTP, bearer token); restartable on the same port."""
    with serve_mcp(live_api, mcp_auth_token=MCP_TOKEN) as server:
        yield server


@pytest.fixture
def mcp_url(mcp_http: ServerThread) -> str:
    if mcp_http.server is None:  # a test stopped it and failed before restarting
        mcp_http.start()
    return f"http://127.0.0.1:{mcp_http.port}/mcp"


@pytest.fixture
async def running_bot(tg: FakeTelegram, mcp_url: str, tmp_path: Path) -> AsyncIterator[RunningBot]:
    bot = RunningBot(bot_settings(tg, mcp_url, tmp_path / "state.sqlite3"), tg)
    await bot.start()
    yield bot
    await bot.stop()
