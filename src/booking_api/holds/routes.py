"""Holds over HTTP: hold a time, list and show holds, give one back, book it. Each route
parses, calls ``service``, and represents."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Header, Request, Response

from booking_api.api.deps import CtxDep, DatabaseDep, ReadSession, WriteSession
from booking_api.api.openapi import ERRORS, register_schema
from booking_api.api.resource import parse_pk
from booking_api.appointments.context import BookingAnswer
from booking_api.appointments.schemas import AppointmentOut
from booking_api.core import throttle
from booking_api.core.fields import object_schema
from booking_api.core.http import JSON, read_body
from booking_api.holds import service
from booking_api.holds.schemas import HOLD_FIELDS, HoldOut

router = APIRouter(tags=["Holds"])

_KEY_DOC = (
    "Send an `Idempotency-Key` header (any unique string) to make retries safe: a repeated "
    "request with the same key and body returns the first answer (`Idempotent-Replayed: "
    "true`); the same key with another body is refused with 422."
)
_REFUSALS = (
    "Refused with the same 400s as a booking (e.g. "
    '`{"non_field_errors": ["Выбранное время уже занято."]}` when the time is booked or held); '
    'a hold\'s own refusals are `{"error": "...", "code": "hold_expired" | "hold_released" | '
    '"hold_confirmed"}`.'
)


def _answer(answer: BookingAnswer) -> JSON:
    headers = {"Idempotent-Replayed": "true"} if answer.replayed else None
    return JSON(answer.body, status_code=answer.status_code, headers=headers)


@router.post(
    "/holds/",
    status_code=201,
    summary="Hold a time for a few minutes",
    description="Keeps a free time for the client for `HOLD_MINUTES` (the answer's "
    "`expires_at`, a whole minute) while they decide: meanwhile it is busy for everybody — "
    "gone from every free-time answer, refused to every booking. Judged by every booking "
    "rule. A client has one hold: holding another time gives the last one back. Confirm it "
    "with `POST /api/holds/{id}/confirm/`, give it back with `DELETE`; an expired hold frees "
    f"its time by itself. {_KEY_DOC} {_REFUSALS}",
    response_model=HoldOut,
    responses=ERRORS(400, 401, 403, 415),
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {
                    "schema": register_schema("HoldWrite", object_schema(HOLD_FIELDS))
                }
            },
        }
    },
    operation_id="holds_create",
)
async def create_hold(
    request: Request,
    db: DatabaseDep,
    ctx: CtxDep,
    idempotency_key: str | None = Header(None, max_length=255),
) -> Any:
    user = ctx.require_user()
    data = await read_body(request)
    answer = await service.hold(db, ctx.settings, user, data, idempotency_key=idempotency_key)
    return _answer(answer)


@router.get(
    "/holds/",
    summary="The holds that keep a time now",
    description="A client's own live hold (at most one); staff see every live hold.",
    response_model=list[HoldOut],
    responses=ERRORS(401),
    operation_id="holds_list",
)
async def list_holds(session: ReadSession, ctx: CtxDep) -> Any:
    return JSON(await service.live_holds(session, ctx.settings, ctx))


@router.get(
    "/holds/{pk}/",
    summary="A hold, in whatever state",
    description="`status`: held, expired, released or booked (then `appointment`).",
    response_model=HoldOut,
    responses=ERRORS(401, 404),
    operation_id="holds_retrieve",
)
async def get_hold(pk: str, session: ReadSession, ctx: CtxDep) -> Any:
    return JSON(await service.shown(session, ctx.settings, ctx, parse_pk(pk)))


@router.delete(
    "/holds/{pk}/",
    status_code=204,
    summary="Give a held time back",
    description="The time is free again at once. Repeating it changes nothing; a booked "
    'hold is refused (`"code": "hold_confirmed"`: cancel the booking instead).',
    responses=ERRORS(400, 401, 404),
    operation_id="holds_release",
)
async def release_hold(pk: str, session: WriteSession, ctx: CtxDep) -> Response:
    await service.release(session, ctx, parse_pk(pk))
    return Response(status_code=204)


@router.post(
    "/holds/{pk}/confirm/",
    status_code=201,
    summary="Book a held time",
    description="Books the hold's time for its client, judged by every booking rule: the "
    "new appointment (201), as `POST /api/appointments/` answers. Repeating it answers the "
    'same appointment (200). An expired hold is refused (`"code": "hold_expired"`), so is '
    f'a released one (`"hold_released"`). {_KEY_DOC}',
    response_model=AppointmentOut,
    responses=ERRORS(400, 401, 404),
    operation_id="holds_confirm",
)
async def confirm_hold(
    pk: str,
    request: Request,
    db: DatabaseDep,
    ctx: CtxDep,
    idempotency_key: str | None = Header(None, max_length=255),
) -> Any:
    user = ctx.require_user()
    await throttle.check(request, "booking", user.id)
    answer = await service.confirm(
        db, ctx.settings, ctx, parse_pk(pk), idempotency_key=idempotency_key
    )
    return _answer(answer)
