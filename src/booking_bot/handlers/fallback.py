"""Stickers, photos, voice notes and anything else that is not text or a button."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from booking_bot.handlers.common import stale
from booking_bot.keyboards import main_menu


async def sticker(message: Message) -> None:
    await message.answer(
        _(
            "Nice sticker! 😊 I understand text and buttons: tap a button below or write, "
            "for example, “book a manicure tomorrow”."
        ),
        reply_markup=main_menu(),
    )


async def voice(message: Message) -> None:
    await message.answer(
        _(
            "Sorry, I can't listen to voice messages yet 🙉 Please write your request as text "
            "or use the buttons below."
        ),
        reply_markup=main_menu(),
    )


async def media(message: Message) -> None:
    await message.answer(
        _(
            "Thanks! I can't look at files and pictures, though. Please describe what you "
            "need in words or use the buttons below."
        ),
        reply_markup=main_menu(),
    )


async def anything_else(message: Message) -> None:
    await message.answer(
        _(
            "I didn't quite get that 🤔 Use the buttons below or write what you'd like, "
            "for example, “haircut on Saturday”."
        ),
        reply_markup=main_menu(),
    )


async def unknown_button(callback: CallbackQuery) -> None:
    await stale(callback)


def create_router() -> Router:
    """A fresh router for the fallback feature (one per dispatcher)."""
    router = Router(name="fallback")
    router.message.register(sticker, F.sticker)
    router.message.register(voice, F.voice | F.audio | F.video_note)
    router.message.register(media, F.photo | F.video | F.document | F.animation)
    router.message.register(anything_else)
    router.callback_query.register(unknown_button)
    return router
