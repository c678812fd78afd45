"""“My appointments”: each upcoming visit with Reschedule / Cancel (cancel asks first), then
the waitlist entries with a "leave" button (see :mod:`.waitlist`); a “Calendar” button gives
the client's calendar feed link, and a new one on request (see :mod:`.feeds`)."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _

from booking_bot.callbacks import AppointmentCb, MenuCb
from booking_bot.gateway.tools import McpGateway
from booking_bot.handlers.booking import show_calendar
from booking_bot.handlers.common import (
    PricedAppointment,
    answer,
    appointment_summary,
    enrich,
    reset_flow,
    show,
    stale,
    uid,
)
from booking_bot.handlers.feeds import CLIENT, FeedCb, ask_rotate, fetch, show_link
from booking_bot.handlers.waitlist import my_waitlist, show_waitlist
from booking_bot.keyboards import appointment_buttons, cancel_confirm_keyboard
from booking_bot.keyboards.common import _button, menu_row


async def _active(gateway: McpGateway, user_id: str) -> list[PricedAppointment]:
    items = [a for a in await gateway.get_my_appointments(user_id) if a.active]
    return await enrich(gateway, sorted(items, key=lambda a: (a.date, a.start_time)))


def _feed_row() -> list[InlineKeyboardButton]:
    return [_button(_("📆 Calendar"), FeedCb(whose=CLIENT, action="show").pack())]


async def show_my_appointments(event: Message | CallbackQuery, gateway: McpGateway) -> None:
    user_id = uid(event.from_user)
    appointments = await _active(gateway, user_id)
    waiting = await my_waitlist(gateway, user_id)
    if not appointments:
        markup = InlineKeyboardMarkup(
            inline_keyboard=[
                [_button(_("📅 Book an appointment"), MenuCb(action="book").pack())],
                _feed_row(),
                menu_row(),
            ]
        )
        await show(event, _("You have no upcoming appointments."), markup)
        await show_waitlist(event, waiting)
        return
    await show(
        event,
        _("Your upcoming appointments ({count}):").format(count=len(appointments)),
        InlineKeyboardMarkup(inline_keyboard=[_feed_row(), menu_row()]),
    )
    chat_id = event.message.chat.id if isinstance(event, CallbackQuery) else event.chat.id
    for appointment in appointments[:10]:
        await event.bot.send_message(
            chat_id,
            appointment_summary(appointment),
            reply_markup=InlineKeyboardMarkup(inline_keyboard=appointment_buttons(appointment)),
        )
    await show_waitlist(event, waiting)


async def my_command(message: Message, state: FSMContext, gateway: McpGateway) -> None:
    await reset_flow(state)
    await show_my_appointments(message, gateway)


async def appointment_action(
    callback: CallbackQuery, callback_data: AppointmentCb, state: FSMContext, gateway: McpGateway
) -> None:
    user_id = uid(callback.from_user)
    mine = {a.id: a for a in await _active(gateway, user_id)}
    appointment = mine.get(callback_data.id)
    if appointment is None:
        await answer(callback, _("This appointment is no longer active."), alert=True)
        try:
            await show(
                callback,
                _("This appointment is no longer active."),
                InlineKeyboardMarkup(inline_keyboard=[menu_row()]),
            )
        except Exception:  # noqa: BLE001
            pass
        return
    action = callback_data.action
    summary = appointment_summary(appointment)
    if action == "cancel":
        await show(
            callback,
            _("Cancel this appointment?\n\n{summary}").format(summary=summary),
            cancel_confirm_keyboard(appointment.id),
        )
    elif action == "keep":
        await show(
            callback,
            summary,
            InlineKeyboardMarkup(inline_keyboard=appointment_buttons(appointment)),
        )
    elif action == "cancel_yes":
        await gateway.cancel_appointment(user_id, appointment.id, confirm=True)
        await show(
            callback,
            _("❌ Cancelled:\n\n{summary}\n\nHope to see you another time!").format(
                summary=summary
            ),
            InlineKeyboardMarkup(inline_keyboard=[menu_row()]),
        )
        await answer(callback, _("Cancelled"))
        return
    elif action == "reschedule":
        await reset_flow(state)
        candidate = [appointment.specialist, appointment.service, appointment.specialist_name]
        await state.update_data(
            flow="reschedule",
            appointment_id=appointment.id,
            old_summary=summary,
            candidates=[candidate],
            service={
                "name": appointment.service_name,
                "price": str(appointment.price) if appointment.price is not None else None,
                "duration": appointment.duration,
            },
        )
        await show_calendar(callback, state, gateway)
    else:
        await stale(callback)
        return
    await answer(callback)


async def feed_action(callback: CallbackQuery, callback_data: FeedCb, gateway: McpGateway) -> None:
    """The client's calendar feed: the link, or a new one after a question."""
    if callback_data.action == "rotate":
        await ask_rotate(callback, CLIENT)
        await answer(callback)
        return
    rotate = callback_data.action == "rotate_yes"
    link = await fetch(gateway, CLIENT, uid(callback.from_user), rotate=rotate)
    await show_link(callback, CLIENT, link, new=rotate)
    await answer(callback, _("New link made") if rotate else None)


def create_router() -> Router:
    """A fresh router for the my appointments feature (one per dispatcher)."""
    router = Router(name="my_appointments")
    router.message.register(my_command, Command("my"))
    router.callback_query.register(appointment_action, AppointmentCb.filter())
    router.callback_query.register(feed_action, FeedCb.filter(F.whose == CLIENT))
    return router
