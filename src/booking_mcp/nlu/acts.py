"""Dialog acts, questions and the entities that go with them (issue 12).

Reads :file:`vocabulary.yaml` (plain data: extend it, not this code) and, for one message,
finds what :mod:`.intents` does not: yes/no, leaving a flow, thanks and goodbyes,
corrections, questions (price, duration, who a specialist is, working days, the business:
address, directions, parking, hours, phone, payment), the language asked for, a choice by
ordinal ("первую", "the second one", "last", "вариант 2"), shifts of the time ("на час
позже", "earlier"), "the same time", "the nearest", and a name and a phone number
(validated and normalised to E.164 with ``phonenumbers``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import phonenumbers
import yaml

from .text import Token

VOCABULARY = Path(__file__).with_name("vocabulary.yaml")


@cache
def vocabulary() -> dict[str, Any]:
    return yaml.safe_load(VOCABULARY.read_text(encoding="utf-8"))


@cache
def _compiled() -> dict[str, Any]:
    v = vocabulary()
    return {
        "phrases": {k: [re.compile(p) for p in ps] for k, ps in v["phrases"].items()},
        "topics": {k: [re.compile(p) for p in ps] for k, ps in v["topics"].items()},
        "shifts": [(re.compile(p), value) for p, value in v["time_shifts"]],
        "earliest": [(re.compile(p), value) for p, value in v["earliest"]],
    }


@dataclass
class Acts:
    """What :func:`find_acts` found in one message."""

    signals: set[str] = field(default_factory=set)
    yes: bool = False
    no: bool = False
    ordinal: int | None = None
    ordinal_span: tuple[int, int] | None = None
    time_shift: int | None = None
    topic: str | None = None
    language: str | None = None
    name: str | None = None
    phone: str | None = None
    phone_span: tuple[int, int] | None = None
    shift_span: tuple[int, int] | None = None  # "на 2 часа позже" is no clock time
    # "первое свободное", "first available": the word that is neither an option nor a date
    nearest_span: tuple[int, int] | None = None
    time_from: str | None = None  # "после обеда": not before 13:00


#: Where a national number is looked up when it is no Russian one (English-speaking clients).
OTHER_REGIONS = ("GB", "US")


def find_phone(raw: str) -> tuple[str | None, tuple[int, int] | None]:
    """A valid phone number in ``raw`` as E.164 ("+79001234567"), Russian numbering assumed.

    ``phonenumbers.PhoneNumberMatcher`` finds it in any usual format ("8 916 111 22 33",
    "+7 (900) 123-45-67", "89161112233").
    """
    for match in phonenumbers.PhoneNumberMatcher(raw, "RU", leniency=phonenumbers.Leniency.VALID):
        e164 = phonenumbers.format_number(match.number, phonenumbers.PhoneNumberFormat.E164)
        return e164, (match.start, match.end)
    # A national number of another country (an English client's "07911 123456")
    for region in OTHER_REGIONS:
        for match in phonenumbers.PhoneNumberMatcher(
            raw, region, leniency=phonenumbers.Leniency.VALID
        ):
            e164 = phonenumbers.format_number(match.number, phonenumbers.PhoneNumberFormat.E164)
            return e164, (match.start, match.end)
    # A number written with its country code and of a length that country's numbers have
    # ("+44 7700 900123"): its range may be one the library does not know as assigned.
    for match in phonenumbers.PhoneNumberMatcher(
        raw, "RU", leniency=phonenumbers.Leniency.POSSIBLE
    ):
        if match.raw_string.lstrip().startswith("+") and len(match.raw_string) >= 8:
            e164 = phonenumbers.format_number(match.number, phonenumbers.PhoneNumberFormat.E164)
            return e164, (match.start, match.end)
    return None, None


# The cue in any case ("I'm", "i am", "Меня зовут"), the name itself capitalised.
_NAME_CUE = re.compile(
    r"(?i:\b(?:меня\s+зовут|my\s+name\s+is|(?:this\s+is|it\s*'?\s*s)|i\s*['’]?\s*a?m"
    r"|call\s+me|register\s+me\s*:?|зарегистрируйте\s+меня\s*,?|зовите\s+меня|мо[её]\s+имя"
    r"|(?:my\s+)?name\s*:|имя\s*:?|это|я))"
    r"\s+([A-ZА-ЯЁ][a-zа-яё\-]+(?:\s+[A-ZА-ЯЁ][a-zа-яё\-]+)?)"
)
# "меня Ольга зовут"
_NAME_CUE_AFTER = re.compile(
    r"(?i:\bменя)\s+([A-ZА-ЯЁ][a-zа-яё\-]+(?:\s+[A-ZА-ЯЁ][a-zа-яё\-]+)?)\s+(?i:зовут)\b"
)
_BARE_NAME = re.compile(r"^\s*([A-ZА-ЯЁ][a-zа-яё\-]+(?:\s+[A-ZА-ЯЁ][a-zа-яё\-]+){0,2})\s*[.!]?\s*$")


def find_name(raw: str) -> str | None:
    """A person's name after a cue ("меня зовут Ольга Петрова", "I'm Peter")."""
    match = _NAME_CUE.search(raw) or _NAME_CUE_AFTER.search(raw)
    return match[1] if match else None


_CAPITALISED = r"[A-ZА-ЯЁ][a-zа-яё\-]+(?:\s+[A-ZА-ЯЁ][a-zа-яё\-]+){1,2}"
_NAME_BEFORE = re.compile(rf"\b({_CAPITALISED})[\s,;:\-]*$")
_NAME_AFTER = re.compile(rf"^[\s,;:\-]*({_CAPITALISED}|[А-ЯЁ][а-яё\-]+)\s*[.!]?\s*$")


