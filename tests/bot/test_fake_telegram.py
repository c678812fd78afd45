"""The Telegram stand-in works with the real aiogram client, over real HTTP.

A tiny router (echo, /start with an inline keyboard, a callback that edits the message,
media handlers, a reply keyboard) runs under ``dp.start_polling`` against ``FakeTelegram``;
the tests script a user and assert what that user sees.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from aiogram import Bot, Dispatcher, F, Router
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import TelegramBadRequest, TelegramRetryAfter, TelegramServerError
from aiogram.filters import Command, CommandStart
from aiogram.methods import TelegramMethod
from aiogram.types import (
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    Message,
    ReplyKeyboardMarkup,
)
from aiogram.webhook.aiohttp_server import SimpleRequestHandler
from aiohttp import web

from kit.telegram import FakeTelegram, User

TOKEN = "123:ABC"
ALICE = User(id=1001, first_name="Alice", username="alice", language_code="en", phone="+15550001")
_user_ids = itertools.count(2000)


def build_router() -> Router:
    """The tiny bot under test."""
    router = Router()

    @router.message(CommandStart())
    async def start(message: Message) -> None:
        keyboard = InlineKeyboardMarkup(
            inline_keyboard=[
                [InlineKeyboardButton(text="Book a visit", callback_data="book")],
                [InlineKeyboardButton(text="Site", url="https://example.com")],
            ]
        )
        await message.answer(
            "<b>Welcome</b>, pick an action", parse_mode="HTML", reply_markup=keyboard
        )

    @router.message(Command("menu"))
    async def menu(message: Message) -> None:
        keyboard = ReplyKeyboardMarkup(
            keyboard=[
                [KeyboardButton(text="My bookings")],
                [KeyboardButton(text="Share phone", request_contact=True)],
            ],
            resize_keyboard=True,
        )
        await message.answer("Menu shown", reply_markup=keyboard)

    @router.callback_query(F.data == "book")
    async def book(callback: CallbackQuery) -> None:
        assert isinstance(callback.message, Message)
        await callback.message.edit_text("Booked for tomorrow 10:00")
        await callback.answer("Done!", show_alert=True)

    @router.message(F.contact)
    async def contact(message: Message) -> None:
        assert message.contact is not None
        await message.answer(f"contact {message.contact.phone_number}")

    @router.message(F.sticker)
    async def sticker(message: Message) -> None:
        await message.answer("sticker received")

    @router.message(F.photo)
    async def photo(message: Message) -> None:
        await message.answer(f"photo received, caption={message.caption}")

    @router.message(F.voice)
    async def voice(message: Message) -> None:
        await message.answer(f"voice {message.voice.duration if message.voice else 0}s")

    @router.message(F.text)
    async def echo(message: Message) -> None:
        await message.answer(f"echo: {message.text}")

    return router


def make_bot(tg: FakeTelegram) -> Bot:
    return Bot(TOKEN, session=AiohttpSession(api=TelegramAPIServer.from_base(tg.base_url)))


@pytest.fixture
async def tg() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram(bot_username="booking_test_bot") as server:
        yield server


@pytest.fixture(scope="module")
async def polled() -> AsyncIterator[tuple[FakeTelegram, Bot]]:
    """One stand-in plus the tiny bot long-polling it (in this event loop), shared by the
    polling tests to save start-up time; each test talks as its own fresh user."""
    async with FakeTelegram(bot_username="booking_test_bot") as server:
        bot = make_bot(server)
        dp = Dispatcher()
        dp.include_router(build_router())
        task = asyncio.create_task(dp.start_polling(bot, handle_signals=False, polling_timeout=1))
        await server.wait_for(lambda: server.calls_of("getUpdates"), timeout=5)
        yield server, bot
        await dp.stop_polling()
        await asyncio.wait_for(task, timeout=5)


@pytest.fixture
def user() -> User:
    """A user nobody else has talked to the bot as."""
    return User(id=next(_user_ids), first_name="Вера", language_code="ru", phone="+79990001122")


# --------------------------------------------------------------------------- polling bot


async def test_echo_and_get_me(polled: tuple[FakeTelegram, Bot], user: User) -> None:
    tg, bot = polled
    me = await bot.get_me()
    assert me.username == "booking_test_bot" and me.id == 123

    tg.send_text(user, "hello")
    message = await tg.wait_for_message(user, contains="echo: hello", timeout=5)

    assert message.from_bot and message.chat_id == user.id
    assert message.raw["from"]["username"] == "booking_test_bot"
    assert [m.text for m in tg.conversation(user)] == ["hello", "echo: hello"]
    assert tg.messages_to(next(_user_ids)) == []  # nobody else sees it


async def test_start_keyboard_then_callback_edits_and_answers(
    polled: tuple[FakeTelegram, Bot], user: User
) -> None:
    tg, bot = polled
    tg.send_command(user, "/start")
    welcome = await tg.wait_for_message(user, contains="Welcome", timeout=5)
    assert welcome.text == "Welcome, pick an action"  # HTML stripped as the user sees it
    assert welcome.inline_keyboard == [[("Book a visit", "book")], [("Site", None)]]

    mark = tg.mark()
    update = tg.press_button(user, "Book")
    edited = await tg.wait_for_message(user, contains="Booked", since=mark, timeout=5)

    assert edited.message_id == welcome.message_id and edited.edited
    assert edited.inline_keyboard == []  # editMessageText without markup drops the keyboard
    assert len(tg.messages_to(user)) == 1
    query_id = update["callback_query"]["id"]
    answers = await tg.wait_for(
        lambda: [a for a in tg.answered_callbacks if a.callback_query_id == query_id], timeout=5
    )
    assert answers[0].text == "Done!" and answers[0].show_alert is True


async def test_press_button_lists_available_buttons_when_missing(
    polled: tuple[FakeTelegram, Bot], user: User
) -> None:
    tg, bot = polled
    tg.send_command(user, "/start")
    await tg.wait_for_message(user, contains="Welcome", timeout=5)

    with pytest.raises(AssertionError, match="Book a visit"):
        tg.press_button(user, "Cancel")
    with pytest.raises(AssertionError, match="no callback_data"):
        tg.press_button(user, "Site")


async def test_contact_sticker_photo_voice_are_parsed_by_aiogram(
    polled: tuple[FakeTelegram, Bot], user: User
) -> None:
    tg, bot = polled
    tg.send_contact(user, "+79990001122")
    await tg.wait_for_message(user, contains="contact +79990001122", timeout=5)
    tg.send_sticker(user)
    await tg.wait_for_message(user, contains="sticker received", timeout=5)
    tg.send_photo(user, caption="my nails")
    await tg.wait_for_message(user, contains="caption=my nails", timeout=5)
    tg.send_voice(user, duration=7)
    await tg.wait_for_message(user, contains="voice 7s", timeout=5)


async def test_reply_keyboard_taps(polled: tuple[FakeTelegram, Bot], user: User) -> None:
    tg, bot = polled
    tg.send_command(user, "/menu")
    await tg.wait_for_message(user, contains="Menu shown", timeout=5)
    assert tg.reply_keyboard(user) == [["My bookings"], ["Share phone"]]

    tg.tap_reply_button(user, "My bookings")
    await tg.wait_for_message(user, contains="echo: My bookings", timeout=5)
    tg.tap_reply_button(user, "Share phone")  # request_contact button shares the phone
    await tg.wait_for_message(user, contains="contact +79990001122", timeout=5)
    with pytest.raises(AssertionError, match="My bookings"):
        tg.tap_reply_button(user, "Nope")


# --------------------------------------------------------------------------- fault injection


async def test_429_becomes_telegram_retry_after(tg: FakeTelegram) -> None:
    bot = make_bot(tg)
    try:
        tg.fail_next("sendMessage", status=429, retry_after=3)
        with pytest.raises(TelegramRetryAfter) as raised:
            await bot.send_message(ALICE.id, "hi")
        assert raised.value.retry_after == 3

        tg.fail_next("sendMessage", status=500)
        with pytest.raises(TelegramServerError):
            await bot.send_message(ALICE.id, "hi")

        sent = await bot.send_message(ALICE.id, "finally")
        assert sent.text == "finally"
        assert len(tg.calls_of("sendMessage")) == 3
    finally:
        await bot.session.close()


async def test_retry_middleware_pattern_recovers_from_429_and_502(tg: FakeTelegram) -> None:
    """The pattern our bot is expected to use: a session middleware that retries."""
    bot = make_bot(tg)
    waits: list[float] = []

    async def retry(make_request: Any, bot: Bot, method: TelegramMethod[Any]) -> Any:
        for attempt in range(5):
            try:
                return await make_request(bot, method)
            except TelegramRetryAfter as error:
                waits.append(error.retry_after)
                await asyncio.sleep(error.retry_after / 100)  # a real bot sleeps retry_after
            except TelegramServerError:
                waits.append(0.05 * 2**attempt)  # exponential backoff
                await asyncio.sleep(waits[-1] / 100)
        return await make_request(bot, method)

    bot.session.middleware(retry)
    try:
        tg.fail_next("sendMessage", status=429, retry_after=1)
        tg.fail_next("sendMessage", status=502)
        sent = await bot.send_message(ALICE.id, "persistent")
        assert sent.text == "persistent"
        assert waits == [1, 0.1]
        assert len(tg.calls_of("sendMessage")) == 3
        assert [m.text for m in tg.messages_to(ALICE)] == ["persistent"]
    finally:
        await bot.session.close()


async def test_error_bodies_are_what_telegram_returns(tg: FakeTelegram) -> None:
    tg.fail_next("sendMessage", status=429, retry_after=1)
    tg.fail_next("sendMessage", status=502)
    url = f"{tg.base_url}/bot{TOKEN}/sendMessage"
    async with httpx.AsyncClient() as client:
        first = await client.post(url, json={"chat_id": 1, "text": "x"})
        second = await client.post(url, json={"chat_id": 1, "text": "x"})
        third = await client.post(url, json={"chat_id": 1, "text": "x"})
        unknown = await client.post(f"{tg.base_url}/bot{TOKEN}/setMyName", data={"name": "X"})
        file = await client.get(f"{tg.base_url}/file/bot{TOKEN}/photos/1.jpg")

    assert first.status_code == 429
    assert first.json() == {
        "ok": False,
        "error_code": 429,
        "description": "Too Many Requests: retry after 1",
        "parameters": {"retry_after": 1},
    }
    assert second.status_code == 502
    assert second.json() == {"ok": False, "error_code": 502, "description": "Bad Gateway"}
    assert third.json()["ok"] is True and third.json()["result"]["text"] == "x"
    assert unknown.json() == {"ok": True, "result": True}
    assert ("setMyName", {"name": "X"}) in tg.calls
    assert file.status_code == 404


async def test_telegram_like_bad_requests(tg: FakeTelegram) -> None:
    bot = make_bot(tg)
    try:
        sent = await bot.send_message(ALICE.id, "same")
        with pytest.raises(TelegramBadRequest, match="message is not modified"):
            await bot.edit_message_text(text="same", chat_id=ALICE.id, message_id=sent.message_id)
        with pytest.raises(TelegramBadRequest, match="message to edit not found"):
            await bot.edit_message_text(text="x", chat_id=ALICE.id, message_id=999)
        with pytest.raises(TelegramBadRequest, match="can't parse entities"):
            await bot.send_message(ALICE.id, "a<br>b", parse_mode="HTML")
        with pytest.raises(TelegramBadRequest, match="BUTTON_DATA_INVALID"):
            too_long = InlineKeyboardButton(text="x", callback_data="x" * 65)
            await bot.send_message(
                ALICE.id, "k", reply_markup=InlineKeyboardMarkup(inline_keyboard=[[too_long]])
            )
        with pytest.raises(TelegramBadRequest, match="query ID is invalid"):
            await bot.answer_callback_query("nope")

        assert await bot.delete_message(ALICE.id, sent.message_id)
        assert tg.messages_to(ALICE) == []
        with pytest.raises(TelegramBadRequest, match="message to delete not found"):
            await bot.delete_message(ALICE.id, sent.message_id)
    finally:
        await bot.session.close()


async def test_setup_methods_are_recorded(tg: FakeTelegram) -> None:
    from aiogram.types import BotCommand, MenuButtonCommands

    bot = make_bot(tg)
    try:
        await bot.set_my_commands(
            [BotCommand(command="start", description="Start")], language_code="en"
        )
        await bot.set_chat_menu_button(menu_button=MenuButtonCommands())
        await bot.send_chat_action(ALICE.id, "typing")
        photo = await bot.send_photo(ALICE.id, "file-id-123", caption="Our salon")
        assert await bot.delete_my_commands(language_code="ru")
    finally:
        await bot.session.close()

    assert tg.commands == {("default", "en"): [{"command": "start", "description": "Start"}]}
    assert tg.menu_buttons == {None: {"type": "commands"}}
    assert tg.calls_of("sendChatAction") == [{"chat_id": ALICE.id, "action": "typing"}]
    assert photo.photo and tg.last_message(ALICE).text == "Our salon"  # type: ignore[union-attr]


# --------------------------------------------------------------------------- long polling


async def test_get_updates_honours_offset_and_timeout(tg: FakeTelegram) -> None:
    url = f"{tg.base_url}/bot{TOKEN}/getUpdates"
    async with httpx.AsyncClient(timeout=5) as client:
        started = time.monotonic()
        empty = await client.post(url, data={"timeout": "0.5"})  # fractions allowed here
        assert empty.json() == {"ok": True, "result": []}
        assert 0.45 <= time.monotonic() - started < 3

        # A long poll returns as soon as an update arrives, even from another thread.
        poll = asyncio.create_task(client.post(url, data={"timeout": "5"}))
        await asyncio.sleep(0.1)
        await asyncio.to_thread(tg.send_text, ALICE, "first")
        started = time.monotonic()
        first = (await poll).json()["result"]
        assert time.monotonic() - started < 1
        assert [u["message"]["text"] for u in first] == ["first"]

        tg.send_text(ALICE, "second")
        again = (await client.post(url, data={"offset": str(first[0]["update_id"])})).json()
        assert [u["message"]["text"] for u in again["result"]] == ["first", "second"]
        confirmed = first[0]["update_id"] + 1
        rest = (await client.post(url, data={"offset": str(confirmed)})).json()["result"]
        assert [u["message"]["text"] for u in rest] == ["second"]
    assert tg.pending_updates == 1


# --------------------------------------------------------------------------- webhook mode


async def test_webhook_delivery_with_secret(tg: FakeTelegram) -> None:
    bot = make_bot(tg)
    dp = Dispatcher()
    dp.include_router(build_router())
    app = web.Application()
    SimpleRequestHandler(dp, bot, secret_token="s3cret").register(app, path="/tg")
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        await bot.set_webhook(f"http://127.0.0.1:{port}/tg", secret_token="s3cret")
        assert tg.webhook_url == f"http://127.0.0.1:{port}/tg" and tg.secret_token == "s3cret"
        info = await bot.get_webhook_info()
        assert info.url == tg.webhook_url

        tg.send_text(ALICE, "via webhook")
        responses = await tg.deliver_pending_to_webhook()
        assert [r.status_code for r in responses] == [200]
        await tg.wait_for_message(ALICE, contains="echo: via webhook", timeout=5)
        assert tg.pending_updates == 0

        forged = await tg.deliver_to_webhook(
            {"message": tg.updates[-1]["message"]}, secret_token="wrong"
        )
        assert forged.status_code == 401

        async with httpx.AsyncClient() as client:  # polling is refused while a webhook is set
            conflict = await client.post(f"{tg.base_url}/bot{TOKEN}/getUpdates")
        assert conflict.status_code == 409
        assert await bot.delete_webhook()
        assert tg.webhook_url is None
    finally:
        await runner.cleanup()
        await bot.session.close()
