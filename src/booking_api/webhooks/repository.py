"""The webhooks' SQL: endpoints subscribed to an event, deliveries, the attempts log."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import orjson
from sqlalchemy import Select, Text, cast, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from booking_api.core.db import Database
from booking_api.core.driver import DriverQuery
from booking_api.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from booking_api.webhooks.sender import Outcome


async def subscribed_endpoints(session: AsyncSession, event_type: str) -> list[int]:
    """Active endpoints that asked for ``event_type`` (the list is JSON: filtered here)."""
    rows = await session.execute(
        select(WebhookEndpoint.id, WebhookEndpoint.events).where(
            WebhookEndpoint.is_active.is_(True)
        )
    )
    return [endpoint_id for endpoint_id, events in rows if event_type in (events or [])]


# The check every event makes (most salons subscribe nothing): as plain SQL on PostgreSQL
# (core/driver.DriverQuery), the events as text on both databases.
_ACTIVE_EVENTS = DriverQuery(
    select(WebhookEndpoint.id, cast(WebhookEndpoint.events, Text)).where(
        WebhookEndpoint.is_active.is_(True)
    )
)


async def subscribed_endpoint_ids(db: Database, event_type: str) -> list[int]:
    """:func:`subscribed_endpoints` without a session of its own: one statement."""
    return [
        endpoint_id
        for endpoint_id, events in await _ACTIVE_EVENTS.rows(db)
        if events and event_type in (orjson.loads(events) or ())  # JSON null: none
    ]


async def add_deliveries(
    session: AsyncSession,
    endpoint_ids: Sequence[int],
    *,
    event_id: str,
    event_type: str,
    payload: str,
    now: dt.datetime,
    give_up_at: dt.datetime,
) -> list[int]:
    """Insert one pending delivery per endpoint; the ids of those that did not exist yet."""
    if not endpoint_ids:
        return []
    insert = pg_insert if session.bind.dialect.name == "postgresql" else sqlite_insert
    rows = [
        dict(
            endpoint_id=endpoint_id,
            event_id=event_id,
            event_type=event_type,
            payload=payload,
            status="pending",
            attempts=0,
            created_at=now,
            give_up_at=give_up_at,
            next_attempt_at=now,
        )
        for endpoint_id in endpoint_ids
    ]
    result = await session.execute(
        insert(WebhookDelivery)
        .values(rows)
        .on_conflict_do_nothing(index_elements=["endpoint_id", "event_id"])
        .returning(WebhookDelivery.id)
    )
    return sorted(result.scalars().all())


async def delivery_with_endpoint(
    session: AsyncSession, delivery_id: int
) -> tuple[WebhookDelivery, WebhookEndpoint] | None:
    row = (
        await session.execute(
            select(WebhookDelivery, WebhookEndpoint)
            .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
            .where(WebhookDelivery.id == delivery_id)
        )
    ).one_or_none()
    return None if row is None else (row[0], row[1])


async def record_attempt(
    session: AsyncSession,
    delivery_id: int,
    number: int,
    *,
    started_at: dt.datetime,
    outcome: Outcome,
    worker: str,
    status: str,
    next_attempt_at: dt.datetime | None,
) -> bool:
    """Log attempt ``number`` and move the delivery on, unless another attempt got there
    first (a worker whose lease was taken over): then False and nothing is changed."""
    values: dict[str, Any] = dict(
        attempts=number,
        status=status,
        last_attempt_at=started_at,
        next_attempt_at=next_attempt_at,
        response_status=outcome.status,
        latency_ms=outcome.latency_ms,
        response_snippet=outcome.snippet,
        last_error=outcome.error,
    )
    if status == "succeeded":
        values["succeeded_at"] = started_at
    result = await session.execute(
        update(WebhookDelivery)
        .where(
            WebhookDelivery.id == delivery_id,
            WebhookDelivery.status == "pending",
            WebhookDelivery.attempts == number - 1,
        )
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if not result.rowcount:
        return False
    session.add(
        WebhookAttempt(
            delivery_id=delivery_id,
            number=number,
            started_at=started_at,
            response_status=outcome.status,
            latency_ms=outcome.latency_ms,
            response_snippet=outcome.snippet,
            error=outcome.error,
            worker=worker[:100],
        )
    )
    return True


async def close_delivery(
    session: AsyncSession, delivery_id: int, *, status: str, error: str
) -> None:
    """End a pending delivery without an attempt (its endpoint was removed or turned off)."""
    await session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.id == delivery_id, WebhookDelivery.status == "pending")
        .values(status=status, last_error=error, next_attempt_at=None)
        .execution_options(synchronize_session=False)
    )


async def reopen_delivery(
    session: AsyncSession, delivery: WebhookDelivery, *, now: dt.datetime, give_up_at: dt.datetime
) -> int:
    """ "Send again": pending once more, due now, with a fresh give-up time; returns the
    number of the attempt to make."""
    delivery.status = "pending"
    delivery.next_attempt_at = now
    delivery.give_up_at = give_up_at
    await session.flush()
    return delivery.attempts + 1


def deliveries_query(endpoint_id: int, status: str | None = None) -> Select[Any]:
    stmt = select(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint_id)
    if status:
        stmt = stmt.where(WebhookDelivery.status == status)
    return stmt.order_by(WebhookDelivery.created_at.desc(), WebhookDelivery.id.desc())


async def attempts_of(session: AsyncSession, delivery_id: int) -> list[WebhookAttempt]:
    rows = await session.scalars(
        select(WebhookAttempt)
        .where(WebhookAttempt.delivery_id == delivery_id)
        .order_by(WebhookAttempt.number, WebhookAttempt.id)
    )
    return list(rows)


async def delivery_of_endpoint(
    session: AsyncSession, endpoint_id: int, delivery_id: int
) -> WebhookDelivery | None:
    return await session.scalar(
        select(WebhookDelivery)
        .where(WebhookDelivery.id == delivery_id, WebhookDelivery.endpoint_id == endpoint_id)
        .options(joinedload(WebhookDelivery.endpoint))
    )
