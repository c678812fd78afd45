"""Inline and reply keyboards."""

from booking_bot.keyboards.calendar import month_calendar
from booking_bot.keyboards.common import (
    appointment_buttons,
    back_row,
    cancel_confirm_keyboard,
    categories_keyboard,
    confirm_keyboard,
    contact_keyboard,
    main_menu,
    services_keyboard,
    specialists_keyboard,
    time_grid,
)

__all__ = [
    "appointment_buttons",
    "back_row",
    "cancel_confirm_keyboard",
    "categories_keyboard",
    "confirm_keyboard",
    "contact_keyboard",
    "main_menu",
    "month_calendar",
    "services_keyboard",
    "specialists_keyboard",
    "time_grid",
]
