"""Catalogue: categories, specialists (with photos), weekly schedules, services, breaks, time off.

Anyone reads; only staff write (contract section 3).
"""

from __future__ import annotations

import datetime as dt
import io
import uuid
from decimal import Decimal
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from PIL import Image, UnidentifiedImageError
from sqlalchemy import Select, exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload, selectinload

from booking_api.api.deps import Ctx, CtxDep, ReadSession
from booking_api.api.openapi import ERRORS
from booking_api.api.resource import Resource, crud_router, fk_columns, icontains, parse_pk
from booking_api.appointments.service import END_BEFORE_START
from booking_api.clients.service import create_linked_user
from booking_api.core.errors import NotFound, ValidationError
from booking_api.core.fields import (
    BooleanField,
    CharField,
    ChoiceField,
    DateTimeField,
    DecimalField,
    Field,
    IntegerField,
    PrimaryKeyField,
    TimeField,
    lookup_id,
)
from booking_api.core.http import JSON, format_datetime, format_decimal, is_upload
from booking_api.models import (
    Break,
    Service,
    ServiceCategory,
    Specialist,
    SpecialistSchedule,
    TimeOff,
    User,
)
from booking_api.schemas import (
    BreakOut,
    CategoryOut,
    ScheduleOut,
    ServiceOut,
    SpecialistOut,
    TimeOffOut,
)

DAY_NAMES = ("Понедельник", "Вторник", "Среда", "Четверг", "Пятница", "Суббота", "Воскресенье")


def int_filter(params: dict[str, str], name: str) -> int | None:
    """A numeric filter value; a malformed one is a DRF-style 400 (the Django service crashed)."""
    raw = params.get(name)
    if raw is None or raw == "":
        return None
    try:
        return lookup_id(int(raw))  # an id no column can hold matches nothing
    except ValueError:
        raise ValidationError({name: ["A valid integer is required."]}) from None


def check_span(values: dict[str, Any], obj: Any, start: str, end: str) -> None:
    """A span (working day, break, time off) must end after it starts; stored values fill in."""
    first = values.get(start, getattr(obj, start, None))
    last = values.get(end, getattr(obj, end, None))
    if first is not None and last is not None and last <= first:
        raise ValidationError([END_BEFORE_START])


def nested_user(user: User | None) -> dict[str, Any] | None:
    if user is None:
        return None
    return {
        "id": user.id,
        "username": user.username,
        "email": user.email,
        "first_name": user.first_name,
        "last_name": user.last_name,
    }


def time_text(value: dt.time) -> str:
    return value.isoformat()


# --- categories ----------------------------------------------------------------------------------


class Categories(Resource):
    model = ServiceCategory
    model_name = "ServiceCategory"
    read_schema = CategoryOut
    write_schema_name = "CategoryWrite"
    fields = {
        "name": CharField(max_length=100),
        "description": CharField(required=False, allow_blank=True, default=""),
    }
    search_fields = (icontains(ServiceCategory.name),)

    def represent(self, obj: ServiceCategory, ctx: Ctx) -> dict[str, Any]:
        return {"id": obj.id, "name": obj.name, "description": obj.description}


# --- schedules -----------------------------------------------------------------------------------


def represent_schedule(obj: SpecialistSchedule) -> dict[str, Any]:
    return {
        "id": obj.id,
        "specialist": obj.specialist_id,
        "day_of_week": obj.day_of_week,
        "day_name": DAY_NAMES[obj.day_of_week] if 0 <= obj.day_of_week <= 6 else "",
        "start_time": time_text(obj.start_time),
        "end_time": time_text(obj.end_time),
    }


class Schedules(Resource):
    model = SpecialistSchedule
    model_name = "SpecialistSchedule"
    read_schema = ScheduleOut
    write_schema_name = "ScheduleWrite"
    fields = {
        "specialist": PrimaryKeyField(Specialist),
        "day_of_week": IntegerField(min_value=0, max_value=6, help_text="0 = Monday … 6 = Sunday"),
        "start_time": TimeField(),
        "end_time": TimeField(),
    }

    def filter(self, stmt: Select[Any], params: dict[str, str]) -> Select[Any]:
        if (specialist := int_filter(params, "specialist_id")) is not None:
            stmt = stmt.where(SpecialistSchedule.specialist_id == specialist)
        if (day := int_filter(params, "day_of_week")) is not None:
            stmt = stmt.where(SpecialistSchedule.day_of_week == day)
        return stmt

    def represent(self, obj: SpecialistSchedule, ctx: Ctx) -> dict[str, Any]:
        return represent_schedule(obj)

    async def validate_object(self, session, ctx, values, obj) -> None:  # type: ignore[no-untyped-def]
        specialist = values.get("specialist", obj.specialist_id if obj else None)
        day = values.get("day_of_week", obj.day_of_week if obj else None)
        if ("specialist" in values or "day_of_week" in values) and specialist is not None:
            clash = select(SpecialistSchedule.id).where(
                SpecialistSchedule.specialist_id == specialist,
                SpecialistSchedule.day_of_week == day,
            )
            if obj is not None:
                clash = clash.where(SpecialistSchedule.id != obj.id)
            if await session.scalar(clash):
                raise ValidationError(
                    ["The fields specialist, day_of_week must make a unique set."]
                )
        check_span(values, obj, "start_time", "end_time")
        fk_columns(values, "specialist")


