"""``/api/webhooks/``: staff register receivers, read their delivery log, send again."""

from __future__ import annotations

import datetime as dt
from typing import Any

import orjson
from fastapi import APIRouter, Request
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from booking_api.api.deps import Ctx, CtxDep, ReadSession, WriteSession
from booking_api.api.openapi import ERRORS, register_schema
from booking_api.api.resource import Resource, crud_router, icontains, parse_pk
from booking_api.core.errors import NotFound, ValidationError
from booking_api.core.fields import (
    BooleanField,
    CharField,
    Field,
    FieldError,
    object_schema,
)
from booking_api.core.http import JSON, Page, positive_int, read_body
from booking_api.webhooks import events, guard, sender, service
from booking_api.webhooks import repository as repo
from booking_api.webhooks.models import DELIVERY_STATUSES, WebhookEndpoint
from booking_api.webhooks.schemas import (
    EventTypeOut,
    WebhookDeliveryDetail,
    WebhookDeliveryOut,
    WebhookEndpointCreated,
    WebhookEndpointOut,
    attempt_json,
    delivery_json,
    endpoint_json,
)

EVENT_DESCRIPTIONS = {
    events.APPOINTMENT_CREATED: "A booking was made (any way: API, bot, MCP, admin, waitlist).",
    events.APPOINTMENT_CONFIRMED: "A booking was confirmed.",
    events.APPOINTMENT_CANCELLED: "A booking was cancelled.",
    events.APPOINTMENT_RESCHEDULED: "A booking moved to another time or specialist; "
    "`previous` holds the old one.",
    events.APPOINTMENT_COMPLETED: "A visit was marked completed.",
    events.APPOINTMENT_NO_SHOW: "The client did not come (status `no_show`).",
    events.CLIENT_CREATED: "A client profile was created.",
}
SECRET_FORMAT = "Enter a Standard Webhooks secret: whsec_ followed by base64 of 24 to 64 bytes."


class URLField(CharField):
    """An http(s) URL (the address rules are checked with DNS in ``validate_object``)."""

    def __init__(self, **kw: Any):
        super().__init__(max_length=2000, **kw)

    def convert(self, value: Any) -> str:
        value = super().convert(value)
        try:
            guard.parse(value)
        except guard.Refused as exc:
            raise FieldError(str(exc)) from None
        return value

    def json_schema(self) -> dict[str, Any]:
        return {**super().json_schema(), "format": "uri"}


class EventsField(Field):
    """A non-empty list of event types (DRF's MultipleChoiceField, as a JSON list)."""

    def convert(self, value: Any) -> list[str]:
        if isinstance(value, str) or not isinstance(value, list):
            raise FieldError(f'Expected a list of items but got type "{type(value).__name__}".')
        if not value:
            raise FieldError("This selection may not be empty.")
        for item in value:
            if not isinstance(item, str) or item not in events.EVENT_TYPES:
                shown = str(item).encode("utf-8", "backslashreplace").decode()
                raise FieldError(f'"{shown}" is not a valid choice.')
        return list(dict.fromkeys(value))

    def json_schema(self) -> dict[str, Any]:
        self.schema_type = {
            "type": "array",
            "items": {"type": "string", "enum": list(events.EVENT_TYPES)},
            "minItems": 1,
        }
        return super().json_schema()


class SecretField(CharField):
    def __init__(self, **kw: Any):
        super().__init__(max_length=200, **kw)

    def convert(self, value: Any) -> str:
        value = super().convert(value)
        if not sender.valid_secret(value):
            raise FieldError(SECRET_FORMAT)
        return value


class Endpoints(Resource):
    model = WebhookEndpoint
    model_name = "WebhookEndpoint"
    read_schema = WebhookEndpointOut
    write_schema_name = "WebhookEndpointWrite"
    fields = {
        "url": URLField(help_text="http(s); public addresses only unless WEBHOOK_ALLOW_PRIVATE"),
        "events": EventsField(help_text="Event types to receive"),
        "description": CharField(max_length=200, allow_blank=True, default=""),
        "is_active": BooleanField(default=True),
        "secret": SecretField(
            required=False,
            write_only=True,
            help_text="Signing secret (whsec_…); generated when left out; never shown again",
        ),
    }
    search_fields = (icontains(WebhookEndpoint.url), icontains(WebhookEndpoint.description))
    ordering_fields = {"id": WebhookEndpoint.id, "created_at": WebhookEndpoint.created_at}

    def check_read(self, ctx: Ctx) -> None:
        ctx.require_staff()

    def represent(self, obj: WebhookEndpoint, ctx: Ctx) -> dict[str, Any]:
        return endpoint_json(obj, ctx.settings.tz)

    async def validate_object(
        self, session: AsyncSession, ctx: Ctx, values: dict[str, Any], obj: Any
    ) -> None:
        if "url" in values:
            try:
                await guard.check(values["url"], allow_private=ctx.settings.webhook_allow_private)
            except guard.Refused as exc:
                raise ValidationError({"url": [str(exc)]}) from None

    async def create(self, session: AsyncSession, ctx: Ctx, values: dict[str, Any]) -> Any:
        values.setdefault("secret", sender.new_secret())
        return await super().create(session, ctx, values)


endpoints = Endpoints()
router = APIRouter(tags=["Webhooks"])

