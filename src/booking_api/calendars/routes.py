"""Calendar feeds: a secret link per specialist and per client, and one booking's .ics.

* ``GET /api/calendar/{token}.ics`` — the feed (no sign-in: the unguessable token is the
  credential, as calendar apps cannot send one). Unknown or rotated tokens: 404.
* ``GET /api/{specialists|clients}/me/calendar/`` — the signed-in owner's link (made on first
  use); ``POST …/calendar/rotate/`` — a new link, the old one stops working at once. The same
  under ``/{id}/`` for staff (the admin, the bot's service account) and for the owner.
* ``GET /api/appointments/{id}/ics/`` — one booking, for its client, its specialist or staff
  ("add to calendar" after a booking is confirmed).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import Response

from booking_api.api.deps import Ctx, CtxDep, ReadSession, WriteSession
from booking_api.api.openapi import ERRORS
from booking_api.api.resource import parse_pk
from booking_api.calendars import ics
from booking_api.calendars import repository as repo
from booking_api.calendars.models import CalendarFeed
from booking_api.core.errors import NotFound, PermissionDenied
from booking_api.core.http import JSON, format_datetime

FEED_PAST_DAYS = 90  # how far back a feed goes (everything ahead is in it)
ICS = "text/calendar; charset=utf-8"
MODEL_NAMES = {"specialist": "Specialist", "client": "Client"}

router = APIRouter(tags=["Calendar feeds"])


class CalendarLinkOut(BaseModel):
    url: str = Field(examples=["https://salon.example.com/api/calendar/Xy….ics"])
    webcal_url: str = Field(description="The same link for calendar apps (webcal://)")
    created_at: dt.datetime = Field(description="When this link was made (rotation renews it)")


_ICS_RESPONSE = {200: {"content": {"text/calendar": {}}, "description": "iCalendar (RFC 5545)"}}


def feed_url(request: Request, token: str, public_url: str | None) -> str:
    url = str(request.url_for("calendar_feed", token=token))
    if public_url:  # the address users reach, when the API sits behind a proxy
        path = request.app.url_path_for("calendar_feed", token=token)
        url = public_url.rstrip("/") + path
    return url


def _link(request: Request, ctx: Ctx, feed: CalendarFeed) -> dict[str, Any]:
    url = feed_url(request, feed.token, ctx.settings.public_url)
    return {
        "url": url,
        "webcal_url": "webcal://" + url.split("://", 1)[1],
        "created_at": format_datetime(feed.created_at, ctx.settings.tz),
    }


async def _owner(session: AsyncSession, ctx: Ctx, owner: str, pk: str) -> int:
    """The owner's id: ``me`` (the signed-in specialist or client), or an id that staff or
    that owner may use; 404 for what does not exist, 403 for someone else's."""
    user = ctx.require_user()
    await ctx.load_profiles(session)
    mine = ctx.specialist_id if owner == "specialist" else ctx.client_id
    if pk == "me":
        if mine is None:
            raise NotFound.model(MODEL_NAMES[owner])
        return mine
    owner_id = parse_pk(pk)
    if await repo.owner_name_and_language(session, owner, owner_id) is None:
        raise NotFound.model(MODEL_NAMES[owner])
    if not user.is_staff and owner_id != mine:
        raise PermissionDenied()
    return owner_id


def _link_routes(owner: str, collection: str) -> None:
    @router.get(
        f"/{collection}/{{pk}}/calendar/",
        summary=f"The {owner}'s calendar feed link",
        description=f"`pk` is `me` (the signed-in {owner}) or an id (staff, or that {owner}). "
        "Made on first use. Subscribe to it in any calendar app; anyone with the link can "
        "read the feed, so rotate it if it leaked.",
        response_model=CalendarLinkOut,
        responses=ERRORS(401, 403, 404),
        operation_id=f"{collection}_calendar",
    )
    async def link(pk: str, request: Request, session: WriteSession, ctx: CtxDep) -> Any:
        owner_id = await _owner(session, ctx, owner, pk)
        feed = await repo.get_or_create(session, owner, owner_id)
        await session.commit()
        return JSON(_link(request, ctx, feed))

    @router.post(
        f"/{collection}/{{pk}}/calendar/rotate/",
        summary=f"A new calendar feed link for the {owner}",
        description="The old link stops working at once.",
        response_model=CalendarLinkOut,
        responses=ERRORS(401, 403, 404),
        operation_id=f"{collection}_calendar_rotate",
    )
    async def rotate(pk: str, request: Request, session: WriteSession, ctx: CtxDep) -> Any:
        owner_id = await _owner(session, ctx, owner, pk)
        feed = await repo.rotate(session, owner, owner_id)
        await session.commit()
        return JSON(_link(request, ctx, feed))


