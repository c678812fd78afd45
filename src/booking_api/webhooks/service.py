"""What the job runner does with webhook jobs, and "send again".

Two job kinds, both rows of the ordinary outbox (``booking_job``), run by the ordinary
workers (``booking_api.jobs.runner``):

* ``webhook_event`` (one per event, queued with the change): **fan-out**. Finds the active
  endpoints subscribed to the event, takes the object's representation, builds the body once
  and inserts one delivery per endpoint plus the job of its first attempt, in one
  transaction. Deliveries are unique per (endpoint, event) and the event id is derived from
  the job's dedupe key, so a fan-out run twice (its worker died after the commit) adds
  nothing.
* ``webhook_delivery`` (one per attempt): **an attempt**. Checks the URL again, POSTs the
  signed body, logs the attempt and, in one transaction, marks the delivery succeeded, or
  queues the next attempt after an exponential, jittered delay, or gives up once the next
  try would fall after ``give_up_at`` (WEBHOOK_GIVE_UP_SECONDS after the event).

At least once, never acknowledged twice in the normal run: the attempt's outcome and the next
job are committed together, fenced on the delivery's attempt count (a worker whose lease was
taken over cannot fork a second retry chain); a job claimed again after its worker died
re-sends only if that worker had not recorded the attempt (then the receiver may see the
same ``webhook-id`` twice, which Standard Webhooks receivers de-duplicate on).
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import TYPE_CHECKING, Any

import orjson

from booking_api.core.config import Settings
from booking_api.jobs.errors import Skip
from booking_api.jobs.outbox import enqueue
from booking_api.jobs.queue import ClaimedJob
from booking_api.privacy import webhook_secrets as _secrets  # noqa: F401 - decrypted in workers
from booking_api.webhooks import events, guard, payloads, sender
from booking_api.webhooks import hooks as _hooks  # noqa: F401 - ORM hooks on in workers too
from booking_api.webhooks import repository as repo
from booking_api.webhooks.models import WebhookDelivery

if TYPE_CHECKING:
    from booking_api.jobs.context import JobContext

log = logging.getLogger("booking_api.webhooks")

DELIVERY_JOB = "webhook_delivery"


def attempt_key(delivery_id: int, number: int, resent_at: dt.datetime | None = None) -> str:
    key = f"webhook-delivery:{delivery_id}:{number}"
    return key if resent_at is None else f"{key}:resend:{resent_at.timestamp():.6f}"


def event_body(event_id: str, payload: dict[str, Any], data: dict[str, Any]) -> str:
    """The JSON sent: ``{id, type, timestamp, data}`` (+ ``previous`` for a reschedule)."""
    occurred = dt.datetime.fromisoformat(payload["occurred_at"]).astimezone(dt.UTC)
    body: dict[str, Any] = {
        "id": event_id,
        "type": payload["type"],
        "timestamp": occurred.isoformat().replace("+00:00", "Z"),
        "data": data,
    }
    if payload.get("previous") is not None:
        body["previous"] = payload["previous"]
    return orjson.dumps(body).decode()


async def fan_out(job: ClaimedJob, ctx: JobContext) -> None:
    p = job.payload
    event_type, object_id = p["type"], int(p["object_id"])
    kind = events.object_kind(event_type)
    event_id = events.event_id(job.dedupe_key)

    async def subscribed() -> list[int]:
        return await repo.subscribed_endpoint_ids(ctx.db, event_type)

    # The usual case: nobody subscribes (asked once for all the events claimed together).
    if not await ctx.shared(("webhook endpoints", event_type), subscribed):
        return
    async with ctx.db.write_sessions() as session:
        endpoint_ids = await repo.subscribed_endpoints(session, event_type)
        data = await payloads.object_data(session, kind, object_id, ctx.settings.tz)
        if data is None:
            raise Skip(f"the {kind} {object_id} was deleted before its event went out")
        created = await repo.add_deliveries(
            session,
            endpoint_ids,
            event_id=event_id,
            event_type=event_type,
            payload=event_body(event_id, p, data),
            now=ctx.now,
            give_up_at=ctx.now + dt.timedelta(seconds=ctx.settings.webhook_give_up_seconds),
        )
        for delivery_id in created:
            await enqueue(
                session,
                DELIVERY_JOB,
                {"delivery_id": delivery_id, "attempt": 1},
                run_at=ctx.now,
                dedupe_key=attempt_key(delivery_id, 1),
            )
        await session.commit()


async def _close(ctx: JobContext, delivery_id: int, error: str) -> None:
    async with ctx.db.write_sessions() as session:
        await repo.close_delivery(session, delivery_id, status="failed", error=error)
        await session.commit()


async def deliver(job: ClaimedJob, ctx: JobContext) -> None:
    delivery_id, number = int(job.payload["delivery_id"]), int(job.payload["attempt"])
    async with ctx.db.read_sessions() as session:
        found = await repo.delivery_with_endpoint(session, delivery_id)
    if found is None:
        raise Skip("the delivery was deleted (with its endpoint)")
    delivery, endpoint = found
    if delivery.status != "pending":
        raise Skip(f"the delivery is {delivery.status}")
    if delivery.attempts >= number:
        raise Skip(f"attempt {number} was made already")
    if not endpoint.is_active:
        await _close(ctx, delivery_id, "the endpoint was turned off")
        raise Skip("the endpoint was turned off")
    settings = ctx.settings
    final = False
    try:
        target = await guard.check(endpoint.url, allow_private=settings.webhook_allow_private)
    except guard.Refused as exc:
        outcome = sender.Outcome(None, 0, None, str(exc))
        final = str(exc) != guard.UNRESOLVED  # a name may resolve later; an address will not
    else:
        outcome = await sender.post(
            target,
            endpoint.secret,
            delivery.event_id,
            delivery.payload.encode(),
            seconds=settings.webhook_timeout_seconds,
        )
    await _record(ctx, delivery, number, outcome, final=final)


async def _record(
    ctx: JobContext, delivery: WebhookDelivery, number: int, outcome: sender.Outcome, *, final: bool
) -> None:
    next_at: dt.datetime | None = None
    if outcome.acknowledged:
        status = "succeeded"
    else:
        next_at = ctx.now + dt.timedelta(seconds=sender.retry_delay(ctx.settings, number))
        status = "failed" if final or next_at > delivery.give_up_at else "pending"
        if status == "failed":
            next_at = None
    async with ctx.db.write_sessions() as session:
        moved = await repo.record_attempt(
            session,
            delivery.id,
            number,
            started_at=ctx.now,
            outcome=outcome,
            worker=ctx.worker_id,
            status=status,
            next_attempt_at=next_at,
        )
        if moved and next_at is not None:
            await enqueue(
                session,
                DELIVERY_JOB,
                {"delivery_id": delivery.id, "attempt": number + 1},
                run_at=next_at,
                dedupe_key=attempt_key(delivery.id, number + 1),
            )
        await session.commit()
    if not moved:
        raise Skip(f"attempt {number} was recorded by another worker meanwhile")
    what = f"webhook {delivery.event_type} {delivery.event_id} → endpoint {delivery.endpoint_id}"
    if status == "succeeded":
        log.info("%s: delivered (attempt %s, %s ms)", what, number, outcome.latency_ms)
    elif status == "pending":
        log.info("%s: attempt %s failed (%s); next at %s", what, number, outcome.error, next_at)
    else:
        log.warning("%s: gave up after %s attempt(s): %s", what, number, outcome.error)


async def send_again(
    session: Any, settings: Settings, delivery: WebhookDelivery, *, now: dt.datetime
) -> None:
    """Queue one more attempt of ``delivery`` at once (the same body and ``webhook-id``),
    whatever its status; caller commits."""
    give_up_at = now + dt.timedelta(seconds=settings.webhook_give_up_seconds)
    number = await repo.reopen_delivery(session, delivery, now=now, give_up_at=give_up_at)
    await enqueue(
        session,
        DELIVERY_JOB,
        {"delivery_id": delivery.id, "attempt": number},
        run_at=now,
        dedupe_key=attempt_key(delivery.id, number, resent_at=now),
    )


HANDLERS = {events.JOB_KIND: fan_out, DELIVERY_JOB: deliver}
