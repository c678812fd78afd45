"""Stickers, photos, voice notes and anything else that is not text or a button."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from ..keyboards import main_menu
from .common import stale

router = Router(name="fallback")


@router.message(F.sticker)
async def sticker(message: Message) -> None:
    await message.answer(
        _("Nice sticker! 😊 I understand text and buttons: tap a button below or write, "
          "for example, “book a manicure tomorrow”."),
        reply_markup=main_menu(),
    )


@router.message(F.voice | F.audio | F.video_note)
async def voice(message: Message) -> None:
    await message.answer(
        _("Sorry, I can't listen to voice messages yet 🙉 Please write your request as text "
          "or use the buttons below."),
        reply_markup=main_menu(),
    )


@router.message(F.photo | F.video | F.document | F.animation)
async def media(message: Message) -> None:
    await message.answer(
        _("Thanks! I can't look at files and pictures, though. Please describe what you "
          "need in words or use the buttons below."),
        reply_markup=main_menu(),
    )


@router.message()
async def anything_else(message: Message) -> None:
    await message.answer(
        _("I didn't quite get that 🤔 Use the buttons below or write what you'd like, "
          "for example, “haircut on Saturday”."),
        reply_markup=main_menu(),
    )


@router.callback_query()
async def unknown_button(callback: CallbackQuery) -> None:
    await stale(callback)
