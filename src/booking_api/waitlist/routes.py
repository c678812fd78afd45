"""The waitlist: ask to be told when a time frees up, and claim the offered time.

``/api/waitlist/``: a client lists, joins and leaves their own entries; staff see all and act
for any client. ``POST /api/waitlist/claim/`` books the time an offer (sent in Telegram
with a ``wl:book:<token>`` button) is for.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel
from sqlalchemy import Select, false, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from booking_api.api.deps import Ctx, CtxDep, WriteSession
from booking_api.api.openapi import ERRORS, register_schema
from booking_api.api.ownership import ClientOwned
from booking_api.api.params import int_filter
from booking_api.api.resource import Resource, crud_router
from booking_api.appointments import service as booking
from booking_api.appointments.routes import appointments
from booking_api.core.errors import PermissionDenied, ValidationError
from booking_api.core.fields import (
    CharField,
    DateField,
    PrimaryKeyField,
    TimeField,
    object_schema,
    parse_date,
    validate_fields,
)
from booking_api.core.http import JSON, format_datetime, read_body
from booking_api.jobs import appointment_changed
from booking_api.models import WAITLIST_STATUSES, Client, Service, Specialist, WaitlistEntry
from booking_api.waitlist import service


class WaitlistEntryOut(BaseModel):
    id: int
    client: int
    client_name: str
    specialist: int | None
    specialist_name: str | None
    service: int
    service_name: str
    date: str
    time_from: str | None
    time_to: str | None
    status: str
    created_at: str
    offer: dict[str, Any] | None = None
    appointment: int | None = None


def _time(value: dt.time | None) -> str | None:
    return value.isoformat() if value is not None else None


class Waitlist(ClientOwned, Resource):
    model = WaitlistEntry
    model_name = "WaitlistEntry"
    read_schema = WaitlistEntryOut
    write_schema_name = "WaitlistEntryWrite"
    fields = {
        "client": PrimaryKeyField(
            Client, help_text="Required for staff; a client joins for themselves"
        ),
        "specialist": PrimaryKeyField(
            Specialist, required=False, allow_null=True, help_text="Null or left out: any"
        ),
        "service": PrimaryKeyField(Service),
        "date": DateField(),
        "time_from": TimeField(
            required=False, allow_null=True, help_text="Earliest acceptable start (optional)"
        ),
        "time_to": TimeField(
            required=False, allow_null=True, help_text="Latest acceptable end (optional)"
        ),
    }
    ordering_fields = {"date": WaitlistEntry.date, "created_at": WaitlistEntry.created_at}

    def loader_options(self) -> list[Any]:
        return [
            joinedload(WaitlistEntry.client),
            joinedload(WaitlistEntry.service),
            joinedload(WaitlistEntry.specialist),
        ]

    async def prepare(self, session, ctx: Ctx) -> None:  # type: ignore[no-untyped-def]
        await ctx.load_profiles(session)

    def base_query(self, ctx: Ctx) -> Select[Any]:
        user = ctx.require_user()
        stmt = select(WaitlistEntry)
        if user.is_staff:
            return stmt
        if ctx.client_id is None:
            return stmt.where(false())
        return stmt.where(WaitlistEntry.client_id == ctx.client_id)

    def filter(self, stmt: Select[Any], params: dict[str, str]) -> Select[Any]:
        for name, column in (
            ("client_id", WaitlistEntry.client_id),
            ("service_id", WaitlistEntry.service_id),
            ("specialist_id", WaitlistEntry.specialist_id),
        ):
            if (value := int_filter(params, name)) is not None:
                stmt = stmt.where(column == value)
        if params.get("status") in WAITLIST_STATUSES:
            stmt = stmt.where(WaitlistEntry.status == params["status"])
        if (day := parse_date(params.get("date"))) is not None:
            stmt = stmt.where(WaitlistEntry.date == day)
        return stmt

    def order(self, stmt: Select[Any], ordering: str | None) -> Select[Any]:
        if not ordering:
            return stmt.order_by(WaitlistEntry.date, WaitlistEntry.created_at, WaitlistEntry.id)
        return super().order(stmt, ordering)

    def represent(self, obj: WaitlistEntry, ctx: Ctx) -> dict[str, Any]:
        tz = ctx.settings.tz
        offer = None
        if obj.status == "offered" and obj.offer_start_time is not None:
            offer = {
                "token": obj.offer_token,
                "specialist": obj.offer_specialist_id,
                "date": obj.date.isoformat(),
                "start_time": _time(obj.offer_start_time),
                "end_time": _time(obj.offer_end_time),
                "expires_at": format_datetime(obj.offer_expires_at, tz),
            }
        return {
            "id": obj.id,
            "client": obj.client_id,
            "client_name": obj.client.name,
            "specialist": obj.specialist_id,
            "specialist_name": obj.specialist.name if obj.specialist else None,
            "service": obj.service_id,
            "service_name": obj.service.name,
            "date": obj.date.isoformat(),
            "time_from": _time(obj.time_from),
            "time_to": _time(obj.time_to),
            "status": obj.status,
            "created_at": format_datetime(obj.created_at, tz),
            "offer": offer,
            "appointment": obj.appointment_id,
        }

    def check_write(self, ctx: Ctx, action: str) -> None:
        ctx.require_user()

    async def validate_object(self, session, ctx, values, obj) -> None:  # type: ignore[no-untyped-def]
        await self.claim_for_client(session, ctx, values, obj)
        await service.validate_entry(session, ctx.settings, values)

    async def create(self, session, ctx, values):  # type: ignore[no-untyped-def]
        obj = WaitlistEntry(
            client_id=values["client"],
            specialist_id=values.get("specialist"),
            service_id=values["service"],
            date=values["date"],
            time_from=values.get("time_from"),
            time_to=values.get("time_to"),
            created_at=dt.datetime.now(dt.UTC),
        )
        session.add(obj)
        await session.flush()
        return obj


waitlist = Waitlist()
router = APIRouter()

_CLAIM = {"token": CharField(max_length=64, help_text="The offer's token (`wl:book:<token>`)")}


@router.post(
    "/waitlist/claim/",
    tags=["Waitlist"],
    status_code=201,
    summary="Book the time a waitlist offer is for",
    description="By the entry's client, or staff acting for them. Books through the normal "
    "booking rules: when the time was taken first, answers the contract's 400 "
    '("Выбранное время уже занято.") and the entry waits again. An expired or used offer '
    "is a 400 too.",
    responses=ERRORS(400, 401, 403, 415),
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {
                    "schema": register_schema("WaitlistClaim", object_schema(_CLAIM))
                }
            },
        }
    },
    operation_id="waitlist_claim",
)
async def claim(request: Request, session: WriteSession, ctx: CtxDep) -> Any:
    ctx.require_user()
    token = validate_fields(_CLAIM, await read_body(request))["token"]
    await ctx.load_profiles(session)
    entry = await service.open_offer(session, token)
    if not ctx.is_staff and (ctx.client_id is None or entry.client_id != ctx.client_id):
        raise PermissionDenied()
    entry_id = entry.id
    try:
        values = await appointments.validate(
            session, ctx, service.booking_request(entry), None, partial=False
        )
        obj = await appointments.create(session, ctx, values)
    except ValidationError:
        await session.rollback()
        await service.release_by_id(session, entry_id)
        raise
    entry.status, entry.appointment_id = "booked", obj.id
    await appointment_changed(session, ctx.settings, obj, None)  # reminders, specialist notice
    try:
        await session.commit()
    except IntegrityError:
        await session.rollback()
        await service.release_by_id(session, entry_id)
        raise ValidationError([booking.TAKEN]) from None
    obj = await appointments.get_object(session, ctx, obj.id)
    return JSON(appointments.represent(obj, ctx), status_code=201)


# list, create, retrieve, destroy (entries are not edited: leave and join again).
_crud = crud_router(
    waitlist,
    "waitlist",
    tag="Waitlist",
    extra_doc="A client sees their own entries; staff see all.",
)
_crud.routes = [r for r in _crud.routes if not ({"PUT", "PATCH"} & getattr(r, "methods", set()))]
router.include_router(_crud)
