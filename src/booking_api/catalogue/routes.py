"""Catalogue: categories, specialists (with photos and their custom reads) and services.

Anyone reads; only staff write (contract section 3).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fastapi import APIRouter, Request
from sqlalchemy.ext.asyncio import AsyncSession

from booking_api.api.deps import Ctx, CtxDep, ReplicaSession
from booking_api.api.openapi import ERRORS
from booking_api.api.params import int_filter
from booking_api.api.resource import Resource, crud_router, fk_columns, parse_pk
from booking_api.catalogue import photos, repository, service
from booking_api.catalogue.schemas import (
    CATEGORY_FIELDS,
    SERVICE_FIELDS,
    SPECIALIST_FIELDS,
    CategoryOut,
    ServiceOut,
    SpecialistOut,
    represent_category,
    represent_service,
    represent_specialist,
    service_dict,
    specialist_from_row,
)
from booking_api.core.errors import ValidationError
from booking_api.core.http import JSON
from booking_api.models import Service, ServiceCategory, Specialist
from booking_api.schedules.schemas import ScheduleOut, represent_schedule, schedule_dict


class Categories(Resource):
    replica_reads = True
    model = ServiceCategory
    model_name = "ServiceCategory"
    read_schema = CategoryOut
    write_schema_name = "CategoryWrite"
    fields = CATEGORY_FIELDS
    search_fields = repository.CATEGORY_SEARCH

    def represent(self, obj: ServiceCategory, ctx: Ctx) -> dict[str, Any]:
        return represent_category(obj)


class Specialists(Resource):
    replica_reads = True
    model = Specialist
    model_name = "Specialist"
    read_schema = SpecialistOut
    write_schema_name = "SpecialistWrite"
    fields = SPECIALIST_FIELDS
    search_fields = repository.SPECIALIST_SEARCH
    ordering_fields = repository.SPECIALIST_ORDERING

    def loader_options(self) -> list[Any]:
        return repository.specialist_loaders()

    def list_query(self, ctx: Ctx) -> Any:
        return repository.active_specialists()

    def retrieve_query(self, ctx: Ctx) -> Any:
        return repository.active_specialists()

    def filter(self, stmt: Any, params: dict[str, str]) -> Any:
        return repository.filter_specialists(
            stmt, city=params.get("city"), category_id=int_filter(params, "category_id")
        )

    def represent(self, obj: Specialist, ctx: Ctx) -> dict[str, Any]:
        url = photos.photo_url(obj.photo, str(ctx.request.base_url), ctx.settings)
        return represent_specialist(obj, url)

    def list_columns(self, stmt: Any) -> Any:
        return repository.specialist_columns(stmt)

    def list_shape(self, ctx: Ctx) -> Any:
        return "public"  # the same active specialists for everyone

    async def represent_rows(
        self, session: AsyncSession, rows: Sequence[Any], ctx: Ctx
    ) -> list[dict[str, Any]]:
        week: dict[int, list[dict[str, Any]]] = {row[0]: [] for row in rows}
        for schedule in await repository.schedules_of(session, list(week)):
            week[schedule[1]].append(schedule_dict(*schedule))
        base_url = str(ctx.request.base_url)
        return [
            specialist_from_row(row, photos.photo_url(row[4], base_url, ctx.settings), week[row[0]])
            for row in rows
        ]

    async def validate(
        self, session: AsyncSession, ctx: Ctx, data: Any, obj: Any, partial: bool
    ) -> dict[str, Any]:
        """The fields, then the photo; errors of both are reported together, as DRF does."""
        photo = data.pop("photo", ...) if isinstance(data, dict) else ...
        errors: dict[str, Any] = {}
        values: dict[str, Any] = {}
        try:
            values = await super().validate(session, ctx, data, obj, partial)
        except ValidationError as exc:
            errors = dict(exc.errors)
        content: bytes | None = None
        if photo is not ...:
            try:
                content = await photos.read_photo(photo, ctx.settings)
            except ValidationError as exc:
                errors.update(exc.errors)
        if errors:
            order = list(self.fields)
            raise ValidationError(
                dict(
                    sorted(
                        errors.items(),
                        key=lambda item: order.index(item[0]) if item[0] in order else len(order),
                    )
                )
            )
        if photo is not ...:
            values["photo"] = photos.save_photo(content, ctx.settings)
        return values

    async def create(self, session: AsyncSession, ctx: Ctx, values: dict[str, Any]) -> Any:
        await service.link_new_user(session, ctx.settings, values)
        return await super().create(session, ctx, values)

    async def update(
        self, session: AsyncSession, ctx: Ctx, obj: Any, values: dict[str, Any]
    ) -> Any:
        service.drop_linked_user_fields(values)
        return await super().update(session, ctx, obj, values)


class Services(Resource):
    replica_reads = True
    model = Service
    model_name = "Service"
    read_schema = ServiceOut
    write_schema_name = "ServiceWrite"
    fields = SERVICE_FIELDS
    search_fields = repository.SERVICE_SEARCH
    ordering_fields = repository.SERVICE_ORDERING

    def loader_options(self) -> list[Any]:
        return repository.service_loaders()

    def list_query(self, ctx: Ctx) -> Any:
        return repository.active_services()

    def retrieve_query(self, ctx: Ctx) -> Any:
        return repository.active_services()

    def filter(self, stmt: Any, params: dict[str, str]) -> Any:
        return repository.filter_services(
            stmt,
            category_id=int_filter(params, "category_id"),
            specialist_id=int_filter(params, "specialist_id"),
            city=params.get("city"),
        )

    def represent(self, obj: Service, ctx: Ctx) -> dict[str, Any]:
        return represent_service(obj)

    def list_columns(self, stmt: Any) -> Any:
        return repository.service_columns(stmt)

    def list_shape(self, ctx: Ctx) -> Any:
        return "public"  # the same active services for everyone

    async def represent_rows(
        self, session: AsyncSession, rows: Sequence[Any], ctx: Ctx
    ) -> list[dict[str, Any]]:
        return [service_dict(*row) for row in rows]

    async def validate_object(
        self, session: AsyncSession, ctx: Ctx, values: dict[str, Any], obj: Any
    ) -> None:
        fk_columns(values, "specialist", "category")


categories = Categories()
specialists = Specialists()
services = Services()

router = APIRouter()
router.include_router(crud_router(categories, "categories", tag="Catalogue"))
router.include_router(
    crud_router(services, "services", tag="Catalogue", extra_doc="Only active services are listed.")
)


@router.get(
    "/specialists/{pk}/services/",
    tags=["Catalogue"],
    summary="A specialist's active services",
    response_model=list[ServiceOut],
    responses=ERRORS(400, 404),
)
async def specialist_services(
    pk: str, request: Request, session: ReplicaSession, ctx: CtxDep
) -> Any:
    specialist_id = await service.active_specialist(session, parse_pk(pk))
    category_id = int_filter(dict(request.query_params), "category_id")
    rows = await service.services_of(session, specialist_id, category_id=category_id)
    return JSON([represent_service(s) for s in rows])


@router.get(
    "/specialists/{pk}/schedule/",
    tags=["Catalogue"],
    summary="A specialist's weekly schedule",
    response_model=list[ScheduleOut],
    responses=ERRORS(404),
)
async def specialist_schedule(pk: str, session: ReplicaSession, ctx: CtxDep) -> Any:
    specialist_id = await service.active_specialist(session, parse_pk(pk))
    rows = await service.week_of(session, specialist_id)
    return JSON([represent_schedule(s) for s in rows])


router.include_router(
    crud_router(
        specialists, "specialists", tag="Catalogue", extra_doc="Only active specialists are listed."
    )
)
