"""Client profiles: who may create one, with which user, and how a blank Telegram id is kept."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from booking_api.auth.users import create_linked_user
from booking_api.clients import repository
from booking_api.core.config import Settings
from booking_api.core.errors import NotFound, PermissionDenied
from booking_api.models import Client, User

NOT_A_CLIENT = "Сначала зарегистрируйтесь как клиент."  # to a user with no client profile


async def blank_telegram_id(session: AsyncSession, values: dict[str, Any]) -> None:
    """No Telegram id is NULL, or '' where the column is NOT NULL (a Django model's blank
    CharField), so a client without one can be written to either database."""
    if "telegram_id" in values and values["telegram_id"] is None:
        if not await repository.telegram_id_takes_null(session):
            values["telegram_id"] = ""


async def prepare_new_client(
    session: AsyncSession, settings: Settings, user: User, values: dict[str, Any]
) -> None:
    """Staff create a client with a new linked user; a signed-in user without a profile
    may create their own, once."""
    username = values.pop("username", None)
    password = values.pop("password", None)
    values.setdefault("telegram_id", None)
    await blank_telegram_id(session, values)
    if user.is_staff:
        linked = await create_linked_user(
            session,
            settings,
            prefix="client",
            username=username,
            password=password,
            email=values.get("email", ""),
            first_name=values["name"],
        )
        values["user_id"] = linked.id
        return
    if await repository.has_profile(session, user.id):
        raise PermissionDenied()
    values["user_id"] = user.id


async def prepare_client_update(session: AsyncSession, values: dict[str, Any]) -> None:
    """The linked user is not changed through the client."""
    values.pop("username", None)
    values.pop("password", None)
    await blank_telegram_id(session, values)


async def own_profile(session: AsyncSession, user: User) -> Client:
    """The signed-in user's client profile, else the model's 404."""
    client = await repository.profile_of(session, user.id)
    if client is None:
        raise NotFound.model("Client")
    return client


async def find_or_register_by_telegram(
    session: AsyncSession,
    settings: Settings,
    telegram_id: str,
    *,
    name: str | None = None,
    phone: str = "",
    language: str | None = None,
    create: bool = True,
) -> Client | None:
    """The client with this Telegram id, registering one (and its user) when asked to."""
    client = await repository.by_telegram_id(session, telegram_id)
    if client is not None or not create:
        if client is not None and client.user_id is None:
            user = await create_linked_user(session, settings, prefix=f"tg{telegram_id}")
            client.user_id = user.id
            await session.flush()
        return client
    user = await create_linked_user(
        session, settings, prefix=f"tg{telegram_id}", first_name=name or ""
    )
    client = Client(
        name=(name or f"Telegram {telegram_id}")[:100],
        phone=phone[:20],
        email="",
        telegram_id=telegram_id,
        user_id=user.id,
        language=(language or "ru")[:2] if (language or "ru")[:2] in ("ru", "en") else "ru",
    )
    return await repository.insert(session, client)
