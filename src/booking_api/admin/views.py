"""The admin's model views, with the habits of Django's admin.

Every relationship on the models is ``lazy="raise"``, so whatever a page shows is loaded up front:
sqladmin ``selectinload``s the relationships named in ``column_list``/``column_details_list``;
foreign keys without a relationship (``Break.specialist_id`` and the like) are resolved by
``fk_display`` in one query per page.
"""

from __future__ import annotations

import builtins
import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

import anyio
from markupsafe import Markup
from sqladmin import ModelView, action
from sqladmin.fields import SelectField
from sqladmin.filters import BooleanFilter, ForeignKeyFilter, StaticValuesFilter
from sqladmin.flash import Flash
from sqladmin.formatters import BASE_FORMATTERS
from sqladmin.forms import ModelConverter, get_model_form
from sqladmin.pagination import Pagination
from sqlalchemy import DateTime, Table, delete, select, update
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from wtforms import Form, PasswordField
from wtforms.validators import InputRequired, Optional

from booking_api.admin.auth import current_user
from booking_api.appointments.lifecycle import STATUS_NAMES, TRANSITIONS, transition
from booking_api.catalogue.routes import DAY_NAMES
from booking_api.core.config import Settings
from booking_api.core.security import make_password
from booking_api.models import (
    APPOINTMENT_STATUSES,
    Appointment,
    Base,
    Break,
    Client,
    Service,
    ServiceCategory,
    Specialist,
    SpecialistSchedule,
    TimeOff,
    User,
)

DAY_SHORT = ("Пн", "Вт", "Ср", "Чт", "Пт", "Сб", "Вс")
LANGUAGES = [("ru", "Русский"), ("en", "English")]
STATUS_BADGES = {
    "pending": "bg-yellow-lt",
    "confirmed": "bg-green-lt",
    "completed": "bg-blue-lt",
    "cancelled": "bg-secondary-lt",
}


# --- how objects read ---------------------------------------------------------------------------


def _hm(value: dt.time | None) -> str:
    return value.strftime("%H:%M") if value else ""


def _day(value: int | None) -> str:
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
        return f"{short} {_hm(obj.start_time)}–{_hm(obj.end_time)}"
    if isinstance(obj, Appointment):
        return f"{obj.date:%d.%m.%Y} {_hm(obj.start_time)}"
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
        dt.time: _hm,
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
            rows = (await session.scalars(select(target).order_by(*_order(target)))).all()
        return [(str(obj.id), object_label(obj)) for obj in rows]


def _order(model: type) -> list[Any]:
    if model is User:
        return [User.username]
    if model is SpecialistSchedule:
        return [SpecialistSchedule.specialist_id, SpecialistSchedule.day_of_week]
    name = getattr(model, "name", None)
    return [name] if name is not None else [model.id]  # type: ignore[attr-defined]


# --- filters with Russian labels ----------------------------------------------------------------


class YesNoFilter(BooleanFilter):
    async def lookups(self, request, model, run_query):  # type: ignore[no-untyped-def]
        return [("all", "Все"), ("true", "Да"), ("false", "Нет")]


class ChoiceFilter(StaticValuesFilter):
    async def lookups(self, request, model, run_query):  # type: ignore[no-untyped-def]
        return [("__all", "Все"), *self.values]


class DistinctValuesFilter(StaticValuesFilter):
    """Django's ``list_filter`` on a plain column: every value present, sorted."""

    def __init__(self, column: Any, title: str) -> None:
        super().__init__(column, values=[], title=title)

    async def lookups(self, request, model, run_query):  # type: ignore[no-untyped-def]
        rows = await run_query(select(self.column).distinct().order_by(self.column))
        return [("__all", "Все"), *((row[0], row[0]) for row in rows if row[0])]


