"""Booking is the conversation's (:mod:`.conversation`): the MCP server's ``process_message``
owns every step, for buttons and free text alike.

What is left here is the door from "🗂 My appointments" (:mod:`.my_appointments`): its
"🔁 Reschedule" button puts ``flow="reschedule"`` and ``appointment_id`` in the state data and
calls :func:`show_calendar`, which asks the conversation to move that appointment (in the
user's language, e.g. "перенести запись №12"); the server answers with the calendar of free
days, then the times and a confirmation.
"""

from __future__ import annotations

from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from booking_bot.gateway.tools import McpGateway
from booking_bot.handlers.common import reset_flow, stale
from booking_bot.handlers.conversation import converse


async def show_calendar(
    event: Message | CallbackQuery, state: FSMContext, gateway: McpGateway
) -> None:
    """Start moving the appointment named in the state data (see the module docstring)."""
    data = await state.get_data()
    appointment_id = data.get("appointment_id")
    await reset_flow(state)
    if data.get("flow") != "reschedule" or appointment_id is None:
        if isinstance(event, CallbackQuery):
            await stale(event)
        return
    request = _("reschedule appointment #{id}").format(id=appointment_id)
    await converse(event, state, gateway, request)


__all__ = ["show_calendar"]
