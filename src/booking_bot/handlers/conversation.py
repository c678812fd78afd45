"""The conversation: every text and every button press of a booking goes to the MCP server's
``process_message`` as one message, and its reply is shown (:mod:`booking_bot.render`).

The MCP server owns the conversation (what was chosen so far, the draft, registration, the
language); the bot keeps only screen state: which value each button of the newest reply
stands for (:class:`~booking_bot.render.Screen`), the turns already answered (a second tap on
"yes" is told "already done" instead of being sent again), the language chosen with
``/lang``, and the request to repeat when the server was unreachable. So buttons and free
text can be mixed at any step: "завтра в 15:00" typed after pressing a service continues the
same booking.

* text (commands the bot does not handle itself included: ``/book``, ``/language``,
  ``/lang en`` …) → the message as it is;
* an option's button (``as:<turn>:<index>``) → the option's value;
* the calendar: a day → its ``/pick date``; ‹ › leaf through the months of the same screen;
* Telegram's "share my contact" → ``/contact <phone> <first last>``.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

from aiogram import Dispatcher, F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message, Update
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from booking_bot.callbacks import AssistantCb, CalendarCb, RetryCb
from booking_bot.formatting import now, today
from booking_bot.gateway.tools import McpGateway
from booking_bot.handlers.common import answer, stale, uid
from booking_bot.i18n import SUPPORTED
from booking_bot.render import HORIZON_MONTHS, Screen, build, calendar_markup, send_reply
from booking_common.conversation import Command, Reply, contact

#: Turns whose buttons were answered, remembered for "already done" (the newest ones).
USED_TURNS = 20


async def screen_of(state: FSMContext) -> Screen:
    return Screen.model_validate((await state.get_data()).get("screen") or {})


async def converse(
    event: Message | CallbackQuery,
    state: FSMContext,
    gateway: McpGateway,
    text: str,
    *,
    answered: str | None = None,
) -> Reply:
    """Send ``text`` as the user's message to ``process_message`` and show the reply.

    The new screen (and ``answered``, the turn whose button was pressed) is saved before the
    reply is sent, so a restart in between never leaves the shown buttons unknown."""
    user = event.from_user
    data = await state.get_data()
    language = data.get("language") or (user.language_code if user else None)
    reply = await gateway.process_message(uid(user), text, now().isoformat(), language=language)
    command = Command.parse(text)
    if command and command.name == "lang" and command.args[:1] and command.args[0] in SUPPORTED:
        await state.update_data(language=command.args[0])  # the bot's own texts follow
        i18n = I18n.get_current(no_error=True)
        if i18n is not None:
            i18n.current_locale = command.args[0]
    old = Screen.model_validate(data.get("screen") or {})
    screen, markup = build(reply, had_contact=old.contact)
    changes: dict[str, Any] = {"screen": screen.model_dump()}
    if answered is not None:
        changes["used_turns"] = [*(data.get("used_turns") or []), answered][-USED_TURNS:]
    await state.update_data(**changes)
    await send_reply(event, reply, markup, gateway)
    return reply


async def text_message(message: Message, state: FSMContext, gateway: McpGateway) -> None:
    await converse(message, state, gateway, message.text or "")


async def contact_shared(message: Message, state: FSMContext, gateway: McpGateway) -> None:
    """Telegram's "share my contact": the user's own phone and name, as ``/contact``."""
    shared = message.contact
    user = message.from_user
    if shared is None or (shared.user_id and user and shared.user_id != user.id):
        await message.answer(_("Please share your own number with the button below."))
        return
    name = " ".join(p for p in (shared.first_name, shared.last_name) if p)
    if not name and user:
        name = user.full_name
    phone = (
        shared.phone_number if shared.phone_number.startswith("+") else "+" + shared.phone_number
    )
    await converse(message, state, gateway, contact(phone, name))


async def option_pressed(
    callback: CallbackQuery, callback_data: AssistantCb, state: FSMContext, gateway: McpGateway
) -> None:
    data = await state.get_data()
    if callback_data.turn in (data.get("used_turns") or []):
        await answer(callback, _("Already done ✅ — you don't need to press it again."))
        return
    screen = Screen.model_validate(data.get("screen") or {})
    if screen.turn != callback_data.turn or not 0 <= callback_data.index < len(screen.values):
        await stale(callback)
        return
    await answer(callback)
    await _mark_chosen(callback)
    value = screen.values[callback_data.index]
    await converse(callback, state, gateway, value, answered=callback_data.turn)


async def _mark_chosen(callback: CallbackQuery) -> None:
    """Keep the answered message visible with the pressed choice, without its buttons."""
    message = callback.message
    if not isinstance(message, Message) or message.reply_markup is None:
        return
    label = next(
        (
            b.text
            for row in message.reply_markup.inline_keyboard
            for b in row
            if b.callback_data == callback.data
        ),
        None,
    )
    try:
        if label and message.text:
            await message.edit_text(f"{message.text}\n\n➡️ {label}", reply_markup=None)
        else:
            await message.edit_reply_markup(reply_markup=None)
    except TelegramBadRequest:  # cosmetic only
        pass


def _in_horizon(day: dt.date, *, month: bool = False) -> bool:
    """Not past (its month, for ``month``) and not beyond the calendar's horizon."""
    start = today()
    first = start.year * 12 + start.month - 1
    index = day.year * 12 + day.month - 1
    return (index >= first if month else day >= start) and index <= first + HORIZON_MONTHS


