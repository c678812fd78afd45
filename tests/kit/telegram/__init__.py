"""A small, real-HTTP stand-in for the Telegram Bot API, for end-to-end bot tests.

Telegram cannot be reached from the test machine, so tests point the bot (aiogram 3) at
this server instead.  It is a Starlette app served by uvicorn on ``127.0.0.1`` on a free
port, in a background thread with its own event loop.  Because the bot only talks HTTP to
it, the bot may run in the test's event loop *or* in a subprocess.

Typical use::

    from aiogram import Bot
    from aiogram.client.session.aiohttp import AiohttpSession
    from aiogram.client.telegram import TelegramAPIServer

    async with FakeTelegram(bot_username="booking_bot") as tg:
        bot = Bot("123:ABC", session=AiohttpSession(api=TelegramAPIServer.from_base(tg.base_url)))
        ...start polling (dp.start_polling(bot, handle_signals=False)) as a task...
        alice = User(id=1001, first_name="Alice", language_code="en")
        tg.send_command(alice, "/start")
        msg = await tg.wait_for_message(alice, contains="Welcome")
        tg.press_button(alice, "Book")
        await tg.wait_for(lambda: tg.answered_callbacks)

What the user "sees" is recorded: :meth:`FakeTelegram.messages_to` returns the bot's
messages with their *current* text (after edits) and inline keyboard, deleted messages
excluded.  Every API call is kept in :attr:`FakeTelegram.calls`.

Thread-safety: all state lives behind one re-entrant lock.  Scripting helpers (``send_*``,
``press*``, ``tap_reply_button``) are plain synchronous methods that may be called from
any thread or event loop; they wake pending ``getUpdates`` long polls in the server's loop
with ``call_soon_threadsafe``.  Reading helpers return copies (snapshots).

The stand-in imitates the Telegram behaviours that commonly catch bot bugs: "message is
not modified" on identical edits, "message to edit/delete not found", callback queries
that can be answered only once, callback_data over 64 bytes, unsupported HTML tags,
409 for getUpdates while a webhook is set.  It is deliberately not a full Bot API.

Known limits: private chats are the focus (group/channel chats get a generic Chat object,
``@username`` chat ids are rejected); Markdown parse modes only lose their backslash
escapes; methods without a handler answer ``true``, so aiogram calls that expect an object
(``getChat``, ``sendSticker``, ``forwardMessage``, ...) fail to parse until a handler is
added to ``FakeTelegram._handlers``; webhook updates are pushed only when a test calls
``deliver_to_webhook``/``deliver_pending_to_webhook``; file downloads answer 404.

The parts: :mod:`.types` (what a test sees: users, messages, callback answers),
:mod:`.wire` (the Bot API's formats, limits and errors), :mod:`.bot_api` (the methods the bot
calls), :mod:`.users` (what a scripted user does), :mod:`.server` (:class:`FakeTelegram`: the
HTTP server, fault injection, webhook delivery, and what a test reads and waits for).
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from kit.telegram.server import FakeTelegram
from kit.telegram.types import CallbackAnswer, ChatMessage, UploadedFile, User

__all__ = [
    "CallbackAnswer",
    "ChatMessage",
    "FakeTelegram",
    "UploadedFile",
    "User",
    "tg",
]


@pytest.fixture
async def tg() -> AsyncIterator[FakeTelegram]:
    """A fresh stand-in per test (the bot's and the job runner's Telegram)."""
    async with FakeTelegram(bot_username="booking_bot") as fake:
        yield fake
