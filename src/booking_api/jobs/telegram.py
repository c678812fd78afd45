"""Sending job messages through the Bot API (``sendMessage`` at ``TELEGRAM_API_URL``).

Plain httpx rather than aiogram: an API worker that runs jobs in-process sends one kind of
message, and aiogram's hundreds of models would roughly double the worker's memory.

* 429 → wait ``retry_after`` and try again (a long wait puts the job back in the queue);
* 5xx and network errors → a few quick retries with backoff, then the job is retried later;
* 400/401/403/404 (chat not found, the bot was blocked) → a permanent failure, logged.

A message counts as sent only when Telegram answered with the message; only then is the job
marked done.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import httpx

from booking_api.core.config import Settings
from booking_api.jobs.errors import PermanentFailure, RetryLater, Skip
from booking_api.jobs.texts import Buttons

log = logging.getLogger("booking_api.jobs")

MAX_INLINE_WAIT = 30  # seconds of retry_after worth waiting inside one attempt
QUICK_RETRIES = 3


class TelegramSender:
    def __init__(self, settings: Settings, *, backoff: float = 0.5):
        self.settings = settings
        self.backoff = backoff
        self._http: httpx.AsyncClient | None = None

    def _method_url(self) -> str:
        if self.settings.telegram_bot_token is None:
            raise Skip("TELEGRAM_BOT_TOKEN is not set: Telegram messages cannot be sent")
        token = self.settings.telegram_bot_token.get_secret_value()
        return f"{self.settings.telegram_api_url.rstrip('/')}/bot{token}/sendMessage"

    async def _post(self, payload: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if self._http is None:
            self._http = httpx.AsyncClient(timeout=httpx.Timeout(15.0, connect=5.0))
        response = await self._http.post(self._method_url(), json=payload)
        try:
            body = response.json()
        except ValueError:
            body = {"ok": False, "description": response.text[:200]}
        return response.status_code, body

    async def send(self, chat_id: str | int, text: str, buttons: Buttons | None = None) -> int:
        """Send a message; returns its id once Telegram accepted it."""
        payload: dict[str, Any] = {"chat_id": int(chat_id), "text": text}
        if buttons:
            payload["reply_markup"] = {
                "inline_keyboard": [
                    [{"text": label, "callback_data": data} for label, data in row]
                    for row in buttons
                ]
            }
        last = ""
        for attempt in range(QUICK_RETRIES + 1):
            try:
                status, body = await self._post(payload)
            except httpx.TransportError as exc:
                status, body = 0, {"description": f"network error: {exc!r}"}
            if status == 200 and body.get("ok"):
                return int(body["result"]["message_id"])
            description = body.get("description", "")
            if status == 429:
                wait = int((body.get("parameters") or {}).get("retry_after", 1))
                if wait > MAX_INLINE_WAIT or attempt == QUICK_RETRIES:
                    raise RetryLater(f"Telegram 429: retry after {wait}s", delay=wait)
                log.info("Telegram asked to wait %ss (429); waiting", wait)
                await asyncio.sleep(wait)
                continue
            if status in (400, 401, 403, 404):
                raise PermanentFailure(
                    f"Telegram refused the message to {chat_id}: {status} {description}"
                )
            last = f"{status} {description}"
            if attempt < QUICK_RETRIES:
                await asyncio.sleep(self.backoff * 2**attempt)
        raise RetryLater(f"Telegram unavailable: {last}", delay=60)

    async def close(self) -> None:
        if self._http is not None:
            await self._http.aclose()
            self._http = None
