"""Appointments: booking, editing, the lifecycle actions, rescheduling, idempotent retries."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

from fastapi import APIRouter, Header, Request
from sqlalchemy import Select, delete, false, literal, or_, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.attributes import set_committed_value

from booking_api.api.deps import Ctx, CtxDep, DatabaseDep, WriteSession
from booking_api.api.openapi import ERRORS, register_schema
from booking_api.api.ownership import ClientOwned
from booking_api.api.params import int_filter
from booking_api.api.resource import Resource, crud_router, fk_columns, icontains, parse_pk
from booking_api.appointments import repository_pg as booking_pg
from booking_api.appointments import service as booking
from booking_api.core import throttle
from booking_api.core.errors import APIError, BadRequest, PermissionDenied, ValidationError
from booking_api.core.fields import (
    ChoiceField,
    DateField,
    PrimaryKeyField,
    TimeField,
    missing_pk,
    object_schema,
    parse_date,
    validate_fields,
)
from booking_api.core.http import JSON, format_datetime, read_body
from booking_api.jobs import appointment_changed, snapshot
from booking_api.models import (
    ACTIVE_STATUSES,
    APPOINTMENT_STATUSES,
    Appointment,
    Client,
    IdempotencyKey,
    Service,
    ServiceCategory,
    Specialist,
)
from booking_api.schemas import AppointmentOut, appointment_json


def represent_appointment(obj: Appointment, tz: dt.tzinfo) -> dict[str, Any]:
    category = obj.service.category
    return appointment_json(
        id=obj.id,
        client=obj.client_id,
        client_name=obj.client.name,
        service=obj.service_id,
        service_name=obj.service.name,
        specialist=obj.specialist_id,
        specialist_name=obj.specialist.name,
        category_name=category.name if category is not None else None,
        date=obj.date,
        start_time=obj.start_time,
        end_time=obj.end_time,
        status=obj.status,
        created_at=obj.created_at,
        updated_at=obj.updated_at,
        cancelled_at=obj.cancelled_at,
        client_confirmed_at=obj.client_confirmed_at,
        tz=tz,
    )


class Appointments(ClientOwned, Resource):
    model = Appointment
    model_name = "Appointment"
    read_schema = AppointmentOut
    write_schema_name = "AppointmentWrite"
    fields = {
        "client": PrimaryKeyField(
            Client, help_text="Required for staff; a client books for themselves"
        ),
        "service": PrimaryKeyField(Service),
        "specialist": PrimaryKeyField(Specialist),
        "date": DateField(),
        "start_time": TimeField(),
        "end_time": TimeField(),
        "status": ChoiceField(APPOINTMENT_STATUSES, default="pending"),
    }
    search_fields = (
        lambda term: Appointment.client.has(icontains(Client.name)(term)),
        lambda term: Appointment.specialist.has(icontains(Specialist.name)(term)),
        lambda term: Appointment.service.has(icontains(Service.name)(term)),
    )
    ordering_fields = {
        "date": Appointment.date,
        "start_time": Appointment.start_time,
        "status": Appointment.status,
    }

    def loader_options(self) -> list[Any]:
        return [
            joinedload(Appointment.client),
            joinedload(Appointment.specialist),
            joinedload(Appointment.service).joinedload(Service.category),
        ]

    async def prepare(self, session: AsyncSession, ctx: Ctx) -> None:
        await ctx.load_profiles(session)

    def base_query(self, ctx: Ctx) -> Select[Any]:
        user = ctx.require_user()
        stmt = select(Appointment)
        if user.is_staff:
            return stmt
        mine = []
        if ctx.client_id is not None:
            mine.append(Appointment.client_id == ctx.client_id)
        if ctx.specialist_id is not None:
            mine.append(Appointment.specialist_id == ctx.specialist_id)
        return stmt.where(or_(*mine) if mine else false())

    def filter(self, stmt: Select[Any], params: dict[str, str]) -> Select[Any]:
        for name, column in (
            ("specialist_id", Appointment.specialist_id),
            ("client_id", Appointment.client_id),
        ):
            if (value := int_filter(params, name)) is not None:
                stmt = stmt.where(column == value)
        if (category := int_filter(params, "category_id")) is not None:
            stmt = stmt.where(Appointment.service.has(Service.category_id == category))
        if params.get("status"):
            stmt = stmt.where(Appointment.status == params["status"])
        if (date_from := parse_date(params.get("date_from"))) is not None:
            stmt = stmt.where(Appointment.date >= date_from)
        if (date_to := parse_date(params.get("date_to"))) is not None:
            stmt = stmt.where(Appointment.date <= date_to)
        return stmt

    def represent(self, obj: Appointment, ctx: Ctx) -> dict[str, Any]:
        return represent_appointment(obj, ctx.settings.tz)

    # --- permissions ---------------------------------------------------------------------------
    def check_write(self, ctx: Ctx, action: str) -> None:
        ctx.require_user()
        if action == "destroy" and not ctx.is_staff:
            raise PermissionDenied()

    # --- validation ----------------------------------------------------------------------------
    async def check_relations_and_profiles(
        self, session: AsyncSession, ctx: Ctx, values: dict[str, Any]
    ) -> None:
        """check_relations + load_profiles in one query (booking creation).

        The client, service (with its category) and specialist rows land in the session's
        identity map, so the rules below and the 201 answer need no further lookups.
        """
        user = ctx.require_user()
        client_q = select(Client.id).where(Client.user_id == user.id).scalar_subquery()
        spec_q = select(Specialist.id).where(Specialist.user_id == user.id).scalar_subquery()
        cid, sid, spid = (values.get(k) for k in ("client", "service", "specialist"))
        one = select(literal(1).label("one")).subquery()
        stmt = (
            select(
                client_q.label("my_client"),
                spec_q.label("my_specialist"),
                Client,
                Service,
                ServiceCategory,
                Specialist,
            )
            .select_from(one)
            .outerjoin(Client, Client.id == (cid if cid is not None else client_q))
            .outerjoin(Service, Service.id == sid)
            .outerjoin(ServiceCategory, ServiceCategory.id == Service.category_id)
            .outerjoin(Specialist, Specialist.id == spid)
        )
        row = (await session.execute(stmt)).one()
        ctx.set_profiles(row.my_client, row.my_specialist)
        if row.Service is not None:
            set_committed_value(row.Service, "category", row.ServiceCategory)
        found = {"client": row.Client, "service": row.Service, "specialist": row.Specialist}
        errors = {
            name: [missing_pk(values[name])]
            for name in ("client", "service", "specialist")
            if values.get(name) is not None and found[name] is None
        }
        if errors:
            raise ValidationError(errors)
        values["_rows"] = found  # strong references: the identity map holds rows weakly

    async def validate(self, session, ctx, data, obj, partial):  # type: ignore[no-untyped-def]
        if obj is not None:
            return await super().validate(session, ctx, data, obj, partial)
        values = validate_fields(self.writable_fields(ctx), data, partial=partial)
        if values.get("status", "pending") in ACTIVE_STATUSES:
            booking.check_window(ctx.settings, values["date"])  # a day no booking can be on
        await self.check_relations_and_profiles(session, ctx, values)
        await self.validate_object(session, ctx, values, obj)
        return values

    async def validate_object(self, session, ctx, values, obj) -> None:  # type: ignore[no-untyped-def]
        await self.claim_for_client(session, ctx, values, obj)
        if not ctx.is_staff:
            current = obj.status if obj is not None else "pending"
            if values.get("status", current) != current:
                raise PermissionDenied()
            values.pop("status", None)
        stored = booking.values_or_stored
        service_id = stored(values, obj, "service", "service_id")
        service = values.get("_rows", {}).get("service")
        if service is None or service.id != service_id:
            service = await booking.load_service(session, service_id)
        assert service is not None  # checked by check_relations
        moved = obj is None or any(
            k in values for k in ("service", "specialist", "date", "start_time", "end_time")
        )
        status = values.get("status", obj.status if obj is not None else "pending")
        if moved and status in ("pending", "confirmed"):
            await booking.check_slot(
                session,
                ctx.settings,
                specialist_id=stored(values, obj, "specialist", "specialist_id"),
                service=service,
                day=stored(values, obj, "date", "date"),
                start=stored(values, obj, "start_time", "start_time"),
                end=stored(values, obj, "end_time", "end_time"),
                exclude_appointment=obj.id if obj is not None else None,
            )
        fk_columns(values, "client", "service", "specialist")
        values["_service"] = service

    async def create(self, session, ctx, values):  # type: ignore[no-untyped-def]
        service = values.pop("_service")
        rows = values.pop("_rows", {})
        obj = Appointment(**values)
        booking.stamp_buffers(obj, service)
        session.add(obj)
        await booking.flush_or_taken(session)
        # The answer is built from rows loaded during validation (no re-select).
        for name, model in (("client", Client), ("specialist", Specialist)):
            row = rows.get(name)
            if row is None or row.id != getattr(obj, f"{name}_id"):
                row = await session.get(model, getattr(obj, f"{name}_id"))
            set_committed_value(obj, name, row)
        if "category" not in service.__dict__:
            service = await session.get(
                Service, service.id, options=[joinedload(Service.category)], populate_existing=True
            )
        set_committed_value(obj, "service", service)
        return obj

    async def update(self, session, ctx, obj, values):  # type: ignore[no-untyped-def]
        service = values.pop("_service")
        before = snapshot(obj)  # jobs hook
        if values.get("status") == "cancelled" and obj.status != "cancelled":
            obj.cancelled_at = dt.datetime.now(dt.UTC)
            obj.cancelled_by_id = ctx.user.id
        for key, value in values.items():
            setattr(obj, key, value)
        booking.stamp_buffers(obj, service)
        await booking.flush_or_taken(session)
        await appointment_changed(session, ctx.settings, obj, before)  # jobs hook
        return obj


appointments = Appointments()
router = APIRouter()

_IDEMPOTENCY_DOC = (
    "Send an `Idempotency-Key` header (any unique string, e.g. a UUID) to make retries safe: "
    "a repeated request with the same key and body returns the first answer instead of "
    "booking twice; the same key with another body is refused with 422."
)


def _request_hash(data: Any) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()


class IdempotencyConflict(APIError):
    status_code = 422
    default_detail = "Этот Idempotency-Key уже использован для другого запроса."


async def _lock_key(session: AsyncSession, user_id: int, key: str) -> None:
    """Queue concurrent requests carrying one key, so only the first one books.

    PostgreSQL: a transaction-scoped advisory lock on the key; SQLite: the write transaction
    (``BEGIN IMMEDIATE``) already serialises them.
    """
    if session.bind.dialect.name == "postgresql":
        digest = hashlib.sha256(f"{user_id}:{key}".encode()).digest()
        lock_id = int.from_bytes(digest[:8], "big", signed=True)
        await session.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": lock_id})


async def _replay(
    session: AsyncSession, user_id: int, key: str, digest: str, ttl_hours: int
) -> JSON | None:
    """The stored answer to this key; one older than IDEMPOTENCY_TTL_HOURS is forgotten (as
    on PostgreSQL, services/booking_pg.py), so the key books afresh."""
    row = await session.scalar(
        select(IdempotencyKey).where(IdempotencyKey.user_id == user_id, IdempotencyKey.key == key)
    )
    if row is None:
        return None
    if row.created_at < dt.datetime.now(dt.UTC) - dt.timedelta(hours=ttl_hours):
        await session.delete(row)
        await session.flush()
        return None
    if row.request_hash != digest:
        raise IdempotencyConflict()
    return JSON(row.body, status_code=row.status_code, headers={"Idempotent-Replayed": "true"})


@router.post(
    "/appointments/",
    tags=["Appointments"],
    status_code=201,
    summary="Book an appointment",
    description="Validated by the booking rules; overlaps are refused by the database. "
    + _IDEMPOTENCY_DOC,
    response_model=AppointmentOut,
    responses=ERRORS(400, 401, 403, 415),
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {
                    "schema": register_schema(
                        "AppointmentWrite", object_schema(Appointments.fields)
                    )
                }
            },
        }
    },
)
async def create_appointment(
    request: Request,
    db: DatabaseDep,
    ctx: CtxDep,
    idempotency_key: str | None = Header(None, max_length=255),
) -> Any:
    user = ctx.require_user()
    await throttle.check(request, "booking", user.id)
    data = await read_body(request)
    digest = _request_hash(data)
    if db.dialect == "postgresql":  # the hot path: two statements (services/booking_pg.py)
        outcome = await booking_pg.create(
            db,
            ctx.settings,
            user,
            appointments.writable_fields(ctx),
            data,
            idempotency_key=idempotency_key,
            digest=digest,
        )
        if isinstance(outcome, booking_pg.Stored):
            if outcome.request_hash != digest:
                raise IdempotencyConflict()
            return JSON(
                outcome.body,
                status_code=outcome.status_code,
                headers={"Idempotent-Replayed": "true"},
            )
        return JSON(outcome.body, status_code=201)
    async with db.write_sessions() as session:
        return await _create_with_orm(session, ctx, data, idempotency_key, digest)


async def _create_with_orm(
    session: AsyncSession, ctx: Ctx, data: Any, idempotency_key: str | None, digest: str
) -> Any:
    """SQLite (the embedded default): the generic Resource validation, in one write transaction
    (``BEGIN IMMEDIATE`` serialises bookings there)."""
    user = ctx.require_user()
    if idempotency_key:
        await _lock_key(session, user.id, idempotency_key)
        if (
            replay := await _replay(
                session, user.id, idempotency_key, digest, ctx.settings.idempotency_ttl_hours
            )
        ) is not None:
            return replay
    values = await appointments.validate(session, ctx, data, None, partial=False)
    obj = await appointments.create(session, ctx, values)  # relations attached, no re-select
    body = appointments.represent(obj, ctx)
    if idempotency_key:
        # Keys live IDEMPOTENCY_TTL_HOURS; the user's expired ones are cleared as new ones come.
        expired = dt.datetime.now(dt.UTC) - dt.timedelta(hours=ctx.settings.idempotency_ttl_hours)
        await session.execute(
            delete(IdempotencyKey).where(
                IdempotencyKey.user_id == user.id, IdempotencyKey.created_at < expired
            )
        )
        session.add(
            IdempotencyKey(
                user_id=user.id,
                key=idempotency_key,
                request_hash=digest,
                status_code=201,
                body=body,
            )
        )
    await appointment_changed(session, ctx.settings, obj, None)  # jobs hook
    try:
        await session.commit()
    except IntegrityError:
        # The same key raced us and won: answer what it answered.
        await session.rollback()
        if idempotency_key and (
            replay := await _replay(
                session, user.id, idempotency_key, digest, ctx.settings.idempotency_ttl_hours
            )
        ):
            return replay
        raise ValidationError([booking.TAKEN]) from None
    return JSON(body, status_code=201)


async def _act(pk: str, session: AsyncSession, ctx: Ctx, action: str) -> Any:
    user = ctx.require_user()
    obj = await appointments.get_object(session, ctx, parse_pk(pk))
    if not ctx.is_staff:
        own_specialist = ctx.specialist_id is not None and obj.specialist_id == ctx.specialist_id
        own_client = ctx.client_id is not None and obj.client_id == ctx.client_id
        if action == "cancel" and not (own_client or own_specialist):
            raise PermissionDenied()
        if action in ("confirm", "complete") and not own_specialist:
            raise PermissionDenied()
        if (
            action == "cancel"
            and own_client
            and not own_specialist
            and booking.starts_within(obj, ctx.settings.cancel_cutoff_minutes, ctx.settings)
        ):
            raise BadRequest(
                {
                    "error": (
                        "Отменить запись можно не позднее чем за "
                        f"{ctx.settings.cancel_cutoff_minutes} мин. до начала."
                    )
                }
            )
    before = snapshot(obj)  # jobs hook
    booking.transition(obj, action, user)
    await appointment_changed(session, ctx.settings, obj, before)  # jobs hook
    await session.commit()
    obj = await appointments.get_object(session, ctx, obj.id)
    return JSON(appointments.represent(obj, ctx))


_ACTION_DOCS = {
    "cancel": "Cancel (pending or confirmed → cancelled): the client, their specialist, or staff. "
    "Clients are bound by the cancellation cut-off.",
    "confirm": "Confirm (pending → confirmed): staff or the appointment's specialist.",
    "complete": "Complete (confirmed → completed): staff or the appointment's specialist.",
}


def _action_route(action: str) -> None:
    @router.post(
        f"/appointments/{{pk}}/{action}/",
        tags=["Appointments"],
        summary=f"{action.capitalize()} an appointment",
        description=_ACTION_DOCS[action],
        response_model=AppointmentOut,
        responses=ERRORS(400, 401, 403, 404),
        operation_id=f"appointments_{action}",
    )
    async def endpoint(pk: str, session: WriteSession, ctx: CtxDep) -> Any:
        return await _act(pk, session, ctx, action)


for _action in ("cancel", "confirm", "complete"):
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
    ctx.require_user()
    obj = await appointments.get_object(session, ctx, parse_pk(pk))
    if not ctx.is_staff and (ctx.client_id is None or obj.client_id != ctx.client_id):
        raise PermissionDenied()
    if obj.status not in ("pending", "confirmed"):
        raise BadRequest(
            {"error": (f"Нельзя подтвердить визит: запись {booking.STATUS_NAMES[obj.status]}.")}
        )
    if obj.client_confirmed_at is None:
        obj.client_confirmed_at = dt.datetime.now(dt.UTC)
    confirmed_at = obj.client_confirmed_at
    await session.commit()
    obj = await appointments.get_object(session, ctx, obj.id)
    body = appointments.represent(obj, ctx)
    body["client_confirmed_at"] = format_datetime(confirmed_at, ctx.settings.tz)
    return JSON(body)


_RESCHEDULE = {
    "date": DateField(),
    "start_time": TimeField(),
    "end_time": TimeField(required=False),
}


@router.post(
    "/appointments/{pk}/reschedule/",
    tags=["Appointments"],
    summary="Move an appointment to another time",
    description="Atomic: validated like a new booking (its own old slot does not block it); "
    "on any refusal the appointment is left untouched. Keeps its length when `end_time` is "
    "left out. Clients are bound by the cut-off.",
    response_model=AppointmentOut,
    responses=ERRORS(400, 401, 403, 404, 415),
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {
                    "schema": register_schema("Reschedule", object_schema(_RESCHEDULE))
                }
            },
        }
    },
)
async def reschedule(pk: str, request: Request, session: WriteSession, ctx: CtxDep) -> Any:
    ctx.require_user()
    obj = await appointments.get_object(session, ctx, parse_pk(pk))
    appointments.check_object_write(ctx, obj, "reschedule")
    values = validate_fields(_RESCHEDULE, await read_body(request))
    if obj.status not in ("pending", "confirmed"):
        raise BadRequest({"error": "Перенести можно только активную запись."})
    if not ctx.is_staff and booking.starts_within(
        obj, ctx.settings.cancel_cutoff_minutes, ctx.settings
    ):
        raise BadRequest(
            {
                "error": (
                    "Перенести запись можно не позднее чем за "
                    f"{ctx.settings.cancel_cutoff_minutes} мин. до начала."
                )
            }
        )
    booking.check_window(ctx.settings, values["date"])  # before any date arithmetic
    start = values["start_time"]
    end = values.get("end_time")
    if end is None:
        length = dt.datetime.combine(obj.date, obj.end_time) - dt.datetime.combine(
            obj.date, obj.start_time
        )
        end_dt = dt.datetime.combine(values["date"], start) + length
        if end_dt.date() != values["date"]:
            raise ValidationError([booking.OUTSIDE_HOURS])
        end = end_dt.time()
    service = await booking.load_service(session, obj.service_id)
    assert service is not None
    await booking.check_slot(
        session,
        ctx.settings,
        specialist_id=obj.specialist_id,
        service=service,
        day=values["date"],
        start=start,
        end=end,
        exclude_appointment=obj.id,
    )
    before = snapshot(obj)  # jobs hook
    obj.date, obj.start_time, obj.end_time = values["date"], start, end
    await booking.flush_or_taken(session)
    await appointment_changed(session, ctx.settings, obj, before)  # jobs hook
    await session.commit()
    obj = await appointments.get_object(session, ctx, obj.id)
    return JSON(appointments.represent(obj, ctx))


# The generic routes; POST is the one above (with Idempotency-Key).
_crud = crud_router(appointments, "appointments", tag="Appointments")
_crud.routes = [
    r
    for r in _crud.routes
    if not (getattr(r, "path", "") == "/appointments/" and "POST" in getattr(r, "methods", set()))
]
router.include_router(_crud)
