"""One router per feature, built fresh for each dispatcher (as aiogram's examples do).

Order matters: the bot's own commands and buttons first, then the conversation (every other
text and its buttons, sent to the MCP server), then the fallback.
"""

from aiogram import Router

from booking_bot.handlers import (
    conversation,
    fallback,
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
    my_appointments,
    specialist,
    reminders,
    waitlist,
    conversation,
    fallback,
)


def build_router() -> Router:
    root = Router(name="booking_bot")
    root.include_routers(*(feature.create_router() for feature in FEATURES))
    return root
