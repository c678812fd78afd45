"""A :class:`~booking_common.conversation.Reply` of the MCP server's ``process_message`` as a
Telegram screen: the text, its keyboard, and an .ics file when a booking was just made.

* every ``options`` entry becomes an inline button whose callback data is only
  ``as:<turn>:<index>`` (:class:`~booking_bot.callbacks.AssistantCb`, far below Telegram's 64
  bytes); the values themselves (``/pick time 14:30``, ``/page 2`` …) are kept in the state data
  under the turn they belong to (:class:`Screen`), so a button of an older reply is recognised
  as stale and a second tap on an answered one as "already done";
* ``choose_date`` is the calendar of free days built from ``payload["days"]`` (only those
  days can be pressed; a "·" day sends its ``/pick date`` too and the server says why it has
  no time), with the Mini App's button above it when ``WEBAPP_URL`` is set;
* ``confirm`` is a yes / no pair with the bot's own labels;
* ``ask_contact`` is a reply keyboard with Telegram's "share my contact" button (a message can
  carry one keyboard: the inline options, if any, are left out then);
* ``booked`` / ``rescheduled`` / ``cancelled`` are shown as the bot's own summary (date in
  words, price, duration); ``calendar_file`` is sent as a document to add to a calendar.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from aiogram.types import (
    BufferedInputFile,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)
from aiogram.utils.i18n import gettext as _
from pydantic import BaseModel, Field

from booking_bot.callbacks import AssistantCb
from booking_bot.formatting import today
from booking_bot.gateway.tools import McpGateway
from booking_bot.handlers.common import appointment_summary, enrich
from booking_bot.keyboards.calendar import month_calendar
from booking_bot.webapp import calendar_rows
from booking_common.conversation import NO, YES, Action, ActionType, Option, Reply

#: Buttons at most under one message (the server pages longer lists with ``/page``).
MAX_OPTIONS = 24
#: How far ahead the calendar can be leafed through, in months.
HORIZON_MONTHS = 3

HEADLINES = {
    ActionType.BOOKED: lambda: _("✅ You're booked!"),
    ActionType.RESCHEDULED: lambda: _("✅ Done! Your appointment has been moved."),
    ActionType.CANCELLED: lambda: _("❌ Your appointment is cancelled."),
}


class Screen(BaseModel):
    """What the newest reply offers, kept in the state data under ``"screen"``.

    Pure screen state: which value each button of the newest reply stands for, and which
    days its calendar offers. The conversation itself lives on the MCP server.
    """

    turn: str = ""
    values: list[str] = Field(default_factory=list)
    days: dict[str, str] = Field(default_factory=dict)  # ISO day -> its /pick date value
    service_id: int | None = None
    contact: bool = False  # a "share my contact" keyboard is shown

    def value_of_day(self, day: dt.date) -> str:
        """The command for a pressed day: the offered one, or ``/pick date`` for a "·" day."""
        return self.days.get(day.isoformat()) or f"/pick date {day.isoformat()}"


def _own_drawing(action: Action, option: Option) -> bool:
    """The days of a calendar and the yes / no of a confirmation are drawn on their own."""
    if action.type == ActionType.CHOOSE_DATE:
        return option.value.startswith("/pick date ")
    return action.type == ActionType.CONFIRM


def reply_options(reply: Reply) -> list[dict[str, str]]:
    """Every ``{label, value}`` of the reply's choices shown as plain buttons, in order (a
    "more" of a long list among them)."""
    return [
        {"label": (option.label or option.value)[:60], "value": option.value}
        for action in reply.actions
        for option in action.options
        if option.value and not _own_drawing(action, option)
    ][:MAX_OPTIONS]


def _action(reply: Reply, kind: ActionType) -> Action | None:
    return next((a for a in reply.actions if a.type == kind), None)


async def reply_text(reply: Reply, gateway: McpGateway) -> str:
    """The server's words, or the bot's own summary when something was booked/moved/cancelled."""
    for action in reply.actions:
        headline = HEADLINES.get(action.type)  # type: ignore[call-overload]
        appointment = action.appointment
        if headline and appointment is not None:
            (full,) = await enrich(gateway, [appointment])
            return headline() + "\n\n" + appointment_summary(full)
    return reply.response.strip() or _("I'm not sure I understood. Try the buttons below.")


def _days(action: Action) -> dict[str, str]:
    """The offered days of a ``choose_date`` action → the value each one sends."""
    days: dict[str, str] = {}
    for item in action.payload.get("days") or []:
        try:
            days[dt.date.fromisoformat(str(item)[:10]).isoformat()] = ""
        except ValueError:
            continue
    for option in action.options:
        if not _own_drawing(action, option):
            continue
        day = (option.model_extra or {}).get("date") or option.value.rsplit(" ", 1)[-1]
        try:
            days[dt.date.fromisoformat(str(day)[:10]).isoformat()] = option.value
        except ValueError:
            continue
    return {day: value or f"/pick date {day}" for day, value in sorted(days.items())}


def _service_id(reply: Reply, action: Action) -> int | None:
    for source in (action.payload, reply.context):
        value = source.get("service_id")
        if isinstance(value, int):
            return value
    return None


def calendar_markup(screen: Screen, month: str | None = None) -> InlineKeyboardMarkup:
    """The calendar of ``screen``'s days at ``month`` (``YYYY-MM``; the first offered by
    default), with the Mini App's button on top when it is configured."""
    start = today()
    days = [dt.date.fromisoformat(d) for d in screen.days]
    if month is None:
        first = next((d for d in days if d >= start), start)
        year, mon = first.year, first.month
    else:
        year, mon = (int(x) for x in month.split("-"))
    markup = month_calendar(year, mon, days, today=start, horizon_months=HORIZON_MONTHS)
    if screen.service_id is not None:
        markup.inline_keyboard[:0] = calendar_rows(screen.service_id)
    return markup


