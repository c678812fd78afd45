"""The real bot for end-to-end tests: long polling against FakeTelegram, the real MCP server
over HTTP (:func:`kit.mcp.serve_mcp`), the real API on SQLite (:mod:`kit.live_api`).

* :class:`RunningBot` - the bot polling in the test's event loop; ``stop``/``start`` is a
  restart; :func:`bot_settings` its settings, :func:`new_user` a Telegram user nobody has
  seen yet;
* what a user does, step by step, each waiting for the bot's answer (:func:`say`,
  :func:`press`, :func:`press_day`, :func:`start_chat`, :func:`book_manicure`, ...);
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
from booking_common.conversation import contact
from kit.live_api import LiveApi, serve_api
from kit.mcp import serve_mcp
from kit.servers import ServerThread
from kit.telegram import ChatMessage, FakeTelegram, User

MCP_TOKEN = "bot-e2e-mcp-token"
BOT_TOKEN = "123456:TEST"
_user_ids = itertools.count(700_001)


def new_user(
    first_name: str = "Анна", language_code: str = "ru", last_name: str | None = None
) -> User:
    """A Telegram user nobody has seen yet (one per test keeps the tests independent)."""
    user_id = next(_user_ids)
    return User(
        id=user_id,
        first_name=first_name,
        last_name=last_name,
        language_code=language_code,
        phone=f"+7900{user_id:07d}",
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
# Every step waits for the bot's next new text message (not an edit of an older one). The
# conversation may ask for the client's contact before the first booking (``ask_contact``: a
# reply keyboard with "share my contact"); the steps answer it with the user's own contact
# unless told not to, so a test reads as what the user came to do.

MENU_BOOK = {"ru": "Записаться", "en": "Book an appointment"}


MONTHS_GENITIVE = [
    "января",
    "февраля",
    "марта",
    "апреля",
    "мая",
    "июня",
    "июля",
    "августа",
    "сентября",
    "октября",
    "ноября",
    "декабря",
]


def in_words(day: dt.date) -> str:
    """How a Russian client names a day: "завтра", or "5 декабря"."""
    if day == today() + dt.timedelta(days=1):
        return "завтра"
    return f"{day.day} {MONTHS_GENITIVE[day.month - 1]}"


def text_of(tg: FakeTelegram, user: User) -> str:
    """The text of the last message the user got."""
    message = tg.last_message(user)
    return (message.text or "") if message else ""


def newest_id(tg: FakeTelegram, user: User) -> int:
    messages = tg.messages_to(user)
    return messages[-1].message_id if messages else 0


def asks_contact(tg: FakeTelegram, user: User, message: ChatMessage) -> bool:
    """Whether ``message`` came with the "share my contact" reply keyboard."""
    for params in reversed(tg.calls_of("sendMessage")):
        if str(params.get("chat_id")) == str(user.id) and params.get("text") == message.text:
            markup = params.get("reply_markup")
            return "request_contact" in str(markup)
    return False


async def next_reply(
    tg: FakeTelegram,
    user: User,
    after: int,
    *,
    share_contact: bool = True,
    timeout: float = 20,  # noqa: ASYNC109
) -> ChatMessage:
    """The bot's first new text message after message ``after``; an ``ask_contact`` is
    answered with the user's contact first (``share_contact``)."""

    def find() -> ChatMessage | None:
        return next(
            (m for m in tg.messages_to(user) if m.message_id > after and m.kind == "text"), None
        )

    message = await tg.wait_for(find, timeout=timeout)
    if share_contact and asks_contact(tg, user, message):
        mark = newest_id(tg, user)
        tg.tap_reply_button(user, "📱")
        return await next_reply(tg, user, mark, timeout=timeout)
    return message


async def say(tg: FakeTelegram, user: User, text: str, **options: Any) -> ChatMessage:
    """The user writes ``text``; the bot's answer."""
    mark = newest_id(tg, user)
    if text.startswith("/"):
        tg.send_command(user, text)
    else:
        tg.send_text(user, text)
    return await next_reply(tg, user, mark, **options)


async def press(tg: FakeTelegram, user: User, label: str, **options: Any) -> ChatMessage:
    """The user presses the newest button whose text contains ``label``; the bot's answer."""
    mark = newest_id(tg, user)
    tg.press_button(user, label)
    return await next_reply(tg, user, mark, **options)


