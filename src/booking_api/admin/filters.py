"""List filters with Russian labels, in the habits of Django's ``list_filter``."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqladmin.filters import BooleanFilter, ForeignKeyFilter, StaticValuesFilter
from sqlalchemy import select

from booking_api.models import ServiceCategory, Specialist


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


class CategoryFilter(ForeignKeyFilter):
    def __init__(self, column: Any) -> None:
        super().__init__(
            column,
            ServiceCategory.name,
            foreign_model=ServiceCategory,
            title="Категория",
            parameter_name="category",
        )

    async def lookups(self, request, model, run_query):  # type: ignore[no-untyped-def]
        stmt = select(ServiceCategory.id, ServiceCategory.name).order_by(ServiceCategory.name)
        rows = await run_query(stmt)
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
