"""/start: the conversation starts over (``/start`` to the MCP server), then a greeting and
the main menu. Registration is the conversation's: the first booking asks for the name and
the phone number (``ask_contact``, answered with Telegram's "share my contact" button)."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import CommandStart
from aiogram.fsm.context import FSMContext
from aiogram.types import Message
from aiogram.utils.i18n import gettext as _

from booking_bot.formatting import now
from booking_bot.gateway.tools import McpGateway
from booking_bot.handlers.common import reset_flow, uid
from booking_bot.keyboards import main_menu


def menu_text() -> str:
    return _("What would you like to do?")


async def start(message: Message, state: FSMContext, gateway: McpGateway) -> None:
    data = await reset_flow(state)
    user = message.from_user
    language = data.get("language") or (user.language_code if user else None)
    await gateway.process_message(uid(user), "/start", now().isoformat(), language=language)
    await message.answer(
        _(
            "Hello! 👋 I'm the booking assistant: I'll help you book a visit, move or cancel "
            "it.\n\nBook with the buttons below, or just write to me, for example: "
            "“manicure tomorrow after 6 pm”."
        ),
        reply_markup=main_menu(),
    )


def create_router() -> Router:
    """A fresh router for the start feature (one per dispatcher)."""
    router = Router(name="start")
    router.message.register(start, CommandStart())
    return router
