"""One router per feature; order matters (specific before free text before fallback)."""

from aiogram import Router

from . import booking, fallback, free_text, menu, my_appointments, start


def build_router() -> Router:
    root = Router(name="booking_bot")
    for module in (start, menu, booking, my_appointments, free_text, fallback):
        # Feature routers are module singletons; a new dispatcher (tests, a restart in the
        # same process) takes them over from the previous one.
        module.router._parent_router = None
        root.include_router(module.router)
    return root