class SpecialistFilter(ForeignKeyFilter):
    def __init__(self, column: Any) -> None:
        super().__init__(
            column,
            Specialist.name,
            foreign_model=Specialist,
            title="Специалист",
            parameter_name="specialist",
        )

    async def lookups(self, request, model, run_query):  # type: ignore[no-untyped-def]
        rows = await run_query(select(Specialist.id, Specialist.name).order_by(Specialist.name))
        return [("__all", "Все"), *((str(pk), name) for pk, name in rows)]


class DateFilter:
    """Django's date ``list_filter``: any date, today, the next 7 days, future, past."""

    has_operator = False
    template = "sqladmin/filters/lookup_filter.html"

    def __init__(self, column: Any, tz: dt.tzinfo, title: str = "Дата") -> None:
        self.column = column
        self.tz = tz
        self.title = title
        self.parameter_name = "when"

    async def lookups(self, request, model, run_query):  # type: ignore[no-untyped-def]
        return [
            ("__all", "Любая дата"),
            ("today", "Сегодня"),
            ("tomorrow", "Завтра"),
            ("week", "Ближайшие 7 дней"),
            ("future", "Предстоящие"),
            ("past", "Прошедшие"),
        ]

    async def get_filtered_query(self, query, value, model):  # type: ignore[no-untyped-def]
        today = dt.datetime.now(self.tz).date()
        day = dt.timedelta(days=1)
        conditions = {
            "today": [self.column == today],
            "tomorrow": [self.column == today + day],
            "week": [self.column >= today, self.column < today + 7 * day],
            "future": [self.column >= today],
            "past": [self.column < today],
        }
        return query.where(*conditions[value]) if value in conditions else query


# --- the base view ------------------------------------------------------------------------------


class StaffView(ModelView):
    """Shared defaults; ``mount_admin`` subclasses each view per app (see ``configure``)."""

    page_size = 50
    page_size_options = [25, 50, 100, 200]
    form_converter = LabelledConverter
    can_export = True
    export_types = ["csv"]

    tz: ClassVar[dt.tzinfo] = ZoneInfo("Europe/Moscow")
    settings: ClassVar[Settings | None] = None
    # Foreign keys without a relationship: column -> (model, shown in lists and details).
    fk_display: ClassVar[dict[str, type]] = {}
    # The same ones as select boxes in forms (sqladmin leaves bare foreign keys out of forms).
    fk_select: ClassVar[dict[str, type]] = {}

    @classmethod
    def configure(cls, settings: Settings) -> dict[str, Any]:
        """Class attributes that depend on the app's settings."""
        tz = ZoneInfo(settings.time_zone)
        formatters = type_formatters(tz)
        attrs: dict[str, Any] = {
            "tz": tz,
            "settings": settings,
            "column_type_formatters": formatters,
            "column_type_formatters_detail": formatters,
        }
        form_args = {name: dict(args) for name, args in cls.form_args.items()}
        for column in cls.model.__table__.columns:  # type: ignore[attr-defined]
            if isinstance(getattr(column.type, "impl", column.type), DateTime):
                form_args.setdefault(column.key, {}).update(
                    display_timezone=tz, description=f"Время: {settings.time_zone}"
                )
        attrs["form_args"] = form_args
        if cls.fk_display:
            formatters_list = dict(cls.column_formatters)
            formatters_detail = dict(cls.column_formatters_detail)
            for name in cls.fk_display:
                formatters_list.setdefault(name, _fk_formatter)
                formatters_detail.setdefault(name, _fk_formatter)
            attrs["column_formatters"] = formatters_list
            attrs["column_formatters_detail"] = formatters_detail
        return attrs

    # Bare foreign keys: load the names for a page in one query, show them.

    async def _remember_fk_objects(self, request: Request, rows: Sequence[Any]) -> None:
        cache: dict[tuple[str, int], Any] = getattr(request.state, "admin_fk_cache", {})
        for name, model in self.fk_display.items():
            ids = {getattr(row, name) for row in rows} - {None}
            if ids:
                found = await self._run_query(select(model).where(model.id.in_(ids)))
                cache.update({(name, obj.id): obj for obj in found})
        request.state.admin_fk_cache = cache

    async def list(self, request: Request) -> Pagination:
        pagination = await super().list(request)
        await self._remember_fk_objects(request, pagination.rows)
        return pagination

    async def get_object_for_details(self, request: Request) -> Any:
        obj = await super().get_object_for_details(request)
        if obj is not None:
            await self._remember_fk_objects(request, [obj])
        return obj

    async def delete_model(self, request: Request, pk: Any) -> None:
        async with self.session_maker() as session:
            obj = await session.get(self.model, int(pk))
            if obj is None:
                return
            await self.on_model_delete(obj, request)
            await delete_like_django(session, self.model.__table__, [int(pk)])
            await session.commit()
        await self.after_model_delete(obj, request)
        await self._emit_audit(request, "delete", pk, None)

    async def scaffold_form(self, rules: builtins.list[str] | None = None) -> type[Form]:
        if self.form is not None:
            return self.form
        self._ajax_relation_names = set(self._form_ajax_refs.keys())
        # sqladmin appends validators to the lists it is given: hand it copies.
        form_args = {
            name: {
                key: list(value) if isinstance(value, list) else value
                for key, value in args.items()
            }
            for name, args in self.form_args.items()
        }
        overrides = dict(self._form_overrides)
        for name, model in self.fk_select.items():
            rows = await self._run_query(select(model).order_by(*_order(model)))
            nullable = self.model.__table__.columns[name].nullable  # type: ignore[attr-defined]
            form_args.setdefault(name, {}).update(
                choices=[(obj.id, object_label(obj)) for obj in rows],
                coerce=int,
                allow_blank=nullable,
                blank_text="—",
            )
            overrides[name] = SelectField
        form = await get_model_form(
            model=self.model,
            session_maker=self.session_maker,
            only=self._form_prop_names,
            column_labels=self._column_labels,
            form_args=form_args,
            form_widget_args=self.form_widget_args,
            form_class=self.form_base_class,
            form_overrides=overrides,
            form_ajax_refs=self._form_ajax_refs,
            form_include_pk=bool(self.fk_select),  # bare FKs; ``form_columns`` leaves out the id
            form_converter=self.form_converter,
        )
        if rules:
            self._validate_form_class(rules, form)
        return form


