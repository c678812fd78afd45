"""One router per feature, built fresh for each dispatcher (as aiogram's examples do).

Order matters: specific handlers before free text before the fallback.
"""

from aiogram import Router

from booking_bot.handlers import (
    booking,
    fallback,
    free_text,
    menu,
    my_appointments,
    reminders,
    specialist,
    start,
    waitlist,
)

FEATURES = (
    start,
    menu,
    booking,
    my_appointments,
    specialist,
    reminders,
    waitlist,
    free_text,
    fallback,
)


def build_router() -> Router:
    root = Router(name="booking_bot")
    root.include_routers(*(feature.create_router() for feature in FEATURES))
    return root
