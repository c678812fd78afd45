"""Delivering webhook events to a real receiver that verifies them with the Standard Webhooks
library: signatures, payloads, retries with back-off, give-up, send again, the address guard
at delivery time, and the outbox's crash cases."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import update

from booking_api.models import Job
from booking_api.webhooks import events
from booking_api.webhooks.service import DELIVERY_JOB
from kit.api import future_day
from kit.webhook_receiver import Receiver
from kit.webhooks import Hooks, later
from kit.webhooks import book as book_as


async def book(h: Hooks, cat: Any, day: dt.date) -> Any:
    return await book_as(h, cat.alice, cat, day)


async def test_a_booking_reaches_the_receiver_signed_with_the_api_representation(
    hooks: Hooks, cat: Any, receiver: Receiver
) -> None:
    endpoint = await hooks.register(receiver.url, [events.APPOINTMENT_CREATED])
    receiver.secret = endpoint["secret"]
    booked = await book(hooks, cat, future_day(5))

    await hooks.run()

    [request] = receiver.requests()
    assert request.verified, "the library's verifier accepts the signature"
    assert request.answered == 200
    body = request.body
    assert body is not None
    assert body["type"] == "appointment.created"
    assert body["id"] == request.msg_id == request.headers["webhook-id"]
    assert body["id"].startswith("evt_")
    shown = await hooks.client.get(
        f"/api/appointments/{booked['id']}/", headers=hooks.env.auth(cat.staff)
    )
    assert body["data"] == shown.json() == booked
    stamp = dt.datetime.fromisoformat(body["timestamp"].replace("Z", "+00:00"))
    assert abs((stamp - dt.datetime.now(dt.UTC)).total_seconds()) < 60
    [delivery] = await hooks.deliveries()
    assert (delivery.status, delivery.attempts, delivery.response_status) == ("succeeded", 1, 200)
    assert delivery.latency_ms is not None and '"ok": true' in (delivery.response_snippet or "")


async def test_a_tampered_body_or_another_secret_fails_verification(
    hooks: Hooks, cat: Any, receiver: Receiver
) -> None:
    """The receiver's verifier is real: with the wrong secret nothing is accepted (and the
    delivery is retried, not counted as delivered)."""
    await hooks.register(receiver.url, [events.APPOINTMENT_CREATED])
    receiver.secret = "whsec_" + "A" * 43 + "="  # not the endpoint's
    await book(hooks, cat, future_day(5))
    await hooks.run()
    [request] = receiver.requests()
    assert not request.verified and request.answered == 400
    [delivery] = await hooks.deliveries()
    assert (delivery.status, delivery.attempts, delivery.response_status) == ("pending", 1, 400)


async def test_only_subscribed_events_go_out(hooks: Hooks, cat: Any, receiver: Receiver) -> None:
    endpoint = await hooks.register(receiver.url, [events.APPOINTMENT_CANCELLED])
    receiver.secret = endpoint["secret"]
    booked = await book(hooks, cat, future_day(5))
    await hooks.run()
    assert receiver.requests() == [] and await hooks.deliveries() == []
    r = await hooks.client.post(
        f"/api/appointments/{booked['id']}/cancel/", headers=hooks.env.auth(cat.alice)
    )
    assert r.status_code == 200
    await hooks.run()
    [request] = receiver.requests()
    assert request.body is not None and request.body["type"] == "appointment.cancelled"
    assert request.body["data"]["status"] == "cancelled"


async def test_a_receiver_failing_twice_gets_the_event_acknowledged_exactly_once(
    hooks: Hooks, cat: Any, receiver: Receiver
) -> None:
    endpoint = await hooks.register(receiver.url, [events.APPOINTMENT_CREATED])
    receiver.secret, receiver.fail_first = endpoint["secret"], 2
    await book(hooks, cat, future_day(5))

    start = dt.datetime.now(dt.UTC)
    await hooks.run(start)  # attempt 1: 500
    [delivery] = await hooks.deliveries()
    first_retry = delivery.next_attempt_at
    assert delivery.status == "pending" and first_retry is not None
    # 10 s base, equal jitter: between 5 and 10 s after the attempt
    assert 5 <= (first_retry - start).total_seconds() <= 10.5
    await hooks.run(start + dt.timedelta(seconds=4))  # not due yet
    assert len(receiver.requests()) == 1
    await hooks.run(first_retry)  # attempt 2: 500
    [delivery] = await hooks.deliveries()
    second_retry = delivery.next_attempt_at
    assert second_retry is not None
    assert 10 <= (second_retry - first_retry).total_seconds() <= 20.5  # doubled
    await hooks.run(second_retry)  # attempt 3: 200
    await hooks.run(second_retry + dt.timedelta(hours=1))  # nothing more is sent

    assert [r.answered for r in receiver.requests()] == [500, 500, 200]
    assert len({r.msg_id for r in receiver.requests()}) == 1  # one webhook-id throughout
    assert list(receiver.acknowledged().values()) == [1]
    [delivery] = await hooks.deliveries()
    assert (delivery.status, delivery.attempts) == ("succeeded", 3)
    log = await hooks.attempts(delivery.id)
    assert [(a.number, a.response_status) for a in log] == [(1, 500), (2, 500), (3, 200)]
    assert all(a.latency_ms >= 0 and a.response_snippet for a in log)


async def test_give_up_after_the_configured_time_then_send_again(
    hooks: Hooks, cat: Any, receiver: Receiver
) -> None:
    endpoint = await hooks.register(receiver.url, [events.APPOINTMENT_CREATED])
    receiver.secret, receiver.status = endpoint["secret"], 503
    await book(hooks, cat, future_day(5))
    start = dt.datetime.now(dt.UTC)
    clock = start
    for _ in range(30):  # retry as long as the delivery asks (give-up: 3600 s in these tests)
        await hooks.run(clock)
        [delivery] = await hooks.deliveries()
        if delivery.next_attempt_at is None:
            break
        clock = delivery.next_attempt_at
    assert delivery.status == "failed" and delivery.last_error == "HTTP 503"
    assert delivery.attempts >= 5 and delivery.last_attempt_at is not None
    assert delivery.last_attempt_at <= start + dt.timedelta(seconds=3600)
    sent = len(receiver.requests())
    assert sent == delivery.attempts

    # Staff see it in the log and send it again; the receiver is back.
    receiver.status = None
    auth = hooks.env.auth(cat.staff)
    listed = await hooks.client.get(f"/api/webhooks/{endpoint['id']}/deliveries/", headers=auth)
    assert [(d["id"], d["status"]) for d in listed.json()] == [(delivery.id, "failed")]
    r = await hooks.client.post(
        f"/api/webhooks/{endpoint['id']}/deliveries/{delivery.id}/resend/", headers=auth
    )
    assert r.status_code == 202 and r.json()["status"] == "pending"
    await hooks.run()
    [delivery] = await hooks.deliveries()
    assert (delivery.status, delivery.attempts) == ("succeeded", sent + 1)
    assert receiver.requests()[-1].msg_id == receiver.requests()[0].msg_id
    detail = await hooks.client.get(
        f"/api/webhooks/{endpoint['id']}/deliveries/{delivery.id}/", headers=auth
    )
    body = detail.json()
    assert body["payload"]["type"] == "appointment.created"
    assert [a["response_status"] for a in body["attempt_log"]] == [503] * sent + [200]


async def test_send_again_of_a_delivered_event_sends_the_same_message(
    hooks: Hooks, cat: Any, receiver: Receiver
) -> None:
    endpoint = await hooks.register(receiver.url, [events.APPOINTMENT_CREATED])
    receiver.secret = endpoint["secret"]
    await book(hooks, cat, future_day(5))
    await hooks.run()
    [delivery] = await hooks.deliveries()
    auth = hooks.env.auth(cat.staff)
    url = f"/api/webhooks/{endpoint['id']}/deliveries/{delivery.id}/resend/"
    assert (await hooks.client.post(url, headers=auth)).status_code == 202
    await hooks.run()
    first, second = receiver.requests()
    assert first.msg_id == second.msg_id and first.body == second.body
    assert (await hooks.client.post(url, headers=hooks.env.auth(cat.alice))).status_code == 403
    missing = f"/api/webhooks/{endpoint['id']}/deliveries/999999/resend/"
    assert (await hooks.client.post(missing, headers=auth)).status_code == 404


async def test_the_address_is_checked_again_at_delivery_time(
    hooks: Hooks, cat: Any, receiver: Receiver
) -> None:
    """Registered while private addresses were allowed; a worker without the setting refuses
    to call it (as it would after a DNS change) and the delivery fails without a request."""
    endpoint = await hooks.register(receiver.url, [events.APPOINTMENT_CREATED])
    receiver.secret = endpoint["secret"]
    await book(hooks, cat, future_day(5))
    await hooks.run(webhook_allow_private=False)
    assert receiver.requests() == []
    [delivery] = await hooks.deliveries()
    assert delivery.status == "failed"
    assert delivery.last_error == ("This URL may not be called: 127.0.0.1 is a loopback address.")


async def test_redirects_are_not_followed(hooks: Hooks, cat: Any, receiver: Receiver) -> None:
    endpoint = await hooks.register(receiver.url, [events.APPOINTMENT_CREATED])
    receiver.secret, receiver.status = endpoint["secret"], 302
    receiver.location = "http://169.254.169.254/latest/meta-data/"
    await book(hooks, cat, future_day(5))
    await hooks.run()
    [delivery] = await hooks.deliveries()
    assert (delivery.status, delivery.response_status) == ("pending", 302)
    assert len(receiver.requests()) == 1


async def test_a_turned_off_endpoint_gets_nothing_more(
    hooks: Hooks, cat: Any, receiver: Receiver
) -> None:
    endpoint = await hooks.register(receiver.url, [events.APPOINTMENT_CREATED])
    receiver.secret, receiver.status = endpoint["secret"], 500
    await book(hooks, cat, future_day(5))
    await hooks.run()
    r = await hooks.client.patch(
        f"/api/webhooks/{endpoint['id']}/",
        headers=hooks.env.auth(cat.staff),
        json={"is_active": False},
    )
    assert r.status_code == 200 and r.json()["is_active"] is False
    await hooks.run(later(hours=1))
    [delivery] = await hooks.deliveries()
    assert (delivery.status, delivery.last_error) == ("failed", "the endpoint was turned off")
    assert len(receiver.requests()) == 1
    await book(hooks, cat, future_day(6))
    await hooks.run()
    assert len(await hooks.deliveries()) == 1  # no new delivery for a turned-off endpoint


async def test_an_event_fanned_out_twice_is_still_one_delivery(
    hooks: Hooks, cat: Any, receiver: Receiver
) -> None:
    """A worker that died after the fan-out committed but before its job was marked done: the
    job runs again and adds nothing."""
    endpoint = await hooks.register(receiver.url, [events.APPOINTMENT_CREATED])
    receiver.secret = endpoint["secret"]
    await book(hooks, cat, future_day(5))
    await hooks.run()
    [event_job] = await hooks.jobs(events.JOB_KIND)
    await _reclaimable(hooks, event_job.id)
    report = await hooks.run(later(minutes=10))
    assert [j.kind for j in report.done] == [events.JOB_KIND]
    assert len(await hooks.deliveries()) == 1
    assert list(receiver.acknowledged().values()) == [1]


async def test_an_attempt_recorded_before_its_worker_died_is_not_sent_again(
    hooks: Hooks, cat: Any, receiver: Receiver
) -> None:
    endpoint = await hooks.register(receiver.url, [events.APPOINTMENT_CREATED])
    receiver.secret = endpoint["secret"]
    await book(hooks, cat, future_day(5))
    await hooks.run()
    [attempt_job] = await hooks.jobs(DELIVERY_JOB)
    await _reclaimable(hooks, attempt_job.id)
    report = await hooks.run(later(minutes=10))
    assert [(j.kind, j.id) for j in report.skipped] == [(DELIVERY_JOB, attempt_job.id)]
    assert len(receiver.requests()) == 1


async def _reclaimable(h: Hooks, job_id: int) -> None:
    """Put a finished job back as a worker that died holding it leaves it: running, with a
    lease that has run out."""
    async with h.db.write_sessions() as session:
        await session.execute(
            update(Job)
            .where(Job.id == job_id)
            .values(
                status="running",
                locked_by="dead-worker",
                locked_until=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1),
            )
        )
        await session.commit()
