"""Free text at any point goes to the MCP server's ``process_message``; its actions become
buttons (the reply protocol of :mod:`booking_common.conversation`).

Every choice action carries ``payload.options = [{label, value}]``: each option becomes a button
and pressing it sends ``value`` (``/pick time 14:30``, ``/yes``, ...) back as the user's next
message.  Buttons carry only (turn, index); the options live in the state data under the turn
they belong to, so a button from an older reply is recognised as stale, and a second tap on a
button of a turn already answered (a double tap on "yes") is told "already done" instead of
being sent again.

Informational actions (``booked``, ``rescheduled``, ``cancelled``) are shown as the bot's own
summary: names, the date in words, price and duration.
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from aiogram import Dispatcher, F, Router
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message, Update
from aiogram.utils.i18n import gettext as _

from booking_bot.callbacks import AssistantCb, RetryCb
from booking_bot.formatting import now
from booking_bot.gateway.tools import McpGateway
from booking_bot.handlers.common import answer, appointment_summary, enrich, show, stale, uid
from booking_bot.keyboards.common import assistant_keyboard
from booking_bot.states import Registration
from booking_common.conversation import ActionType, Reply

MAX_OPTIONS = 24

HEADLINES = {
    ActionType.BOOKED: lambda: _("✅ You're booked!"),
    ActionType.RESCHEDULED: lambda: _("✅ Done! Your appointment has been moved."),
    ActionType.CANCELLED: lambda: _("❌ Your appointment is cancelled."),
}


def reply_options(reply: Reply) -> list[dict[str, str]]:
    """Every ``{label, value}`` offered by the reply's choice actions, in order."""
    return [
        {"label": (option.label or option.value)[:60], "value": option.value}
        for option in reply.options
        if option.value
    ][:MAX_OPTIONS]


async def reply_text(reply: Reply, gateway: McpGateway) -> str:
    """The server's words, or the bot's own summary when something was booked/moved/cancelled."""
    for action in reply.actions:
        headline = HEADLINES.get(action.type)
        appointment = action.appointment
        if headline and appointment is not None:
            (full,) = await enrich(gateway, [appointment])
            return headline() + "\n\n" + appointment_summary(full)
    return reply.response.strip() or _("I'm not sure I understood. Try the buttons below.")


async def ask_assistant(
    event: Message | CallbackQuery, state: FSMContext, gateway: McpGateway, text: str
) -> None:
    user = event.from_user
    reply = await gateway.process_message(uid(user), text, now().isoformat())
    turn = uuid.uuid4().hex[:8]
    options = reply_options(reply)
    await state.update_data(assistant={"turn": turn, "options": options})
    markup = assistant_keyboard(turn, [o["label"] for o in options])
    out = await reply_text(reply, gateway)
    if isinstance(event, CallbackQuery):
        await show(event, out, markup, new=True)
    else:
        await event.answer(out, reply_markup=markup)


async def free_text(message: Message, state: FSMContext, gateway: McpGateway) -> None:
    await ask_assistant(message, state, gateway, message.text or "")


async def assistant_button(
    callback: CallbackQuery, callback_data: AssistantCb, state: FSMContext, gateway: McpGateway
) -> None:
    data = await state.get_data()
    current = data.get("assistant") or {}
    options = current.get("options") or []
    if callback_data.turn in (data.get("assistant_used") or []):
        await answer(callback, _("Already done ✅ — you don't need to press it again."))
        return
    if current.get("turn") != callback_data.turn or not 0 <= callback_data.index < len(options):
        await stale(callback)
        return
    option = options[callback_data.index]
    used = [*(data.get("assistant_used") or []), callback_data.turn][-20:]
    await state.update_data(assistant_used=used, assistant=None)
    await answer(callback)
    if isinstance(callback.message, Message):  # keep the choice visible, drop the old buttons
        try:
            await callback.message.edit_text(
                f"{callback.message.text or ''}\n\n➡️ {option['label']}", reply_markup=None
            )
        except Exception:  # noqa: BLE001 - cosmetic only
            pass
    await ask_assistant(callback, state, gateway, option["value"])


async def retry(callback: CallbackQuery, state: FSMContext, dispatcher: Dispatcher) -> None:
    """Replay the request that failed while the assistant was unavailable."""
    data = await state.get_data()
    pending = data.get("retry")
    if not pending:
        await stale(callback)
        return
    await state.update_data(retry=None)
    bot = callback.bot
    if pending.get("callback"):
        update = Update(
            update_id=0, callback_query=callback.model_copy(update={"data": pending["callback"]})
        )
    elif pending.get("text") and isinstance(callback.message, Message):
        message = callback.message.model_copy(
            update={"text": pending["text"], "from_user": callback.from_user}
        )
        await answer(callback)
        update = Update(update_id=0, message=message)
    else:
        await stale(callback)
        return
    # Re-dispatch after this handler returns (the per-user event lock is held until then).
    task = asyncio.create_task(dispatcher.feed_update(bot, update))
    _background.add(task)
    task.add_done_callback(_background.discard)


_background: set[asyncio.Task[Any]] = set()


def create_router() -> Router:
    """A fresh router for the free text feature (one per dispatcher)."""
    router = Router(name="free_text")
    router.message.register(free_text, F.text & ~F.text.startswith("/"), ~StateFilter(Registration))
    router.callback_query.register(assistant_button, AssistantCb.filter())
    router.callback_query.register(retry, RetryCb.filter())
    return router


__all__ = ["create_router", "show"]
