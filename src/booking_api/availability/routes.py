"""Free time: a specialist's slots on a day (contract) and the days with room (new)."""

from __future__ import annotations

import calendar
import datetime as dt
from typing import Any

from fastapi import APIRouter, Query, Request
from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from booking_api.api.deps import CtxDep, ReadSession
from booking_api.api.openapi import ERRORS
from booking_api.api.resource import parse_pk
from booking_api.appointments.routes import appointments
from booking_api.availability.engine import days_with_room, free_slots
from booking_api.availability.repository import Window, days_between, load_rules, load_rules_checked
from booking_api.caching.scopes import slot_now
from booking_api.core.config import Settings
from booking_api.core.errors import BadRequest, NotFound
from booking_api.core.fields import lookup_id_text, parse_date
from booking_api.core.http import JSON, format_decimal
from booking_api.models import Service, ServiceCategory, Specialist
from booking_api.schemas import NearestSlotOut, SlotOut

router = APIRouter(tags=["Availability"])

BAD_DATE = "Неверный формат даты. Используйте YYYY-MM-DD"
NOT_WORKING = "Специалист не работает в этот день недели"
BAD_SERVICE = "Услуга не найдена у этого специалиста"


def _hhmm(value: dt.datetime) -> str:
    return value.strftime("%H:%M")


