"""Callback data factories (aiogram ``CallbackData``); every packed value stays under 64 bytes.

Callbacks only carry ids; what they mean for *this* conversation is checked against the FSM
state by the handlers (the options of the newest reply, see :mod:`booking_bot.render`), so a
stale button (an old message) or a forged one is recognised and answered politely instead of
acting on it.
"""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData


class MenuCb(CallbackData, prefix="m"):
    action: str  # book | my | services | specialists | language | help | main


class CalendarCb(CallbackData, prefix="cal"):
    action: str  # day | full | nav | noop
    value: str = ""  # 2026-11-25 for day and full (a day without free time), 2026-12 for nav


class AppointmentCb(CallbackData, prefix="ap"):
    action: str  # cancel | cancel_yes | reschedule | keep
    id: int


class AssistantCb(CallbackData, prefix="as"):
    turn: str  # which assistant reply the button belongs to
    index: int


class RetryCb(CallbackData, prefix="rt"):
    pass


# --------------------------------------------------------------------------- sent by the API
# The API's job runner sends reminders and waitlist offers itself (``booking_api.jobs.texts``)
# with plain callback_data strings; these factories pack to exactly the same strings.


class ReminderCb(CallbackData, prefix="rem"):
    """``rem:confirm:<id>`` and ``rem:cancel:<id>`` (from the API's reminder); the bot adds
    ``cancel_yes`` and ``keep`` for the cancellation question."""

    action: str  # confirm | cancel | cancel_yes | keep
    id: int


class WaitlistOfferCb(CallbackData, prefix="wl"):
    """``wl:book:<offer token>`` (from the API's waitlist offer)."""

    action: str  # book
    token: str


class WaitlistCb(CallbackData, prefix="wj"):
    """The bot's own waitlist buttons: join for the day shown, leave an entry."""

    action: str  # join | leave | leave_yes | keep
    value: str = ""  # the day (2026-11-25) for join, the entry id otherwise
