"""Free time over HTTP: a specialist's slots on a day (contract), the days with room and the
nearest free slots (new). Each route parses, calls ``service``, and represents."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Query, Request

from booking_api.api.deps import CtxDep, ReadSession
from booking_api.api.openapi import ERRORS
from booking_api.api.resource import parse_pk
from booking_api.appointments.lifecycle import get_visible
from booking_api.availability.schemas import (
    NearestSlotOut,
    SlotOut,
    nearest_slot_json,
    slot_json,
)
from booking_api.availability.service import (
    days_with_free_slots,
    find_nearest_slots,
    free_slots_on,
    require_specialist,
)
from booking_api.caching.scopes import slot_now
from booking_api.core.errors import BadRequest
from booking_api.core.fields import lookup_id_text, parse_date
from booking_api.core.http import JSON

router = APIRouter(tags=["Availability"])

BAD_DATE = "Неверный формат даты. Используйте YYYY-MM-DD"
BAD_MONTH = "Неверный формат месяца. Используйте YYYY-MM"
NO_CRITERION = "Укажите service, category_id, service_name или specialist."


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
    responses={
        400: {
            "description": '`{"error": "Неверный формат даты. Используйте '
            'YYYY-MM-DD"}` or `{"error": "Специалист не работает в '
            'этот день недели"}`'
        },
        **ERRORS(404),
    },
)
async def available_slots(
    pk: str,
    request: Request,
    session: ReadSession,
    ctx: CtxDep,
    date: str | None = Query(None, description="YYYY-MM-DD; today when left out"),
    service: str | None = Query(None, description="Service id: slots fit its duration"),
    appointment: str | None = Query(
        None,
        description="New: the id of an appointment being moved (yours, or any for staff): its "
        "own time does not block, and `service` defaults to its service",
    ),
) -> Any:
    specialist_id = parse_pk(pk)
    moving = None
    if appointment:
        moving = await get_visible(session, ctx, parse_pk(appointment))
        service_param = service or str(moving.service_id)
    else:
        service_param = service
    now = slot_now(request, ctx.settings.tz)
    day = now.date() if date is None else parse_date(date)
    if day is None:
        # The contract checks the specialist first: a bad date of an unknown one is a 404.
        await require_specialist(session, specialist_id)
        raise BadRequest({"error": BAD_DATE})
    slots = await free_slots_on(
        session,
        ctx.settings,
        now,
        specialist_id,
        day,
        service=service_param,
        moving=moving.id if moving is not None else None,
    )
    return JSON([slot_json(s) for s in slots])


def _int_param(name: str, raw: str | None) -> int | None:
    if raw in (None, ""):
        return None
    if not raw.isascii() or not raw.isdigit():
        raise BadRequest({name: ["A valid integer is required."]})
    return lookup_id_text(raw)


def _date_param(name: str, raw: str | None) -> dt.date | None:
    if raw in (None, ""):
        return None
    value = parse_date(raw)
    if value is None:
        raise BadRequest(
            {name: ["Date has wrong format. Use one of these formats instead: YYYY-MM-DD."]}
        )
    return value


@router.get(
    "/slots/nearest/",
    summary="The nearest free slots across specialists",
    description=(
        'Answers "when can I get a manicure soonest?": free slots of every active specialist '
        "offering a matching active service, earliest first (cheaper first on a tie). Match "
        "by `service` (an id: that service, and services of the same name by other "
        "specialists), `category_id`, or `service_name` (case-insensitive substring). "
        "Optionally narrow by `city` and `specialist`, and search `date_from`..`date_to` "
        "(default: today and the next 13 days, never past the booking horizon). At most "
        "`limit` slots (default 5, max 50), at most `per_specialist` per specialist "
        "(default: no limit) so an answer can offer a choice of people."
    ),
    response_model=list[NearestSlotOut],
    responses={400: {"description": "A malformed parameter, or no criterion given"}},
)
async def nearest_slots(
    request: Request,
    session: ReadSession,
    ctx: CtxDep,
    service: str | None = Query(None, description="Service id"),
    category_id: str | None = Query(None),
    service_name: str | None = Query(None, max_length=100),
    city: str | None = Query(None, max_length=100),
    specialist: str | None = Query(None, description="Specialist id"),
    date_from: str | None = Query(None, description="YYYY-MM-DD, default today"),
    date_to: str | None = Query(None, description="YYYY-MM-DD, default date_from + 13 days"),
    limit: int = Query(5, ge=1, le=50),
    per_specialist: int | None = Query(None, ge=1, le=50),
) -> Any:
    service_id = _int_param("service", service)
    category = _int_param("category_id", category_id)
    specialist_id = _int_param("specialist", specialist)
    if service_id is None and category is None and not service_name and specialist_id is None:
        raise BadRequest({"non_field_errors": [NO_CRITERION]})
    found = await find_nearest_slots(
        session,
        ctx.settings,
        slot_now(request, ctx.settings.tz),
        service_id=service_id,
        category_id=category,
        service_name=service_name,
        city=city,
        specialist_id=specialist_id,
        date_from=_date_param("date_from", date_from),
        date_to=_date_param("date_to", date_to),
        limit=limit,
        per_specialist=per_specialist,
    )
    return JSON([nearest_slot_json(offer, slot) for offer, slot in found])


@router.get(
    "/specialists/{pk}/available_days/",
    summary="Days of a month with room for a service",
    description=(
        "For a calendar keyboard: the dates in `month` (YYYY-MM, default this month) on which "
        "the specialist has at least one free slot for `service` (or a 30-minute slot without "
        "it). Past days and days beyond the booking horizon are never listed."
    ),
    response_model=list[dt.date],
    responses={400: {"description": "Malformed month or service"}, **ERRORS(404)},
)
async def available_days(
    pk: str,
    request: Request,
    session: ReadSession,
    ctx: CtxDep,
    service: str | None = Query(None, description="Service id"),
    month: str | None = Query(None, description="YYYY-MM; this month when left out"),
) -> Any:
    specialist_id = parse_pk(pk)
    await require_specialist(session, specialist_id)
    now = slot_now(request, ctx.settings.tz)
    if month:
        first = parse_date(f"{month}-01") if len(month) == 7 else None
        if first is None:
            raise BadRequest({"error": BAD_MONTH})
    else:
        first = now.date().replace(day=1)
    days = await days_with_free_slots(
        session, ctx.settings, now, specialist_id, first, service=service
    )
    return JSON([d.isoformat() for d in days])