async def delete_like_django(session: Any, table: Table, ids: Sequence[int]) -> None:
    """Delete rows the way Django's ``on_delete`` does, in Python.

    The Django layout's foreign keys carry no ``ON DELETE`` in the database (Django collects
    related rows itself), so the rules declared on the models are applied here: CASCADE
    deletes the dependants first, SET NULL clears their reference.
    """
    for dependant in Base.metadata.sorted_tables:
        for fk in dependant.foreign_keys:
            if fk.column.table is not table or dependant is table:
                continue
            column = fk.parent
            if fk.ondelete == "CASCADE":
                child_ids = (
                    await session.scalars(select(dependant.c.id).where(column.in_(ids)))
                ).all()
                if child_ids:
                    await delete_like_django(session, dependant, child_ids)
            elif fk.ondelete == "SET NULL":
                await session.execute(
                    update(dependant).where(column.in_(ids)).values({column.name: None})
                )
    await session.execute(delete(table).where(table.c.id.in_(ids)))


def _fk_formatter(model: Any, name: str, request: Request) -> Any:
    value = getattr(model, name)
    if value is None:
        return ""
    obj = getattr(request.state, "admin_fk_cache", {}).get((name, value))
    return object_label(obj) if obj is not None else value


def _day_field(nullable: bool) -> dict[str, Any]:
    choices: list[tuple[Any, str]] = list(enumerate(DAY_NAMES))
    return {"choices": choices, "coerce": int, "allow_blank": nullable, "blank_text": "Каждый день"}


# --- the views ----------------------------------------------------------------------------------


