"""Clients: staff see and edit all; a client sees and edits only their own profile."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from sqlalchemy import Select, and_, false, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from booking_api.api.deps import Ctx, CtxDep, ReadSession, WriteSession
from booking_api.api.openapi import ERRORS, register_schema
from booking_api.api.resource import Resource, crud_router, icontains
from booking_api.catalogue.routes import nested_user
from booking_api.clients.service import create_linked_user
from booking_api.core import crypto
from booking_api.core.errors import MethodNotAllowed, NotFound, PermissionDenied
from booking_api.core.fields import CharField, ChoiceField, EmailField, object_schema
from booking_api.core.http import JSON, read_body
from booking_api.models import Client
from booking_api.schemas import ClientOut

MIN_PHONE_DIGITS = 7  # shorter search terms are parts of numbers, not numbers


def phone_matches(phone: str, settings: Any) -> Any:
    """``?phone=`` exact match: the keyed hash under ENCRYPTION_KEY (current or old keys, and
    rows not yet encrypted), the plain column without it."""
    keyring = crypto.cached_keyring(settings)
    if keyring is None:
        return Client.phone == phone
    return or_(
        Client.phone_hash.in_(keyring.lookup_hashes(phone)),
        and_(Client.phone_encrypted.is_(None), Client.phone == phone),
    )


def represent_client(obj: Client) -> dict[str, Any]:
    return {
        "id": obj.id,
        "user": nested_user(obj.user),
        "name": obj.name,
        "phone": obj.phone,
        "email": obj.email,
        "city": obj.city,
        "telegram_id": obj.telegram_id,
        "language": obj.language,
    }


class Clients(Resource):
    model = Client
    model_name = "Client"
    read_schema = ClientOut
    write_schema_name = "ClientWrite"
    fields = {
        "name": CharField(max_length=100),
        "phone": CharField(max_length=20, allow_blank=True, default=""),
        "email": EmailField(allow_blank=True, default=""),
        "city": CharField(max_length=100, default="Казань"),
        "telegram_id": CharField(max_length=20, required=False, allow_null=True),
        "language": ChoiceField(("ru", "en"), default="ru"),
        "username": CharField(
            max_length=150,
            required=False,
            write_only=True,
            help_text="Username of the linked user (generated when left out)",
        ),
        "password": CharField(
            required=False, write_only=True, help_text="Password of the linked user (optional)"
        ),
    }
    search_fields = (
        icontains(Client.name),
        icontains(Client.phone),
        icontains(Client.email),
        icontains(Client.city),
    )

    def search_fields_for(self, ctx: Ctx) -> Any:
        """Under ENCRYPTION_KEY the phone column holds a mask ("+7•••••4567"), so a search term
        that is a whole phone number is also matched through the keyed hash."""
        keyring = crypto.cached_keyring(ctx.settings)
        if keyring is None:
            return self.search_fields

        def whole_phone(term: str) -> Any:
            if len(crypto.normalise_phone(term)) < MIN_PHONE_DIGITS:
                return false()
            return Client.phone_hash.in_(keyring.lookup_hashes(term))

        return (*self.search_fields, whole_phone)

    def loader_options(self) -> list[Any]:
        return [joinedload(Client.user)]

    def base_query(self, ctx: Ctx) -> Select[Any]:
        user = ctx.require_user()
        if user.is_staff:
            return select(Client)
        return (
            select(Client).where(Client.user_id == user.id)
            if user
            else select(Client).where(false())
        )

    def list_query(self, ctx: Ctx) -> Select[Any]:
        stmt = super().list_query(ctx)
        phone = (ctx.request.query_params.get("phone") or "").strip()
        return stmt.where(phone_matches(phone, ctx.settings)) if phone else stmt

    def check_read(self, ctx: Ctx) -> None:
        ctx.require_user()

    def check_write(self, ctx: Ctx, action: str) -> None:
        ctx.require_user()
        if action == "destroy" and not ctx.is_staff:
            raise PermissionDenied()

    def writable_fields(self, ctx: Ctx) -> dict[str, Any]:
        if ctx.is_staff:
            return self.fields
        # A client cannot move their profile to another Telegram account or user.
        return {
            k: v for k, v in self.fields.items() if k not in ("telegram_id", "username", "password")
        }

    async def create(self, session: AsyncSession, ctx: Ctx, values: dict[str, Any]) -> Any:
        user = ctx.require_user()
        username = values.pop("username", None)
        password = values.pop("password", None)
        if ctx.is_staff:
            linked = await create_linked_user(
                session,
                ctx.settings,
                prefix="client",
                username=username,
                password=password,
                email=values.get("email", ""),
                first_name=values["name"],
            )
            values["user_id"] = linked.id
        else:
            # A signed-in user without a profile may create their own, once.
            if await session.scalar(select(Client.id).where(Client.user_id == user.id)):
                raise PermissionDenied()
            values["user_id"] = user.id
        return await super().create(session, ctx, values)

    async def update(self, session, ctx, obj, values):  # type: ignore[no-untyped-def]
        values.pop("username", None)
        values.pop("password", None)
        return await super().update(session, ctx, obj, values)

    def represent(self, obj: Client, ctx: Ctx) -> dict[str, Any]:
        return represent_client(obj)


clients = Clients()
router = APIRouter()


async def _own_profile(session: AsyncSession, ctx: Ctx) -> Client:
    user = ctx.require_user()
    client = await session.scalar(
        select(Client).where(Client.user_id == user.id).options(joinedload(Client.user))
    )
    if client is None:
        raise NotFound.model("Client")
    return client


@router.get(
    "/clients/me/",
    tags=["Clients"],
    summary="The signed-in client's own profile",
    response_model=ClientOut,
    responses=ERRORS(401, 404),
)
async def me(session: ReadSession, ctx: CtxDep) -> Any:
    return JSON(represent_client(await _own_profile(session, ctx)))


_me_patch = register_schema(
    "ClientMePatch",
    object_schema(
        {
            k: v
            for k, v in Clients.fields.items()
            if k in ("name", "phone", "email", "city", "language")
        },
        partial=True,
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
    client = await _own_profile(session, ctx)
    data = await read_body(request)
    values = await clients.validate(session, ctx, data, client, partial=True)
    await clients.update(session, ctx, client, values)
    await session.commit()
    return JSON(represent_client(await _own_profile(session, ctx)))


@router.api_route("/clients/me/", methods=["POST", "PUT", "DELETE"], include_in_schema=False)
async def me_other_methods(request: Request, ctx: CtxDep) -> Any:
    """DRF's ``me`` action serves GET and PATCH only; without this, ``me`` would be taken for
    an id by the detail routes and answered 404."""
    ctx.require_user()
    raise MethodNotAllowed(request.method, ["GET", "PATCH"])


router.include_router(crud_router(clients, "clients", tag="Clients"))
