"""The waitlist over HTTP: ask to be told when a time frees up, and claim the offered time.

``/api/waitlist/``: a client lists, joins and leaves their own entries; staff see all and act
for any client. ``POST /api/waitlist/claim/`` books the time an offer (sent in Telegram
with a ``wl:book:<token>`` button) is for. Each route parses, calls ``service``, and
represents.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from sqlalchemy import Select

from booking_api.api.deps import Ctx, CtxDep, WriteSession
from booking_api.api.openapi import ERRORS, register_schema
from booking_api.api.ownership import ClientOwned
from booking_api.api.params import int_filter
from booking_api.api.resource import Resource, crud_router
from booking_api.core.fields import object_schema, parse_date, validate_fields
from booking_api.core.http import JSON, read_body
from booking_api.models import WaitlistEntry
from booking_api.waitlist import repository, service
from booking_api.waitlist.schemas import (
    CLAIM_FIELDS,
    ENTRY_FIELDS,
    WaitlistEntryOut,
    represent_entry,
)


class Waitlist(ClientOwned, Resource):
    """The DRF viewset: list, create, retrieve, destroy (entries are not edited: leave and
    join again)."""

    model = WaitlistEntry
    model_name = "WaitlistEntry"
    read_schema = WaitlistEntryOut
    write_schema_name = "WaitlistEntryWrite"
    fields = ENTRY_FIELDS
    ordering_fields = repository.ORDERING_FIELDS

    def loader_options(self) -> list[Any]:
        return repository.with_relations()

    async def prepare(self, session, ctx: Ctx) -> None:  # type: ignore[no-untyped-def]
        await ctx.load_profiles(session)

    def base_query(self, ctx: Ctx) -> Select[Any]:
        return repository.visible_to(ctx.require_user(), ctx.client_id)

    def filter(self, stmt: Select[Any], params: dict[str, str]) -> Select[Any]:
        return repository.filtered(
            stmt,
            client_id=int_filter(params, "client_id"),
            service_id=int_filter(params, "service_id"),
            specialist_id=int_filter(params, "specialist_id"),
            status=params.get("status"),
            date=parse_date(params.get("date")),
        )

    def order(self, stmt: Select[Any], ordering: str | None) -> Select[Any]:
        if not ordering:
            return repository.in_queue_order(stmt)
        return super().order(stmt, ordering)

    def represent(self, obj: WaitlistEntry, ctx: Ctx) -> dict[str, Any]:
        return represent_entry(obj, ctx.settings.tz)

    def check_write(self, ctx: Ctx, action: str) -> None:
        ctx.require_user()

    async def validate_object(self, session, ctx, values, obj) -> None:  # type: ignore[no-untyped-def]
        await self.claim_for_client(session, ctx, values, obj)
        await service.validate_entry(session, ctx.settings, values)

    async def create(self, session, ctx, values):  # type: ignore[no-untyped-def]
        return await service.join(session, values)


waitlist = Waitlist()
router = APIRouter()


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
                    "schema": register_schema("WaitlistClaim", object_schema(CLAIM_FIELDS))
                }
            },
        }
    },
    operation_id="waitlist_claim",
)
async def claim(request: Request, session: WriteSession, ctx: CtxDep) -> Any:
    ctx.require_user()
    token = validate_fields(CLAIM_FIELDS, await read_body(request))["token"]
    return JSON(await service.claim(session, ctx.settings, ctx, token), status_code=201)


_crud = crud_router(
    waitlist,
    "waitlist",
    tag="Waitlist",
    extra_doc="A client sees their own entries; staff see all.",
)
_crud.routes = [r for r in _crud.routes if not ({"PUT", "PATCH"} & getattr(r, "methods", set()))]
router.include_router(_crud)