# --- specialists ---------------------------------------------------------------------------------


def image_kind(content: bytes) -> str | None:
    """The image format ("png", "jpeg", ...) when Pillow can read ``content``, else None."""
    try:
        with Image.open(io.BytesIO(content)) as image:
            image.verify()
            return (image.format or "").lower() or None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        return None


class Specialists(Resource):
    model = Specialist
    model_name = "Specialist"
    read_schema = SpecialistOut
    write_schema_name = "SpecialistWrite"
    fields: dict[str, Field] = {
        "name": CharField(max_length=100),
        "specialization": CharField(max_length=100),
        "description": CharField(required=False, allow_blank=True, default=""),
        "city": CharField(max_length=100, default="Казань"),
        "is_active": BooleanField(default=True),
        "telegram_id": CharField(
            max_length=20,
            required=False,
            allow_null=True,
            help_text="New: Telegram chat id for booking notifications",
        ),
        "language": ChoiceField(
            ("ru", "en"), default="ru", help_text="New: language of the notifications"
        ),
        "username": CharField(
            max_length=150,
            required=False,
            write_only=True,
            help_text="Username of the linked user created with the specialist (generated when "
            "left out)",
        ),
        "password": CharField(
            required=False, write_only=True, help_text="Password of the linked user (optional)"
        ),
        "email": CharField(required=False, allow_blank=True, write_only=True, max_length=254),
        "photo": CharField(
            required=False,
            allow_null=True,
            help_text="An image file (multipart/form-data), or null to remove the photo",
        ),
    }
    search_fields = (
        icontains(Specialist.name),
        icontains(Specialist.specialization),
        icontains(Specialist.city),
    )
    ordering_fields = {
        "name": Specialist.name,
        "specialization": Specialist.specialization,
        "city": Specialist.city,
    }

    def base_query(self, ctx: Ctx) -> Select[Any]:
        return select(Specialist)

    def loader_options(self) -> list[Any]:
        return [joinedload(Specialist.user), selectinload(Specialist.schedules)]

    def filter(self, stmt: Select[Any], params: dict[str, str]) -> Select[Any]:
        if params.get("city"):
            stmt = stmt.where(func.lower(Specialist.city) == params["city"].lower())
        if (category := int_filter(params, "category_id")) is not None:
            stmt = stmt.where(
                exists().where(
                    Service.specialist_id == Specialist.id,
                    Service.category_id == category,
                    Service.is_active.is_(True),
                )
            )
        return stmt

    def list_query(self, ctx: Ctx) -> Select[Any]:
        return select(Specialist).where(Specialist.is_active.is_(True))

    def represent(self, obj: Specialist, ctx: Ctx) -> dict[str, Any]:
        photo = None
        if obj.photo:
            base = str(ctx.request.base_url).rstrip("/")
            photo = f"{base}{ctx.settings.media_url.rstrip('/')}/{obj.photo}"
        return {
            "id": obj.id,
            "user": nested_user(obj.user),
            "name": obj.name,
            "specialization": obj.specialization,
            "description": obj.description,
            "photo": photo,
            "city": obj.city,
            "is_active": obj.is_active,
            "schedules": [represent_schedule(s) for s in obj.schedules],
            "telegram_id": obj.telegram_id,
            "language": obj.language,
        }

    async def validate(self, session, ctx, data, obj, partial):  # type: ignore[no-untyped-def]
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
                content = await self.read_photo(ctx, photo)
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
            values["photo"] = self.save_photo(ctx, content)
        return values

    async def read_photo(self, ctx: Ctx, upload: Any) -> bytes | None:
        """The uploaded image's bytes (None to remove the photo), checked like DRF's ImageField
        plus the size limit."""
        if upload is None or upload == "":
            return None
        if not is_upload(upload):
            raise ValidationError(
                {
                    "photo": [
                        "The submitted data was not a file. Check the encoding type on the form."
                    ]
                }
            )
        content = await upload.read()
        if not content:
            raise ValidationError({"photo": ["The submitted file is empty."]})
        if len(content) > ctx.settings.max_photo_bytes:
            limit = ctx.settings.max_photo_bytes // (1024 * 1024)
            raise ValidationError({"photo": [f"Файл слишком большой: не более {limit} МБ."]})
        if image_kind(content) is None:
            raise ValidationError(
                {
                    "photo": [
                        "Upload a valid image. The file you uploaded was either not an image or a "
                        "corrupted image."
                    ]
                }
            )
        return content

    def save_photo(self, ctx: Ctx, content: bytes | None) -> str | None:
        """Store a checked image under the media root; its path relative to it."""
        if content is None:
            return None
        kind = image_kind(content) or "img"
        suffix = "jpg" if kind == "jpeg" else kind
        relative = f"specialists/{uuid.uuid4().hex}.{suffix}"
        target = Path(ctx.settings.media_root) / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
        return relative

    async def create(self, session, ctx, values):  # type: ignore[no-untyped-def]
        user = await create_linked_user(
            session,
            ctx.settings,
            prefix="specialist",
            username=values.pop("username", None),
            password=values.pop("password", None),
            email=values.pop("email", ""),
            first_name=values["name"],
        )
        values["user_id"] = user.id
        return await super().create(session, ctx, values)

    async def update(self, session, ctx, obj, values):  # type: ignore[no-untyped-def]
        for key in ("username", "password", "email"):
            values.pop(key, None)
        return await super().update(session, ctx, obj, values)


