"""Admin views of the catalogue: specialists, categories, services."""

from __future__ import annotations

from sqladmin.fields import SelectField

from booking_api.admin.base import StaffView
from booking_api.admin.display import LANGUAGES, with_english_twins
from booking_api.admin.filters import (
    CategoryFilter,
    DistinctValuesFilter,
    SpecialistFilter,
    YesNoFilter,
)
from booking_api.models import Service, ServiceCategory, Specialist


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
        "specialization_en",
        "city_en",
        "description_en",
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
        "specialization_en",
        "city_en",
        "description_en",
    ]
    form_overrides = {"language": SelectField}
    form_args = {"language": {"choices": LANGUAGES}}
    column_labels = with_english_twins(
        {
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
    )


class CategoryAdmin(StaffView, model=ServiceCategory):
    name = "Категория"
    name_plural = "Категории услуг"
    icon = "fa-solid fa-folder"
    category = "Услуги"

    column_list = ["id", "name", "name_en", "description"]
    column_searchable_list = ["name", "name_en"]
    column_sortable_list = ["id", "name"]
    column_default_sort = "name"
    form_columns = ["name", "name_en", "description", "description_en"]
    column_labels = with_english_twins(
        {
            "id": "ID",
            "name": "Название",
            "description": "Описание",
        }
    )


class ServiceAdmin(StaffView, model=Service):
    name = "Услуга"
    name_plural = "Услуги"
    icon = "fa-solid fa-scissors"
    category = "Услуги"

    column_list = ["id", "name", "specialist", "category", "price", "duration", "is_active"]
    column_details_list = [
        "id",
        "name",
        "name_en",
        "description",
        "description_en",
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
        CategoryFilter(Service.category_id),
        YesNoFilter(Service.is_active, title="Активна"),
    ]
    form_columns = [
        "name",
        "name_en",
        "description",
        "description_en",
        "specialist",
        "category",
        "price",
        "duration",
        "buffer_before",
        "buffer_after",
        "is_active",
    ]
    column_labels = with_english_twins(
        {
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
    )
