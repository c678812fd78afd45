"""The main menu and the bot's own buttons (appointments, reminders, the waitlist, retry);
the conversation's buttons are drawn from its replies (:mod:`booking_bot.render`)."""

from __future__ import annotations

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from booking_bot.callbacks import AppointmentCb, MenuCb, ReminderCb, RetryCb, WaitlistCb
from booking_common.conversation import Appointment


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
            [
                _button(_("🌐 Language"), MenuCb(action="language").pack()),
                _button(_("❓ Help"), MenuCb(action="help").pack()),
            ],
        ]
    )


def menu_row() -> list[InlineKeyboardButton]:
    return [_button(_("🏠 Main menu"), MenuCb(action="main").pack())]


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


def retry_keyboard() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[[_button(_("🔁 Try again"), RetryCb().pack())], menu_row()]
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