# --- services ------------------------------------------------------------------------------------


def represent_service(obj: Service) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": obj.id,
        "name": obj.name,
        "description": obj.description,
        "price": format_decimal(obj.price),
        "duration": obj.duration,
        "specialist": obj.specialist_id,
        "specialist_name": obj.specialist.name,
        "category": obj.category_id,
    }
    if obj.category is not None:
        data["category_name"] = obj.category.name
    data["is_active"] = obj.is_active
    data["buffer_before"] = obj.buffer_before
    data["buffer_after"] = obj.buffer_after
    return data


class Services(Resource):
    model = Service
    model_name = "Service"
    read_schema = ServiceOut
    write_schema_name = "ServiceWrite"
    fields = {
        "name": CharField(max_length=100),
        "description": CharField(required=False, allow_blank=True, default=""),
        "price": DecimalField(max_digits=10, decimal_places=2, min_value=Decimal(0)),
        "duration": IntegerField(min_value=1, max_value=24 * 60, help_text="Minutes"),
        "specialist": PrimaryKeyField(Specialist),
        "category": PrimaryKeyField(ServiceCategory, required=False, allow_null=True, default=None),
        "is_active": BooleanField(default=True),
        "buffer_before": IntegerField(min_value=0, max_value=240, default=0),
        "buffer_after": IntegerField(min_value=0, max_value=240, default=0),
    }
    search_fields = (
        icontains(Service.name),
        lambda term: Service.specialist.has(icontains(Specialist.name)(term)),
        lambda term: Service.category.has(icontains(ServiceCategory.name)(term)),
    )
    ordering_fields = {"name": Service.name, "price": Service.price, "duration": Service.duration}

    def base_query(self, ctx: Ctx) -> Select[Any]:
        return select(Service)

    def loader_options(self) -> list[Any]:
        return [joinedload(Service.specialist), joinedload(Service.category)]

    def list_query(self, ctx: Ctx) -> Select[Any]:
        return select(Service).where(Service.is_active.is_(True))

    def filter(self, stmt: Select[Any], params: dict[str, str]) -> Select[Any]:
        if (category := int_filter(params, "category_id")) is not None:
            stmt = stmt.where(Service.category_id == category)
        if (specialist := int_filter(params, "specialist_id")) is not None:
            stmt = stmt.where(Service.specialist_id == specialist)
        if params.get("city"):
            stmt = stmt.where(
                Service.specialist.has(func.lower(Specialist.city) == params["city"].lower())
            )
        return stmt

    def represent(self, obj: Service, ctx: Ctx) -> dict[str, Any]:
        return represent_service(obj)

    async def validate_object(self, session, ctx, values, obj) -> None:  # type: ignore[no-untyped-def]
        fk_columns(values, "specialist", "category")


# --- breaks and time off (new) -----------------------------------------------------------------


