"""Admin views of working hours: weekly schedules, breaks, time off."""

from __future__ import annotations

from sqladmin.fields import SelectField

from booking_api.admin.base import StaffView
from booking_api.admin.display import day_field, day_label
from booking_api.admin.filters import SpecialistFilter
from booking_api.models import Break, Specialist, SpecialistSchedule, TimeOff


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
    column_formatters = {"day_of_week": lambda m, a: day_label(m.day_of_week)}
    column_formatters_detail = column_formatters
    form_columns = ["specialist", "day_of_week", "start_time", "end_time"]
    form_overrides = {"day_of_week": SelectField}
    form_args = {"day_of_week": day_field(nullable=False)}
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
    column_formatters = {"day_of_week": lambda m, a: day_label(m.day_of_week)}
    column_formatters_detail = column_formatters
    fk_display = {"specialist_id": Specialist}
    fk_select = {"specialist_id": Specialist}
    form_columns = ["specialist_id", "day_of_week", "start_time", "end_time"]
    form_overrides = {"day_of_week": SelectField}
    form_args = {"day_of_week": day_field(nullable=True)}
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
