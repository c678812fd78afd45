"""Sending job messages through the Bot API (aiogram's ``Bot``, ``TELEGRAM_API_URL``).

* 429 → wait ``retry_after`` and try again (a long wait puts the job back in the queue);
* 5xx and network errors → a few quick retries with backoff, then the job is retried later;
* 400/403/404 (chat not found, the bot was blocked) → a permanent failure, logged.

A message counts as sent only when Telegram answered with the message; only then is the job
marked done.
"""

from __future__ import annotations

import asyncio
import logging

from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramNotFound,
    TelegramRetryAfter,
    TelegramServerError,
    TelegramUnauthorizedError,
)
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from ..core.config import Settings
from .errors import PermanentFailure, RetryLater, Skip
from .texts import Buttons

log = logging.getLogger("booking_api.jobs")

MAX_INLINE_WAIT = 30  # seconds of retry_after worth waiting inside one attempt
QUICK_RETRIES = 3


class TelegramSender:
    def __init__(self, settings: Settings, bot: Bot | None = None, *, backoff: float = 0.5):
        self.settings = settings
        self._bot = bot
        self.backoff = backoff

    @property
    def bot(self) -> Bot:
        if self._bot is None:
            if self.settings.telegram_bot_token is None:
                raise Skip("TELEGRAM_BOT_TOKEN is not set: Telegram messages cannot be sent")
            session = AiohttpSession(
                api=TelegramAPIServer.from_base(self.settings.telegram_api_url.rstrip("/")))
            self._bot = Bot(self.settings.telegram_bot_token.get_secret_value(), session=session)
        return self._bot

    async def send(self, chat_id: str | int, text: str, buttons: Buttons | None = None) -> int:
        """Send a message; returns its id once Telegram accepted it."""
        bot = self.bot
        markup = None
        if buttons:
            markup = InlineKeyboardMarkup(inline_keyboard=[
                [InlineKeyboardButton(text=label, callback_data=data) for label, data in row]
                for row in buttons])
        last: Exception | None = None
        for attempt in range(QUICK_RETRIES + 1):
            try:
                message = await bot.send_message(chat_id=int(chat_id), text=text,
                                                 reply_markup=markup)
                return message.message_id
            except TelegramRetryAfter as exc:
                if exc.retry_after > MAX_INLINE_WAIT or attempt == QUICK_RETRIES:
                    raise RetryLater(f"Telegram 429: retry after {exc.retry_after}s",
                                     delay=exc.retry_after) from exc
                log.info("Telegram asked to wait %ss (429); waiting", exc.retry_after)
                await asyncio.sleep(exc.retry_after)
            except (TelegramServerError, TelegramNetworkError) as exc:
                last = exc
                if attempt < QUICK_RETRIES:
                    await asyncio.sleep(self.backoff * 2**attempt)
            except (TelegramForbiddenError, TelegramBadRequest, TelegramNotFound,
                    TelegramUnauthorizedError) as exc:
                raise PermanentFailure(f"Telegram refused the message to {chat_id}: {exc}") \
                    from exc
        raise RetryLater(f"Telegram unavailable: {last}", delay=60)

    async def close(self) -> None:
        if self._bot is not None:
            await self._bot.session.close()
            self._bot = None
