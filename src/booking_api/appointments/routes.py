"""Appointments over HTTP: booking (with idempotent retries), the DRF viewset routes, the
lifecycle actions and rescheduling. Each route parses, calls ``service`` (booking) or
``lifecycle`` (everything after), and represents."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fastapi import APIRouter, Header, Request
from sqlalchemy import Select
from sqlalchemy.ext.asyncio import AsyncSession

from booking_api.api.deps import Ctx, CtxDep, DatabaseDep, WriteSession
from booking_api.api.openapi import ERRORS, register_schema
from booking_api.api.ownership import ClientOwned
from booking_api.api.params import int_filter
from booking_api.api.resource import Resource, crud_router, fk_columns, parse_pk
from booking_api.appointments import lifecycle, repository, service
from booking_api.appointments.schemas import (
    APPOINTMENT_FIELDS,
    RESCHEDULE_FIELDS,
    AppointmentOut,
    appointment_from_row,
    represent_appointment,
    writable_fields,
)
from booking_api.core import throttle
from booking_api.core.db import Database
from booking_api.core.fields import Field, object_schema, parse_date
from booking_api.core.http import JSON, format_datetime, read_body
from booking_api.models import Appointment


class Appointments(ClientOwned, Resource):
    """The DRF viewset: list, retrieve, update, partial_update, destroy (create is below)."""

    model = Appointment
    model_name = "Appointment"
    read_schema = AppointmentOut
    write_schema_name = "AppointmentWrite"
    fields = APPOINTMENT_FIELDS
    search_fields = repository.SEARCH_FIELDS
    ordering_fields = repository.ORDERING_FIELDS

    def loader_options(self) -> list[Any]:
        return repository.with_relations()

    async def prepare(self, session: AsyncSession, ctx: Ctx) -> None:
        if not ctx.is_staff:  # staff see every appointment, whatever profiles they have
            await ctx.load_profiles(session)

    def base_query(self, ctx: Ctx) -> Select[Any]:
        return repository.visible_to(ctx.require_user(), ctx.client_id, ctx.specialist_id)

    def filter(self, stmt: Select[Any], params: dict[str, str]) -> Select[Any]:
        return repository.filtered(
            stmt,
            specialist_id=int_filter(params, "specialist_id"),
            client_id=int_filter(params, "client_id"),
            category_id=int_filter(params, "category_id"),
            status=params.get("status") or None,
            date_from=parse_date(params.get("date_from")),
            date_to=parse_date(params.get("date_to")),
        )

    def represent(self, obj: Appointment, ctx: Ctx) -> dict[str, Any]:
        return represent_appointment(obj, ctx.settings.tz)

    def list_columns(self, stmt: Select[Any]) -> Select[Any]:
        return repository.list_columns(stmt)

    def list_shape(self, ctx: Ctx) -> Any:
        # Staff see every appointment; anyone else's list depends on who they are.
        return "staff" if ctx.is_staff else None

    async def represent_rows(
        self, session: AsyncSession, rows: Sequence[Any], ctx: Ctx
    ) -> list[dict[str, Any]]:
        tz = ctx.settings.tz
        return [appointment_from_row(row, tz) for row in rows]

    def check_write(self, ctx: Ctx, action: str) -> None:
        ctx.require_user()

    def check_object_write(self, ctx: Ctx, obj: Appointment, action: str) -> None:
        if action == "destroy":
            lifecycle.check_delete(ctx)
        else:
            lifecycle.require_own(ctx, obj)

    def writable_fields(self, ctx: Ctx) -> dict[str, Field]:
        return writable_fields(ctx.is_staff)

    async def validate_object(self, session, ctx, values, obj) -> None:  # type: ignore[no-untyped-def]
        await self.claim_for_client(session, ctx, values, obj)
        await lifecycle.check_change(session, ctx.settings, ctx, obj, values)
        fk_columns(values, "client", "service", "specialist")

    async def update(self, session, ctx, obj, values):  # type: ignore[no-untyped-def]
        await lifecycle.apply_change(session, ctx.settings, ctx, obj, values)
        return obj


appointments = Appointments()
router = APIRouter()
MAX_KEY_LENGTH = 255  # of an Idempotency-Key (the column's length)


def _body_schema(name: str, fields: dict[str, Field]) -> dict[str, Any]:
    return {
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": register_schema(name, object_schema(fields))}
            },
        }
    }


@router.post(
    "/appointments/",
    tags=["Appointments"],
    status_code=201,
    summary="Book an appointment",
    description="Validated by the booking rules; overlaps are refused by the database. "
    "Send an `Idempotency-Key` header (any unique string, e.g. a UUID) to make retries safe: "
    "a repeated request with the same key and body returns the first answer instead of "
    "booking twice; the same key with another body is refused with 422.",
    response_model=AppointmentOut,
    responses=ERRORS(400, 401, 403, 415),
    openapi_extra=_body_schema("AppointmentWrite", APPOINTMENT_FIELDS),
)
async def create_appointment(
    request: Request,
    db: DatabaseDep,
    ctx: CtxDep,
    idempotency_key: str | None = Header(None, max_length=MAX_KEY_LENGTH),
) -> Any:
    return await create(request, db, ctx, idempotency_key)


async def create(request: Request, db: Database, ctx: Ctx, idempotency_key: str | None) -> JSON:
    """The booking's answer: the route's, and ``hot_booking.HotBooking``'s below FastAPI."""
    user = ctx.require_user()
    await throttle.check(request, "booking", user.id)
    data = await read_body(request)
    async with service.booking_store(db, ctx.settings) as store:
        answer = await service.book(
            store, ctx.settings, user, data, idempotency_key=idempotency_key
        )
    headers = {"Idempotent-Replayed": "true"} if answer.replayed else None
    return JSON(answer.body, status_code=answer.status_code, headers=headers)


