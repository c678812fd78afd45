"""The waitlist from the bot's side: "🔔 notify me" on a fully booked day, and leaving it.

Joining happens from the booking flow (:func:`booking.show_full_day` shows the button for the
day in ``waitlist_day``); with "any specialist" the user joins for each specialist who offers
the service, so a time freed by any of them is offered. The offer itself arrives as a message
sent by the API (``wl:book:<token>``) and is handled in :mod:`.reminders`.

Entries are listed under "🗂 My appointments" (:func:`show_waitlist`) with a "leave" button
that asks first.
"""

from __future__ import annotations

import datetime as dt

from aiogram import F, Router
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _

from booking_bot.callbacks import BackCb, WaitlistCb
from booking_bot.formatting import day_in_words, today
from booking_bot.gateway.session import ToolFailed
from booking_bot.gateway.tools import McpGateway
from booking_bot.handlers.common import answer, show, stale, uid
from booking_bot.keyboards.common import (
    _button,
    menu_row,
    waitlist_entry_buttons,
    waitlist_leave_keyboard,
)
from booking_common.conversation import WaitlistEntry

#: The API's answer when the client already waits for that service on that day
#: (``booking_api.waitlist.service.ALREADY_WAITING``).
ALREADY_WAITING = "уже в листе ожидания"


def entry_summary(entry: WaitlistEntry) -> str:
    lines = [
        _("💅 {service}").format(service=entry.service_name or _("Service")),
        _("👤 {specialist}").format(specialist=entry.specialist_name or _("Any specialist")),
        _("📅 {day}").format(day=day_in_words(entry.date)),
    ]
    if entry.status == "offered":
        lines.append(_("A free time is offered to you: see the message with the “Book” button."))
    return "\n".join(lines)


async def my_waitlist(gateway: McpGateway, user_id: str) -> list[WaitlistEntry]:
    entries = [e for e in await gateway.get_my_waitlist(user_id) if e.waiting and e.date >= today()]
    return sorted(entries, key=lambda e: (e.date, e.id))


async def show_waitlist(event: Message | CallbackQuery, entries: list[WaitlistEntry]) -> None:
    """One message per entry, each with its "leave" button (after "My appointments")."""
    if not entries:
        return
    chat_id = event.message.chat.id if isinstance(event, CallbackQuery) else event.chat.id
    await event.bot.send_message(
        chat_id,
        _("🔔 You are on the waitlist ({count}): I'll message you when a time frees up.").format(
            count=len(entries)
        ),
    )
    for entry in entries[:10]:
        await event.bot.send_message(
            chat_id,
            entry_summary(entry),
            reply_markup=InlineKeyboardMarkup(inline_keyboard=waitlist_entry_buttons(entry.id)),
        )


async def join(
    callback: CallbackQuery, callback_data: WaitlistCb, state: FSMContext, gateway: McpGateway
) -> None:
    data = await state.get_data()
    candidates = data.get("candidates") or []
    if (
        data.get("flow") != "book"
        or not candidates
        or data.get("waitlist_day") != callback_data.value
    ):
        await stale(callback)
        return
    day = dt.date.fromisoformat(callback_data.value)
    user_id = uid(callback.from_user)
    joined: list[str] = []
    refusal: str | None = None
    for specialist_id, service_id, name in candidates:
        try:
            await gateway.join_waitlist(user_id, service_id, day, specialist_id)
        except ToolFailed as error:
            if ALREADY_WAITING not in error.message:
                refusal = refusal or error.message.split(": ", 1)[-1]
                continue
        joined.append(name)
    if not joined:
        await show(
            callback,
            _("😔 That didn't work: {reason}").format(reason=refusal or ""),
            InlineKeyboardMarkup(
                inline_keyboard=[
                    [_button(_("« Choose another day"), BackCb(to="calendar").pack())],
                    menu_row(),
                ]
            ),
        )
        await answer(callback)
        return
    service = (data.get("service") or {}).get("name", "")
    await state.update_data(waitlist_day=None)
    text = _("🔔 Done! I'll message you as soon as a time frees up on {day}.").format(
        day=day_in_words(day)
    )
    text += "\n\n" + _("💅 {service}").format(service=service)
    text += "\n" + _("👤 {specialist}").format(specialist=", ".join(n for n in joined if n))
    text += "\n\n" + _(
        "Whoever presses “Book” in that message first gets the time. "
        "You can leave the waitlist under “🗂 My appointments”."
    )
    await show(
        callback,
        text,
        InlineKeyboardMarkup(
            inline_keyboard=[
                [_button(_("« Choose another day"), BackCb(to="calendar").pack())],
                menu_row(),
            ]
        ),
    )
    await answer(callback, _("Done ✅"))


async def entry_action(
    callback: CallbackQuery, callback_data: WaitlistCb, gateway: McpGateway
) -> None:
    """leave → "sure?" → leave_yes (or keep)."""
    user_id = uid(callback.from_user)
    try:
        entry_id = int(callback_data.value)
    except ValueError:
        await stale(callback)
        return
    entry = next((e for e in await my_waitlist(gateway, user_id) if e.id == entry_id), None)
    if entry is None:
        text = _("You are no longer on this waitlist.")
        await answer(callback, text)
        await show(callback, text, InlineKeyboardMarkup(inline_keyboard=[menu_row()]))
        return
    summary = entry_summary(entry)
    if callback_data.action == "leave":
        await show(
            callback,
            _("Stop waiting for a free time?\n\n{summary}").format(summary=summary),
            waitlist_leave_keyboard(entry.id),
        )
    elif callback_data.action == "keep":
        await show(
            callback,
            summary,
            InlineKeyboardMarkup(inline_keyboard=waitlist_entry_buttons(entry.id)),
        )
    else:  # leave_yes
        await gateway.leave_waitlist(user_id, entry.id, confirm=True)
        await show(
            callback,
            _("You left the waitlist:\n\n{summary}").format(summary=summary),
            InlineKeyboardMarkup(inline_keyboard=[menu_row()]),
        )
        await answer(callback, _("Done ✅"))
        return
    await answer(callback)


def create_router() -> Router:
    """A fresh router for the waitlist feature (one per dispatcher)."""
    router = Router(name="waitlist")
    router.callback_query.register(join, WaitlistCb.filter(F.action == "join"))
    router.callback_query.register(
        entry_action, WaitlistCb.filter(F.action.in_({"leave", "leave_yes", "keep"}))
    )
    return router
