"""The waitlist from the bot's side: the entries and leaving them.

Joining is the conversation's: a fully booked day comes with a ``join_waitlist`` action
(``/waitlist join``), shown as a button like any option. The offer itself arrives as a message
sent by the API (``wl:book:<token>``) and is handled in :mod:`.reminders`.

Entries are listed under "🗂 My appointments" (:func:`show_waitlist`) with a "leave" button
that asks first.
"""

from __future__ import annotations

from aiogram import F, Router
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _

from booking_bot.callbacks import WaitlistCb
from booking_bot.formatting import day_in_words, today
from booking_bot.gateway.tools import McpGateway
from booking_bot.handlers.common import answer, show, stale, uid
from booking_bot.i18n import current_locale
from booking_bot.keyboards.common import (
    menu_row,
    waitlist_entry_buttons,
    waitlist_leave_keyboard,
)
from booking_common.conversation import WaitlistEntry
from booking_common.localized import service_name_in


def entry_summary(entry: WaitlistEntry) -> str:
    lines = [
        _("💅 {service}").format(service=service_name_in(entry, current_locale()) or _("Service")),
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
    router.callback_query.register(
        entry_action, WaitlistCb.filter(F.action.in_({"leave", "leave_yes", "keep"}))
    )
    return router
