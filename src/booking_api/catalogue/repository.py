"""The SQL of categories, specialists and services."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload, selectinload

from booking_api.api.repository import fixed_rows, icontains
from booking_api.models import Service, ServiceCategory, Specialist, SpecialistSchedule, User

# --- categories ----------------------------------------------------------------------------------

CATEGORY_SEARCH = (icontains(ServiceCategory.name),)

# --- specialists ---------------------------------------------------------------------------------

SPECIALIST_SEARCH = (
    icontains(Specialist.name),
    icontains(Specialist.specialization),
    icontains(Specialist.city),
)
SPECIALIST_ORDERING = {
    "name": Specialist.name,
    "specialization": Specialist.specialization,
    "city": Specialist.city,
}


def specialist_loaders() -> list[Any]:
    return [joinedload(Specialist.user), selectinload(Specialist.schedules)]


def active_specialists() -> Select[Any]:
    """What the specialists list and detail show (DRF's ``queryset``)."""
    return select(Specialist).where(Specialist.is_active.is_(True))


def filter_specialists(
    stmt: Select[Any], *, city: str | None, category_id: int | None
) -> Select[Any]:
    if city:
        stmt = stmt.where(func.lower(Specialist.city) == city.lower())
    if category_id is not None:
        stmt = stmt.where(
            exists().where(
                Service.specialist_id == Specialist.id,
                Service.category_id == category_id,
                Service.is_active.is_(True),
            )
        )
    return stmt


def specialist_columns(stmt: Select[Any]) -> Select[Any]:
    """The specialists list's statement as plain columns: the specialist and its linked user
    (the order of ``schemas.specialist_from_row``); the schedules come from
    :func:`schedules_of`."""
    return stmt.with_only_columns(
        Specialist.id,
        Specialist.name,
        Specialist.specialization,
        Specialist.description,
        Specialist.photo,
        Specialist.city,
        Specialist.is_active,
        Specialist.telegram_id,
        Specialist.language,
        User.id,
        User.username,
        User.email,
        User.first_name,
        User.last_name,
        Specialist.specialization_en,
        Specialist.city_en,
        Specialist.description_en,
        maintain_column_froms=True,
    ).outerjoin_from(Specialist, User, User.id == Specialist.user_id)


async def schedules_of(session: AsyncSession, specialist_ids: Sequence[int]) -> Sequence[Any]:
    """The weekly rows of these specialists, by id (plain rows: id, specialist, day, hours).
    The same ids are the same SQL: rendered once on PostgreSQL (``fixed_rows``)."""
    if not specialist_ids:
        return []
    ids = tuple(specialist_ids)

    def statement() -> Select[Any]:
        return (
            select(
                SpecialistSchedule.id,
                SpecialistSchedule.specialist_id,
                SpecialistSchedule.day_of_week,
                SpecialistSchedule.start_time,
                SpecialistSchedule.end_time,
            )
            .where(SpecialistSchedule.specialist_id.in_(ids))
            .order_by(SpecialistSchedule.id)
        )

    return await fixed_rows(session, ("schedules_of", ids), statement)


async def is_active_specialist(session: AsyncSession, specialist_id: int) -> bool:
    """One indexed lookup: the specialist exists and is active."""
    stmt = active_specialists().with_only_columns(Specialist.id)
    return await session.scalar(stmt.where(Specialist.id == specialist_id)) is not None


# --- services ------------------------------------------------------------------------------------

SERVICE_SEARCH = (
    icontains(Service.name),
    lambda term: Service.specialist.has(icontains(Specialist.name)(term)),
    lambda term: Service.category.has(icontains(ServiceCategory.name)(term)),
)
SERVICE_ORDERING = {"name": Service.name, "price": Service.price, "duration": Service.duration}


def service_loaders() -> list[Any]:
    return [joinedload(Service.specialist), joinedload(Service.category)]


def active_services() -> Select[Any]:
    """What the services list and detail show (DRF's ``queryset``)."""
    return select(Service).where(Service.is_active.is_(True))


def service_columns(stmt: Select[Any]) -> Select[Any]:
    """The services list's statement as plain columns, names joined (the order of
    ``schemas.service_dict``)."""
    return (
        stmt.with_only_columns(
            Service.id,
            Service.name,
            Service.description,
            Service.price,
            Service.duration,
            Service.specialist_id,
            Specialist.name,
            Service.category_id,
            ServiceCategory.name,
            Service.is_active,
            Service.buffer_before,
            Service.buffer_after,
            Service.name_en,
            Service.description_en,
            ServiceCategory.name_en,
            maintain_column_froms=True,
        )
        .join_from(Service, Specialist, Specialist.id == Service.specialist_id)
        .outerjoin_from(Service, ServiceCategory, ServiceCategory.id == Service.category_id)
    )


def filter_services(
    stmt: Select[Any],
    *,
    category_id: int | None = None,
    specialist_id: int | None = None,
    city: str | None = None,
) -> Select[Any]:
    if category_id is not None:
        stmt = stmt.where(Service.category_id == category_id)
    if specialist_id is not None:
        stmt = stmt.where(Service.specialist_id == specialist_id)
    if city:
        stmt = stmt.where(Service.specialist.has(func.lower(Specialist.city) == city.lower()))
    return stmt


async def active_services_of(
    session: AsyncSession, specialist_id: int, *, category_id: int | None
) -> Sequence[Service]:
    """A specialist's active services, by id."""
    stmt = filter_services(active_services(), specialist_id=specialist_id, category_id=category_id)
    stmt = stmt.options(*service_loaders()).order_by(Service.id)
    return (await session.scalars(stmt)).all()
