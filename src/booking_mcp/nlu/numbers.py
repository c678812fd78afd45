"""Numbers written in words -> digits ("в пятнадцать тридцать" -> "в 15 30").

:func:`digitize` rewrites numeral words of the normalised text **in place, keeping
every character position**: the digits are padded with spaces to the length of
the words they replace.  The date/time extractors can therefore run their
regular expressions on the rewritten text while spans stay comparable with the
original tokens.

Supported: Russian and English cardinals and ordinals 0..59 (all case forms of
Russian numerals, via pymorphy3 lemmas), compounds such as "двадцать пятое" or
"twenty-five", "пару" (= 2) and the glued Russian half-hour form
"полседьмого" -> "пол 7-го".
Ordinals become "25-е" (Russian) or "25th" (English) so the date patterns can
tell "двадцать пятое" (a day) from "двадцать пять" (a plain number).
"""

from __future__ import annotations

from .text import Token, lemmas, tokenize

# fmt: off
RU_CARDINALS: dict[str, int] = {
    "ноль": 0, "один": 1, "два": 2, "три": 3, "четыре": 4, "пять": 5, "шесть": 6,
    "семь": 7, "восемь": 8, "девять": 9, "десять": 10, "одиннадцать": 11,
    "двенадцать": 12, "тринадцать": 13, "четырнадцать": 14, "пятнадцать": 15,
    "шестнадцать": 16, "семнадцать": 17, "восемнадцать": 18, "девятнадцать": 19,
    "двадцать": 20, "тридцать": 30, "сорок": 40, "пятьдесят": 50,
}
# fmt: on
# fmt: off
RU_ORDINALS: dict[str, int] = {
    "первый": 1, "второй": 2, "третий": 3, "четвёртый": 4, "четвертый": 4, "пятый": 5,
    "шестой": 6, "седьмой": 7, "восьмой": 8, "девятый": 9, "десятый": 10,
    "одиннадцатый": 11, "двенадцатый": 12, "тринадцатый": 13, "четырнадцатый": 14,
    "пятнадцатый": 15, "шестнадцатый": 16, "семнадцатый": 17, "восемнадцатый": 18,
    "девятнадцатый": 19, "двадцатый": 20, "тридцатый": 30,
}
# fmt: on
# fmt: off
EN_CARDINALS: dict[str, int] = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
    "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17,
    "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50,
}
# fmt: on
# fmt: off
EN_ORDINALS: dict[str, int] = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6,
    "seventh": 7, "eighth": 8, "ninth": 9, "tenth": 10, "eleventh": 11, "twelfth": 12,
    "thirteenth": 13, "fourteenth": 14, "fifteenth": 15, "sixteenth": 16,
    "seventeenth": 17, "eighteenth": 18, "nineteenth": 19, "twentieth": 20, "thirtieth": 30,
}
# fmt: on
# Colloquial quantities.
RU_EXTRA: dict[str, int] = {"пару": 2, "пара": 2}
_TENS = {20, 30, 40, 50}


def numeral_value(token: Token) -> tuple[int, bool] | None:
    """``(value, is_ordinal)`` if the token is a numeral word, else ``None``."""
    word = token.text
    if word in EN_CARDINALS:
        return EN_CARDINALS[word], False
    if word in EN_ORDINALS:
        return EN_ORDINALS[word], True
    for lemma in token.lemmas:
        if lemma in RU_CARDINALS:
            return RU_CARDINALS[lemma], False
        if lemma in RU_ORDINALS:
            return RU_ORDINALS[lemma], True
    if word in RU_EXTRA:
        return RU_EXTRA[word], False
    return None


def _glued_half(word: str) -> int | None:
    """Hour of a glued "пол"+ordinal word: "полседьмого" -> 7 (i.e. 6:30)."""
    if not word.startswith("пол") or len(word) < 8:
        return None
    for lemma in lemmas(word[3:]):
        if lemma in RU_ORDINALS and RU_ORDINALS[lemma] <= 12:
            return RU_ORDINALS[lemma]
    return None


def _render(value: int, ordinal: bool, english: bool) -> str:
    if not ordinal:
        return str(value)
    return f"{value}th" if english else f"{value}-е"


def digitize(text: str, tokens: list[Token] | None = None) -> str:
    """Return ``text`` with numeral words replaced by digits, same length as ``text``."""
    tokens = tokenize(text) if tokens is None else tokens
    chars = list(text)

    def put(start: int, end: int, replacement: str) -> None:
        width = end - start
        if len(replacement) > width:  # never happens for real numerals; be safe anyway
            return
        chars[start:end] = replacement.ljust(width)

    i = 0
    while i < len(tokens):
        token = tokens[i]
        half_hour = _glued_half(token.text)
        if half_hour is not None:
            put(token.start, token.end, f"пол {half_hour}-го")
            i += 1
            continue
        found = numeral_value(token)
        if found is None:
            i += 1
            continue
        value, ordinal = found
        if ordinal and i + 1 < len(tokens) and tokens[i + 1].text.startswith("половин"):
            i += 1  # "во второй половине дня" is a part of the day, not a date
            continue
        end = token.end
        english = token.text.isascii()
        # "двадцать пять", "twenty five", "двадцать пятое": tens followed by a unit.
        # ... but not "без двадцати пять" (= 4:40: the tens are the minutes before the hour).
        before_hour = i > 0 and tokens[i - 1].text == "без"
        if not ordinal and value in _TENS and i + 1 < len(tokens) and not before_hour:
            unit = numeral_value(tokens[i + 1])
            if unit is not None and 1 <= unit[0] <= 9:
                value += unit[0]
                ordinal = unit[1]
                end = tokens[i + 1].end
                i += 1
        put(token.start, end, _render(value, ordinal, english))
        i += 1
    return "".join(chars)
