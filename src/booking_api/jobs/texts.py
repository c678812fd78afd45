"""What the jobs say in Telegram: reminders and waitlist offers in the client's language
(``booking_client.language``: ru by default, en), specialist notices in the specialist's
(``booking_specialist.language``)."""

from __future__ import annotations

import datetime as dt

from babel.dates import format_date

Buttons = list[list[tuple[str, str]]]

_TEXT = {
    "ru": {
        "reminder": "Напоминаем о записи {when_left}: «{service}», специалист {specialist}, "
        "{date} в {time}.\nВы придёте?",
        "early": "Пожалуйста, подтвердите запись: «{service}», специалист {specialist}, "
        "{date} в {time}.\nЕсли планы изменились, отмените её: время сможет занять другой "
        "клиент.",
        "confirm": "✅ Подтверждаю",
        "cancel": "❌ Отменить запись",
        "offer": "Освободилось время: «{service}», специалист {specialist}, {date} в {time}.\n"
        "Нажмите «Записаться», чтобы занять его. Предложение действует до {until}; "
        "кто первым нажмёт — того и запишем.",
        "book": "📅 Записаться",
        "in_minutes": "через {n} мин.",
        "in_hours": "через {n} ч.",
        "tomorrow": "на завтра",
    },
    "en": {
        "reminder": "A reminder of your appointment {when_left}: “{service}” with {specialist}, "
        "{date} at {time}.\nWill you come?",
        "early": "Please confirm your appointment: “{service}” with {specialist}, "
        "{date} at {time}.\nIf your plans have changed, cancel it so that someone else can "
        "take the time.",
        "confirm": "✅ I'll be there",
        "cancel": "❌ Cancel it",
        "offer": "A time has freed up: “{service}” with {specialist}, {date} at {time}.\n"
        "Tap “Book” to take it. The offer is open until {until}; "
        "first come, first served.",
        "book": "📅 Book",
        "in_minutes": "in {n} min",
        "in_hours": "in {n} h",
        "tomorrow": "for tomorrow",
    },
}


def language(code: str | None) -> str:
    return code if code in _TEXT else "ru"


def day_text(day: dt.date, lang: str) -> str:
    return format_date(day, "EEEE, d MMMM", locale=lang)


def _when_left(minutes: int, lang: str) -> str:
    t = _TEXT[lang]
    if minutes == 1440:
        return t["tomorrow"]
    if minutes % 60 == 0:
        return t["in_hours"].format(n=minutes // 60)
    return t["in_minutes"].format(n=minutes)


def reminder(
    *,
    lang: str,
    offset_minutes: int,
    service: str,
    specialist: str,
    day: dt.date,
    time: dt.time,
    appointment_id: int,
    early: bool = False,
) -> tuple[str, Buttons]:
    """A reminder asking "will you come?"; ``early``: the early request of a client with
    repeated no-shows (``jobs.attendance``), which asks to confirm outright."""
    t = _TEXT[language(lang)]
    text = t["early" if early else "reminder"].format(
        when_left=_when_left(offset_minutes, language(lang)),
        service=service,
        specialist=specialist,
        date=day_text(day, language(lang)),
        time=time.strftime("%H:%M"),
    )
    return text, [
        [
            (t["confirm"], f"rem:confirm:{appointment_id}"),
            (t["cancel"], f"rem:cancel:{appointment_id}"),
        ]
    ]


def waitlist_offer(
    *,
    lang: str,
    service: str,
    specialist: str,
    day: dt.date,
    time: dt.time,
    until: dt.datetime,
    token: str,
) -> tuple[str, Buttons]:
    t = _TEXT[language(lang)]
    text = t["offer"].format(
        service=service,
        specialist=specialist,
        date=day_text(day, language(lang)),
        time=time.strftime("%H:%M"),
        until=until.strftime("%H:%M"),
    )
    return text, [[(t["book"], f"wl:book:{token}")]]


_NOTICE = {
    "ru": {
        "created": "Новая запись: {client}, «{service}», {date} в {time}.",
        "cancelled": "Запись отменена: {client}, «{service}», {date} в {time}. Время освободилось.",
        "moved": "Запись перенесена: {client}, «{service}» — с {old_date} {old_time} "
        "на {date} в {time}.",
    },
    "en": {
        "created": "New booking: {client}, “{service}”, {date} at {time}.",
        "cancelled": "Booking cancelled: {client}, “{service}”, {date} at {time}. "
        "The time is free again.",
        "moved": "Booking moved: {client}, “{service}” — from {old_date} {old_time} "
        "to {date} at {time}.",
    },
}


def specialist_notice(
    event: str,
    *,
    lang: str | None = None,
    client: str,
    service: str,
    day: dt.date,
    time: dt.time,
    old_day: dt.date | None = None,
    old_time: dt.time | None = None,
) -> str:
    lang = language(lang)
    return _NOTICE[lang][event].format(
        client=client,
        service=service,
        date=day_text(day, lang),
        time=time.strftime("%H:%M"),
        old_date=day_text(old_day, lang) if old_day else "",
        old_time=old_time.strftime("%H:%M") if old_time else "",
    )
