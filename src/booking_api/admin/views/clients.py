"""The admin view of clients."""

from __future__ import annotations

from typing import Any

from sqladmin.fields import SelectField
from sqlalchemy import Select
from sqlalchemy.orm import with_expression
from starlette.requests import Request

from booking_api.admin.base import StaffView
from booking_api.admin.display import LANGUAGES
from booking_api.admin.filters import ChoiceFilter, DistinctValuesFilter
from booking_api.clients.repository import no_show_count
from booking_api.models import Client


class ClientAdmin(StaffView, model=Client):
    name = "Клиент"
    name_plural = "Клиенты"
    icon = "fa-solid fa-address-book"
    category = "Записи"

    column_list = ["id", "name", "phone", "email", "city", "telegram_id", "no_show_count"]
    column_details_list = [
        "id",
        "name",
        "phone",
        "email",
        "city",
        "telegram_id",
        "language",
        "user",
        "no_show_count",
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
        "no_show_count": "Неявок",
    }
    column_export_list = ["id", "name", "phone", "email", "city", "telegram_id", "language"]

    # How many of each client's appointments nobody came to, in the same query.
    def list_query(self, request: Request) -> Select:
        return super().list_query(request).options(_with_no_shows())

    def details_query(self, request: Request) -> Select:
        return super().details_query(request).options(_with_no_shows())


def _with_no_shows() -> Any:
    return with_expression(Client.no_show_count, no_show_count())
