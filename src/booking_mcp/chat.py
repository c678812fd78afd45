"""``booking chat``: talk to the assistant in a terminal (the same dialog as the bot)."""

from __future__ import annotations

import asyncio
import os

from .config import Settings
from .dialog import Dialog
from .service import BookingService


async def chat_loop(settings: Settings, user_id: str | None = None) -> None:
    """Read lines from stdin and print the assistant's replies and offered buttons."""
    service = BookingService(settings)
    dialog = Dialog(service)
    user_id = user_id or settings.booking_telegram_id or os.environ.get("USER", "terminal")
    print("Type a message (empty line or Ctrl-D to quit). Buttons are shown as [value].")
    try:
        while True:
            try:
                line = await asyncio.to_thread(input, "> ")
            except EOFError:
                break
            if not line.strip():
                break
            reply = await dialog.handle(user_id, line)
            print(reply.response)
            for action in reply.actions:
                options = action.payload.get("options") or []
                if options:
                    print("  " + "  ".join(f"[{o['value']}] {o['label']}" for o in options[:12]))
    finally:
        await service.aclose()
