"""Appointment references ("запись 12", "#12", "booking no. 3") and what is *not* one.

An ``appointment_id`` comes from exactly two places:

1. an **explicit reference** - a booking word followed by a number: "запись 12",
   "записи № 5", "номер записи 5", "бронь 44", "визит 9", "appointment #12",
   "booking no. 3", "reservation id 7", or a bare "#12" / "№12";
2. a **bare number in a cancel/reschedule context** ("отмени 12", "cancel 5",
   "перенесите 12 на завтра") - only when the message carries a cancel or
   reschedule signal and exactly one such number is left.

Numbers that are something else never become an id, whatever precedes them:

* phone numbers - "+7 999 123-45-67", "8 (999) 123 45 67", "мой номер 123-45-67"
  (see :func:`phone_spans`);
* prices - "1500 руб", "1 500 ₽", "$40", "40 bucks" (see :func:`price_spans`);
* times and dates - "запись 12:30", "запись 25 ноября", "бронь на 12",
  "my 3pm appointment", "2 часа", "25-го" (dates are blanked before step 2 and
  clock readings are excluded via :func:`booking_mcp.nlu.dates.time_spans`);
* counts - "2 человека", "2 записи".
"""

from __future__ import annotations

import re

from .dates import blank, month_of, time_spans

# A booking word (+ an optional "номер"/"no."/"id") or a number sign, then the id.
_EXPLICIT = re.compile(
    r"(?:\b(?:запис(?:ь|и|ью|ей)|брон(?:ь|и|ью)|визит(?:а|у|ом|е)?|заказ(?:а|у|ом|е)?"
    r"|appointment|booking|reservation|order)"
    r"(?:\s*(?:под\s+)?(?:номер(?:ом)?|no\.?|nr\.?|number|num|id|ref(?:erence)?)\b\.?)?"
    r"|\bномер(?:ом)?\s+(?:записи|брони|визита|заказа)|№|#)"
    r"\s*:?\s*[#№]?\s*(?P<id>\d{1,7})\b(?![:.,\-/]\d)"
)
# Words right after a number showing it is a date, a time, an amount or a count.
_NOT_AN_ID_AFTER = re.compile(
    r"\s*(?:-?(?:е|го|ое|ого|й|ый|ой)\b|st\b|nd\b|rd\b|th\b|числ|час|утра|дня|вечера|ночи"
    r"|a\.?m|p\.?m|h\b|ч\b|o\s*clock|мин|min|hour|day|дн|день|недел|week|month|месяц|год|year"
    r"|лет\b|человек|чел\b|person|people|guest|гост|раз\b|times\b|руб|р\b|rub|usd|eur|евро"
    r"|доллар|dollar|bucks|тыс|k\b|грн|%|[$€₽£]|запис|appointments|bookings|визит|штук|pcs)"
)
# Words before a bare number that make it a date, a time or a duration, never an id.
_NOT_AN_ID_BEFORE = frozenset(
    {
        "в", "во", "на", "к", "с", "со", "до", "после", "около", "через", "за", "по", "от",
        "at", "on", "to", "for", "by", "from", "until", "till", "around", "in", "after",
        "before", "about", "within",
    }
)  # fmt: skip

_DIGIT_GROUPS = re.compile(r"(?:\+ ?)?\d+(?:(?: ?- ?| )\d+)+|\+ ?\d{6,}")
_PHONE_CUE = re.compile(
    r"(?:телефон\w*|тел|номер\w*|мобильн\w*|сотов\w*|ватсап\w*|вотсап\w*|whatsapp|telegram"
    r"|телеграм\w*|контакт\w*|phone|mobile|cell|number|tel)\s*(?:is|мой|my|такой|:)?\s*$"
)
_LOCAL_PHONE = re.compile(r"\d{3}\s*-\s*\d{2}\s*-\s*\d{2}")
_PRICE = re.compile(
    r"[$€₽£]\s*\d[\d\s.,]*"
    r"|\d[\d\s.,]*?\s*(?:[$€₽£]|руб\w*|р\b|rub\w*|usd|eur\w*|евро|доллар\w*|dollars?|bucks"
    r"|тыс\w*|k\b|грн)"
)
_BARE_NUMBER = re.compile(r"(?<![\d:.,\-/])\b\d{1,7}\b(?![:.,\-/]\d)")


def _digits(text: str) -> int:
    return sum(char.isdigit() for char in text)


def phone_spans(text: str) -> list[tuple[int, int]]:
    """Spans of phone numbers in normalised text.

    A phone number is a run of digit groups with 10+ digits ("8 999 123 45 67"),
    anything written with a leading "+", the local form "123-45-67", or 6+ digits
    right after a cue word ("телефон", "мой номер", "phone").
    """
    spans = []
    for match in _DIGIT_GROUPS.finditer(text):
        chunk = match[0]
        digits = _digits(chunk)
        cue = _PHONE_CUE.search(text[max(0, match.start() - 30) : match.start()])
        if (
            digits >= 10
            or (chunk.lstrip().startswith("+") and digits >= 6)
            or _LOCAL_PHONE.search(chunk)
            or (cue and digits >= 6)
        ):
            spans.append(match.span())
    for match in re.finditer(r"\d{6,}", text):
        if _PHONE_CUE.search(text[max(0, match.start() - 30) : match.start()]):
            spans.append(match.span())
    return spans


def price_spans(text: str) -> list[tuple[int, int]]:
    """Spans of amounts of money ("1500 руб", "1 500 ₽", "$40", "40 bucks")."""
    return [match.span() for match in _PRICE.finditer(text)]


def _inside(start: int, end: int, spans: list[tuple[int, int]]) -> bool:
    return any(a < end and start < b for a, b in spans)


def _looks_like_other_number(text: str, end: int) -> bool:
    rest = text[end:]
    next_word = rest.split()[0] if rest.split() else ""
    return bool(_NOT_AN_ID_AFTER.match(rest)) or month_of(next_word) is not None


def extract_appointment_id(text: str) -> tuple[str, int | None]:
    """Find an explicit reference ("запись 12", "#12"); return (blanked text, id)."""
    excluded = phone_spans(text) + price_spans(text)
    for match in _EXPLICIT.finditer(text):
        start, end = match.span("id")
        if _inside(start, end, excluded) or _looks_like_other_number(text, end):
            continue
        return blank(text, match.start(), match.end()), int(match["id"])
    return text, None


def bare_appointment_id(text: str) -> int | None:
    """The one bare number left in a cancel/reschedule message ("отмени 12"), if any.

    ``text`` must already have its dates blanked out; times, phones, prices,
    counts and numbers after a date/time preposition ("на 12", "at 3") are skipped.
    Two or more candidates are ambiguous, so nothing is returned.
    """
    excluded = phone_spans(text) + price_spans(text) + time_spans(text)
    found = []
    for match in _BARE_NUMBER.finditer(text):
        start, end = match.span()
        words_before = text[:start].split()
        before = words_before[-1] if words_before else ""
        if (
            before in _NOT_AN_ID_BEFORE
            or _inside(start, end, excluded)
            or _looks_like_other_number(text, end)
        ):
            continue
        found.append(int(match[0]))
    return found[0] if len(found) == 1 else None
