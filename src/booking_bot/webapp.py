"""The Mini App (the booking page the API serves at ``/app/``), opened from the bot.

With ``WEBAPP_URL`` (the page's https URL) set:

* the chat's menu button opens the page (:func:`set_menu_button`, when the bot starts);
* the calendar of days offers "🗓 Choose a time on a calendar", which opens the page at the
  service being booked (:func:`calendar_rows`) through its ``startapp`` parameter, the same
  ``service-<id>`` a ``t.me/<bot>?startapp=`` link carries.

Without it the bot looks as before.
"""

from __future__ import annotations

import logging

from aiogram import Bot
from aiogram.types import InlineKeyboardButton, MenuButtonWebApp, WebAppInfo
from aiogram.utils.i18n import gettext as _

log = logging.getLogger("booking_bot")

#: The menu button's text: one for every chat, in the bot's default language.
MENU_TEXT = {"ru": "Записаться", "en": "Book"}

_url: str | None = None


def configure(url: str | None) -> None:
    """Remember WEBAPP_URL for the keyboards (called when the dispatcher is built)."""
    global _url
    _url = url or None


def link(url: str, start: str) -> str:
    """The page's URL opened at ``start`` (read by the page from ``?startapp=``)."""
    return f"{url}{'&' if '?' in url else '?'}startapp={start}"


def calendar_rows(service_id: int | None) -> list[list[InlineKeyboardButton]]:
    """A row with the page's button for the service being booked, or no row without
    WEBAPP_URL (or without a service)."""
    if not _url or service_id is None:
        return []
    button = InlineKeyboardButton(
        text=_("🗓 Choose a time on a calendar"),
        web_app=WebAppInfo(url=link(_url, f"service-{service_id}")),
    )
    return [[button]]


async def set_menu_button(bot: Bot, url: str | None, language: str = "ru") -> None:
    """Every chat's menu button (beside the message field) opens the page."""
    if not url:
        return
    button = MenuButtonWebApp(
        text=MENU_TEXT.get(language, MENU_TEXT["ru"]), web_app=WebAppInfo(url=url)
    )
    try:
        await bot.set_chat_menu_button(menu_button=button)
    except Exception as error:  # noqa: BLE001 - cosmetic; never stop the bot for it
        log.warning("setChatMenuButton failed: %s", error)
