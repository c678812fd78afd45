"""Inline and reply keyboards."""

from booking_bot.keyboards.calendar import month_calendar
from booking_bot.keyboards.common import appointment_buttons, cancel_confirm_keyboard, main_menu

__all__ = ["appointment_buttons", "cancel_confirm_keyboard", "main_menu", "month_calendar"]
