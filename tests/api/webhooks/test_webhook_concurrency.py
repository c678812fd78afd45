"""A job worker delivers webhooks side by side (``WEBHOOK_CONCURRENCY``), never more at once
than that, and still each event exactly once."""

from __future__ import annotations

from typing import Any

from booking_api.webhooks import events
from kit.api import future_day
from kit.webhook_receiver import Receiver
from kit.webhooks import Hooks, book


async def _six_bookings(hooks: Hooks, cat: Any, receiver: Receiver) -> list[int]:
    endpoint = await hooks.register(receiver.url, [events.APPOINTMENT_CREATED])
    receiver.secret, receiver.delay = endpoint["secret"], 0.3  # a receiver that takes a while
    return [(await book(hooks, cat.alice, cat, future_day(3 + n)))["id"] for n in range(6)]


async def test_deliveries_run_side_by_side_up_to_the_setting(
    hooks: Hooks, cat: Any, receiver: Receiver
) -> None:
    booked = await _six_bookings(hooks, cat, receiver)
    report = await hooks.run(webhook_concurrency=3)

    assert receiver.peak == 3, "three receiver calls at once, never more"
    acknowledged = receiver.acknowledged()
    assert len(acknowledged) == 6 and set(acknowledged.values()) == {1}
    assert sorted(r.body["data"]["id"] for r in receiver.requests() if r.body) == sorted(booked)
    assert {(d.status, d.attempts) for d in await hooks.deliveries()} == {("succeeded", 1)}
    assert not (report.failed or report.retried)


async def test_a_concurrency_of_one_delivers_one_at_a_time(
    hooks: Hooks, cat: Any, receiver: Receiver
) -> None:
    await _six_bookings(hooks, cat, receiver)
    await hooks.run(webhook_concurrency=1)
    assert receiver.peak == 1
    assert len(receiver.acknowledged()) == 6
