"""Weekly schedules, breaks and time off: anyone reads, only staff write (contract section 3)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from sqlalchemy.ext.asyncio import AsyncSession

from booking_api.api.deps import Ctx
from booking_api.api.params import int_filter
from booking_api.api.resource import Resource, crud_router, fk_columns
from booking_api.models import Break, SpecialistSchedule, TimeOff
from booking_api.schedules import repository, service
from booking_api.schedules.schemas import (
    BREAK_FIELDS,
    SCHEDULE_FIELDS,
    TIME_OFF_FIELDS,
    BreakOut,
    ScheduleOut,
    TimeOffOut,
    represent_break,
    represent_schedule,
    represent_time_off,
)


class Schedules(Resource):
    model = SpecialistSchedule
    model_name = "SpecialistSchedule"
    read_schema = ScheduleOut
    write_schema_name = "ScheduleWrite"
    fields = SCHEDULE_FIELDS

    def filter(self, stmt: Any, params: dict[str, str]) -> Any:
        return repository.filter_schedules(
            stmt,
            specialist_id=int_filter(params, "specialist_id"),
            day_of_week=int_filter(params, "day_of_week"),
        )

    def represent(self, obj: SpecialistSchedule, ctx: Ctx) -> dict[str, Any]:
        return represent_schedule(obj)

    async def validate_object(
        self, session: AsyncSession, ctx: Ctx, values: dict[str, Any], obj: Any
    ) -> None:
        await service.check_one_row_per_weekday(session, values, obj)
        service.check_span(values, obj, "start_time", "end_time")
        fk_columns(values, "specialist")


class Breaks(Resource):
    model = Break
    model_name = "Break"
    read_schema = BreakOut
    write_schema_name = "BreakWrite"
    fields = BREAK_FIELDS

    def filter(self, stmt: Any, params: dict[str, str]) -> Any:
        return repository.filter_breaks(stmt, specialist_id=int_filter(params, "specialist_id"))

    def represent(self, obj: Break, ctx: Ctx) -> dict[str, Any]:
        return represent_break(obj)

    async def validate_object(
        self, session: AsyncSession, ctx: Ctx, values: dict[str, Any], obj: Any
    ) -> None:
        service.check_span(values, obj, "start_time", "end_time")
        fk_columns(values, "specialist")


class TimeOffs(Resource):
    model = TimeOff
    model_name = "TimeOff"
    read_schema = TimeOffOut
    write_schema_name = "TimeOffWrite"
    fields = TIME_OFF_FIELDS

    def filter(self, stmt: Any, params: dict[str, str]) -> Any:
        return repository.filter_time_off(stmt, specialist_id=int_filter(params, "specialist_id"))

    def represent(self, obj: TimeOff, ctx: Ctx) -> dict[str, Any]:
        return represent_time_off(obj, ctx.settings.tz)

    async def validate_object(
        self, session: AsyncSession, ctx: Ctx, values: dict[str, Any], obj: Any
    ) -> None:
        service.in_zone(values, ctx.settings.tz, "start", "end")
        service.check_span(values, obj, "start", "end")
        fk_columns(values, "specialist")


schedules = Schedules()
breaks = Breaks()
time_off = TimeOffs()

router = APIRouter()
router.include_router(crud_router(schedules, "schedules", tag="Schedules"))
router.include_router(crud_router(breaks, "breaks", tag="Schedules"))
router.include_router(crud_router(time_off, "time-off", tag="Schedules"))