def is_a_name(words: str) -> bool:
    """Latin words, or Russian ones whose first is a first name or surname to pymorphy3
    ("Анна Смирнова", not "Запишите Анну")."""
    first = words.split()[0]
    if first.isascii():
        return True
    from .text import morph  # noqa: PLC0415

    return any({"Name", "Surn"} & set(p.tag.grammemes) for p in morph().parse(first)[:3])


def name_by_phone(raw: str, span: tuple[int, int]) -> str | None:
    """A first and last name written right next to a phone number ("Анна Смирнова
    89161234567", "+7 900 123 45 67, John Smith")."""
    for match in (_NAME_BEFORE.search(raw[: span[0]]), _NAME_AFTER.search(raw[span[1] :])):
        if match and is_a_name(match[1]):
            return match[1]
    return None


def bare_name(raw: str) -> str | None:
    """The whole message as a name ("Иван Петров", "John Smith"), when it looks like one."""
    match = _BARE_NAME.match(raw)
    return match[1] if match else None


_BOOKING_WORDS = ("запис", "брон", "визит", "заказ", "appointment", "booking", "reservation")
_NOT_AN_ORDINAL_AFTER = ("пол", "четверт", "без", "минут", "half", "quarter")
_NOT_AN_ORDINAL_BEFORE = ("половин", "half", "of", "числ", "day", "december")
_DIGIT_ORDINAL = re.compile(
    r"\b(?P<en>\d)(?:st|nd|rd|th)\s+(?:one|option|choice|slot|time)\b"
    r"|(?:^|\s)(?P<ru>\d)\s*-\s*(?:ю|я|й|ую|ой|ий)\b"
)
_FIRST_FREE = ("свободн", "возможн", "available", "free", "opening")  # = the nearest


def _part_of_a_date_or_time(previous: str, following: Token | None) -> bool:
    """ "двадцать пятое ноября", "первое декабря", "пол третьего", "first of May"."""
    from .dates import month_of  # noqa: PLC0415 - dates imports nothing from here
    from .numbers import numeral_value  # noqa: PLC0415

    if previous.startswith(_NOT_AN_ORDINAL_AFTER) or previous.isdigit():
        return True
    if previous and numeral_value(Token(previous, 0, 0, (previous,))) is not None:
        return True  # "двадцать пятое"
    if following is None:
        return False
    if following.text.startswith(_NOT_AN_ORDINAL_BEFORE):
        return True
    return month_of(following.text) is not None


def find_acts(  # noqa: C901, PLR0912
    raw: str, norm: str, tokens: list[Token], digits: list[Token], digitized: str | None = None
) -> Acts:
    """The acts of one message: ``tokens`` of the normalised text, ``digits`` of the same
    text with numerals written as digits (:func:`.numbers.digitize`), ``digitized`` that text."""
    v, c = vocabulary(), _compiled()
    acts = Acts()
    for signal, patterns in c["phrases"].items():
        if any(p.search(norm) for p in patterns):
            acts.signals.add(signal)
    words = [t.text for t in tokens if not t.text.isdigit()]
    if words and not any(t.text.isdigit() for t in tokens):
        acts.yes = set(words) <= set(v["yes_words"]) and words[0] not in ("не", "no")
        acts.no = words[0] in ("нет", "неа", "не", "no", "nope", "nah") and set(words) <= set(
            v["no_words"]
        )
    for topic, patterns in c["topics"].items():
        if any(p.search(norm) for p in patterns):
            acts.topic = topic
            break
    if "LANG_EN" in acts.signals:
        acts.language = "en"
    elif "LANG_RU" in acts.signals:
        acts.language = "ru"
    acts.time_from = next((value for p, value in c["earliest"] if p.search(norm)), None)
    text = digitized if digitized is not None else norm
    for pattern, value in c["shifts"]:
        match = pattern.search(text)
        if match:
            if isinstance(value, str):  # "later" / "earlier": the amount from the groups
                found = match.groupdict()
                hours = found.get("h") or found.get("h2")
                minutes = found.get("m") or found.get("m2")
                amount = int(minutes) if minutes else 60 * int(hours or 1)
                value = amount if value == "later" else -amount
            acts.time_shift, acts.shift_span = int(value), match.span()
            break
    ordinals: dict[str, int] = v["ordinals"]
    nouns = set(v["option_nouns"])
    for i, token in enumerate(tokens):
        value = next((ordinals[f] for f in token.forms if f in ordinals), None)
        following = tokens[i + 1] if i + 1 < len(tokens) else None
        previous = tokens[i - 1].text if i else ""
        if value == 1 and following is not None and following.text.startswith(_FIRST_FREE):
            acts.nearest_span = (token.start, token.end)
        elif value is not None and not _part_of_a_date_or_time(previous, following):
            acts.ordinal, acts.ordinal_span = value, (token.start, token.end)
            break
    if acts.ordinal is None:  # "the 2nd one", "2-ю", "3-й вариант"
        match = _DIGIT_ORDINAL.search(norm)
        if match:
            number = match["en"] or match["ru"]
            acts.ordinal, acts.ordinal_span = int(number), match.span()
    acts.phone, acts.phone_span = find_phone(raw)
    for i, token in enumerate(digits[:-1] if acts.phone is None else ()):
        following = digits[i + 1].text
        before = digits[i - 1].text if i else ""
        if before.startswith(_BOOKING_WORDS):
            continue  # "запись номер 5" is an appointment, not an option
        if (
            acts.ordinal is None
            and token.text in nouns
            and following.isdigit()
            and len(following) <= 2
        ):
            acts.ordinal = int(following)
            acts.ordinal_span = (token.start, digits[i + 1].end)
    acts.name = find_name(raw) or (name_by_phone(raw, acts.phone_span) if acts.phone_span else None)
    return acts
