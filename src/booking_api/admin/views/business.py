"""The admin's business profile: one row (name, address, phone, hours, FAQ, with English
twins) that ``/api/business/`` shows and the assistant answers questions from."""

from __future__ import annotations

from typing import Any

from sqladmin.pagination import Pagination
from starlette.requests import Request

from booking_api.admin.base import StaffView
from booking_api.admin.display import with_english_twins
from booking_api.business import repository as business_repository
from booking_api.business.models import BusinessProfile
from booking_api.business.repository import PROFILE_ID

TEXTS = ["name", "name_en", "address", "address_en", "phone", "opening_hours", "opening_hours_en"]


class BusinessProfileAdmin(StaffView, model=BusinessProfile):
    name = "Профиль компании"
    name_plural = "Профиль компании"
    icon = "fa-solid fa-store"
    category = "Настройки"

    can_create = False  # one row, the one the API reads: made when the list is first shown
    can_delete = False
    can_export = False
    column_list = ["id", "name", "address", "phone", "opening_hours"]
    column_details_list = [*TEXTS, "faq"]
    form_columns = [*TEXTS, "faq"]
    column_labels = with_english_twins(
        {
            "id": "ID",
            "name": "Название",
            "address": "Адрес",
            "phone": "Телефон",
            "opening_hours": "Часы работы",
            "faq": "Вопросы и ответы (JSON: question, answer, question_en, answer_en)",
        }
    )
    form_args = {"faq": {"default": []}}

    async def list(self, request: Request) -> Pagination:
        async with self.session_maker() as session:
            await business_repository.save(session, {}, replace=False)  # the row, if missing
        return await super().list(request)

    async def on_model_change(
        self, data: dict[str, Any], model: Any, is_created: bool, request: Request
    ) -> None:
        if is_created:  # the one row the API reads
            model.id = PROFILE_ID
        if data.get("faq") is None:
            data["faq"] = []
