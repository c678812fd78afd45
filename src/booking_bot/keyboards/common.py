"""Menus, lists, time grids and confirmations."""

from __future__ import annotations

from collections.abc import Sequence

from aiogram.types import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
)
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from booking_bot.callbacks import (
    AppointmentCb,
    AssistantCb,
    BackCb,
    CategoryCb,
    ConfirmCb,
    MenuCb,
    ReminderCb,
    ServiceCb,
    SpecialistCb,
    TimeCb,
    WaitlistCb,
)
from booking_bot.formatting import duration, price
from booking_common.conversation import Appointment, Category, Service, Slot, Specialist


def _button(text: str, data: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text, callback_data=data)


def main_menu() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [_button(_("📅 Book an appointment"), MenuCb(action="book").pack())],
            [_button(_("🗂 My appointments"), MenuCb(action="my").pack())],
            [
                _button(_("💅 Services"), MenuCb(action="services").pack()),
                _button(_("👩‍⚕️ Specialists"), MenuCb(action="specialists").pack()),
            ],
            [_button(_("❓ Help"), MenuCb(action="help").pack())],
        ]
    )


def contact_keyboard() -> ReplyKeyboardMarkup:
    return ReplyKeyboardMarkup(
        keyboard=[
            [KeyboardButton(text=_("📱 Share my phone number"), request_contact=True)],
            [KeyboardButton(text=_("Skip"))],
        ],
        resize_keyboard=True,
        one_time_keyboard=True,
    )


def back_row(to: str) -> list[InlineKeyboardButton]:
    return [_button(_("« Back"), BackCb(to=to).pack())]


def menu_row() -> list[InlineKeyboardButton]:
    return [_button(_("🏠 Main menu"), MenuCb(action="main").pack())]


def categories_keyboard(categories: Sequence[Category]) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for category in categories:
        builder.button(text=category.name, callback_data=CategoryCb(id=category.id))
    builder.adjust(2)
    builder.row(*menu_row())
    return builder.as_markup()


def specialists_keyboard(specialists: Sequence[Specialist]) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=_("✨ Any specialist"), callback_data=SpecialistCb(id=0))
    for specialist in specialists:
        label = specialist.name
        if specialist.specialization:
            label += f" · {specialist.specialization}"
        builder.button(text=label, callback_data=SpecialistCb(id=specialist.id))
    builder.adjust(1)
    builder.row(*back_row("categories"))
    return builder.as_markup()


def service_label(service: Service, *, price_from: bool = False) -> str:
    cost = price(service.price)
    parts = [service.name, _("from {price}").format(price=cost) if price_from else cost]
    if service.duration:
        parts.append(duration(service.duration))
    return " · ".join(parts)


def services_keyboard(
    services: Sequence[Service], *, price_from: set[int] | None = None
) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for service in services:
        builder.button(
            text=service_label(service, price_from=service.id in (price_from or set())),
            callback_data=ServiceCb(id=service.id),
        )
    builder.adjust(1)
    builder.row(*back_row("specialists"))
    return builder.as_markup()


def time_grid(slots: Sequence[tuple[int, int, Slot]], *, per_row: int = 4) -> InlineKeyboardMarkup:
    """``slots``: (specialist id, service id, slot) - the specialist differs per time when the
    user chose "any specialist"."""
    builder = InlineKeyboardBuilder()
    for specialist_id, service_id, slot in slots:
        builder.button(
            text=slot.start_time,
            callback_data=TimeCb(
                specialist=specialist_id,
                service=service_id,
                time=slot.start_time.replace(":", ""),
            ),
        )
    builder.adjust(per_row)
    builder.row(*back_row("calendar"))
    return builder.as_markup()


def confirm_keyboard(key: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [_button(_("✅ Confirm"), ConfirmCb(key=key).pack())],
            [_button(_("« Choose another time"), BackCb(to="times").pack())],
            menu_row(),
        ]
    )


def appointment_buttons(appointment: Appointment) -> list[list[InlineKeyboardButton]]:
    return [
        [
            _button(
                _("🔁 Reschedule"), AppointmentCb(action="reschedule", id=appointment.id).pack()
            ),
            _button(_("✖️ Cancel"), AppointmentCb(action="cancel", id=appointment.id).pack()),
        ]
    ]


def cancel_confirm_keyboard(appointment_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                _button(
                    _("Yes, cancel it"),
                    AppointmentCb(action="cancel_yes", id=appointment_id).pack(),
                )
            ],
            [_button(_("No, keep it"), AppointmentCb(action="keep", id=appointment_id).pack())],
        ]
    )


def assistant_keyboard(turn: str, labels: Sequence[str]) -> InlineKeyboardMarkup | None:
    """The assistant's options as buttons: short ones (times, days) several to a row."""
    if not labels:
        return None
    builder = InlineKeyboardBuilder()
    for index, label in enumerate(labels):
        builder.button(text=label, callback_data=AssistantCb(turn=turn, index=index))
    per_row = 4 if all(len(label) <= 8 for label in labels) else 1
    builder.adjust(per_row)
    return builder.as_markup()


def retry_keyboard() -> InlineKeyboardMarkup:
    from booking_bot.callbacks import RetryCb

    return InlineKeyboardMarkup(
        inline_keyboard=[[_button(_("🔁 Try again"), RetryCb().pack())], menu_row()]
    )


def waitlist_join_keyboard(day: str) -> InlineKeyboardMarkup:
    """A fully booked day: "notify me", or back to the calendar."""
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                _button(
                    _("🔔 Notify me when a time frees up"),
                    WaitlistCb(action="join", value=day).pack(),
                )
            ],
            back_row("calendar"),
        ]
    )


def waitlist_entry_buttons(entry_id: int) -> list[list[InlineKeyboardButton]]:
    return [
        [_button(_("✖️ Leave the waitlist"), WaitlistCb(action="leave", value=str(entry_id)).pack())]
    ]


def waitlist_leave_keyboard(entry_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                _button(
                    _("Yes, stop waiting"),
                    WaitlistCb(action="leave_yes", value=str(entry_id)).pack(),
                )
            ],
            [_button(_("No, keep waiting"), WaitlistCb(action="keep", value=str(entry_id)).pack())],
        ]
    )


def reminder_keyboard(appointment_id: int) -> InlineKeyboardMarkup:
    """The reminder's own buttons (as the API sends them), for going back to it."""
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                _button(
                    _("✅ I'll be there"), ReminderCb(action="confirm", id=appointment_id).pack()
                ),
                _button(_("❌ Cancel it"), ReminderCb(action="cancel", id=appointment_id).pack()),
            ]
        ]
    )


def reminder_cancel_keyboard(appointment_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                _button(
                    _("Yes, cancel it"), ReminderCb(action="cancel_yes", id=appointment_id).pack()
                )
            ],
            [_button(_("No, keep it"), ReminderCb(action="keep", id=appointment_id).pack())],
        ]
    )