class Breaks(Resource):
    model = Break
    model_name = "Break"
    read_schema = BreakOut
    write_schema_name = "BreakWrite"
    fields = {
        "specialist": PrimaryKeyField(Specialist),
        "day_of_week": IntegerField(
            min_value=0,
            max_value=6,
            required=False,
            allow_null=True,
            default=None,
            help_text="0 = Monday … 6 = Sunday; null = every working day",
        ),
        "start_time": TimeField(),
        "end_time": TimeField(),
    }

    def filter(self, stmt: Select[Any], params: dict[str, str]) -> Select[Any]:
        if (specialist := int_filter(params, "specialist_id")) is not None:
            stmt = stmt.where(Break.specialist_id == specialist)
        return stmt

    def represent(self, obj: Break, ctx: Ctx) -> dict[str, Any]:
        return {
            "id": obj.id,
            "specialist": obj.specialist_id,
            "day_of_week": obj.day_of_week,
            "start_time": time_text(obj.start_time),
            "end_time": time_text(obj.end_time),
        }

    async def validate_object(self, session, ctx, values, obj) -> None:  # type: ignore[no-untyped-def]
        check_span(values, obj, "start_time", "end_time")
        fk_columns(values, "specialist")


class TimeOffs(Resource):
    model = TimeOff
    model_name = "TimeOff"
    read_schema = TimeOffOut
    write_schema_name = "TimeOffWrite"
    fields = {
        "specialist": PrimaryKeyField(Specialist),
        "start": DateTimeField(help_text="ISO 8601; without an offset it is in the service zone"),
        "end": DateTimeField(),
        "reason": CharField(max_length=200, required=False, allow_blank=True, default=""),
    }

    def filter(self, stmt: Select[Any], params: dict[str, str]) -> Select[Any]:
        if (specialist := int_filter(params, "specialist_id")) is not None:
            stmt = stmt.where(TimeOff.specialist_id == specialist)
        return stmt

    def represent(self, obj: TimeOff, ctx: Ctx) -> dict[str, Any]:
        return {
            "id": obj.id,
            "specialist": obj.specialist_id,
            "start": format_datetime(obj.start, ctx.settings.tz),
            "end": format_datetime(obj.end, ctx.settings.tz),
            "reason": obj.reason,
        }

    async def validate_object(self, session, ctx, values, obj) -> None:  # type: ignore[no-untyped-def]
        for name in ("start", "end"):  # a time without an offset is in the service zone
            if name in values and values[name].tzinfo is None:
                values[name] = values[name].replace(tzinfo=ctx.settings.tz)
        check_span(values, obj, "start", "end")
        fk_columns(values, "specialist")


categories = Categories()
schedules = Schedules()
specialists = Specialists()
services = Services()
breaks = Breaks()
time_off = TimeOffs()

router = APIRouter()
router.include_router(crud_router(categories, "categories", tag="Catalogue"))
router.include_router(
    crud_router(services, "services", tag="Catalogue", extra_doc="Only active services are listed.")
)
router.include_router(crud_router(schedules, "schedules", tag="Schedules"))
router.include_router(crud_router(breaks, "breaks", tag="Schedules"))
router.include_router(crud_router(time_off, "time-off", tag="Schedules"))


async def _existing_specialist(session: AsyncSession, pk: str) -> int:
    """The id of a specialist that exists (one indexed lookup), else the model's 404."""
    specialist_id = parse_pk(pk)
    if await session.scalar(select(Specialist.id).where(Specialist.id == specialist_id)) is None:
        raise NotFound.model("Specialist")
    return specialist_id


@router.get(
    "/specialists/{pk}/services/",
    tags=["Catalogue"],
    summary="A specialist's active services",
    response_model=list[ServiceOut],
    responses=ERRORS(404),
)
async def specialist_services(pk: str, request: Request, session: ReadSession, ctx: CtxDep) -> Any:
    specialist_id = await _existing_specialist(session, pk)
    stmt = (
        select(Service)
        .where(Service.specialist_id == specialist_id, Service.is_active.is_(True))
        .options(*services.loader_options())
        .order_by(Service.id)
    )
    if (category := int_filter(dict(request.query_params), "category_id")) is not None:
        stmt = stmt.where(Service.category_id == category)
    rows = (await session.execute(stmt)).scalars().all()
    return JSON([represent_service(s) for s in rows])


@router.get(
    "/specialists/{pk}/schedule/",
    tags=["Catalogue"],
    summary="A specialist's weekly schedule",
    response_model=list[ScheduleOut],
    responses=ERRORS(404),
)
async def specialist_schedule(pk: str, session: ReadSession, ctx: CtxDep) -> Any:
    specialist_id = await _existing_specialist(session, pk)
    rows = (
        await session.execute(
            select(SpecialistSchedule)
            .where(SpecialistSchedule.specialist_id == specialist_id)
            .order_by(SpecialistSchedule.id)
        )
    ).scalars()
    return JSON([represent_schedule(s) for s in rows])


router.include_router(
    crud_router(
        specialists, "specialists", tag="Catalogue", extra_doc="Only active specialists are listed."
    )
)