_link_routes("specialist", "specialists")
_link_routes("client", "clients")


async def _specialist_by_telegram(session: AsyncSession, ctx: Ctx, telegram_id: str) -> int:
    """Staff only (the bot's service account): the specialist whose notices go to this
    Telegram chat (``telegram_id``), i.e. the person writing to the bot."""
    user = ctx.require_user()
    if not user.is_staff:
        raise PermissionDenied()
    specialist_id = await repo.specialist_by_telegram(session, telegram_id.strip()[:20])
    if specialist_id is None:
        raise NotFound.model("Specialist")
    return specialist_id


@router.get(
    "/specialists/telegram/{telegram_id}/calendar/",
    summary="A specialist's calendar feed link, found by their Telegram id (staff only)",
    description="For the bot's service account: the feed link of the active specialist whose "
    "`telegram_id` (where booking notices go) is this one; 404 when there is none.",
    response_model=CalendarLinkOut,
    responses=ERRORS(401, 403, 404),
    operation_id="specialists_telegram_calendar",
)
async def specialist_link_by_telegram(
    telegram_id: str, request: Request, session: WriteSession, ctx: CtxDep
) -> Any:
    feed = await repo.get_or_create(
        session, "specialist", await _specialist_by_telegram(session, ctx, telegram_id)
    )
    await session.commit()
    return JSON(_link(request, ctx, feed))


@router.post(
    "/specialists/telegram/{telegram_id}/calendar/rotate/",
    summary="A new calendar feed link for a specialist found by their Telegram id (staff only)",
    description="The old link stops working at once.",
    response_model=CalendarLinkOut,
    responses=ERRORS(401, 403, 404),
    operation_id="specialists_telegram_calendar_rotate",
)
async def specialist_rotate_by_telegram(
    telegram_id: str, request: Request, session: WriteSession, ctx: CtxDep
) -> Any:
    feed = await repo.rotate(
        session, "specialist", await _specialist_by_telegram(session, ctx, telegram_id)
    )
    await session.commit()
    return JSON(_link(request, ctx, feed))


@router.get(
    "/calendar/{token}.ics",
    name="calendar_feed",
    summary="A calendar feed (iCalendar)",
    description="A specialist's or a client's bookings from 90 days back on, in the business "
    "time zone (with VTIMEZONE); cancelled ones marked `STATUS:CANCELLED`. No sign-in: the "
    "token in the link is the credential.",
    response_class=Response,
    responses={**_ICS_RESPONSE, **ERRORS(404)},
)
async def calendar_feed(token: str, session: ReadSession, ctx: CtxDep) -> Response:
    feed = await repo.feed_by_token(session, token) if len(token) <= 64 else None
    if feed is None:
        raise NotFound()
    owner = "specialist" if feed.specialist_id is not None else "client"
    owner_id = feed.specialist_id if owner == "specialist" else feed.client_id
    assert owner_id is not None
    found = await repo.owner_name_and_language(session, owner, owner_id)
    if found is None:
        raise NotFound()
    name, language = found
    tz = ctx.settings.tz
    since = dt.datetime.now(tz).date() - dt.timedelta(days=FEED_PAST_DAYS)
    bookings = await repo.bookings(session, owner, owner_id, since=since)
    body = ics.feed(bookings, tz, viewer=owner, language=language, name=name)
    return Response(body, media_type=ICS, headers={"Cache-Control": "private, max-age=300"})


@router.get(
    "/appointments/{pk}/ics/",
    summary="One booking as an .ics file (add to calendar)",
    description="For the appointment's client, its specialist, or staff.",
    response_class=Response,
    responses={**_ICS_RESPONSE, **ERRORS(401, 404)},
    operation_id="appointments_ics",
)
async def appointment_ics(pk: str, session: ReadSession, ctx: CtxDep) -> Response:
    user = ctx.require_user()
    appointment_id = parse_pk(pk)
    await ctx.load_profiles(session)
    parties = await repo.appointment_parties(session, appointment_id)
    if parties is None:
        raise NotFound.model("Appointment")
    client_id, specialist_id, client_language, specialist_language = parties
    if ctx.specialist_id is not None and specialist_id == ctx.specialist_id:
        viewer, language = "specialist", specialist_language
    elif user.is_staff or (ctx.client_id is not None and client_id == ctx.client_id):
        viewer, language = "client", client_language
    else:  # someone else's booking is not visible to them (as GET /api/appointments/{id}/)
        raise NotFound.model("Appointment")
    booking = await repo.booking(session, appointment_id)
    assert booking is not None
    body = ics.single(booking, ctx.settings.tz, viewer=viewer, language=language)
    return Response(
        body,
        media_type=ICS,
        headers={"Content-Disposition": f'attachment; filename="appointment-{appointment_id}.ics"'},
    )
