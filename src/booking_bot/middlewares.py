"""Telegram request retries (session middleware) and polite error handling (event middleware)."""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware, Bot
from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.methods import GetUpdates, TelegramMethod
from aiogram.methods.base import Response, TelegramType
from aiogram.types import CallbackQuery, Message, TelegramObject
from aiogram.utils.i18n import gettext as _

from booking_bot.gateway.session import AssistantUnavailable, ToolFailed

log = logging.getLogger("booking_bot")


class RetryMiddleware(BaseRequestMiddleware):
    """Retries a Bot API request on 429 (waits ``retry_after``), 5xx and network errors
    (exponential backoff with jitter), up to ``max_retries`` times.

    ``getUpdates`` is left alone: the polling loop already has its own backoff.
    ``sleep`` is injectable so tests don't wait for real.
    """

    def __init__(
        self,
        max_retries: int = 5,
        base_delay: float = 0.5,
        max_delay: float = 30.0,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
    ) -> None:
        self.max_retries = max_retries
        self.base_delay = base_delay
        self.max_delay = max_delay
        self.sleep = sleep

    def backoff(self, attempt: int) -> float:
        delay = min(self.max_delay, self.base_delay * 2**attempt)
        return delay * (0.8 + 0.4 * random.random())

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        if isinstance(method, GetUpdates):
            return await make_request(bot, method)
        attempt = 0
        while True:
            try:
                return await make_request(bot, method)
            except TelegramRetryAfter as error:
                if attempt >= self.max_retries:
                    raise
                delay = float(error.retry_after)
            except (TelegramServerError, TelegramNetworkError) as error:
                if attempt >= self.max_retries:
                    raise
                delay = self.backoff(attempt)
                log.info(
                    "Telegram %s failed (%s); retrying in %.2fs",
                    method.__api_method__,
                    error,
                    delay,
                )
            attempt += 1
            await self.sleep(delay)


async def _tell(event: TelegramObject, text: str, markup: Any = None) -> None:
    try:
        if isinstance(event, CallbackQuery):
            try:
                await event.answer()
            except TelegramBadRequest:
                pass  # already answered or too old
            if event.message is not None:
                await event.bot.send_message(event.message.chat.id, text, reply_markup=markup)
        elif isinstance(event, Message):
            await event.answer(text, reply_markup=markup)
    except Exception:  # noqa: BLE001 - never let an apology crash the bot
        log.exception("could not deliver an error message")


class ErrorsMiddleware(BaseMiddleware):
    """Turns failures into messages a person understands; the bot keeps running.

    * MCP server (or API) down → apology, the user's last request is kept with a
      "Try again" button;
    * the API refused (tool error) → its explanation;
    * anything else → a generic apology (and the traceback in the log, not in the chat).
    """

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        from booking_bot.keyboards.common import retry_keyboard

        try:
            return await handler(event, data)
        except AssistantUnavailable as error:
            log.warning("assistant unavailable: %s", error)
            state = data.get("state")
            retry = None
            if state is not None:
                if isinstance(event, CallbackQuery) and event.data:
                    await state.update_data(retry={"callback": event.data})
                elif isinstance(event, Message) and event.text:
                    await state.update_data(retry={"text": event.text})
                retry = retry_keyboard()
            await _tell(
                event,
                _(
                    "😔 Sorry, I can't reach the booking service right now. "
                    "Please try again in a minute — nothing you chose is lost."
                ),
                retry,
            )
        except ToolFailed as error:
            log.info("tool refused: %s", error)
            await _tell(event, _("😔 That didn't work: {reason}").format(reason=error.message))
        except Exception:
            log.exception("unhandled error while handling %s", type(event).__name__)
            await _tell(
                event, _("😔 Something went wrong on our side. Please try again or send /start.")
            )
        return None