_DOC = (
    "Staff only. Each event is POSTed as JSON `{id, type, timestamp, data}` (`data`: the "
    "appointment or client as the API shows it), signed per the Standard Webhooks "
    "specification (`webhook-id`, `webhook-timestamp`, `webhook-signature` headers: verify "
    "with any Standard Webhooks library and the endpoint's secret). Delivered at least once: "
    "retried with exponential back-off and jitter until a 2xx answer or "
    "WEBHOOK_GIVE_UP_SECONDS; de-duplicate on `webhook-id`."
)


@router.get(
    "/webhooks/event-types/",
    summary="The webhook event types",
    response_model=list[EventTypeOut],
    responses=ERRORS(401, 403),
)
async def event_types(ctx: CtxDep) -> Any:
    ctx.require_staff()
    return JSON([{"type": t, "description": EVENT_DESCRIPTIONS[t]} for t in events.EVENT_TYPES])


@router.post(
    "/webhooks/",
    status_code=201,
    summary="Register a webhook endpoint",
    description=_DOC + " The answer carries the signing `secret`: the only time it is shown.",
    response_model=WebhookEndpointCreated,
    responses=ERRORS(400, 401, 403, 415),
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {
                    "schema": register_schema(
                        Endpoints.write_schema_name, object_schema(Endpoints.fields)
                    )
                }
            },
        }
    },
    operation_id="webhooks_create",
)
async def create_endpoint(request: Request, session: WriteSession, ctx: CtxDep) -> Any:
    endpoints.check_write(ctx, "create")
    values = await endpoints.validate(session, ctx, await read_body(request), None, partial=False)
    obj = await endpoints.create(session, ctx, values)
    secret = obj.secret
    await session.commit()
    return JSON({**endpoints.represent(obj, ctx), "secret": secret}, status_code=201)


async def _endpoint(session: AsyncSession, ctx: Ctx, pk: str) -> WebhookEndpoint:
    endpoints.check_read(ctx)
    return await endpoints.get_object(session, ctx, parse_pk(pk))


@router.get(
    "/webhooks/{pk}/deliveries/",
    summary="The delivery log of an endpoint",
    description="Newest first; `?status=pending|succeeded|failed`. A plain array; with "
    "`?page_size=N` (max 100) a DRF page `{count, next, previous, results}` and `?page=M`.",
    response_model=list[WebhookDeliveryOut],
    responses=ERRORS(401, 403, 404),
)
async def deliveries(pk: str, request: Request, session: ReadSession, ctx: CtxDep) -> Any:
    endpoint = await _endpoint(session, ctx, pk)
    status = request.query_params.get("status")
    if status and status not in DELIVERY_STATUSES:
        raise ValidationError({"status": [f'"{status}" is not a valid choice.']})
    stmt = repo.deliveries_query(endpoint.id, status)
    tz = ctx.settings.tz
    size = positive_int(request.query_params.get("page_size"), cutoff=ctx.settings.max_page_size)
    if size is None:
        rows = (await session.scalars(stmt)).all()
        return JSON([delivery_json(d, tz) for d in rows])
    total = await session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    page = Page(request, size, total or 0)
    rows = (await session.scalars(stmt.limit(size).offset(page.offset))).all()
    return JSON(page.envelope([delivery_json(d, tz) for d in rows]))


async def _delivery(session: AsyncSession, ctx: Ctx, pk: str, delivery_pk: str) -> Any:
    endpoint = await _endpoint(session, ctx, pk)
    delivery = await repo.delivery_of_endpoint(session, endpoint.id, parse_pk(delivery_pk))
    if delivery is None:
        raise NotFound.model("WebhookDelivery")
    return delivery


async def _detail(session: AsyncSession, ctx: Ctx, delivery: Any) -> dict[str, Any]:
    tz = ctx.settings.tz
    attempts = await repo.attempts_of(session, delivery.id)
    return {
        **delivery_json(delivery, tz),
        "payload": orjson.loads(delivery.payload),
        "attempt_log": [attempt_json(a, tz) for a in attempts],
    }


@router.get(
    "/webhooks/{pk}/deliveries/{delivery_pk}/",
    summary="One delivery: the body sent and every attempt",
    response_model=WebhookDeliveryDetail,
    responses=ERRORS(401, 403, 404),
)
async def delivery_detail(pk: str, delivery_pk: str, session: ReadSession, ctx: CtxDep) -> Any:
    return JSON(await _detail(session, ctx, await _delivery(session, ctx, pk, delivery_pk)))


@router.post(
    "/webhooks/{pk}/deliveries/{delivery_pk}/resend/",
    status_code=202,
    summary="Send a delivery again",
    description="Queues one more attempt at once, whatever the delivery's status: the same "
    "body and `webhook-id` (receivers de-duplicate on it), retried again on failure.",
    response_model=WebhookDeliveryDetail,
    responses=ERRORS(401, 403, 404),
)
async def resend(pk: str, delivery_pk: str, session: WriteSession, ctx: CtxDep) -> Any:
    ctx.require_staff()
    delivery = await _delivery(session, ctx, pk, delivery_pk)
    await service.send_again(session, ctx.settings, delivery, now=dt.datetime.now(dt.UTC))
    await session.commit()
    return JSON(await _detail(session, ctx, delivery), status_code=202)


# The generic routes (list, retrieve, update, partial update, destroy); POST is the one above.
_crud = crud_router(endpoints, "webhooks", tag="Webhooks", extra_doc=_DOC)
_crud.routes = [
    r
    for r in _crud.routes
    if not (getattr(r, "path", "") == "/webhooks/" and "POST" in getattr(r, "methods", set()))
]
router.include_router(_crud)
