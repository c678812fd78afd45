"""A month calendar where only days with free time are buttons you can press."""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterable

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from booking_bot.callbacks import CalendarCb
from booking_bot.formatting import month_title, weekday_initials

NOOP = CalendarCb(action="noop").pack()


def _shift(year: int, month: int, delta: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + delta
    return index // 12, index % 12 + 1


def month_calendar(
    year: int,
    month: int,
    available: Iterable[dt.date],
    *,
    today: dt.date,
    horizon_months: int = 3,
) -> InlineKeyboardMarkup:
    """Rows: month title with ‹ › navigation, weekday names, weeks (free days clickable,
    the rest shown as "·"; a future "·" day answers why it is not free and offers the
    waitlist when it is fully booked).  No navigation before this month or past
    ``horizon_months``."""
    free = {d for d in available if d.year == year and d.month == month and d >= today}
    rows: list[list[InlineKeyboardButton]] = []

    prev_y, prev_m = _shift(year, month, -1)
    next_y, next_m = _shift(year, month, 1)
    can_prev = (year, month) > (today.year, today.month)
    can_next = (next_y, next_m) <= _shift(today.year, today.month, horizon_months)
    rows.append(
        [
            InlineKeyboardButton(
                text="‹" if can_prev else " ",
                callback_data=CalendarCb(action="nav", value=f"{prev_y:04d}-{prev_m:02d}").pack()
                if can_prev
                else NOOP,
            ),
            InlineKeyboardButton(text=month_title(year, month), callback_data=NOOP),
            InlineKeyboardButton(
                text="›" if can_next else " ",
                callback_data=CalendarCb(action="nav", value=f"{next_y:04d}-{next_m:02d}").pack()
                if can_next
                else NOOP,
            ),
        ]
    )
    rows.append([InlineKeyboardButton(text=n, callback_data=NOOP) for n in weekday_initials()])
    for week in calendar.Calendar(firstweekday=0).monthdatescalendar(year, month):
        row = []
        for day in week:
            if day.month != month:
                row.append(InlineKeyboardButton(text=" ", callback_data=NOOP))
            elif day in free:
                row.append(
                    InlineKeyboardButton(
                        text=str(day.day),
                        callback_data=CalendarCb(action="day", value=day.isoformat()).pack(),
                    )
                )
            elif day >= today:  # fully booked or a day off: pressing it tells which
                full = CalendarCb(action="full", value=day.isoformat()).pack()
                row.append(InlineKeyboardButton(text="·", callback_data=full))
            else:
                row.append(InlineKeyboardButton(text="·", callback_data=NOOP))
        rows.append(row)
    return InlineKeyboardMarkup(inline_keyboard=rows)


def free_days_in(markup: InlineKeyboardMarkup) -> list[str]:
    """The dates (ISO) a calendar keyboard lets you press - handy in tests."""
    out = []
    for row in markup.inline_keyboard:
        for button in row:
            if button.callback_data and button.callback_data.startswith("cal:day:"):
                out.append(CalendarCb.unpack(button.callback_data).value)
    return out
