"""Shapes of the webhook routes' answers (OpenAPI), and how rows are shown."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, Field

from booking_api.core.http import format_datetime
from booking_api.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint

EventType = Literal[
    "appointment.created",
    "appointment.confirmed",
    "appointment.cancelled",
    "appointment.rescheduled",
    "appointment.completed",
    "appointment.no_show",
    "client.created",
]


class WebhookEndpointOut(BaseModel):
    id: int
    url: str = Field(examples=["https://crm.example.com/hooks/booking"])
    description: str
    events: list[EventType]
    is_active: bool
    created_at: dt.datetime
    updated_at: dt.datetime


class WebhookEndpointCreated(WebhookEndpointOut):
    secret: str = Field(
        description="The signing secret (Standard Webhooks format). Shown only in this answer: "
        "store it now; it can be replaced (PATCH `secret`), never read again.",
        examples=["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"],
    )


class WebhookAttemptOut(BaseModel):
    number: int
    started_at: dt.datetime
    response_status: int | None = Field(description="None when no answer came")
    latency_ms: int
    response_snippet: str | None = Field(description="The start of the receiver's answer")
    error: str | None


class WebhookDeliveryOut(BaseModel):
    id: int
    endpoint: int
    event_id: str = Field(description="Also the `webhook-id` header", examples=["evt_3f1c…"])
    event_type: EventType
    status: Literal["pending", "succeeded", "failed"]
    attempts: int
    created_at: dt.datetime
    next_attempt_at: dt.datetime | None
    last_attempt_at: dt.datetime | None
    succeeded_at: dt.datetime | None
    give_up_at: dt.datetime
    response_status: int | None
    latency_ms: int | None
    response_snippet: str | None
    last_error: str | None


class WebhookDeliveryDetail(WebhookDeliveryOut):
    payload: dict[str, Any] = Field(description="The body sent: {id, type, timestamp, data}")
    attempt_log: list[WebhookAttemptOut]


class EventTypeOut(BaseModel):
    type: EventType
    description: str


def endpoint_json(obj: WebhookEndpoint, tz: dt.tzinfo) -> dict[str, Any]:
    return {
        "id": obj.id,
        "url": obj.url,
        "description": obj.description,
        "events": list(obj.events or []),
        "is_active": obj.is_active,
        "created_at": format_datetime(obj.created_at, tz),
        "updated_at": format_datetime(obj.updated_at, tz),
    }


def delivery_json(obj: WebhookDelivery, tz: dt.tzinfo) -> dict[str, Any]:
    return {
        "id": obj.id,
        "endpoint": obj.endpoint_id,
        "event_id": obj.event_id,
        "event_type": obj.event_type,
        "status": obj.status,
        "attempts": obj.attempts,
        "created_at": format_datetime(obj.created_at, tz),
        "next_attempt_at": format_datetime(obj.next_attempt_at, tz),
        "last_attempt_at": format_datetime(obj.last_attempt_at, tz),
        "succeeded_at": format_datetime(obj.succeeded_at, tz),
        "give_up_at": format_datetime(obj.give_up_at, tz),
        "response_status": obj.response_status,
        "latency_ms": obj.latency_ms,
        "response_snippet": obj.response_snippet,
        "last_error": obj.last_error,
    }


def attempt_json(obj: WebhookAttempt, tz: dt.tzinfo) -> dict[str, Any]:
    return {
        "number": obj.number,
        "started_at": format_datetime(obj.started_at, tz),
        "response_status": obj.response_status,
        "latency_ms": obj.latency_ms,
        "response_snippet": obj.response_snippet,
        "error": obj.error,
    }