_ACTION_DOCS = {
    "cancel": "Cancel (pending or confirmed → cancelled): the client, their specialist, or staff. "
    "Clients are bound by the cancellation cut-off.",
    "confirm": "Confirm (pending → confirmed): staff or the appointment's specialist.",
    "complete": "Complete (confirmed → completed): staff or the appointment's specialist.",
    "no_show": "Nobody came (pending or confirmed → cancelled with `no_show` true), once the "
    "appointment has started: staff or the appointment's specialist.",
}


def _action_route(action: str) -> None:
    @router.post(
        f"/appointments/{{pk}}/{action}/",
        tags=["Appointments"],
        summary=f"{action.replace('_', '-').capitalize()} an appointment",
        description=_ACTION_DOCS[action],
        response_model=AppointmentOut,
        responses=ERRORS(400, 401, 403, 404),
        operation_id=f"appointments_{action}",
    )
    async def endpoint(pk: str, session: WriteSession, ctx: CtxDep) -> Any:
        obj = await lifecycle.get_visible(session, ctx, parse_pk(pk))
        await lifecycle.change_status(session, ctx.settings, ctx, obj, action)
        obj = await lifecycle.get_visible(session, ctx, obj.id)
        return JSON(represent_appointment(obj, ctx.settings.tz))


for _action in ("cancel", "confirm", "complete", "no_show"):
    _action_route(_action)


@router.post(
    "/appointments/{pk}/attend/",
    tags=["Appointments"],
    summary="Confirm attendance (the client)",
    description='The client says they will come (the reminder\'s "confirm" button): stores '
    "`client_confirmed_at`; the status stays as it is (confirming the booking itself is the "
    "specialist's or staff's `confirm`). The appointment's client or staff; active "
    "appointments only.",
    responses=ERRORS(400, 401, 403, 404),
    operation_id="appointments_attend",
)
async def attend(pk: str, session: WriteSession, ctx: CtxDep) -> Any:
    obj = await lifecycle.get_visible(session, ctx, parse_pk(pk))
    confirmed_at = await lifecycle.confirm_attendance(session, ctx.settings, ctx, obj)
    obj = await lifecycle.get_visible(session, ctx, obj.id)
    body = represent_appointment(obj, ctx.settings.tz)
    body["client_confirmed_at"] = format_datetime(confirmed_at, ctx.settings.tz)
    return JSON(body)


@router.post(
    "/appointments/{pk}/reschedule/",
    tags=["Appointments"],
    summary="Move an appointment to another time",
    description="Atomic: validated like a new booking (its own old slot does not block it); "
    "on any refusal the appointment is left untouched. Keeps its length when `end_time` is "
    "left out. Clients are bound by the cut-off.",
    response_model=AppointmentOut,
    responses=ERRORS(400, 401, 403, 404, 415),
    openapi_extra=_body_schema("Reschedule", RESCHEDULE_FIELDS),
)
async def reschedule(pk: str, request: Request, session: WriteSession, ctx: CtxDep) -> Any:
    obj = await lifecycle.get_visible(session, ctx, parse_pk(pk))
    lifecycle.require_own(ctx, obj)  # before the body is read: a 403 comes before a 415
    await lifecycle.reschedule(session, ctx.settings, ctx, obj, await read_body(request))
    obj = await lifecycle.get_visible(session, ctx, obj.id)
    return JSON(represent_appointment(obj, ctx.settings.tz))


# The generic routes; POST is the one above (with Idempotency-Key).
_crud = crud_router(appointments, "appointments", tag="Appointments")
_crud.routes = [
    r
    for r in _crud.routes
    if not (getattr(r, "path", "") == "/appointments/" and "POST" in getattr(r, "methods", set()))
]
router.include_router(_crud)