def _option_rows(turn: str, options: list[dict[str, str]], first: int) -> list[list[Any]]:
    buttons = [
        InlineKeyboardButton(
            text=option["label"], callback_data=AssistantCb(turn=turn, index=first + i).pack()
        )
        for i, option in enumerate(options)
    ]
    per_row = 4 if all(len(o["label"]) <= 8 for o in options) else 1
    return [buttons[i : i + per_row] for i in range(0, len(buttons), per_row)]


def _confirm_rows(turn: str, options: list[Option], first: int) -> list[list[Any]]:
    labels = {YES: _("✅ Confirm"), NO: _("✖️ No")}
    return [
        [
            InlineKeyboardButton(
                text=labels.get(option.value, option.label),
                callback_data=AssistantCb(turn=turn, index=first + i).pack(),
            )
            for i, option in enumerate(options)
        ]
    ]


def contact_keyboard() -> ReplyKeyboardMarkup:
    return ReplyKeyboardMarkup(
        keyboard=[[KeyboardButton(text=_("📱 Share my phone number"), request_contact=True)]],
        resize_keyboard=True,
        one_time_keyboard=True,
    )


def build(reply: Reply, had_contact: bool = False) -> tuple[Screen, Any]:
    """The reply's screen state and its keyboard (inline, the contact keyboard, or none)."""
    screen = Screen(turn=uuid.uuid4().hex[:8])
    if _action(reply, ActionType.ASK_CONTACT) is not None:
        screen.contact = True
        return screen, contact_keyboard()
    rows: list[list[Any]] = []
    dates = _action(reply, ActionType.CHOOSE_DATE)
    if dates is not None:
        screen.days = _days(dates)
        screen.service_id = _service_id(reply, dates)
        rows += calendar_markup(screen).inline_keyboard
    plain = reply_options(reply)
    confirm = _action(reply, ActionType.CONFIRM)
    yes_no = [o for o in confirm.options if o.value] if confirm is not None else []
    rows += _option_rows(screen.turn, plain, 0)
    rows += _confirm_rows(screen.turn, yes_no, len(plain)) if yes_no else []
    screen.values = [o["value"] for o in plain] + [o.value for o in yes_no]
    if rows:
        return screen, InlineKeyboardMarkup(inline_keyboard=rows)
    return screen, ReplyKeyboardRemove() if had_contact else None


async def send_reply(
    event: Message | CallbackQuery, reply: Reply, markup: Any, gateway: McpGateway
) -> None:
    """Show ``reply`` (with ``markup``, from :func:`build`) to the user as a new message."""
    text = await reply_text(reply, gateway)
    chat = event.message.chat.id if isinstance(event, CallbackQuery) and event.message else None
    if chat is None and isinstance(event, Message):
        chat = event.chat.id
    if chat is None:
        return
    await event.bot.send_message(chat, text, reply_markup=markup)
    ics = _action(reply, ActionType.CALENDAR_FILE)
    if ics is not None and ics.payload.get("content"):
        name = str(ics.payload.get("filename") or "appointment.ics")
        await event.bot.send_document(
            chat,
            BufferedInputFile(str(ics.payload["content"]).encode(), filename=name),
            caption=_("📅 Add to calendar"),
        )
