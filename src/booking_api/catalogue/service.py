"""Catalogue rules: a specialist comes with a linked user; custom reads of a specialist."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from booking_api.auth.users import create_linked_user
from booking_api.catalogue import repository
from booking_api.catalogue.schemas import LINKED_USER_FIELDS
from booking_api.core.config import Settings
from booking_api.core.errors import NotFound
from booking_api.models import Service, SpecialistSchedule
from booking_api.schedules import repository as schedules


async def link_new_user(session: AsyncSession, settings: Settings, values: dict[str, Any]) -> None:
    """Create the user a new specialist is linked to (from the write-only fields)."""
    user = await create_linked_user(
        session,
        settings,
        prefix="specialist",
        username=values.pop("username", None),
        password=values.pop("password", None),
        email=values.pop("email", ""),
        first_name=values["name"],
    )
    values["user_id"] = user.id


def drop_linked_user_fields(values: dict[str, Any]) -> None:
    """An update leaves the linked user alone."""
    for key in LINKED_USER_FIELDS:
        values.pop(key, None)


async def active_specialist(session: AsyncSession, specialist_id: int) -> int:
    """The id of an active specialist, else the model's 404 (DRF's ``get_object``)."""
    if not await repository.is_active_specialist(session, specialist_id):
        raise NotFound.model("Specialist")
    return specialist_id


async def services_of(  # of an active specialist (``active_specialist``)
    session: AsyncSession, specialist_id: int, *, category_id: int | None
) -> Sequence[Service]:
    return await repository.active_services_of(session, specialist_id, category_id=category_id)


async def week_of(session: AsyncSession, specialist_id: int) -> Sequence[SpecialistSchedule]:
    return await schedules.week_of(session, specialist_id)
