# ruff: noqa: E501  (translation strings are kept on one line each)
"""The API's refusals in the user's language: the translation catalogue of every Russian text
the booking API answers with (its contract's, ``docs/CONTRACT.md``, and the product's own).

The API speaks Russian only (the Django service's texts are the contract); the MCP server
renders them for an English conversation with :func:`in_language`. A text is a template whose
``{placeholders}`` take what the API put there (a number, a verb, a status).
"""

from __future__ import annotations

import re
from functools import lru_cache

#: (the API's Russian text, its English rendering). ``{n}`` is kept as it is; ``{verb}``,
#: ``{Verb}`` and ``{status}`` are looked up in :data:`WORDS`.
TEXTS: tuple[tuple[str, str], ...] = (
    # booking rules (contract section 5 and the checks added to it)
    ("Выбранное время уже занято.", "That time is already booked."),
    ("Специалист не работает в выбранный день.", "The specialist does not work on that day."),
    (
        "Время записи не соответствует графику работы специалиста.",
        "That time is outside the specialist's working hours.",
    ),
    (
        "Время окончания должно быть позже времени начала.",
        "The end time must be later than the start time.",
    ),
    (
        "Выбранная услуга не оказывается этим специалистом.",
        "This specialist does not offer that service.",
    ),
    ("Нельзя записаться на прошедшее время.", "That time has already passed."),
    (
        "Запись возможна не более чем на {n} дн. вперёд.",
        "Bookings can be made at most {n} days ahead.",
    ),
    (
        "Выбранное время попадает на перерыв специалиста.",
        "That time falls on the specialist's break.",
    ),
    ("Специалист не принимает в выбранное время.", "The specialist is not available at that time."),
    # free time (contract section 4)
    (
        "Специалист не работает в этот день недели",
        "The specialist does not work on that day of the week",
    ),
    ("Услуга не найдена у этого специалиста", "This specialist has no such service"),
    ("Неверный формат даты. Используйте YYYY-MM-DD", "Wrong date format. Use YYYY-MM-DD"),
    ("Неверный формат месяца. Используйте YYYY-MM", "Wrong month format. Use YYYY-MM"),
    (
        "Укажите service, category_id, service_name или specialist.",
        "Give service, category_id, service_name or specialist.",
    ),
    # an appointment's life
    ("Нельзя {verb} запись, которая {status}.", "You cannot {verb} a booking that is {status}."),
    (
        "{Verb} запись можно не позднее чем за {n} мин. до начала.",
        "A booking can be {done} no later than {n} min before it starts.",
    ),
    (
        "Нельзя подтвердить визит: запись {status}.",
        "You cannot confirm the visit: the booking is {status}.",
    ),
    ("Перенести можно только активную запись.", "Only an active booking can be moved."),
    (
        "Отметить неявку можно только после начала записи.",
        "A no-show can only be marked after the booking has started.",
    ),
    (
        "Этот Idempotency-Key уже использован для другого запроса.",
        "This Idempotency-Key was already used for another request.",
    ),
    # clients
    ("Сначала зарегистрируйтесь как клиент.", "Please register as a client first."),
    # holds
    (
        "Время удержания истекло: выберите время заново.",
        "The hold has expired: please choose a time again.",
    ),
    (
        "Удержание снято: выберите время заново.",
        "The hold was released: please choose a time again.",
    ),
    (
        "Удержание уже подтверждено: отмените запись, если она не нужна.",
        "The hold is already confirmed: cancel the booking if you do not need it.",
    ),
    # the waiting list
    ("Вы уже в листе ожидания на этот день.", "You are already on the waiting list for that day."),
    (
        "Предложение не найдено или уже недействительно.",
        "The offer was not found or is no longer valid.",
    ),
    (
        "Время на ответ истекло: предложение передано следующему в очереди.",
        "The time to answer has run out: the offer went to the next person in the queue.",
    ),
    (
        "Нельзя встать в лист ожидания на прошедший день.",
        "You cannot join the waiting list for a day that has passed.",
    ),
    ("Эта услуга сейчас недоступна.", "This service is not available now."),
    (
        "Время «до» должно быть позже времени «с».",
        "The “to” time must be later than the “from” time.",
    ),
    # staff's photo upload
    ("Файл слишком большой: не более {n} МБ.", "The file is too large: {n} MB at most."),
)

#: The words the API puts into its templates, in English.
WORDS: dict[str, str] = {
    # verbs (lifecycle.VERBS) and their capitalised forms (the cut-off's)
    "подтвердить": "confirm",
    "завершить": "complete",
    "отменить": "cancel",
    "отметить неявкой": "mark as a no-show",
    "Отменить": "cancelled",
    "Перенести": "moved",
    # statuses (lifecycle.STATUS_NAMES)
    "ожидает подтверждения": "awaiting confirmation",
    "подтверждена": "confirmed",
    "завершена": "completed",
    "отменена": "cancelled",
}

_SLOT = {
    "n": r"(?P<n>\d+)",
    "verb": r"(?P<verb>[^,.]+?)",
    "Verb": r"(?P<Verb>\S+)",
    "status": r"(?P<status>[^.:]+?)",
}


@lru_cache(maxsize=1)
def _patterns() -> tuple[tuple[re.Pattern[str], str], ...]:
    compiled = []
    for russian, english in TEXTS:
        pattern = re.escape(russian)
        for name, group in _SLOT.items():
            pattern = pattern.replace(re.escape("{" + name + "}"), group)
        compiled.append((re.compile(pattern), english))
    return tuple(compiled)


def _render(match: re.Match[str], english: str) -> str:
    found = match.groupdict()
    values = {"n": found.get("n") or ""}
    for name in ("verb", "status"):
        if found.get(name):
            values[name] = WORDS.get(found[name], found[name])
    if found.get("Verb"):
        values["done"] = WORDS.get(found["Verb"], found["Verb"])
    return english.format(**values)


def english(text: str) -> str:
    """``text`` with every API sentence in it rendered in English (the rest left as it is)."""
    for pattern, rendering in _patterns():
        text = pattern.sub(lambda m, r=rendering: _render(m, r), text)
    return text


def has_cyrillic(text: str) -> bool:
    return re.search("[\u0400-\u04ff]", text) is not None


def in_language(text: str, lang: str, fallback: str = "") -> str:
    """An API message for a user speaking ``lang``: Russian as the API wrote it, English
    rendered from this catalogue; ``fallback`` when some of it has no English rendering."""
    if lang != "en":
        return text
    rendered = english(text)
    if has_cyrillic(rendered) and fallback:
        return fallback
    return rendered
