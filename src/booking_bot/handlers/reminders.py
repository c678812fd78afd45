"""Buttons under the messages the API sends by itself (``booking_api.jobs``).

The API's job runner sends reminders and waitlist offers straight through the Bot API, with
plain callback_data strings that :class:`~booking_bot.callbacks.ReminderCb` and
:class:`~booking_bot.callbacks.WaitlistOfferCb` pack to exactly:

* ``rem:confirm:<appointment id>`` → ``confirm_attendance`` → the reminder is edited to
  "confirmed" with the appointment in words;
* ``rem:cancel:<appointment id>`` → "Cancel it?" (``rem:cancel_yes`` / ``rem:keep``, added
  here) → ``cancel_appointment(confirm=true)`` → edited to "cancelled";
* ``wl:book:<offer token>`` → ``claim_waitlist_offer`` → "You're booked", or, when someone
  else was faster, a polite "the time was taken; you stay on the waitlist".

These messages are not part of any FSM flow: the ids are checked by the API (only the
appointment's own client may confirm or cancel it; only the offer's client may claim it),
and a press on an outdated message gets a kind answer instead of an error.
"""

from __future__ import annotations

from aiogram import Router
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from booking_bot.callbacks import ReminderCb, WaitlistOfferCb
from booking_bot.gateway.session import ToolFailed
from booking_bot.gateway.tools import McpGateway
from booking_bot.handlers.common import (
    PricedAppointment,
    answer,
    appointment_summary,
    enrich,
    show,
    stale,
    uid,
)
from booking_bot.keyboards.common import menu_row, reminder_cancel_keyboard, reminder_keyboard

#: Markers of the API's (Russian) refusals of a claim: the time was booked by someone else
#: (``booking_api.appointments.service.TAKEN``), and the offer expired
#: (``booking_api.waitlist.service.OFFER_EXPIRED``).
TAKEN = "уже занято"
EXPIRED = "истекло"


def _menu() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[menu_row()])


async def _mine(gateway: McpGateway, user_id: str, appointment_id: int) -> PricedAppointment | None:
    """The user's own active appointment with this id (enriched), or None."""
    found = [
        a for a in await gateway.get_my_appointments(user_id) if a.id == appointment_id and a.active
    ]
    return (await enrich(gateway, found))[0] if found else None


async def _gone(callback: CallbackQuery) -> None:
    text = _("This appointment is no longer active.")
    await answer(callback, text)
    await show(callback, text, _menu())


async def reminder_pressed(
    callback: CallbackQuery, callback_data: ReminderCb, gateway: McpGateway
) -> None:
    user_id = uid(callback.from_user)
    action, appointment_id = callback_data.action, callback_data.id
    if action == "confirm":
        try:
            confirmed = await gateway.confirm_attendance(user_id, appointment_id)
        except ToolFailed:
            await _gone(callback)
            return
        [appointment] = await enrich(gateway, [confirmed])
        await show(
            callback,
            _("✅ Thank you! Your visit is confirmed — we're expecting you.\n\n{summary}").format(
                summary=appointment_summary(appointment)
            ),
            _menu(),
        )
        await answer(callback, _("Confirmed ✅"))
        return
    if action not in ("cancel", "cancel_yes", "keep"):
        await stale(callback)
        return
    appointment = await _mine(gateway, user_id, appointment_id)
    if appointment is None:
        await _gone(callback)
        return
    summary = appointment_summary(appointment)
    if action == "cancel":
        await show(
            callback,
            _("Cancel this appointment?\n\n{summary}").format(summary=summary),
            reminder_cancel_keyboard(appointment.id),
        )
    elif action == "keep":
        await show(
            callback,
            _("Your appointment:\n\n{summary}\n\nWill you come?").format(summary=summary),
            reminder_keyboard(appointment.id),
        )
    else:  # cancel_yes
        await gateway.cancel_appointment(user_id, appointment.id, confirm=True)
        await show(
            callback,
            _("❌ Cancelled:\n\n{summary}\n\nHope to see you another time!").format(
                summary=summary
            ),
            _menu(),
        )
        await answer(callback, _("Cancelled"))
        return
    await answer(callback)


async def offer_pressed(
    callback: CallbackQuery, callback_data: WaitlistOfferCb, state: FSMContext, gateway: McpGateway
) -> None:
    if callback_data.action != "book":
        await stale(callback)
        return
    key = f"wl:{callback_data.token}"
    done = (await state.get_data()).get("done_keys", [])
    if key in done:
        await answer(callback, _("Already done ✅ — you don't need to press it again."))
        return
    try:
        booked = await gateway.claim_waitlist_offer(uid(callback.from_user), callback_data.token)
    except ToolFailed as error:
        if TAKEN in error.message:
            text = _(
                "😔 Sorry, someone was a little faster: this time has already been taken. "
                "You stay on the waitlist — I'll message you if another time frees up."
            )
        elif EXPIRED in error.message:
            text = _(
                "⌛ Sorry, the time to answer this offer has run out, so it went to the "
                "next person in line. You stay on the waitlist — I'll message you if "
                "another time frees up."
            )
        else:
            text = _(
                "This offer is no longer available. Your bookings are under “🗂 My appointments”."
            )
        await answer(callback)
        await show(callback, text, _menu())
        return
    await state.update_data(done_keys=[*done, key][-20:])
    [appointment] = await enrich(gateway, [booked])
    await show(
        callback,
        _("✅ You're booked!")
        + "\n\n"
        + appointment_summary(appointment)
        + "\n\n"
        + _("See you! You can find it under “🗂 My appointments”."),
        _menu(),
    )
    await answer(callback, _("Done ✅"))


def create_router() -> Router:
    """A fresh router for the reminder and waitlist-offer buttons (one per dispatcher)."""
    router = Router(name="reminders")
    router.callback_query.register(reminder_pressed, ReminderCb.filter())
    router.callback_query.register(offer_pressed, WaitlistOfferCb.filter())
    return router
