"""The admin view of users (superusers only), passwords stored with Django's hashes."""

from __future__ import annotations

from typing import Any

import anyio
from starlette.requests import Request
from wtforms import PasswordField
from wtforms.validators import InputRequired, Optional

from booking_api.admin.auth import current_user
from booking_api.admin.base import StaffView
from booking_api.admin.filters import YesNoFilter
from booking_api.core.security import make_password
from booking_api.models import User


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
            "description": (
                "При создании обязателен. При изменении оставьте пустым, чтобы не менять."
            ),
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
