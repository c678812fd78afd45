"""Dates and times in Russian and English.

Both extractors work on the *digitised* normalised text (see
:mod:`booking_mcp.nlu.numbers`) and return it with the consumed spans blanked
out, so later extractors do not read the same characters twice.

Dates (``"YYYY-MM-DD"``)
    * today / tomorrow / day after tomorrow: "сегодня", "завтра", "tmrw",
      "послезавтра", "the day after tomorrow" (+2, never read as "tomorrow"),
      "после послезавтра" (+3) - see :data:`RELATIVE_DAY_PHRASES`;
    * weekdays: "в пятницу", "fri" -> the nearest such day, **today included**;
      "в следующую пятницу" / "next Friday" / "на следующей неделе в пятницу"
      -> that weekday in the next calendar week (weeks start on Monday);
      "на выходных" / "weekend" -> the nearest Saturday;
    * "25 ноября", "25-го ноября", "november 25th", "25 nov 2027";
      a day/month already in the past means next year;
    * "25.11", "25/11/2026", "2026-11-25";
    * day only: "25-го", "на 25-е", "25 числа", "the 25th" -> this month, or next
      month if that day has passed;
    * relative: "через 3 дня", "через неделю", "in 2 weeks" (parsed by dateparser).
    When two dates are given ("с пятницы на понедельник") the one introduced by
    "на"/"to"/"for" wins over the one introduced by "с"/"from"; one ruled out ("не в
    пятницу, а в субботу", "not on friday") is never picked (times alike).

Times (``"HH:MM"``, 24h)
    * "15:30", "в 15.30", "в 10" -> "10:00", "в пятнадцать тридцать" -> "15:30";
    * "в 3 часа дня" -> "15:00", "в 7 вечера" -> "19:00", "9 утра", "3pm", "10 a.m.";
    * "полседьмого" / "половина седьмого" -> 6:30, "четверть третьего" -> 2:15,
      "без четверти три" -> 2:45, "half past six", "quarter to seven";
    * "без двадцати пять" -> 4:40, "двадцать пять минут третьего" -> 2:25, "twenty past
      four", "ten to five", "make it 11" / "how about 4" / "can we do 3";
    * "полдень"/"noon" -> "12:00", "в час (дня)" -> "13:00", "полночь" -> "00:00";
    * "через 2 часа" / "in an hour" -> now + N hours (also sets the date);
    * an hour from 1 to 7 with no am/pm, no "утра/дня/вечера" and no part of the
      day is read as afternoon/evening ("в 3" -> "15:00"): nobody books 3 a.m.
      A leading zero ("07:30") keeps it in the morning.
    * Parts of the day are **vague** and never become a clock time: they fill
      the separate entity ``time_of_day`` and leave ``time`` as ``None``:
      morning / "утром" / "с утра" / "до обеда" -> ``"morning"``;
      afternoon / "днём" / "после обеда" / "в обед" / "after lunch" -> ``"afternoon"``;
      evening / "вечером" / "tonight" / "после работы" -> ``"evening"``.
      (Behaviour change: they used to default to 09:00 / 14:00 / 18:00, so a
      booking flow that trusted ``time`` booked an hour the user never chose;
      the dialog now offers the free slots of that part of the day instead.)
      They still steer bare hours: "вечером в 7" -> 19:00, "утром в 7" -> 07:00,
      and ``time_of_day`` is reported whenever the message names a part of the
      day, also next to an exact time ("в 7 вечера" -> 19:00 + "evening").
      Greetings ("доброе утро", "good evening") are not parts of the day.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache

import dateparser

from .text import is_known, similar, tokenize

# --------------------------------------------------------------------------- tables

# fmt: off
RELATIVE_DAYS: dict[str, int] = {
    "сегодня": 0, "седня": 0, "сегодняшний": 0, "today": 0, "tonight": 0,
    "завтра": 1, "завтрашний": 1, "tomorrow": 1, "tmrw": 1, "tmr": 1, "tomorow": 1,
    "послезавтра": 2,
}
# fmt: on
# fmt: off
WEEKDAYS: dict[str, int] = {
    "понедельник": 0, "пн": 0, "monday": 0, "mon": 0,
    "вторник": 1, "вт": 1, "tuesday": 1, "tue": 1, "tues": 1,
    "среда": 2, "ср": 2, "wednesday": 2, "wed": 2,
    "четверг": 3, "чт": 3, "thursday": 3, "thu": 3, "thur": 3, "thurs": 3,
    "пятница": 4, "пт": 4, "friday": 4, "fri": 4,
    "суббота": 5, "сб": 5, "saturday": 5, "sat": 5, "выходной": 5, "выходные": 5,
    "weekend": 5, "weekends": 5,
    "воскресенье": 6, "вс": 6, "sunday": 6, "sun": 6,
}
# fmt: on
# fmt: off
MONTHS: dict[str, int] = {
    "январь": 1, "января": 1, "jan": 1, "january": 1,
    "февраль": 2, "февраля": 2, "feb": 2, "february": 2,
    "март": 3, "марта": 3, "mar": 3, "march": 3,
    "апрель": 4, "апреля": 4, "apr": 4, "april": 4,
    "май": 5, "мая": 5, "may": 5,
    "июнь": 6, "июня": 6, "jun": 6, "june": 6,
    "июль": 7, "июля": 7, "jul": 7, "july": 7,
    "август": 8, "августа": 8, "aug": 8, "august": 8,
    "сентябрь": 9, "сентября": 9, "sep": 9, "sept": 9, "september": 9,
    "октябрь": 10, "октября": 10, "oct": 10, "october": 10,
    "ноябрь": 11, "ноября": 11, "nov": 11, "november": 11,
    "декабрь": 12, "декабря": 12, "dec": 12, "december": 12,
}
# fmt: on
NEXT_WORDS = frozenset({"следующий", "следующая", "следующую", "next"})

# Multi-word relative days, read before the single words of RELATIVE_DAYS so that
# "the day after tomorrow" is not taken for "tomorrow".
RELATIVE_DAY_PHRASES: tuple[tuple[re.Pattern[str], int], ...] = tuple(
    (re.compile(pattern), offset)
    for pattern, offset in (
        (r"\bпосле\s*-?\s*послезавтра\b", 3),
        (r"\b(?:the\s+)?day\s+after\s+(?:tomorrow|tmrw|tmr|tomorow)\b", 2),
        (r"\bпосле\s*-?\s*завтра\b", 2),  # "после завтра" written apart
    )
)

# Parts of the day: (pattern, ``time_of_day`` value, "pm" if it moves bare hours to
# the afternoon).  The first pattern that matches wins, so "после обеда" is read
# before the bare "обед".
PARTS_OF_DAY: tuple[tuple[re.Pattern[str], str, bool], ...] = tuple(
    (re.compile(pattern), part, pm)
    for pattern, part, pm in (
        (
            r"после\s+обеда|after\s+lunch|afternoon|\bдн[её]м\b|второй\s+половин\w*\s+дня"
            r"|second\s+half\s+of\s+the\s+day|(?:\d|\bчас\w*)\s+дня\b",
            "afternoon",
            True,
        ),
        (
            r"\bутр\w*|\bс\s+утра|до\s+обеда|before\s+(?:lunch|noon)|morning"
            r"|первой\s+половин\w*\s+дня",
            "morning",
            False,
        ),
        (r"\bв\s+обед\b|\bобед\w*|lunch", "afternoon", True),
        (r"\bвечер\w*|evening|tonight|after\s+work|после\s+работы", "evening", True),
    )
)
TIMES_OF_DAY: tuple[str, ...] = ("morning", "afternoon", "evening")
# Greetings that look like parts of the day ("доброе утро") must not set a time.
_GREETINGS = re.compile(
    r"\bдобр\w*\s+(?:утр\w*|дн\w*|день|вечер\w*|ноч\w*)|спокойной\s+ночи"
    r"|good\s+(?:morning|afternoon|evening|night|day)"
)

_TIME_PREP = r"(?:в|во|к|at|около|around|после|after|до|before|by|till|until|с|со|from|на)"
_AMPM = r"(?P<ampm>a\.?\s?m\.?|p\.?\s?m\.?)"
_DAYPART_SUFFIX = (
    r"(?P<part>утра|дня|вечера|ночи|in\s+the\s+morning|in\s+the\s+afternoon"
    r"|in\s+the\s+evening|at\s+night)"
)
_NOT_AN_HOUR = (
    r"(?!\s*(?:[-.:/]\s*\d|-?(?:е|го|ое|ого)\b|(?:st|nd|rd|th)\b"
    r"|дн|день|недел|месяц|минут|мин\b|человек|раз\b|числ|day|week|month|minute|people|person))"
)
_ORD_SUFFIX = r"(?:\s*-?\s*(?:е|го|ое|ого)\b|(?:st|nd|rd|th)\b)"


# --------------------------------------------------------------------------- helpers


def blank(text: str, start: int, end: int) -> str:
    """Replace ``text[start:end]`` with spaces (keeps every other position intact)."""
    return text[:start] + " " * (end - start) + text[end:]


def month_of(word: str) -> int | None:
    """Month number of a month word, tolerating case endings and one typo."""
    if word in MONTHS:
        return MONTHS[word]
    if len(word) >= 4 and word[:3] in MONTHS and word.isascii():
        return MONTHS[word[:3]]  # "novemb", "decemb"
    if is_known(word):
        return None
    for name, number in MONTHS.items():
        if len(name) >= 5 and similar(word, name):
            return number
    return None


def _lookup(token_forms: tuple[str, ...], table: dict[str, int]) -> int | None:
    """Value of the first form found in ``table``, exactly or with a typo (long words)."""
    for form in token_forms:
        if form in table:
            return table[form]
    if is_known(token_forms[0]):
        return None  # a real word ("четверть") is not a typo of "четверг"
    for name, value in table.items():
        if len(name) >= 5 and similar(token_forms[0], name):
            return value
    return None


def _safe_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _preceding_word(text: str, start: int) -> str:
    words = text[:start].split()
    return words[-1] if words else ""


@dataclass
class _Found:
    """A date or time candidate and where it was found."""

    start: int
    value: object


_NEGATION = re.compile(r"(?:\bне|\bnot)\s+(?:(?:в|во|на|к|on|at|for|in)\s+)?(?:the\s+)?$")


def _negated(text: str, start: int) -> bool:
    """True for a value the user rules out: "не в пятницу, а в субботу", "not on Friday"."""
    return bool(_NEGATION.search(text[max(0, start - 16) : start]))


def _pick(candidates: list[_Found], text: str) -> object | None:
    """Prefer a target ("на Y", "to Y": "с X на Y", "move 12:00 to 14:00"), else the first;
    a value ruled out ("не в пятницу, а в субботу") is never picked when another is given."""
    kept = [c for c in candidates if not _negated(text, c.start)]
    candidates = kept or candidates
    if not candidates:
        return None
    if len(candidates) > 1:
        targets = [c for c in candidates if _preceding_word(text, c.start) in ("на", "to")]
        if targets:
            return targets[0].value
    return candidates[0].value


# --------------------------------------------------------------------------- dates


@lru_cache(maxsize=512)
def _dateparser_relative(fragment: str, base: datetime) -> date | None:
    """Let dateparser resolve a short relative phrase such as "через 2 недели"."""
    parsed = dateparser.parse(
        fragment,
        languages=["ru", "en"],
        settings={"RELATIVE_BASE": base, "PREFER_DATES_FROM": "future"},
    )
    return parsed.date() if parsed else None


def _upcoming(day: int, month: int, today: date, year: int | None) -> date | None:
    if year is not None:
        return _safe_date(year, month, day)
    candidate = _safe_date(today.year, month, day)
    if candidate is None or candidate < today:
        candidate = _safe_date(today.year + 1, month, day)
    return candidate


def _day_of_month(day: int, today: date) -> date | None:
    """The next date with this day number (this month, else the following months)."""
    year, month = today.year, today.month
    for _ in range(3):
        candidate = _safe_date(year, month, day)
        if candidate is not None and candidate >= today:
            return candidate
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return None


def _weekday_date(weekday: int, today: date, next_week: bool) -> date:
    if next_week:
        monday = today - timedelta(days=today.weekday()) + timedelta(days=7)
        return monday + timedelta(days=weekday)
    return today + timedelta(days=(weekday - today.weekday()) % 7)


_ISO = re.compile(r"\b(\d{4})-(\d{1,2})-(\d{1,2})\b")
_NUMERIC = re.compile(r"\b(\d{1,2})[./](\d{1,2})(?:[./](\d{4}|\d{2}))?\b")
_DAY_MONTH = re.compile(
    r"\b(\d{1,2})" + _ORD_SUFFIX + r"?\s*(?:of\s+)?([a-zа-я]{3,})\.?(?:\s+(\d{4})\b)?"
)
_MONTH_DAY = re.compile(
    r"\b([a-z]{3,})\.?\s+(?:the\s+)?(\d{1,2})(?:st|nd|rd|th)?\b(?:,?\s+(\d{4})\b)?"
)
_DAY_ONLY = re.compile(r"\b(\d{1,2})(?:" + _ORD_SUFFIX + r"|\s+числ\w*)")
_RELATIVE = re.compile(
    r"\b(?:через|in)\s+(?:(?:\d{1,2}|a|an|one)\s+)?"
    r"(?:дн\w*|день|недел\w*|месяц\w*|days?|weeks?|months?|fortnight)\b"
)
_TIME_LIKE_PREPS = frozenset(
    {"в", "во", "к", "at", "до", "после", "с", "со", "by", "around", "около"}
)


def extract_date(text: str, today: date, now: datetime) -> tuple[str, str | None]:
    """Find a date in digitised text; return (text with the date blanked, "YYYY-MM-DD")."""
    found: list[_Found] = []

    def take(match: re.Match[str], value: date | None) -> None:
        nonlocal text
        if value is not None:
            found.append(_Found(match.start(), value))
            text = blank(text, match.start(), match.end())

    for match in list(_ISO.finditer(text)):
        take(match, _safe_date(*map(int, match.groups())))
    for match in list(_NUMERIC.finditer(text)):
        first, second, year = int(match[1]), int(match[2]), match[3]
        looks_like_time = (
            year is None
            and len(match[2]) == 2
            and first <= 23
            and (second > 12 or _preceding_word(text, match.start()) in _TIME_LIKE_PREPS)
        )
        if looks_like_time or second > 12:
            continue
        full_year = None if year is None else int(year) + (2000 if len(year) == 2 else 0)
        take(match, _upcoming(first, second, today, full_year))
    for match in list(_DAY_MONTH.finditer(text)):
        month = month_of(match[2])
        if month is not None:
            take(match, _upcoming(int(match[1]), month, today, int(match[3]) if match[3] else None))
    for match in list(_MONTH_DAY.finditer(text)):
        month = month_of(match[1])
        if month is not None:
            take(match, _upcoming(int(match[2]), month, today, int(match[3]) if match[3] else None))
    for match in list(_RELATIVE.finditer(text)):
        take(match, _dateparser_relative(" ".join(match[0].split()), now))
    for match in list(_DAY_ONLY.finditer(text)):
        if _preceding_word(text, match.start()).startswith(("пол", "четверт", "минут")):
            continue  # "пол 7-го" / "четверть 3-го" is a time
        take(match, _day_of_month(int(match[1]), today))

    for pattern, offset in RELATIVE_DAY_PHRASES:
        for match in list(pattern.finditer(text)):
            take(match, today + timedelta(days=offset))

    next_week = bool(re.search(r"следующ\w*\s+недел|next\s+week", text))
    previous = ""
    for token in tokenize(text):
        if token.text.isdigit():
            previous = token.text
            continue
        offset = _lookup(token.forms, RELATIVE_DAYS)
        if offset is not None:
            found.append(_Found(token.start, today + timedelta(days=offset)))
        else:
            weekday = _lookup(token.forms, WEEKDAYS)
            if weekday is not None:
                is_next = next_week or previous in NEXT_WORDS or token.lemma in NEXT_WORDS
                found.append(_Found(token.start, _weekday_date(weekday, today, is_next)))
        previous = token.lemma

    found.sort(key=lambda item: item.start)
    chosen = _pick(found, text)
    return text, chosen.isoformat() if isinstance(chosen, date) else None


# --------------------------------------------------------------------------- times


@dataclass
class _Clock:
    """A clock reading before the am/pm heuristics are applied."""

    hour: int
    minute: int = 0
    fixed: bool = False  # True when am/pm or the 24h form already settled the hour


def _apply_suffix(clock: _Clock, ampm: str | None, part: str | None) -> _Clock:
    marker = (ampm or part or "").replace(".", "").replace(" ", "")
    if not marker:
        return clock
    evening = marker.startswith("p") or marker in (
        "дня",
        "вечера",
        "intheafternoon",
        "intheevening",
    )
    if marker == "atnight" and clock.hour >= 6:
        evening = True
    if evening and clock.hour < 12:
        clock.hour += 12
    elif (marker.startswith("a") or marker == "ночи") and clock.hour == 12:
        clock.hour = 0
    clock.fixed = True
    return clock


def _hour(match: re.Match[str], minute: int | None = None, shift: int = 0) -> _Clock:
    """A clock from the ``h`` (and ``m``) groups; ``shift=-1`` for "half past 6" -> 5:30."""
    hour = int(match["h"]) + shift or 12  # "полпервого" -> 12:30
    return _Clock(hour, int(match["m"]) if minute is None else minute)


def _suffixed(match: re.Match[str]) -> _Clock:
    minute = int(match["m"]) if match["m"] else 0
    return _apply_suffix(_Clock(int(match["h"]), minute), match["ampm"], match["part"])


# fmt: off
# Explicit clock readings, most specific first: (pattern, how to read the match).
CLOCK_RULES: tuple[tuple[re.Pattern[str], Callable[[re.Match[str]], _Clock]], ...] = tuple(
    (re.compile(pattern), read)
    for pattern, read in (
        # 15:30 pm / 3.30 дня / 3 часа дня / 10am / 7 in the evening
        (rf"\b(?P<h>\d{{1,2}})(?:[:.](?P<m>\d{{2}}))?\s*(?:час\w*\s*|o\s*clock\s*)?"
         rf"(?:{_AMPM}|{_DAYPART_SUFFIX})", _suffixed),
        # 15:30; a leading zero ("07:30") means the morning for sure
        (r"\b(?P<h>\d{1,2}):(?P<m>\d{2})\b",
         lambda m: _Clock(int(m["h"]), int(m["m"]), m["h"].startswith("0"))),
        # в 15.30 / в 15-30
        (rf"\b{_TIME_PREP}\s+(?P<h>\d{{1,2}})[.\-](?P<m>\d{{2}})\b", _hour),
        # полседьмого ("пол 7-го" after digitize) / половина седьмого / четверть третьего
        (r"\bпол(?:овин[аеуы])?\s*-?\s*(?P<h>\d{1,2})-?(?:го|е)\b", lambda m: _hour(m, 30, -1)),
        (r"\bчетверть\s+(?P<h>\d{1,2})-?(?:го|е)\b", lambda m: _hour(m, 15, -1)),
        # двадцать пять минут третьего -> 2:25
        (r"\b(?P<n>[1-9]|[1-5]\d)\s+минут\w*\s+(?P<h>\d{1,2})-?(?:го|е)\b",
         lambda m: _hour(m, int(m["n"]), -1)),
        (r"\bбез\s+четверти\s+(?P<h>\d{1,2})\b", lambda m: _hour(m, 45, -1)),
        # без двадцати пять / без 10 минут 5 -> 4:40 / 4:50
        (r"\bбез\s+(?P<n>[1-9]|[12]\d|30)(?:\s*мин\w*)?\s+(?P<h>\d{1,2})\b",
         lambda m: _hour(m, 60 - int(m["n"]), -1)),
        # twenty past four / ten to five ("at ten to five"; "from 10 to 11" is no time)
        (r"\b(?P<n>[1-9]|[12]\d|30)\s+(?:minutes?\s+)?past\s+(?P<h>\d{1,2})\b",
         lambda m: _hour(m, int(m["n"]))),
        (r"(?:^|\b(?:at|for|about|around|by)\s+)(?P<n>5|10|20|25)\s+(?:minutes?\s+)?to\s+"
         r"(?P<h>\d{1,2})\b", lambda m: _hour(m, 60 - int(m["n"]), -1)),
        (r"\bhalf\s+past\s+(?P<h>\d{1,2})\b", lambda m: _hour(m, 30)),
        (r"\bquarter\s+past\s+(?P<h>\d{1,2})\b", lambda m: _hour(m, 15)),
        (r"\bquarter\s+to\s+(?P<h>\d{1,2})\b", lambda m: _hour(m, 45, -1)),
        (r"\bhalf\s+(?P<h>\d{1,2})\b", lambda m: _hour(m, 30)),  # British "half six"
        (r"\bполд(?:ень|ня|ню)\b|\bполудня\b|\bnoon\b|\bmidday\b", lambda m: _Clock(12, 0, True)),
        (r"\bполноч\w*|\bmidnight\b", lambda m: _Clock(0, 0, True)),
        (r"\b(?:в|к|at)\s+час(?:\s+дня)?\b|\bна\s+час\s+дня\b", lambda m: _Clock(13, 0, True)),
        # "make it 11", "how about 4" (a correction names the hour alone)
        (rf"\b(?:make\s+it|how\s+about|what\s+about|can\s+we\s+do|let\s+s\s+do)\s+"
         rf"(?P<h>\d{{1,2}}){_NOT_AN_HOUR}",
         lambda m: _hour(m, 0)),
        # в 15 30 ("в пятнадцать тридцать") / 11 часов 30 минут
        (rf"\b{_TIME_PREP}\s+(?P<h>\d{{1,2}})\s+(?P<m>\d{{2}})\b{_NOT_AN_HOUR}", _hour),
        (r"\b(?P<h>\d{1,2})\s*час\w*\s*(?P<m>\d{1,2})\s*мин\w*", _hour),
        # в 10 / at 3 / к 9 часам / 15 часов
        (rf"\b{_TIME_PREP}\s+(?P<h>\d{{1,2}})(?:\s*(?:час\w*|ч|o\s*clock|h)\b)?{_NOT_AN_HOUR}",
         lambda m: _hour(m, 0)),
        (r"\b(?P<h>\d{1,2})\s*(?:час(?:а|ов)?|o\s*clock)\b", lambda m: _hour(m, 0)),
    )
)
# fmt: on


def _clock_candidates(text: str) -> list[_Found]:
    """All explicit clock readings with their positions (a span is read only once)."""
    found = []
    for pattern, read in CLOCK_RULES:
        for match in pattern.finditer(text):
            clock = read(match)
            if 0 <= clock.hour <= 23 and 0 <= clock.minute <= 59:
                found.append(_Found(match.start(), clock))
            text = blank(text, match.start(), match.end())
    return sorted(found, key=lambda item: item.start)


_RELATIVE_HOURS = re.compile(
    r"\b(?:через|in)\s+(?:(?P<n>\d{1,2})\s+|an?\s+|one\s+)?(?:час\w*|hours?)\b|\bчерез\s+полчаса\b"
)


def extract_time(text: str, now: datetime) -> tuple[str | None, str | None, str | None]:
    """Find a time in digitised text (dates already blanked out).

    Returns ("HH:MM" or None, "YYYY-MM-DD" or None, time of day or None).  The
    date is only set by relative phrases such as "через 2 часа"; the time of day
    ("morning" | "afternoon" | "evening") by a part of the day named in the text,
    which never sets the clock time by itself.
    """
    text = _GREETINGS.sub(lambda m: " " * len(m[0]), text)

    part_of_day, part_pm = None, None
    for pattern, part, pm in PARTS_OF_DAY:
        if pattern.search(text):
            part_of_day, part_pm = part, pm
            break

    relative = _RELATIVE_HOURS.search(text)
    if relative:
        minutes = 30 if "полчаса" in relative[0] else 60 * int(relative["n"] or 1)
        moment = now + timedelta(minutes=minutes)
        return moment.strftime("%H:%M"), moment.date().isoformat(), part_of_day

    clock = _pick(_clock_candidates(text), text)
    if clock is None:
        return None, None, part_of_day
    assert isinstance(clock, _Clock)
    hour = clock.hour
    if not clock.fixed and 1 <= hour <= 11:
        if part_pm is True or (part_pm is None and hour <= 7):
            hour += 12
    return f"{hour:02d}:{clock.minute:02d}", None, part_of_day


def time_spans(text: str) -> list[tuple[int, int]]:
    """Character spans of every explicit clock reading (used to keep times out of ids)."""
    spans = []
    for pattern, _read in CLOCK_RULES:
        for match in pattern.finditer(text):
            spans.append(match.span())
            text = blank(text, match.start(), match.end())
    spans.extend(match.span() for match in _RELATIVE_HOURS.finditer(text))
    return spans
