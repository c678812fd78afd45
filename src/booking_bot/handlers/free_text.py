"""Free text at any point goes to the MCP server's ``process_message``; its actions become
buttons.

Actions are kept in the state data under the assistant turn they belong to, and buttons
carry only (turn, index): a button from an older reply is recognised as stale.  Pressing an
action button:

* an action that names a complete slot (specialist, service, date, time) opens the bot's own
  confirmation screen (with its idempotency key and double-tap protection);
* one naming an appointment to cancel / reschedule opens the bot's cancel confirmation /
  reschedule calendar;
* one naming a specialist and service opens the calendar;
* anything else is sent back to ``process_message`` as the user's next message
  (``payload.message`` / ``payload.text`` / the button's label), so the server's dialogue
  continues.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from typing import Any

from aiogram import Dispatcher, F, Router
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message, Update
from aiogram.utils.i18n import gettext as _

from ..callbacks import AppointmentCb, AssistantCb, RetryCb
from ..keyboards.common import _button
from ..mcp_gateway import Action, McpGateway
from ..states import Registration
from .common import answer, reset_flow, show, stale, uid

router = Router(name="free_text")

_LABELS = {
    "confirm": "✅ Confirm",
}


def action_label(action: Action) -> str:
    payload = action.payload or {}
    for key in ("label", "title", "text", "button"):
        if action.label or isinstance(payload.get(key), str):
            return (action.label or payload[key])[:60]
    if "start_time" in payload:
        return str(payload["start_time"])[:5]
    kind = action.type.lower()
    if "cancel" in kind:
        return _("✖️ Cancel")
    if "reschedul" in kind:
        return _("🔁 Reschedule")
    if "confirm" in kind or "book" in kind:
        return _("✅ Confirm")
    if "menu" in kind:
        return _("🏠 Main menu")
    return action.type.replace("_", " ").capitalize()


async def ask_assistant(message: Message, state: FSMContext, gateway: McpGateway,
                        text: str) -> None:
    reply = await gateway.process_message(uid(message.from_user), text,
                                          dt.datetime.now().astimezone().isoformat())
    turn = uuid.uuid4().hex[:8]
    actions = [a.model_dump(mode="json") for a in reply.actions][:12]
    await state.update_data(assistant={"turn": turn, "actions": actions})
    rows = [[_button(action_label(Action.model_validate(a)),
                     AssistantCb(turn=turn, index=i).pack())] for i, a in enumerate(actions)]
    text_out = reply.response.strip() or _("I'm not sure I understood. Try the buttons below.")
    await message.answer(text_out,
                         reply_markup=InlineKeyboardMarkup(inline_keyboard=rows) if rows else None)


@router.message(F.text & ~F.text.startswith("/"), ~StateFilter(Registration))
async def free_text(message: Message, state: FSMContext, gateway: McpGateway) -> None:
    await ask_assistant(message, state, gateway, message.text or "")


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@router.callback_query(AssistantCb.filter())
async def assistant_button(callback: CallbackQuery, callback_data: AssistantCb,
                           state: FSMContext, gateway: McpGateway) -> None:
    from .booking import show_calendar, show_confirmation
    from .my_appointments import appointment_action, show_my_appointments

    data = await state.get_data()
    turn = data.get("assistant") or {}
    actions = turn.get("actions") or []
    if turn.get("turn") != callback_data.turn or not 0 <= callback_data.index < len(actions):
        await stale(callback)
        return
    action = Action.model_validate(actions[callback_data.index])
    payload = action.payload or {}
    kind = action.type.lower()
    specialist_id = _int(payload.get("specialist_id"))
    service_id = _int(payload.get("service_id"))
    appointment_id = _int(payload.get("appointment_id"))
    day = payload.get("date")
    start = payload.get("start_time")

    if appointment_id and "cancel" in kind:
        await appointment_action(callback, AppointmentCb(action="cancel", id=appointment_id),
                                 state, gateway)
        return
    if appointment_id and "reschedul" in kind and not (day and start):
        await appointment_action(callback, AppointmentCb(action="reschedule", id=appointment_id),
                                 state, gateway)
        return
    if "my_appointments" in kind or kind in ("list_appointments", "show_appointments"):
        await show_my_appointments(callback, gateway)
        await answer(callback)
        return
    if specialist_id and service_id:
        name = payload.get("specialist_name") or payload.get("specialist") or ""
        info = {"name": payload.get("service_name") or payload.get("service") or "",
                "price": payload.get("price"), "duration": payload.get("duration")}
        kept = await reset_flow(state)
        flow = "reschedule" if appointment_id and "reschedul" in kind else "book"
        await state.update_data(
            **kept, flow=flow, appointment_id=appointment_id,
            candidates=[[specialist_id, service_id, str(name)]], service=info,
            service_info={str(service_id): info},
        )
        if day and start:
            try:
                date = dt.date.fromisoformat(str(day)[:10])
            except ValueError:
                await stale(callback)
                return
            await show_confirmation(callback, state, specialist_id, service_id, date,
                                    str(start)[:5], payload.get("end_time"))
        else:
            await show_calendar(callback, state, gateway)
        await answer(callback)
        return
    text = payload.get("message") or payload.get("text") or action.label or action.type
    await answer(callback)
    if isinstance(callback.message, Message):
        await ask_assistant(callback.message.model_copy(update={"from_user": callback.from_user}),
                            state, gateway, str(text))


@router.callback_query(RetryCb.filter())
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
        update = Update(update_id=0, callback_query=callback.model_copy(
            update={"data": pending["callback"]}))
    elif pending.get("text") and isinstance(callback.message, Message):
        message = callback.message.model_copy(
            update={"text": pending["text"], "from_user": callback.from_user})
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

__all__ = ["router", "show"]