class SpecialistAdmin(StaffView, model=Specialist):
    name = "Специалист"
    name_plural = "Специалисты"
    icon = "fa-solid fa-user-doctor"
    category = "Расписание"

    column_list = ["id", "name", "specialization", "city", "is_active", "user"]
    column_details_list = [
        "id",
        "name",
        "specialization",
        "description",
        "city",
        "is_active",
        "user",
        "telegram_id",
        "language",
        "photo",
        "schedules",
    ]
    column_searchable_list = ["name", "specialization"]
    column_sortable_list = ["id", "name", "specialization", "city", "is_active"]
    column_default_sort = "name"
    column_filters = [
        DistinctValuesFilter(Specialist.city, "Город"),
        YesNoFilter(Specialist.is_active, title="Активен"),
    ]
    form_columns = [
        "name",
        "specialization",
        "description",
        "city",
        "is_active",
        "user",
        "telegram_id",
        "language",
    ]
    form_overrides = {"language": SelectField}
    form_args = {"language": {"choices": LANGUAGES}}
    column_labels = {
        "id": "ID",
        "name": "Имя",
        "specialization": "Специализация",
        "description": "Описание",
        "city": "Город",
        "is_active": "Активен",
        "user": "Пользователь",
        "telegram_id": "Telegram ID",
        "language": "Язык уведомлений",
        "photo": "Фото",
        "schedules": "Расписание",
    }


class ScheduleAdmin(StaffView, model=SpecialistSchedule):
    name = "Рабочий день"
    name_plural = "Расписание"
    icon = "fa-solid fa-calendar-week"
    category = "Расписание"

    column_list = ["specialist", "day_of_week", "start_time", "end_time"]
    column_details_list = ["id", "specialist", "day_of_week", "start_time", "end_time"]
    column_sortable_list = ["day_of_week", "start_time", "end_time"]
    column_default_sort = [("specialist_id", False), ("day_of_week", False)]
    column_filters = [SpecialistFilter(SpecialistSchedule.specialist_id)]
    column_formatters = {"day_of_week": lambda m, a: _day(m.day_of_week)}
    column_formatters_detail = column_formatters
    form_columns = ["specialist", "day_of_week", "start_time", "end_time"]
    form_overrides = {"day_of_week": SelectField}
    form_args = {"day_of_week": _day_field(nullable=False)}
    column_labels = {
        "id": "ID",
        "specialist": "Специалист",
        "day_of_week": "День недели",
        "start_time": "Начало",
        "end_time": "Конец",
    }


class BreakAdmin(StaffView, model=Break):
    name = "Перерыв"
    name_plural = "Перерывы"
    icon = "fa-solid fa-mug-hot"
    category = "Расписание"

    column_list = ["specialist_id", "day_of_week", "start_time", "end_time"]
    column_details_list = ["id", "specialist_id", "day_of_week", "start_time", "end_time"]
    column_sortable_list = ["day_of_week", "start_time"]
    column_default_sort = [("specialist_id", False), ("day_of_week", False)]
    column_filters = [SpecialistFilter(Break.specialist_id)]
    column_formatters = {"day_of_week": lambda m, a: _day(m.day_of_week)}
    column_formatters_detail = column_formatters
    fk_display = {"specialist_id": Specialist}
    fk_select = {"specialist_id": Specialist}
    form_columns = ["specialist_id", "day_of_week", "start_time", "end_time"]
    form_overrides = {"day_of_week": SelectField}
    form_args = {"day_of_week": _day_field(nullable=True)}
    column_labels = {
        "id": "ID",
        "specialist_id": "Специалист",
        "day_of_week": "День недели",
        "start_time": "Начало",
        "end_time": "Конец",
    }


