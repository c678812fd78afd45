"""Clients: staff see and edit all; a client sees and edits only their own profile."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from sqlalchemy.ext.asyncio import AsyncSession

from booking_api.api.deps import Ctx, CtxDep, ReadSession, WriteSession
from booking_api.api.openapi import ERRORS, register_schema
from booking_api.api.resource import Resource, crud_router
from booking_api.clients import repository, service
from booking_api.clients.schemas import (
    CLIENT_FIELDS,
    OWN_PROFILE_FIELDS,
    STAFF_ONLY_FIELDS,
    ClientOut,
    represent_client,
)
from booking_api.core.errors import MethodNotAllowed, PermissionDenied
from booking_api.core.fields import Field, object_schema
from booking_api.core.http import JSON, read_body
from booking_api.models import Client


class Clients(Resource):
    model = Client
    model_name = "Client"
    read_schema = ClientOut
    write_schema_name = "ClientWrite"
    fields = CLIENT_FIELDS
    search_fields = repository.CLIENT_SEARCH

    def search_fields_for(self, ctx: Ctx) -> Any:
        return repository.client_search(ctx.settings)

    def loader_options(self) -> list[Any]:
        return repository.client_loaders()

    def base_query(self, ctx: Ctx) -> Any:
        user = ctx.require_user()
        return repository.visible_clients(user.id, staff=user.is_staff)

    def list_query(self, ctx: Ctx) -> Any:
        phone = (ctx.request.query_params.get("phone") or "").strip()
        return repository.filter_clients(
            super().list_query(ctx), phone=phone or None, settings=ctx.settings
        )

    def check_read(self, ctx: Ctx) -> None:
        ctx.require_user()

    def check_write(self, ctx: Ctx, action: str) -> None:
        ctx.require_user()
        if action == "destroy" and not ctx.is_staff:
            raise PermissionDenied()

    def writable_fields(self, ctx: Ctx) -> dict[str, Field]:
        if ctx.is_staff:
            return self.fields
        return {k: v for k, v in self.fields.items() if k not in STAFF_ONLY_FIELDS}

    async def create(self, session: AsyncSession, ctx: Ctx, values: dict[str, Any]) -> Any:
        await service.prepare_new_client(session, ctx.settings, ctx.require_user(), values)
        return await super().create(session, ctx, values)

    async def update(
        self, session: AsyncSession, ctx: Ctx, obj: Any, values: dict[str, Any]
    ) -> Any:
        await service.prepare_client_update(session, values)
        return await super().update(session, ctx, obj, values)

    def represent(self, obj: Client, ctx: Ctx) -> dict[str, Any]:
        return represent_client(obj, staff=ctx.is_staff)


clients = Clients()
router = APIRouter()


@router.get(
    "/clients/me/",
    tags=["Clients"],
    summary="The signed-in client's own profile",
    response_model=ClientOut,
    responses=ERRORS(401, 404),
)
async def me(session: ReadSession, ctx: CtxDep) -> Any:
    return JSON(represent_client(await service.own_profile(session, ctx.require_user())))


_me_patch = register_schema(
    "ClientMePatch",
    object_schema(
        {k: v for k, v in CLIENT_FIELDS.items() if k in OWN_PROFILE_FIELDS}, partial=True
    ),
)


@router.patch(
    "/clients/me/",
    tags=["Clients"],
    summary="Change the signed-in client's profile",
    response_model=ClientOut,
    responses=ERRORS(400, 401, 404, 415),
    openapi_extra={"requestBody": {"content": {"application/json": {"schema": _me_patch}}}},
)
async def patch_me(request: Request, session: WriteSession, ctx: CtxDep) -> Any:
    client = await service.own_profile(session, ctx.require_user())
    data = await read_body(request)
    values = await clients.validate(session, ctx, data, client, partial=True)
    await clients.update(session, ctx, client, values)
    await session.commit()
    return JSON(represent_client(await service.own_profile(session, ctx.require_user())))


@router.api_route("/clients/me/", methods=["POST", "PUT", "DELETE"], include_in_schema=False)
async def me_other_methods(request: Request, ctx: CtxDep) -> Any:
    """DRF's ``me`` action serves GET and PATCH only; without this, ``me`` would be taken for
    an id by the detail routes and answered 404."""
    ctx.require_user()
    raise MethodNotAllowed(request.method, ["GET", "PATCH"])


router.include_router(crud_router(clients, "clients", tag="Clients"))