async def press_and_wait(
    tg: FakeTelegram,
    user: User,
    button: str,
    contains: str,
    timeout: float = 20,  # noqa: ASYNC109
) -> str:
    """Press the button and wait for a message (new or edited) containing ``contains``."""
    mark = tg.mark()
    tg.press_button(user, button)
    message = await tg.wait_for_message(user, contains=contains, since=mark, timeout=timeout)
    return message.text or ""


async def start_chat(tg: FakeTelegram, user: User) -> ChatMessage:
    """/start: the greeting with the main menu."""
    message = await say(tg, user, "/start")
    assert MENU_BOOK[user.language_code if user.language_code == "en" else "ru"] in str(
        message.button_texts
    ), message
    return message


async def register(tg: FakeTelegram, user: User) -> ChatMessage:
    """/start, then the user's contact as Telegram's "share my contact" gives it
    (``/contact <phone> <name>``): the user is a client with a name and a phone."""
    await start_chat(tg, user)
    name = " ".join(p for p in (user.first_name, user.last_name) if p)
    return await say(tg, user, contact(user.phone or "+10000000000", name))


def calendar_days(message: ChatMessage, kind: str = "day") -> list[str]:
    """The days of a calendar keyboard that are free (``day``) or not (``full``)."""
    prefix = f"cal:{kind}:"
    return [d[len(prefix) :] for _t, d in message.buttons if d and d.startswith(prefix)]


async def edited(tg: FakeTelegram, user: User, message: ChatMessage, since: int) -> ChatMessage:
    """``message`` as it is after an edit made after ``since``."""

    def find() -> ChatMessage | None:
        return next(
            (
                m
                for m in tg.messages_to(user)
                if m.message_id == message.message_id and m.revision > since
            ),
            None,
        )

    return await tg.wait_for(find)


async def press_day(
    tg: FakeTelegram, user: User, day: dt.date, kind: str = "day", **options: Any
) -> ChatMessage:
    """On the newest calendar: leaf to ``day``'s month, press the day; the bot's answer."""
    calendar = next(
        m for m in reversed(tg.messages_to(user)) if calendar_days(m) or calendar_days(m, "full")
    )
    for _ in range(4):
        if day.isoformat() in calendar_days(calendar, kind):
            break
        mark = tg.mark()
        tg.press(user, calendar, next(d or "" for t, d in calendar.buttons if t == "›"))
        calendar = await edited(tg, user, calendar, mark)
    assert day.isoformat() in calendar_days(calendar, kind), calendar.buttons
    mark = newest_id(tg, user)
    tg.press(user, calendar, f"cal:{kind}:{day.isoformat()}")
    return await next_reply(tg, user, mark, **options)


async def open_calendar(tg: FakeTelegram, user: User) -> ChatMessage:
    """A manicure with Анна Иванова asked for in words: the calendar of her free days."""
    reply = await say(tg, user, "хочу записаться на маникюр к Анне Ивановой")
    if not calendar_days(reply) and "Маникюр — 1 500 ₽" in str(reply.button_texts):
        reply = await press(tg, user, "Маникюр — 1 500 ₽")  # which of her manicures
    assert calendar_days(reply) or calendar_days(reply, "full"), reply
    return reply


async def book_manicure(
    tg: FakeTelegram, user: User, live_api: LiveApi, after: dt.date | None = None
) -> tuple[dt.date, str]:
    """Up to the confirmation of a manicure at the first free time after ``after``."""
    day, time = await live_api.free_slot("Маникюр", after=after)
    await open_calendar(tg, user)
    await press_day(tg, user, day)
    confirmation = await press(tg, user, time)
    assert "✅ Подтвердить" in confirmation.button_texts, confirmation
    return day, time


async def known_client(live_api: LiveApi, user: User) -> dict[str, Any]:
    """The user's client row; registered at the salon's desk (by staff) if not yet there."""
    found = [c for c in await live_api.items("clients/") if c["telegram_id"] == str(user.id)]
    if found:
        return found[0]
    body = {"name": user.first_name, "phone": user.phone, "telegram_id": str(user.id)}
    return await live_api.post("clients/", body)


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