class TimeOffAdmin(StaffView, model=TimeOff):
    name = "Нерабочее время"
    name_plural = "Нерабочее время"
    icon = "fa-solid fa-umbrella-beach"
    category = "Расписание"

    column_list = ["specialist_id", "start", "end", "reason"]
    column_details_list = ["id", "specialist_id", "start", "end", "reason"]
    column_sortable_list = ["start", "end"]
    column_default_sort = [("start", True)]
    column_filters = [SpecialistFilter(TimeOff.specialist_id)]
    column_searchable_list = ["reason"]
    fk_display = {"specialist_id": Specialist}
    fk_select = {"specialist_id": Specialist}
    form_columns = ["specialist_id", "start", "end", "reason"]
    column_labels = {
        "id": "ID",
        "specialist_id": "Специалист",
        "start": "Начало",
        "end": "Конец",
        "reason": "Причина",
    }


class CategoryAdmin(StaffView, model=ServiceCategory):
    name = "Категория"
    name_plural = "Категории услуг"
    icon = "fa-solid fa-folder"
    category = "Услуги"

    column_list = ["id", "name", "description"]
    column_searchable_list = ["name"]
    column_sortable_list = ["id", "name"]
    column_default_sort = "name"
    form_columns = ["name", "description"]
    column_labels = {"id": "ID", "name": "Название", "description": "Описание"}


class ServiceAdmin(StaffView, model=Service):
    name = "Услуга"
    name_plural = "Услуги"
    icon = "fa-solid fa-scissors"
    category = "Услуги"

    column_list = ["id", "name", "specialist", "category", "price", "duration", "is_active"]
    column_details_list = [
        "id",
        "name",
        "description",
        "specialist",
        "category",
        "price",
        "duration",
        "buffer_before",
        "buffer_after",
        "is_active",
    ]
    column_searchable_list = ["name", "specialist.name"]
    column_sortable_list = ["id", "name", "price", "duration", "is_active"]
    column_default_sort = "name"
    column_filters = [
        SpecialistFilter(Service.specialist_id),
        ForeignKeyFilter(
            Service.category_id,
            ServiceCategory.name,
            foreign_model=ServiceCategory,
            title="Категория",
            parameter_name="category",
        ),
        YesNoFilter(Service.is_active, title="Активна"),
    ]
    form_columns = [
        "name",
        "description",
        "specialist",
        "category",
        "price",
        "duration",
        "buffer_before",
        "buffer_after",
        "is_active",
    ]
    column_labels = {
        "id": "ID",
        "name": "Название",
        "description": "Описание",
        "specialist": "Специалист",
        "specialist.name": "Специалист",
        "category": "Категория",
        "price": "Цена, ₽",
        "duration": "Длительность, мин",
        "buffer_before": "Подготовка до, мин",
        "buffer_after": "Уборка после, мин",
        "is_active": "Активна",
    }


class ClientAdmin(StaffView, model=Client):
    name = "Клиент"
    name_plural = "Клиенты"
    icon = "fa-solid fa-address-book"
    category = "Записи"

    column_list = ["id", "name", "phone", "email", "city", "telegram_id"]
    column_details_list = [
        "id",
        "name",
        "phone",
        "email",
        "city",
        "telegram_id",
        "language",
        "user",
    ]
    column_searchable_list = ["name", "phone", "email"]
    column_sortable_list = ["id", "name", "city"]
    column_default_sort = "name"
    column_filters = [
        DistinctValuesFilter(Client.city, "Город"),
        ChoiceFilter(Client.language, LANGUAGES, title="Язык"),
    ]
    form_columns = ["name", "phone", "email", "city", "telegram_id", "language", "user"]
    form_overrides = {"language": SelectField}
    form_args = {"language": {"choices": LANGUAGES}}
    column_labels = {
        "id": "ID",
        "name": "Имя",
        "phone": "Телефон",
        "email": "Email",
        "city": "Город",
        "telegram_id": "Telegram ID",
        "language": "Язык",
        "user": "Пользователь",
    }


def _status_badge(model: Appointment, name: str) -> Markup:
    status = model.status
    return Markup('<span class="badge {}">{}</span>').format(
        STATUS_BADGES.get(status, ""), STATUS_NAMES.get(status, status)
    )


