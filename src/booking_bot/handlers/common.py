"""Helpers shared by the handlers: showing screens, stale buttons, summaries."""

from __future__ import annotations

import datetime as dt
import logging
from decimal import Decimal
from typing import Any

from aiogram.exceptions import TelegramBadRequest
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message, User
from aiogram.utils.i18n import gettext as _

from booking_bot.formatting import day_in_words, duration, price, time_range
from booking_bot.gateway.tools import McpGateway
from booking_bot.i18n import current_locale
from booking_common.conversation import Appointment, Service
from booking_common.localized import service_name_in

log = logging.getLogger("booking_bot")

#: State data that outlives a single flow (everything else is dropped by ``reset_flow``).
PERMANENT_KEYS = ("language", "used_turns")


def uid(user: User | None) -> str:
    return str(user.id) if user else ""


async def reset_flow(state: FSMContext) -> dict[str, Any]:
    data = await state.get_data()
    kept = {k: data[k] for k in PERMANENT_KEYS if k in data}
    await state.set_state(None)
    await state.set_data(kept)
    return kept


async def show(
    event: Message | CallbackQuery,
    text: str,
    markup: Any = None,
    *,
    new: bool = False,
) -> Message | None:
    """Show a screen: edit the pressed message for a button, send a message otherwise."""
    if isinstance(event, CallbackQuery):
        message = event.message
        if not new and isinstance(message, Message) and message.text is not None:
            try:
                edited = await message.edit_text(text, reply_markup=markup)
                return edited if isinstance(edited, Message) else None
            except TelegramBadRequest as error:
                if "not modified" in str(error):
                    return None
                log.info("edit failed (%s); sending instead", error)
        if message is not None:
            return await event.bot.send_message(message.chat.id, text, reply_markup=markup)
        return None
    return await event.answer(text, reply_markup=markup)


async def answer(callback: CallbackQuery, text: str | None = None, alert: bool = False) -> None:
    """Answer a callback query once; a second answer (or a too old query) is harmless."""
    try:
        await callback.answer(text, show_alert=alert)
    except TelegramBadRequest:
        pass


async def stale(callback: CallbackQuery) -> None:
    """A button from an old message (or a made-up one): say so kindly, change nothing."""
    await answer(
        callback,
        _("This button is out of date. Please use the latest message or open the menu: /menu"),
        alert=True,
    )


def booking_summary(
    *,
    service: str,
    specialist: str,
    day: dt.date,
    start: str,
    end: str | None = None,
    minutes: int | None = None,
    cost: Any = None,
) -> str:
    lines = [
        _("💅 {service}").format(service=service),
        _("👤 {specialist}").format(specialist=specialist),
        _("📅 {day}, {time}").format(day=day_in_words(day), time=time_range(start, end)),
    ]
    if minutes:
        lines.append(_("⏱ {duration}").format(duration=duration(minutes)))
    if cost not in (None, ""):
        lines.append(_("💰 {price}").format(price=price(cost)))
    return "\n".join(lines)


class PricedAppointment(Appointment):
    """An appointment with its service's price and duration, which the bot shows (the MCP
    server's appointments carry ids and names only; see :func:`enrich`)."""

    price: Decimal | None = None
    duration: int | None = None


def appointment_summary(appointment: PricedAppointment) -> str:
    return booking_summary(
        service=service_name_in(appointment, current_locale()) or _("Service"),
        specialist=appointment.specialist_name or _("Specialist"),
        day=appointment.date,
        start=appointment.start_time,
        end=appointment.end_time or None,
        minutes=appointment.duration,
        cost=appointment.price,
    )


async def enrich(gateway: McpGateway, appointments: list[Appointment]) -> list[PricedAppointment]:
    """Add price and duration (the MCP server's appointments carry ids and names only)."""
    services: dict[int, dict[int, Service]] = {}
    out = []
    for appointment in appointments:
        if appointment.specialist not in services:
            listed = await gateway.get_specialist_services(appointment.specialist)
            services[appointment.specialist] = {s.id: s for s in listed}
        service = services[appointment.specialist].get(appointment.service)
        out.append(
            PricedAppointment(
                **dict(appointment),
                price=service.price if service else None,
                duration=service.duration if service else None,
            )
        )
    return out


def markup_or_none(markup: InlineKeyboardMarkup | None) -> InlineKeyboardMarkup | None:
    return markup if markup and markup.inline_keyboard else None
