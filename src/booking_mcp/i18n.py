# ruff: noqa: E501  (translation strings are kept on one line each)
"""Reply texts of the assistant: one catalogue per language (Russian is the default).

Every sentence the dialog says lives in :data:`MESSAGES`; code asks for it by key with
:func:`t`. Dates are written in words with Babel ("среда, 25 ноября", "Wednesday, 25
November"), prices as "1 500 ₽".
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from babel.dates import format_date, get_day_names

LANGUAGES = ("ru", "en")
DEFAULT_LANGUAGE = "ru"

MESSAGES: dict[str, dict[str, str]] = {
    "ru": {
        "greeting": "Здравствуйте! Я помогу записаться к специалисту, перенести или отменить запись.",
        "chat_server": "Ассистент: {url}",
        "chat_unreachable": "По адресу {url} ассистент не отвечает.",
        "chat_in_process": "Ассистент запущен в этом процессе; API: {url}",
        "chat_prompt": (
            "Напишите сообщение (пустая строка или Ctrl-D — выход). Кнопки показаны как [значение]."
        ),
        "help": (
            "Я умею:\n"
            "• записать к специалисту — например, «запишите меня на маникюр завтра в 15:00»;\n"
            "• показать свободное время — «когда свободна Анна в пятницу?»;\n"
            "• показать ваши записи — «мои записи»;\n"
            "• перенести или отменить запись — «перенесите запись», «отмените запись»."
        ),
        "unknown": "Извините, я не понял. Скажите, например, «хочу записаться на стрижку».",
        "ask_specialist": "К какому специалисту вас записать?",
        "ask_specialist_for": "Кто выполнит услугу «{service}»?",
        "ask_service": "Какая услуга нужна у специалиста {specialist}?",
        "ask_service_any": "На какую услугу вас записать? Выберите специалиста или назовите услугу.",
        "ask_date": "На какой день? Ближайшие свободные дни: {days}.",
        "no_days": "У специалиста {specialist} нет свободных дней в ближайшие недели.",
        "ask_time": "{date}: свободное время — {times}. Какое время выбрать?",
        "no_slots_day": "{date} у специалиста {specialist} нет свободного времени.",
        "day_off": "{date}: {reason}",
        "time_taken": "{time} уже занято. Свободно: {times}.",
        "past_date": "Эта дата уже прошла. Выберите другой день.",
        "confirm_book": (
            "Подтвердите запись: {service} у специалиста {specialist}, {date}, в {time}. "
            "Стоимость {price}. Записать?"
        ),
        "booked": "Готово! Вы записаны: {service}, {specialist}, {date}, в {time}. Номер записи {id}.",
        "book_failed": "Не получилось записать: {error}",
        "declined": "Хорошо, ничего не меняю.",
        "reset": "Хорошо, начнём заново. Чем помочь?",
        "no_appointments": "У вас нет предстоящих записей.",
        "my_appointments": "Ваши записи:\n{items}",
        "appointment_line": "№{id}: {service}, {specialist}, {date}, {time}",
        "ask_appointment_cancel": "Какую запись отменить?",
        "ask_appointment_reschedule": "Какую запись перенести?",
        "appointment_not_found": "Запись №{id} не найдена среди ваших предстоящих записей.",
        "confirm_cancel": "Отменить запись №{id}: {service}, {specialist}, {date}, {time}?",
        "cancelled": "Запись №{id} отменена.",
        "cancel_failed": "Не получилось отменить: {error}",
        "reschedule_ask_date": "Перенос записи №{id} ({service}). На какой день? Свободные дни: {days}.",
        "confirm_reschedule": "Перенести запись №{id} ({service}) на {date}, {time}?",
        "rescheduled": "Готово! Запись №{id} перенесена на {date}, {time}.",
        "reschedule_failed": "Не получилось перенести: {error}",
        "specialists_found": "Нашлись специалисты:\n{items}",
        "specialist_line": "{name} — {specialization}, {city}",
        "services_list": "Услуги:\n{items}",
        "service_line": "{name} — {price}, {duration} мин ({specialist})",
        "nothing_found": "Ничего не нашлось. Попробуйте иначе.",
        "registered": "Вы зарегистрированы как {name}.",
        "nearest": "Ближайшее свободное время: {items}.",
        "nearest_line": "{date} {time} — {specialist}",
        "error": "Сервис записи сейчас недоступен, попробуйте чуть позже.",
        "waitlist_hint": "Могу сообщить в Telegram, если в этот день освободится время.",
        "waitlist_button": "Сообщить, если время освободится",
        "waitlist_joined": (
            "Хорошо! Сообщу, если {date} освободится время: {service}, {specialist}. "
            "Кто первым нажмёт «Записаться» в сообщении — того и запишем."
        ),
        "waitlist_failed": "Не получилось встать в лист ожидания: {error}",
        "waitlist_nothing": "Сначала выберите день, на который нет свободного времени.",
        "yes": "Да",
        "no": "Нет",
        "and_more": "и ещё",
        "stopped": "Хорошо, ничего не записываю. Если понадобится — напишите.",
        "what_to_change": "Хорошо. Что изменить — день, время или специалиста?",
        "thanks": "Пожалуйста! Обращайтесь.",
        "goodbye": "До свидания! Будем рады вас видеть.",
        "price_answer": "{service} ({specialist}) — {price}, {duration} мин. Записать вас?",
        "unknown_choice": "Не понял, какой вариант выбрать. Нажмите кнопку или назовите его.",
        "business_address": "Наш адрес: {address}",
        "business_phone": "Наш телефон: {phone}",
        "business_hours": "Часы работы: {hours}",
        "business_unknown": "К сожалению, у меня нет этих сведений.",
        "business_call": "Позвоните нам: {phone}",
        "business_offer": "Хотите записаться? Назовите услугу, например «маникюр завтра».",
        "business_continue": "Продолжим запись?",
        "page_back": "◂ Назад",
        "page_more": "Ещё ▸",
        "language_name": "Русский",
        "language_set": "Хорошо, говорим по-русски.",
        "choose_language": "На каком языке вам удобнее?",
        "ask_category": "Что вас интересует? Выберите раздел.",
        "ask_service_in": "Какая услуга из раздела «{category}»?",
        "no_part_of_day": "{part} свободного времени нет.",
        "part_morning": "Утром",
        "part_afternoon": "Днём",
        "part_evening": "Вечером",
        "ask_contact_name_phone": "Чтобы записать вас, напишите, пожалуйста, имя и номер телефона — например, «Анна, +7 900 123-45-67».",
        "ask_contact_name": "Как вас зовут? Напишите имя и фамилию.",
        "ask_contact_phone": "Напишите, пожалуйста, номер телефона — например, +7 900 123-45-67.",
        "contact_bad_phone": "Этот номер не похож на настоящий. Напишите номер телефона целиком, например +7 900 123-45-67.",
        "contact_saved": "Спасибо, {name}! Телефон {phone} сохранён.",
        "price_line": "{service} ({specialist}) — {price}, {duration} мин.",
        "offer_to_book": "Записать вас?",
        "only_one_does": "Услугу «{service}» у нас выполняет только {specialist}.",
        "stuck": "Кажется, я вас не понимаю. Выберите вариант — напишите его номер или название:\n{items}\nИли скажите «стоп», чтобы начать сначала, или «помощь».",
        "stuck_no_options": "Кажется, я вас не понимаю. {question}\nМожно сказать «стоп», чтобы начать сначала, или «помощь» — я расскажу, что умею.",
        "specialist_about": "{name} — {specialization}, {city}. {about}",
        "schedule_day": "{day} {start}–{end}",
        "schedule_answer": "{name} работает: {days}.",
        "schedule_none": "У специалиста {name} пока нет расписания.",
        "services_of": "Услуги специалиста {name}:\n{items}",
        "next_appointment": "Ваша следующая запись: {service}, {specialist}, {date}, в {time} (№{id}).",
        "draft": "{service} у специалиста {specialist}, {date}, в {time} ({price}).",
        "room_on_day": "{date} есть свободное время у специалистов: {names}. К кому вас записать?",
        "no_room_on_day": "{date} свободного времени нет. Выберите другой день.",
    },
    "en": {
        "greeting": "Hello! I can book you with a specialist, or move or cancel a booking.",
        "chat_server": "Assistant: {url}",
        "chat_unreachable": "No assistant answers at {url}.",
        "chat_in_process": "The assistant runs in this process; API: {url}",
        "chat_prompt": "Write a message (an empty line or Ctrl-D to leave). Buttons show as [value].",
        "help": (
            "I can:\n"
            '• book you with a specialist, e.g. "book a manicure tomorrow at 3 pm";\n'
            '• show free times, "when is Anna free on Friday?";\n'
            '• show your bookings, "my appointments";\n'
            "• reschedule or cancel a booking."
        ),
        "unknown": "Sorry, I didn't get that. Try \"I'd like to book a haircut\".",
        "ask_specialist": "Which specialist would you like to see?",
        "ask_specialist_for": 'Who should do the "{service}"?',
        "ask_service": "Which service would you like from {specialist}?",
        "ask_service_any": "Which service would you like? Choose a specialist or name a service.",
        "ask_date": "Which day? The next free days: {days}.",
        "no_days": "{specialist} has no free days in the coming weeks.",
        "ask_time": "{date}: free times are {times}. Which time suits you?",
        "no_slots_day": "{specialist} has no free time on {date}.",
        "day_off": "{date}: {reason}",
        "time_taken": "{time} is taken. Free: {times}.",
        "past_date": "That date has passed. Please choose another day.",
        "confirm_book": (
            "Please confirm: {service} with {specialist}, {date} at {time}. "
            "Price {price}. Shall I book it?"
        ),
        "booked": "Done! You are booked: {service} with {specialist}, {date} at {time}. Booking no. {id}.",
        "book_failed": "Could not book: {error}",
        "declined": "All right, nothing changed.",
        "reset": "All right, let's start over. How can I help?",
        "no_appointments": "You have no upcoming appointments.",
        "my_appointments": "Your appointments:\n{items}",
        "appointment_line": "No. {id}: {service}, {specialist}, {date}, {time}",
        "ask_appointment_cancel": "Which appointment should I cancel?",
        "ask_appointment_reschedule": "Which appointment should I move?",
        "appointment_not_found": "Appointment no. {id} is not among your upcoming appointments.",
        "confirm_cancel": "Cancel appointment no. {id}: {service}, {specialist}, {date}, {time}?",
        "cancelled": "Appointment no. {id} is cancelled.",
        "cancel_failed": "Could not cancel: {error}",
        "reschedule_ask_date": "Moving appointment no. {id} ({service}). Which day? Free days: {days}.",
        "confirm_reschedule": "Move appointment no. {id} ({service}) to {date} at {time}?",
        "rescheduled": "Done! Appointment no. {id} is moved to {date} at {time}.",
        "reschedule_failed": "Could not reschedule: {error}",
        "specialists_found": "Specialists:\n{items}",
        "specialist_line": "{name} — {specialization}, {city}",
        "services_list": "Services:\n{items}",
        "service_line": "{name} — {price}, {duration} min ({specialist})",
        "nothing_found": "Nothing found. Please try differently.",
        "registered": "You are registered as {name}.",
        "nearest": "The nearest free times: {items}.",
        "nearest_line": "{date} {time} with {specialist}",
        "error": "The booking service is unavailable right now, please try again later.",
        "waitlist_hint": "I can tell you in Telegram if a time frees up that day.",
        "waitlist_button": "Notify me if a time frees up",
        "waitlist_joined": (
            "All right! I'll tell you if a time frees up on {date}: {service} with {specialist}. "
            'Whoever taps "Book" in that message first gets it.'
        ),
        "waitlist_failed": "Could not join the waitlist: {error}",
        "waitlist_nothing": "First choose a day that has no free time.",
        "yes": "Yes",
        "no": "No",
        "and_more": "and more",
        "stopped": "All right, I won't book anything. Write any time.",
        "what_to_change": "All right. What should I change: the day, the time or the specialist?",
        "thanks": "You're welcome!",
        "goodbye": "Goodbye! We'll be glad to see you.",
        "price_answer": "{service} ({specialist}): {price}, {duration} min. Shall I book you?",
        "unknown_choice": "Which option do you mean? Press a button or name it.",
        "business_address": "Our address: {address}",
        "business_phone": "Our phone number: {phone}",
        "business_hours": "Opening hours: {hours}",
        "business_unknown": "Sorry, I don't have that information.",
        "business_call": "Please call us: {phone}",
        "business_offer": "Would you like to book? Name a service, e.g. “manicure tomorrow”.",
        "business_continue": "Shall we go on with your booking?",
        "page_back": "◂ Back",
        "page_more": "More ▸",
        "language_name": "English",
        "language_set": "All right, we'll speak English.",
        "choose_language": "Which language do you prefer?",
        "ask_category": "What are you interested in? Choose a section.",
        "ask_service_in": 'Which service of "{category}"?',
        "no_part_of_day": "{part} there is no free time.",
        "part_morning": "In the morning",
        "part_afternoon": "In the afternoon",
        "part_evening": "In the evening",
        "ask_contact_name_phone": 'To book you, please write your name and phone number, e.g. "Anna, +7 900 123-45-67".',
        "ask_contact_name": "What is your name? Please write your first and last name.",
        "ask_contact_phone": "Please write your phone number, e.g. +7 900 123-45-67.",
        "contact_bad_phone": "That doesn't look like a real phone number. Please write the whole number, e.g. +7 900 123-45-67.",
        "contact_saved": "Thank you, {name}! Your phone {phone} is saved.",
        "price_line": "{service} ({specialist}): {price}, {duration} min.",
        "offer_to_book": "Shall I book you?",
        "only_one_does": 'Only {specialist} does the "{service}" here.',
        "stuck": 'I don\'t think I\'m understanding you. Pick an option — type its number or its name:\n{items}\nOr say "stop" to start over, or "help".',
        "stuck_no_options": 'I don\'t think I\'m understanding you. {question}\nYou can say "stop" to start over, or "help" to hear what I can do.',
        "specialist_about": "{name}: {specialization}, {city}. {about}",
        "schedule_day": "{day} {start}–{end}",
        "schedule_answer": "{name} works: {days}.",
        "schedule_none": "{name} has no schedule yet.",
        "services_of": "Services of {name}:\n{items}",
        "next_appointment": "Your next appointment: {service} with {specialist}, {date} at {time} (no. {id}).",
        "draft": "{service} with {specialist}, {date} at {time} ({price}).",
        "room_on_day": "On {date} there is free time with: {names}. Whom would you like to see?",
        "no_room_on_day": "There is no free time on {date}. Please choose another day.",
    },
}


def language(code: str | None) -> str:
    """A supported language for ``code`` ("en-GB" → "en"), Russian otherwise."""
    code = (code or "").lower()[:2]
    return code if code in LANGUAGES else DEFAULT_LANGUAGE


def t(lang: str, key: str, **values: object) -> str:
    """The text ``key`` in ``lang`` with ``values`` filled in."""
    catalogue = MESSAGES.get(language(lang), MESSAGES[DEFAULT_LANGUAGE])
    text = catalogue.get(key) or MESSAGES[DEFAULT_LANGUAGE][key]
    return text.format(**values) if values else text


def format_day(value: dt.date | str, lang: str) -> str:
    """ "среда, 25 ноября" / "Wednesday, 25 November"."""
    if isinstance(value, str):
        value = dt.date.fromisoformat(value)
    return format_date(value, "EEEE, d MMMM", locale=language(lang))


def weekday_names(lang: str) -> list[str]:
    """Short weekday names, Monday first ("пн" … / "Mon" …)."""
    names = get_day_names("abbreviated", locale=language(lang))
    return [names[i] for i in range(7)]


def after_colon(text: str) -> str:
    """A sentence that goes on after a colon ("Суббота, 5 декабря: специалист не работает…"):
    its first letter small, unless the first word is a name or an abbreviation (two capitals
    in a row, or a capital later in the word)."""
    first = text.split(" ", 1)[0]
    if len(first) > 1 and any(ch.isupper() for ch in first[1:]):
        return text
    return text[:1].lower() + text[1:]


def sentence_start(text: str) -> str:
    """The text with its first letter capital, the rest as it is ("8 December" keeps its
    capital, which ``str.capitalize`` would drop)."""
    return text[:1].upper() + text[1:]


def format_short_day(value: dt.date | str, lang: str) -> str:
    """ "ср, 25 нояб." style labels for buttons: "ср 25.11" / "Wed 25 Nov"."""
    if isinstance(value, str):
        value = dt.date.fromisoformat(value)
    if language(lang) == "ru":
        return format_date(value, "EEE, d MMM", locale="ru").replace(".", "")
    return format_date(value, "EEE d MMM", locale="en")


def format_price(value: str | Decimal | float | int | None, lang: str = DEFAULT_LANGUAGE) -> str:
    """ "1 500 ₽" in Russian, "1,500 ₽" in English (kopecks shown only when non-zero)."""
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return str(value)
    english = language(lang) == "en"
    whole = int(amount)
    text = f"{whole:,}".replace(",", "," if english else " ")
    cents = int((amount - whole) * 100)
    if cents:
        text += f"{'.' if english else ','}{cents:02d}"
    return f"{text} ₽"


def join_list(items: list[str], lang: str, limit: int = 8) -> str:
    """ "a, b, c" with at most ``limit`` items, then "and more"."""
    shown = ", ".join(items[:limit])
    if len(items) > limit:
        shown += f" {t(lang, 'and_more')}"
    return shown