async def calendar_pressed(
    callback: CallbackQuery, callback_data: CalendarCb, state: FSMContext, gateway: McpGateway
) -> None:
    if callback_data.action == "noop":
        await answer(callback, _("No free time that day — please pick a highlighted date."))
        return
    screen = await screen_of(state)
    if not screen.days:  # no calendar on the newest screen: an old one
        await stale(callback)
        return
    try:
        value = callback_data.value
        day = dt.date.fromisoformat(value + "-01" if callback_data.action == "nav" else value)
    except ValueError:
        await stale(callback)
        return
    if not _in_horizon(day, month=callback_data.action == "nav"):
        await stale(callback)
        return
    if callback_data.action == "nav":
        if isinstance(callback.message, Message):
            try:
                await callback.message.edit_reply_markup(
                    reply_markup=calendar_markup(screen, f"{day.year:04d}-{day.month:02d}")
                )
            except TelegramBadRequest:
                pass
        await answer(callback)
        return
    if callback_data.action not in ("day", "full"):
        await stale(callback)
        return
    await answer(callback)
    await converse(callback, state, gateway, screen.value_of_day(day))


async def retry(callback: CallbackQuery, state: FSMContext, dispatcher: Dispatcher) -> None:
    """Replay the request that failed while the assistant was unavailable."""
    data = await state.get_data()
    pending = data.get("retry")
    if not pending:
        await stale(callback)
        return
    await state.update_data(retry=None)
    if pending.get("callback"):
        update = Update(
            update_id=0, callback_query=callback.model_copy(update={"data": pending["callback"]})
        )
    elif pending.get("text") and isinstance(callback.message, Message):
        message = callback.message.model_copy(
            update={"text": pending["text"], "from_user": callback.from_user, "entities": None}
        )
        await answer(callback)
        update = Update(update_id=0, message=message)
    else:
        await stale(callback)
        return
    # Re-dispatch after this handler returns (the per-user event lock is held until then).
    task = asyncio.create_task(dispatcher.feed_update(callback.bot, update))
    _background.add(task)
    task.add_done_callback(_background.discard)


_background: set[asyncio.Task[Any]] = set()


def create_router() -> Router:
    """A fresh router for the conversation (one per dispatcher); it takes every text the
    routers before it left, so it comes last but for the fallback."""
    router = Router(name="conversation")
    router.message.register(text_message, F.text)
    router.message.register(contact_shared, F.contact)
    router.callback_query.register(option_pressed, AssistantCb.filter())
    router.callback_query.register(calendar_pressed, CalendarCb.filter())
    router.callback_query.register(retry, RetryCb.filter())
    return router
