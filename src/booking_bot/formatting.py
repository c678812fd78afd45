"""Human-readable dates, times, prices and durations in the user's language.

Dates come from Babel's CLDR data ("среда, 25 ноября" / "Wednesday, 25 November"); unit words
("ч", "мин", "h", "min") come from the translation catalogue like every other text.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

from aiogram.utils.i18n import gettext as _
from babel.dates import format_date

from booking_bot.i18n import current_locale

#: The salon's time zone: what "today" means (set from ``TIME_ZONE`` by ``create_dispatcher``).
_time_zone = ZoneInfo("Europe/Moscow")


def set_time_zone(name: str) -> None:
    global _time_zone
    _time_zone = ZoneInfo(name)


def now() -> dt.datetime:
    """The current moment in the salon's time zone."""
    return dt.datetime.now(_time_zone)


def today() -> dt.date:
    return now().date()


def _locale(locale: str | None) -> str:
    return locale or current_locale()


def day_in_words(day: dt.date, locale: str | None = None, *, year: bool = False) -> str:
    """``среда, 25 ноября`` (``…, 2026`` with ``year=True`` or when not this year)."""
    pattern = "EEEE, d MMMM"
    if year or day.year != today().year:
        pattern += " y"
    return format_date(day, pattern, locale=_locale(locale))


def short_day(day: dt.date, locale: str | None = None) -> str:
    """``ср, 25 нояб.`` - for buttons."""
    return format_date(day, "EEE, d MMM", locale=_locale(locale))


def month_title(year: int, month: int, locale: str | None = None) -> str:
    """``Ноябрь 2026``."""
    text = format_date(dt.date(year, month, 1), "LLLL y", locale=_locale(locale))
    return text[:1].upper() + text[1:]


def weekday_initials(locale: str | None = None) -> list[str]:
    """Monday-first two-letter weekday names: ``Пн Вт …`` / ``Mo Tu …``."""
    monday = dt.date(2024, 1, 1)
    names = [
        format_date(monday + dt.timedelta(days=i), "EEEEEE", locale=_locale(locale))
        for i in range(7)
    ]
    return [n[:1].upper() + n[1:] for n in names]


def time_range(start: str, end: str | None = None) -> str:
    """``14:30–15:30`` (or just ``14:30``)."""
    start = start[:5]
    return f"{start}–{end[:5]}" if end else start


def price(amount: Decimal | float | int | str | None, locale: str | None = None) -> str:
    """``1 500 ₽`` (ru) / ``1,500 ₽`` (en); kopecks only when there are any."""
    if amount is None or amount == "":
        return ""
    value = Decimal(str(amount))
    whole = value == value.to_integral_value()
    text = f"{value:,.0f}" if whole else f"{value:,.2f}"
    if _locale(locale).startswith("ru"):
        text = text.replace(",", " ").replace(".", ",")
    return f"{text} ₽"


def duration(minutes: int | None) -> str:
    """``1 ч 30 мин`` / ``1 h 30 min``; ``45 мин``; ``2 ч``."""
    if not minutes:
        return ""
    hours, mins = divmod(int(minutes), 60)
    parts = []
    if hours:
        parts.append(_("{hours} h").format(hours=hours))
    if mins:
        parts.append(_("{minutes} min").format(minutes=mins))
    return " ".join(parts)
