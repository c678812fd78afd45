"""The admin's webhook pages: endpoints (the secret shown once), the delivery log with its
attempts, and "send again".

Views are added to the panel by :func:`add_views` (``create_app`` calls it with the panel
``mount_admin`` made), a class per app as ``mount_admin`` does for its own views.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import orjson
from markupsafe import Markup
from sqladmin import Admin, action
from sqladmin.flash import Flash
from sqlalchemy import select
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from wtforms import SelectMultipleField

from booking_api.admin.base import StaffView
from booking_api.admin.filters import ChoiceFilter
from booking_api.calendars.admin import CalendarFeedAdmin
from booking_api.core.config import Settings
from booking_api.webhooks import events, guard, sender, service
from booking_api.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint

STATUS_NAMES = {"pending": "в очереди", "succeeded": "доставлено", "failed": "не доставлено"}
STATUS_BADGES = {"pending": "bg-yellow-lt", "succeeded": "bg-green-lt", "failed": "bg-red-lt"}


def _events(model: WebhookEndpoint, name: str) -> str:
    return ", ".join(model.events or [])


def _status(model: WebhookDelivery, name: str) -> Markup:
    return Markup('<span class="badge {}">{}</span>').format(
        STATUS_BADGES.get(model.status, ""), STATUS_NAMES.get(model.status, model.status)
    )


def _payload(model: WebhookDelivery, name: str) -> Markup:
    pretty = orjson.dumps(orjson.loads(model.payload), option=orjson.OPT_INDENT_2).decode()
    return Markup("<pre>{}</pre>").format(pretty)


class WebhookEndpointAdmin(StaffView, model=WebhookEndpoint):
    name = "Вебхук"
    name_plural = "Вебхуки"
    icon = "fa-solid fa-satellite-dish"
    category = "Интеграции"

    column_list = ["id", "url", "description", "events", "is_active", "created_at"]
    column_details_list = column_list + ["updated_at"]
    column_export_list = column_details_list  # never the secret
    column_searchable_list = ["url", "description"]
    column_formatters = {"events": _events}
    column_formatters_detail = {"events": _events}
    form_columns = ["url", "description", "events", "is_active"]
    form_overrides = {"events": SelectMultipleField}
    form_args = {
        "events": {"choices": [(t, t) for t in events.EVENT_TYPES]},
        "url": {"description": "http(s); только публичные адреса"},
    }
    column_labels = {
        "id": "ID",
        "url": "URL",
        "description": "Описание",
        "events": "События",
        "is_active": "Включён",
        "created_at": "Создан",
        "updated_at": "Изменён",
    }

    async def on_model_change(
        self, data: dict, model: Any, is_created: bool, request: Request
    ) -> None:
        settings = self.settings
        allow = bool(settings and settings.webhook_allow_private)
        try:
            await guard.check(data.get("url") or "", allow_private=allow)
        except guard.Refused as exc:
            raise ValueError(f"URL: {exc}") from None
        if not data.get("events"):
            raise ValueError("Выберите хотя бы одно событие.")
        if is_created:
            data["secret"] = sender.new_secret()

    async def after_model_change(
        self, data: dict, model: Any, is_created: bool, request: Request
    ) -> None:
        if is_created:
            Flash.success(
                request,
                f"Секрет для проверки подписи (показывается один раз): {model.secret}",
            )


class WebhookDeliveryAdmin(StaffView, model=WebhookDelivery):
    name = "Доставка вебхука"
    name_plural = "Доставки вебхуков"
    icon = "fa-solid fa-paper-plane"
    category = "Интеграции"

    can_create = False
    can_edit = False
    column_list = [
        "id",
        "endpoint",
        "event_type",
        "status",
        "attempts",
        "created_at",
        "last_attempt_at",
        "response_status",
        "latency_ms",
    ]
    column_details_list = [
        "id",
        "endpoint",
        "event_id",
        "event_type",
        "status",
        "attempts",
        "created_at",
        "last_attempt_at",
        "next_attempt_at",
        "succeeded_at",
        "give_up_at",
        "response_status",
        "latency_ms",
        "response_snippet",
        "last_error",
        "attempt_log",
        "payload",
    ]
    column_export_list = [c for c in column_details_list if c != "attempt_log"]
    column_sortable_list = ["id", "created_at", "status", "last_attempt_at"]
    column_default_sort = [("created_at", True)]
    column_searchable_list = ["event_id"]
    column_formatters = {"status": _status}
    column_formatters_detail = {
        "status": _status,
        "payload": _payload,
    }
    column_labels = {
        "id": "ID",
        "endpoint": "Получатель",
        "event_id": "ID события (webhook-id)",
        "event_type": "Событие",
        "status": "Статус",
        "attempts": "Попыток",
        "created_at": "Создана",
        "last_attempt_at": "Последняя попытка",
        "next_attempt_at": "Следующая попытка",
        "succeeded_at": "Доставлена",
        "give_up_at": "Попытки до",
        "response_status": "Код ответа",
        "latency_ms": "Время, мс",
        "response_snippet": "Начало ответа",
        "last_error": "Ошибка",
        "attempt_log": "Попытки",
        "payload": "Тело",
    }

    @classmethod
    def configure(cls, settings: Settings) -> dict[str, Any]:
        attrs = super().configure(settings)
        attrs["column_filters"] = [
            ChoiceFilter(WebhookDelivery.status, list(STATUS_NAMES.items()), title="Статус"),
            ChoiceFilter(
                WebhookDelivery.event_type, [(t, t) for t in events.EVENT_TYPES], title="Событие"
            ),
        ]
        return attrs

    @action(
        name="send_again",
        label="Отправить ещё раз",
        confirmation_message="Отправить выбранные доставки ещё раз?",
    )
    async def send_again(self, request: Request) -> Response:
        pks = [int(pk) for pk in request.query_params.get("pks", "").split(",") if pk.isdigit()]
        assert self.settings is not None
        if pks:
            async with self.session_maker() as session:
                rows = await session.scalars(
                    select(WebhookDelivery).where(WebhookDelivery.id.in_(pks))
                )
                now = dt.datetime.now(dt.UTC)
                queued = 0
                for delivery in rows:
                    await service.send_again(session, self.settings, delivery, now=now)
                    queued += 1
                await session.commit()
            Flash.success(request, f"Поставлено в очередь: {queued}.")
        else:
            Flash.warning(request, "Не выбрано ни одной доставки.")
        referer = request.headers.get("referer", "")
        if referer.startswith(str(request.url_for("admin:index"))):
            return RedirectResponse(referer, status_code=302)
        return RedirectResponse(
            str(request.url_for("admin:list", identity=self.identity)), status_code=302
        )


class WebhookAttemptAdmin(StaffView, model=WebhookAttempt):
    """The attempts log (linked from each delivery's page)."""

    name = "Попытка доставки"
    name_plural = "Попытки доставки"
    icon = "fa-solid fa-list-check"
    category = "Интеграции"

    can_create = False
    can_edit = False
    can_delete = False
    column_list = [
        "id",
        "delivery",
        "number",
        "started_at",
        "response_status",
        "latency_ms",
        "error",
        "worker",
    ]
    column_details_list = column_list + ["response_snippet"]
    column_sortable_list = ["id", "started_at", "latency_ms"]
    column_default_sort = [("id", True)]
    column_labels = {
        "id": "ID",
        "delivery": "Доставка",
        "number": "№",
        "started_at": "Когда",
        "response_status": "Код ответа",
        "latency_ms": "Время, мс",
        "error": "Ошибка",
        "worker": "Обработчик",
        "response_snippet": "Начало ответа",
    }


VIEWS: list[type[StaffView]] = [
    WebhookEndpointAdmin,
    WebhookDeliveryAdmin,
    WebhookAttemptAdmin,
    CalendarFeedAdmin,
]


def add_views(admin: Admin, settings: Settings) -> Admin:
    """Add the webhook and calendar feed pages to the panel ``mount_admin`` made."""
    for view in VIEWS:
        admin.add_view(type(view.__name__, (view,), view.configure(settings)))
    return admin
