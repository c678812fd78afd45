"""The admin view of clients."""

from __future__ import annotations

from sqladmin.fields import SelectField

from booking_api.admin.base import StaffView
from booking_api.admin.display import LANGUAGES
from booking_api.admin.filters import ChoiceFilter, DistinctValuesFilter
from booking_api.models import Client


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
