"""Free time: a specialist's slots on a day (contract) and the days with room (new)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Query, Request
from sqlalchemy import select

from ..api.deps import CtxDep, ReadSession
from ..api.openapi import ERRORS
from ..api.resource import parse_pk
from ..core.errors import BadRequest, NotFound
from ..core.fields import parse_date
from ..core.http import JSON
from ..models import Service, Specialist
from ..scheduling.engine import free_slots
from ..schemas import SlotOut
from ..services.availability import Window, load_day_rules

router = APIRouter(tags=["Availability"])

BAD_DATE = "Неверный формат даты. Используйте YYYY-MM-DD"
NOT_WORKING = "Специалист не работает в этот день недели"
BAD_SERVICE = "Услуга не найдена у этого специалиста"


def _hhmm(value: dt.datetime) -> str:
    return value.strftime("%H:%M")


@router.get(
    "/specialists/{pk}/available_slots/",
    summary="Free slots of a specialist on a day",
    description=(
        "A 30-minute grid from the start of the working day to its end, minus pending and "
        "confirmed appointments (with their buffers), breaks and time off; never a slot that "
        "ends after closing or has already started. With `service=ID` the slots fit that "
        "service's duration and buffers, on the configured step (`SLOT_STEP_MINUTES`)."
    ),
    response_model=list[SlotOut],
    responses={400: {"description": "`{\"error\": \"Неверный формат даты. Используйте "
                                    "YYYY-MM-DD\"}` or `{\"error\": \"Специалист не работает в "
                                    "этот день недели\"}`"}, **ERRORS(404)},
)
async def available_slots(
    pk: str,
    request: Request,
    session: ReadSession,
    ctx: CtxDep,
    date: str | None = Query(None, description="YYYY-MM-DD; today when left out"),
    service: str | None = Query(None, description="Service id: slots fit its duration"),
) -> Any:
    specialist_id = parse_pk(pk, "Specialist")
    if await session.scalar(select(Specialist.id).where(Specialist.id == specialist_id)) is None:
        raise NotFound.model("Specialist")
    settings = ctx.settings
    today = dt.datetime.now(settings.tz).date()
    day = today if date is None else parse_date(date)
    if day is None:
        raise BadRequest({"error": BAD_DATE})
    duration = step = dt.timedelta(minutes=30)
    before = after = dt.timedelta(0)
    if service:
        row = None
        if service.isdigit():
            row = (await session.execute(
                select(Service.duration, Service.buffer_before, Service.buffer_after).where(
                    Service.id == int(service), Service.specialist_id == specialist_id)
            )).first()
        if row is None:
            raise BadRequest({"error": BAD_SERVICE})
        duration = dt.timedelta(minutes=row.duration)
        step = dt.timedelta(minutes=settings.slot_step_minutes)
        before, after = dt.timedelta(minutes=row.buffer_before), dt.timedelta(minutes=row.buffer_after)
    rules = await load_day_rules(session, settings, specialist_id, day, Window.from_settings(settings))
    if rules is None:
        raise BadRequest({"error": NOT_WORKING})
    slots = free_slots(rules, duration=duration, step=step, buffer_before=before,
                       buffer_after=after)
    return JSON([{"start_time": _hhmm(s.start), "end_time": _hhmm(s.end)} for s in slots])