class AppointmentAdmin(StaffView, model=Appointment):
    name = "Запись"
    name_plural = "Записи"
    icon = "fa-solid fa-calendar-check"
    category = "Записи"

    # Bookings are made by the API, which checks the schedule and overlaps; here staff look,
    # search, filter and move them along with the actions (the API's transition rules).
    can_create = False
    can_edit = False

    column_list = [
        "id",
        "date",
        "start_time",
        "end_time",
        "client",
        "specialist",
        "service",
        "status",
    ]
    column_details_list = [
        "id",
        "date",
        "start_time",
        "end_time",
        "client",
        "specialist",
        "service",
        "status",
        "buffer_before",
        "buffer_after",
        "created_at",
        "updated_at",
        "cancelled_at",
        "cancelled_by_id",
    ]
    column_searchable_list = ["client.name", "client.phone"]
    column_sortable_list = ["id", "date", "start_time", "status", "created_at"]
    column_default_sort = [("date", True), ("start_time", True)]
    column_formatters = {"status": _status_badge}
    column_formatters_detail = {"status": _status_badge}
    fk_display = {"cancelled_by_id": User}
    column_labels = {
        "id": "ID",
        "date": "Дата",
        "start_time": "Начало",
        "end_time": "Конец",
        "client": "Клиент",
        "client.name": "Имя клиента",
        "client.phone": "Телефон клиента",
        "specialist": "Специалист",
        "service": "Услуга",
        "status": "Статус",
        "buffer_before": "Подготовка до, мин",
        "buffer_after": "Уборка после, мин",
        "created_at": "Создана",
        "updated_at": "Изменена",
        "cancelled_at": "Отменена",
        "cancelled_by_id": "Кем отменена",
    }

    @classmethod
    def configure(cls, settings: Settings) -> dict[str, Any]:
        attrs = super().configure(settings)
        attrs["column_filters"] = [
            ChoiceFilter(
                Appointment.status,
                [(status, STATUS_NAMES[status]) for status in APPOINTMENT_STATUSES],
                title="Статус",
            ),
            DateFilter(Appointment.date, ZoneInfo(settings.time_zone)),
            SpecialistFilter(Appointment.specialist_id),
        ]
        return attrs

    @action(
        name="confirm", label="Подтвердить", confirmation_message="Подтвердить выбранные записи?"
    )
    async def confirm(self, request: Request) -> Response:
        return await self._transition(request, "confirm")

    @action(
        name="complete",
        label="Завершить",
        confirmation_message="Отметить выбранные записи завершёнными?",
    )
    async def complete(self, request: Request) -> Response:
        return await self._transition(request, "complete")

    @action(name="cancel", label="Отменить", confirmation_message="Отменить выбранные записи?")
    async def cancel(self, request: Request) -> Response:
        return await self._transition(request, "cancel")

    async def _transition(self, request: Request, name: str) -> Response:
        """Apply one of the API's transitions (``services.booking``) to the selected rows."""
        pks = [int(pk) for pk in request.query_params.get("pks", "").split(",") if pk.isdigit()]
        allowed, _target = TRANSITIONS[name]
        staff = current_user(request)
        done = skipped = 0
        if pks:
            async with self.session_maker() as session:
                rows = (
                    await session.scalars(
                        select(Appointment).where(Appointment.id.in_(pks)).order_by(Appointment.id)
                    )
                ).all()
                for appointment in rows:
                    if appointment.status in allowed:
                        transition(appointment, name, staff)
                        done += 1
                    else:
                        skipped += 1
                await session.commit()
        verb = {"confirm": "Подтверждено", "complete": "Завершено", "cancel": "Отменено"}[name]
        if done:
            Flash.success(request, f"{verb} записей: {done}.")
        if skipped:
            states = ", ".join(STATUS_NAMES[s] for s in APPOINTMENT_STATUSES if s in allowed)
            Flash.warning(
                request,
                f"Пропущено записей: {skipped} — действие возможно, только когда запись {states}.",
            )
        if not pks:
            Flash.warning(request, "Не выбрано ни одной записи.")
        return RedirectResponse(_back(request, self.identity), status_code=302)


