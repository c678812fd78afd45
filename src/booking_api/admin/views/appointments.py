"""The admin view of appointments, with the API's transitions as bulk actions."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from sqladmin import action
from sqladmin.flash import Flash
from sqlalchemy import select
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from booking_api.admin.auth import current_user
from booking_api.admin.base import StaffView
from booking_api.admin.display import status_badge
from booking_api.admin.filters import ChoiceFilter, DateFilter, SpecialistFilter
from booking_api.appointments.lifecycle import STATUS_NAMES, TRANSITIONS, transition
from booking_api.core.config import Settings
from booking_api.models import APPOINTMENT_STATUSES, Appointment, User


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
    column_formatters = {"status": status_badge}
    column_formatters_detail = {"status": status_badge}
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