async def _slot_shape(
    session: AsyncSession, settings: Settings, specialist_id: int, service: str | None
) -> dict[str, dt.timedelta]:
    """Duration, grid step and buffers of the slots asked for.

    Without a service: the contract's 30-minute grid. With one: its duration and buffers on
    the configured step; a service the specialist does not offer is a 400.
    """
    if not service:
        half_hour = dt.timedelta(minutes=30)
        return {"duration": half_hour, "step": half_hour}
    row = None
    if service.isascii() and service.isdigit():
        row = (
            await session.execute(
                select(Service.duration, Service.buffer_before, Service.buffer_after).where(
                    Service.id == lookup_id_text(service),
                    Service.specialist_id == specialist_id,
                )
            )
        ).first()
    if row is None:
        raise BadRequest({"error": BAD_SERVICE})
    return {
        "duration": dt.timedelta(minutes=row.duration),
        "step": dt.timedelta(minutes=settings.slot_step_minutes),
        "buffer_before": dt.timedelta(minutes=row.buffer_before),
        "buffer_after": dt.timedelta(minutes=row.buffer_after),
    }


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
    settings = ctx.settings
    moving = None
    if appointment:
        moving = await appointments.get_object(session, ctx, parse_pk(appointment))
        service = service or str(moving.service_id)
    now = slot_now(request, settings.tz)
    day = now.date() if date is None else parse_date(date)
    if day is None:
        # The contract checks the specialist first: a bad date of an unknown one is a 404.
        known = select(Specialist.id).where(Specialist.id == specialist_id)
        if await session.scalar(known) is None:
            raise NotFound.model("Specialist")
        raise BadRequest({"error": BAD_DATE})
    # Hours, breaks and the specialist's existence in one query; busy time in a second.
    window = Window.for_slots(settings, now)
    found, existing = await load_rules_checked(
        session,
        settings,
        [specialist_id],
        day,
        day,
        window,
        exclude_appointment=moving.id if moving is not None else None,
        check_exists=True,
    )
    if specialist_id not in existing:
        raise NotFound.model("Specialist")
    shape = await _slot_shape(session, settings, specialist_id, service)
    if not window.covers(day):
        return JSON([])  # long past, or beyond the booking horizon: nothing can be booked
    rules = found.get((specialist_id, day))
    if rules is None:
        raise BadRequest({"error": NOT_WORKING})
    slots = free_slots(rules, **shape)
    return JSON([{"start_time": _hhmm(s.start), "end_time": _hhmm(s.end)} for s in slots])


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
    settings = ctx.settings
    service_id = _int_param("service", service)
    category = _int_param("category_id", category_id)
    specialist_id = _int_param("specialist", specialist)
    if service_id is None and category is None and not service_name and specialist_id is None:
        raise BadRequest(
            {"non_field_errors": ["Укажите service, category_id, service_name или specialist."]}
        )
    window = Window.for_slots(settings, slot_now(request, settings.tz))
    today = window.earliest.date()
    first = max(_date_param("date_from", date_from) or today, today)
    # No search may run past the horizon (nor past the calendar's last day).
    first = min(first, window.latest.date() + dt.timedelta(days=1))
    last = _date_param("date_to", date_to) or first + dt.timedelta(days=13)
    last = min(last, window.latest.date(), first + dt.timedelta(days=62))

    stmt = (
        select(
            Service.id,
            Service.name,
            Service.price,
            Service.duration,
            Service.buffer_before,
            Service.buffer_after,
            Service.specialist_id,
            Specialist.name.label("spec_name"),
        )
        .join(Specialist, Specialist.id == Service.specialist_id)
        .where(Service.is_active.is_(True), Specialist.is_active.is_(True))
    )
    if service_id is not None:
        name = await session.scalar(select(Service.name).where(Service.id == service_id))
        if name is None:
            return JSON([])
        stmt = stmt.where(func.lower(Service.name) == name.lower())
    if category is not None:
        stmt = stmt.where(Service.category_id == category)
    if service_name:
        term = service_name.strip().lower()
        stmt = stmt.where(
            or_(
                func.lower(Service.name).contains(term, autoescape=True),
                Service.category.has(
                    func.lower(ServiceCategory.name).contains(term, autoescape=True)
                ),
            )
        )
    if city:
        stmt = stmt.where(func.lower(Specialist.city) == city.strip().lower())
    if specialist_id is not None:
        stmt = stmt.where(Service.specialist_id == specialist_id)
    offers = (await session.execute(stmt.order_by(Service.price, Service.id))).all()
    if not offers or last < first:
        return JSON([])

    rules = await load_rules(
        session, settings, [o.specialist_id for o in offers], first, last, window
    )
    found: list[tuple[dt.datetime, Any, Any]] = []
    per_person: dict[int, int] = {}
    for day in days_between(first, last):
        for offer in offers:
            day_rules = rules.get((offer.specialist_id, day))
            if day_rules is None:
                continue
            for slot in free_slots(
                day_rules,
                duration=dt.timedelta(minutes=offer.duration),
                step=dt.timedelta(minutes=settings.slot_step_minutes),
                buffer_before=dt.timedelta(minutes=offer.buffer_before),
                buffer_after=dt.timedelta(minutes=offer.buffer_after),
            ):
                found.append((slot.start, offer, slot))
        if len(found) >= limit and per_specialist is None:
            break  # later days cannot hold earlier slots
    found.sort(key=lambda item: (item[0], item[1].price, item[1].specialist_id))
    result = []
    for _, offer, slot in found:
        if per_specialist is not None:
            if per_person.get(offer.specialist_id, 0) >= per_specialist:
                continue
            per_person[offer.specialist_id] = per_person.get(offer.specialist_id, 0) + 1
        result.append(
            {
                "specialist": offer.specialist_id,
                "specialist_name": offer.spec_name,
                "service": offer.id,
                "service_name": offer.name,
                "price": format_decimal(offer.price),
                "duration": offer.duration,
                "date": slot.start.date().isoformat(),
                "start_time": _hhmm(slot.start),
                "end_time": _hhmm(slot.end),
            }
        )
        if len(result) >= limit:
            break
    return JSON(result)


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
    settings = ctx.settings
    specialist_id = parse_pk(pk)
    if await session.scalar(select(Specialist.id).where(Specialist.id == specialist_id)) is None:
        raise NotFound.model("Specialist")
    now = slot_now(request, settings.tz)
    today = now.date()
    if month:
        parsed = parse_date(f"{month}-01") if len(month) == 7 else None
        if parsed is None:
            raise BadRequest({"error": "Неверный формат месяца. Используйте YYYY-MM"})
        first = parsed
    else:
        first = today.replace(day=1)
    last = first.replace(day=calendar.monthrange(first.year, first.month)[1])
    shape = await _slot_shape(session, settings, specialist_id, service)
    window = Window.for_slots(settings, now)
    first = max(first, window.earliest.date())
    last = min(last, window.latest.date())
    rules = await load_rules(session, settings, [specialist_id], first, last, window)
    ordered = [
        rules[(specialist_id, d)] for d in days_between(first, last) if (specialist_id, d) in rules
    ]
    days = days_with_room(ordered, **shape)
    return JSON([d.isoformat() for d in days])