def _back(request: Request, identity: str) -> str:
    """Back to the page the action was started from (keeping its filters), if it is ours."""
    referer = request.headers.get("referer", "")
    admin_root = str(request.url_for("admin:index"))
    if referer.startswith(admin_root):
        return referer
    return str(request.url_for("admin:list", identity=identity))


class OptionalPasswordField(PasswordField):
    """Required on creation only (``on_model_change`` says so); blank on edit keeps the hash."""

    def __init__(self, *args: Any, validators: list | None = None, **kwargs: Any) -> None:
        kept = [v for v in validators or [] if not isinstance(v, InputRequired)]
        super().__init__(*args, validators=[Optional(), *kept], **kwargs)


class UserAdmin(StaffView, model=User):
    name = "Пользователь"
    name_plural = "Пользователи"
    icon = "fa-solid fa-users"
    category = "Доступ"

    column_list = [
        "id",
        "username",
        "email",
        "first_name",
        "last_name",
        "is_staff",
        "is_active",
        "last_login",
    ]
    column_details_list = [
        "id",
        "username",
        "email",
        "first_name",
        "last_name",
        "is_staff",
        "is_superuser",
        "is_active",
        "last_login",
        "date_joined",
    ]
    column_export_list = column_details_list  # never the password hash
    column_searchable_list = ["username", "email", "first_name", "last_name"]
    column_sortable_list = ["id", "username", "email", "last_login", "date_joined"]
    column_default_sort = "username"
    column_filters = [
        YesNoFilter(User.is_staff, title="Персонал"),
        YesNoFilter(User.is_superuser, title="Суперпользователь"),
        YesNoFilter(User.is_active, title="Активен"),
    ]
    form_columns = [
        "username",
        "password",
        "first_name",
        "last_name",
        "email",
        "is_active",
        "is_staff",
        "is_superuser",
    ]
    form_overrides = {"password": OptionalPasswordField}
    form_args = {
        "password": {
            "description": "При создании обязателен. При изменении оставьте пустым, чтобы не менять.",
        }
    }
    column_labels = {
        "id": "ID",
        "username": "Имя пользователя",
        "password": "Пароль",
        "email": "Email",
        "first_name": "Имя",
        "last_name": "Фамилия",
        "is_staff": "Персонал",
        "is_superuser": "Суперпользователь",
        "is_active": "Активен",
        "last_login": "Последний вход",
        "date_joined": "Дата регистрации",
    }

    def is_accessible(self, request: Request) -> bool:
        # Like Django's auth.change_user: whoever manages users can make anyone staff.
        user = current_user(request)
        return bool(user is not None and user.is_superuser)

    def is_visible(self, request: Request) -> bool:
        return self.is_accessible(request)

    async def get_form_data_for_edit(self, obj: Any) -> dict[str, Any]:
        data = await super().get_form_data_for_edit(obj)
        data.pop("password", None)  # the hash never goes to the browser
        return data

    async def on_model_change(
        self, data: dict, model: Any, is_created: bool, request: Request
    ) -> None:
        password = data.pop("password", None) or ""
        if password:
            iterations = self.settings.password_hash_iterations if self.settings else 1_000_000
            data["password"] = await anyio.to_thread.run_sync(
                lambda: make_password(password, iterations=iterations)
            )
        elif is_created:
            raise ValueError("Задайте пароль нового пользователя.")


VIEWS: list[type[StaffView]] = [
    AppointmentAdmin,
    ClientAdmin,
    SpecialistAdmin,
    ScheduleAdmin,
    BreakAdmin,
    TimeOffAdmin,
    ServiceAdmin,
    CategoryAdmin,
    UserAdmin,
]
