"""The admin view of appointments: its forms book and change through the API's own rules
(``appointments.service`` and ``appointments.lifecycle``, as the board does), and the API's
transitions are bulk actions, with the same notifications as the API's."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from sqladmin import action
from sqladmin.fields import SelectField
from sqladmin.flash import Flash
from sqlalchemy import select
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from booking_api.admin.auth import current_specialist, current_user
from booking_api.admin.base import StaffView
from booking_api.admin.display import refusal_text, status_badge, time_span
from booking_api.admin.filters import ChoiceFilter, DateFilter, SpecialistFilter
from booking_api.appointments import lifecycle
from booking_api.appointments.lifecycle import STATUS_NAMES, TRANSITIONS
from booking_api.appointments.schemas import writable_fields
from booking_api.appointments.service import book_in_session
from booking_api.board.service import StaffActor, edit
from booking_api.core.config import Settings
from booking_api.core.errors import APIError
from booking_api.core.fields import validate_fields
from booking_api.models import APPOINTMENT_STATUSES, Appointment, Client, Service, Specialist, User


class AppointmentAdmin(StaffView, model=Appointment):
    name = "Запись"
    name_plural = "Записи"
    icon = "fa-solid fa-calendar-check"
    category = "Записи"

    # The forms go through the API's booking rules (schedule, breaks, overlaps): a refusal is
    # shown in the form with the API's text.
    form_columns = [
        "client_id",
        "specialist_id",
        "service_id",
        "date",
        "start_time",
        "end_time",
        "status",
    ]
    fk_select = {"client_id": Client, "specialist_id": Specialist, "service_id": Service}
    form_overrides = {"status": SelectField}
    form_args = {
        "status": {"choices": [(status, STATUS_NAMES[status]) for status in APPOINTMENT_STATUSES]},
        "start_time": {"label": "Начало"},
    }

    column_list = [
        "id",
        "date",
        "start_time",  # shown as "10:00–11:00": the whole list fits 1280 px
        "client",
        "specialist",
        "service",
        "status",
    ]
    column_details_list = [
        "id",
        "date",
        "start_time",
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
        "no_show",
    ]
    column_searchable_list = ["client.name", "client.phone"]
    column_sortable_list = ["id", "date", "start_time", "status", "created_at"]
    column_default_sort = [("date", True), ("start_time", True)]
    column_formatters = {"status": status_badge, "start_time": time_span}
    column_formatters_detail = column_formatters
    fk_display = {"cancelled_by_id": User}
    column_labels = {
        "id": "ID",
        "date": "Дата",
        "start_time": "Время",
        "end_time": "Конец",
        "client": "Клиент",
        "client_id": "Клиент",
        "specialist_id": "Специалист",
        "service_id": "Услуга",
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
        "no_show": "Неявка",
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

    @action(
        name="no_show",
        label="Неявка",
        confirmation_message="Отметить, что клиент не пришёл на выбранные записи?",
    )
    async def no_show(self, request: Request) -> Response:
        return await self._transition(request, "no_show")

    # --- the forms: the API's booking and change ---------------------------------------------

    def _actor(self, request: Request) -> StaffActor:
        return StaffActor(current_user(request), current_specialist(request))

    async def insert_model(self, request: Request, data: dict) -> Any:
        assert self.settings is not None
        async with self.session_maker() as session:
            try:
                answer = await book_in_session(
                    session, self.settings, current_user(request), _booking(data)
                )
            except APIError as exc:
                raise ValueError(refusal_text(exc.body)) from None
            return await session.get(Appointment, answer.body["id"])

    async def update_model(self, request: Request, pk: str, data: dict) -> Any:
        assert self.settings is not None
        actor = self._actor(request)
        async with self.session_maker() as session:
            try:
                appointment = await lifecycle.get_visible(session, actor, int(pk))
                values = _booking(data)
                values["status"] = data["status"]
                await edit(session, self.settings, actor, appointment, _parsed(values))
            except APIError as exc:
                raise ValueError(refusal_text(exc.body)) from None
            return appointment

    async def _transition(self, request: Request, name: str) -> Response:
        """Apply one of the API's transitions (``appointments.lifecycle``) to the selected
        rows: its rules, and the notifications it queues."""
        pks = [int(pk) for pk in request.query_params.get("pks", "").split(",") if pk.isdigit()]
        allowed, _target = TRANSITIONS[name]
        actor = self._actor(request)
        done = skipped = 0
        refusals: set[str] = set()
        if pks:
            async with self.session_maker() as session:
                rows = (
                    await session.scalars(
                        select(Appointment).where(Appointment.id.in_(pks)).order_by(Appointment.id)
                    )
                ).all()
                for appointment in rows:
                    if appointment.status not in allowed:
                        skipped += 1
                        continue
                    try:
                        assert self.settings is not None
                        await lifecycle.change_status(
                            session, self.settings, actor, appointment, name
                        )
                        done += 1
                    except APIError as exc:
                        await session.rollback()
                        refusals.add(refusal_text(exc.body))
        for text in sorted(refusals):
            Flash.warning(request, text)
        verb = {
            "confirm": "Подтверждено",
            "complete": "Завершено",
            "cancel": "Отменено",
            "no_show": "Отмечено неявкой",
        }[name]
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


def _booking(data: dict[str, Any]) -> dict[str, Any]:
    """The form's values as the API's booking request takes them."""
    return {
        "client": data.get("client_id"),
        "service": data.get("service_id"),
        "specialist": data.get("specialist_id"),
        "date": data["date"].isoformat() if data.get("date") else None,
        "start_time": data["start_time"].strftime("%H:%M") if data.get("start_time") else None,
        "end_time": data["end_time"].strftime("%H:%M") if data.get("end_time") else None,
        "status": data.get("status") or "pending",
    }


def _parsed(values: dict[str, Any]) -> dict[str, Any]:
    """The API's validation of a PUT body (the same messages)."""
    return validate_fields(writable_fields(True), values, partial=False)


def _back(request: Request, identity: str) -> str:
    """Back to the page the action was started from (keeping its filters), if it is ours."""
    referer = request.headers.get("referer", "")
    admin_root = str(request.url_for("admin:index"))
    if referer.startswith(admin_root):
        return referer
    return str(request.url_for("admin:list", identity=identity))
