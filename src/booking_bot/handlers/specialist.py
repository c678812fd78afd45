"""For specialists: ``/feed`` gives the specialist their work calendar's feed link (and a new
one on request). A specialist is the Telegram user whose id is in their specialist profile
(where booking notices go); the MCP server looks them up through the API with the service
account. Anyone else is told how to become one."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from booking_bot.gateway.session import ToolFailed
from booking_bot.gateway.tools import McpGateway
from booking_bot.handlers.common import answer, show, uid
from booking_bot.handlers.feeds import SPECIALIST, FeedCb, ask_rotate, fetch, show_link


def _not_a_specialist() -> str:
    return _(
        "This command is for specialists. If you are one, ask the administrator to put your "
        "Telegram ID ({id}) in your specialist profile."
    )


async def feed_command(message: Message, gateway: McpGateway) -> None:
    user_id = uid(message.from_user)
    try:
        link = await fetch(gateway, SPECIALIST, user_id)
    except ToolFailed:  # not found: this Telegram user is no specialist's
        await message.answer(_not_a_specialist().format(id=user_id))
        return
    await show_link(message, SPECIALIST, link)


async def feed_action(callback: CallbackQuery, callback_data: FeedCb, gateway: McpGateway) -> None:
    user_id = uid(callback.from_user)
    if callback_data.action == "rotate":
        await ask_rotate(callback, SPECIALIST)
        await answer(callback)
        return
    rotate = callback_data.action == "rotate_yes"
    try:
        link = await fetch(gateway, SPECIALIST, user_id, rotate=rotate)
    except ToolFailed:
        await show(callback, _not_a_specialist().format(id=user_id))
        await answer(callback)
        return
    await show_link(callback, SPECIALIST, link, new=rotate)
    await answer(callback, _("New link made") if rotate else None)


def create_router() -> Router:
    """A fresh router for the specialist's commands (one per dispatcher)."""
    router = Router(name="specialist")
    router.message.register(feed_command, Command("feed"))
    router.callback_query.register(feed_action, FeedCb.filter(F.whose == SPECIALIST))
    return router
