"""How objects read in the admin: labels of related objects, value formats, select boxes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from markupsafe import Markup
from sqladmin.formatters import BASE_FORMATTERS
from sqladmin.forms import ModelConverter
from sqlalchemy import select

from booking_api.appointments.lifecycle import STATUS_NAMES
from booking_api.models import (
    Appointment,
    Client,
    Service,
    ServiceCategory,
    Specialist,
    SpecialistSchedule,
    User,
)
from booking_api.schedules.schemas import DAY_NAMES

DAY_SHORT = ("Пн", "Вт", "Ср", "Чт", "Пт", "Сб", "Вс")
LANGUAGES = [("ru", "Русский"), ("en", "English")]
STATUS_BADGES = {
    "pending": "bg-yellow-lt",
    "confirmed": "bg-green-lt",
    "completed": "bg-blue-lt",
    "cancelled": "bg-secondary-lt",
    "no_show": "bg-red-lt",
}
NO_SHOW = "неявка"
# The statuses as staff read them: the four, and a no-show (a cancelled ``no_show`` row).
STATUS_LABELS = {**STATUS_NAMES, "no_show": NO_SHOW}

# The API's English texts that reach the admin, in the admin's language.
ADMIN_TEXTS = {
    "You do not have permission to perform this action.": "Недостаточно прав для этого действия.",
    "No Appointment matches the given query.": "Запись не найдена.",
    "No Specialist matches the given query.": "Специалист не найден.",
    "Not found.": "Не найдено.",
    "This field is required.": "обязательное поле.",
    "This field may not be blank.": "поле не может быть пустым.",
    "This field may not be null.": "поле не может быть пустым.",
    "Enter a valid email address.": "введите правильный адрес электронной почты.",
}
FIELD_LABELS = {
    "client": "Клиент",
    "service": "Услуга",
    "specialist": "Специалист",
    "date": "Дата",
    "start_time": "Начало",
    "end_time": "Конец",
    "status": "Статус",
    "name": "Имя",
    "phone": "Телефон",
    "email": "Email",
    "city": "Город",
}


def hm(value: dt.time | None) -> str:
    return value.strftime("%H:%M") if value else ""


def day_label(value: int | None) -> str:
    if value is None:
        return "Каждый день"
    return DAY_NAMES[value] if 0 <= value <= 6 else str(value)


def object_label(obj: Any) -> str:
    """What a related object reads as in lists, details and select boxes."""
    if isinstance(obj, Specialist):
        return f"{obj.name} ({obj.specialization})" if obj.specialization else obj.name
    if isinstance(obj, Client):
        return f"{obj.name}, {obj.phone}" if obj.phone else obj.name
    if isinstance(obj, Service):
        return obj.name
    if isinstance(obj, ServiceCategory):
        return obj.name
    if isinstance(obj, User):
        full = f"{obj.first_name} {obj.last_name}".strip()
        return f"{obj.username} ({full})" if full else obj.username
    if isinstance(obj, SpecialistSchedule):
        short = DAY_SHORT[obj.day_of_week] if 0 <= obj.day_of_week <= 6 else obj.day_of_week
        return f"{short} {hm(obj.start_time)}–{hm(obj.end_time)}"
    if isinstance(obj, Appointment):
        return f"{obj.date:%d.%m.%Y} {hm(obj.start_time)}"
    return str(obj)


def type_formatters(tz: dt.tzinfo) -> dict[Any, Callable[[Any], Any]]:
    def local_datetime(value: dt.datetime) -> str:
        if value.tzinfo is not None:
            value = value.astimezone(tz)
        return value.strftime("%d.%m.%Y %H:%M")

    return {
        **BASE_FORMATTERS,
        dt.datetime: local_datetime,
        dt.date: lambda value: value.strftime("%d.%m.%Y"),
        dt.time: hm,
        **{
            model: object_label
            for model in (
                Specialist,
                Client,
                Service,
                ServiceCategory,
                User,
                SpecialistSchedule,
                Appointment,
            )
        },
    }


class LabelledConverter(ModelConverter):
    """Relationship select boxes show names, not ``<Specialist object at 0x…>``."""

    async def _prepare_select_options(self, prop, session_maker):  # type: ignore[no-untyped-def]
        target = prop.mapper.class_
        async with session_maker() as session:
            rows = (await session.scalars(select(target).order_by(*select_order(target)))).all()
        return [(str(obj.id), object_label(obj)) for obj in rows]


def select_order(model: type) -> list[Any]:
    if model is User:
        return [User.username]
    if model is SpecialistSchedule:
        return [SpecialistSchedule.specialist_id, SpecialistSchedule.day_of_week]
    name = getattr(model, "name", None)
    return [name] if name is not None else [model.id]  # type: ignore[attr-defined]


def day_field(nullable: bool) -> dict[str, Any]:
    choices: list[tuple[Any, str]] = list(enumerate(DAY_NAMES))
    return {"choices": choices, "coerce": int, "allow_blank": nullable, "blank_text": "Каждый день"}


def status_badge(model: Appointment, name: str) -> Markup:
    status = "no_show" if model.no_show else model.status
    return Markup('<span class="badge {}">{}</span>').format(
        STATUS_BADGES.get(status, ""), STATUS_LABELS.get(status, status)
    )


def time_span(model: Appointment, name: str) -> str:
    return f"{hm(model.start_time)}–{hm(model.end_time)}"


def refusal_text(body: Any) -> str:
    """One line for staff from an API error body: the contract's own (Russian) texts as they
    are, DRF's English ones in Russian, field errors with the field's label."""
    if isinstance(body, list):
        return " ".join(refusal_text(item) for item in body)
    if not isinstance(body, dict):
        return ADMIN_TEXTS.get(str(body), str(body))
    parts = []
    for key, value in body.items():
        messages = value if isinstance(value, list) else [value]
        text = " ".join(ADMIN_TEXTS.get(str(m), str(m)) for m in messages)
        label = FIELD_LABELS.get(key)
        parts.append(f"{label}: {text}" if label else text)
    return " ".join(parts)


SHOWING = "Showing %(start)s to %(end)s of %(count)s items"


def with_english_twins(labels: dict[str, str]) -> dict[str, str]:
    """``labels`` plus the label of each column's English twin (``name`` → ``name_en``,
    "Название (англ.)"), the convention of the bilingual catalogue's columns."""
    return {**labels, **{f"{key}_en": f"{text} (англ.)" for key, text in labels.items()}}


#: sqladmin writes "Number of characters: N" under a text area from its JavaScript, in English
#: whatever the locale; the layout writes this instead.
CHARS_COUNT_LABEL = "Символов"


def admin_gettext(translate: Callable[[str], str]) -> Callable[..., str]:
    """sqladmin's ``_()`` with the count of an empty list said plainly ("Записей нет", not
    "Показано 1–0 из 0 элементов")."""

    def gettext(message: str, **variables: Any) -> str:
        if message == SHOWING and not variables.get("count"):
            return "Записей нет"
        text = translate(message)
        return text % variables if variables else text

    return gettext
