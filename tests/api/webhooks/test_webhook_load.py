"""Under load and failure: a burst of 1,000 bookings gives 1,000 deliveries, none lost and none
acknowledged twice (two workers at once); a worker killed mid-batch loses nothing."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from booking_api.models import Service, Specialist, SpecialistSchedule
from booking_api.webhooks import events
from kit.api import SECRET, future_day
from kit.webhook_receiver import Receiver
from kit.webhooks import Hooks

ROOT = Path(__file__).resolve().parents[3]
CONCURRENCY = 4  # the killed worker's: at most this many requests are in flight when it dies


async def quick_services(hooks: Hooks, specialists: int) -> list[tuple[int, int]]:
    """Specialists working 09:00–18:00 every day with a 15-minute service: (specialist,
    service) pairs, 36 slots a day each."""
    pairs = []
    async with hooks.db.write_sessions() as session:
        for n in range(specialists):
            specialist = Specialist(name=f"Мастер {n}", specialization="", description="")
            session.add(specialist)
            await session.flush()
            session.add_all(
                SpecialistSchedule(
                    specialist_id=specialist.id,
                    day_of_week=day,
                    start_time=dt.time(9),
                    end_time=dt.time(18),
                )
                for day in range(7)
            )
            service = Service(
                name=f"Экспресс {n}",
                description="",
                price=500,
                duration=15,
                specialist_id=specialist.id,
            )
            session.add(service)
            await session.flush()
            pairs.append((specialist.id, service.id))
        await session.commit()
    return pairs


def slots(pairs: list[tuple[int, int]], count: int) -> Iterator[dict[str, Any]]:
    """``count`` distinct booking requests over the pairs and the coming days."""
    made = 0
    for days in range(2, 60):
        for minute in range(0, 9 * 60, 15):
            start = dt.datetime.combine(future_day(days), dt.time(9)) + dt.timedelta(minutes=minute)
            for specialist, service in pairs:
                if made == count:
                    return
                made += 1
                yield {
                    "specialist": specialist,
                    "service": service,
                    "date": start.date().isoformat(),
                    "start_time": start.strftime("%H:%M"),
                    "end_time": (start + dt.timedelta(minutes=15)).strftime("%H:%M"),
                }


async def burst(hooks: Hooks, user: Any, requests: list[dict[str, Any]]) -> list[int]:
    """Book them all at once (in waves of 50 concurrent requests)."""
    auth = hooks.env.auth(user)
    ids: list[int] = []
    for start in range(0, len(requests), 50):
        answers = await asyncio.gather(
            *(
                hooks.client.post("/api/appointments/", headers=auth, json=body)
                for body in requests[start : start + 50]
            )
        )
        for r in answers:
            assert r.status_code == 201, r.text
            ids.append(r.json()["id"])
    return ids


@pytest.mark.slow
async def test_a_burst_of_1000_bookings_gives_1000_deliveries(
    hooks: Hooks, cat: Any, receiver: Receiver
) -> None:
    endpoint = await hooks.register(receiver.url, [events.APPOINTMENT_CREATED])
    receiver.secret = endpoint["secret"]
    pairs = await quick_services(hooks, 6)
    booked = await burst(hooks, cat.alice, list(slots(pairs, 1000)))
    assert len(set(booked)) == 1000

    started = time.perf_counter()
    reports = await asyncio.gather(hooks.run(worker="w1"), hooks.run(worker="w2"))
    elapsed = time.perf_counter() - started

    acknowledged = receiver.acknowledged()
    assert len(acknowledged) == 1000, "no event lost"
    assert set(acknowledged.values()) == {1}, "none acknowledged twice"
    assert sorted(r.body["data"]["id"] for r in receiver.requests() if r.body) == sorted(booked)
    deliveries = await hooks.deliveries()
    assert len(deliveries) == 1000
    assert {(d.status, d.attempts) for d in deliveries} == {("succeeded", 1)}
    assert not any(r.failed or r.retried for r in reports)
    ran = [j.id for r in reports for j in r.done + r.skipped]
    assert len(ran) == len(set(ran)), "no job ran twice"
    print(f"\n{hooks.env.backend}: 1000 deliveries in {elapsed:.1f} s with two workers")


def _worker(hooks: Hooks, log: Path) -> subprocess.Popen[bytes]:
    """``booking worker`` (no Redis: the database poller) on the test's database."""
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("REDIS", "DATABASE"))},
        "DATABASE_URL": hooks.settings.database_url,
        "SECRET_KEY": SECRET,
        "TIME_ZONE": hooks.settings.time_zone,
        "WEBHOOKS_ENABLED": "true",
        "WEBHOOK_ALLOW_PRIVATE": "true",
        "JOB_LEASE_SECONDS": "3",
        "JOB_POLL_SECONDS": "0.2",
        "WEBHOOK_CONCURRENCY": str(CONCURRENCY),
        "TELEGRAM_BOT_TOKEN": "",
        "LOG_FORMAT": "text",
        "LOG_LEVEL": "WARNING",
    }
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "booking_cli", "worker"],
            env=env,
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


async def _all_recorded(hooks: Hooks, count: int, seconds: float = 30) -> None:
    """Wait until the worker has logged every acknowledged attempt (it does so right after
    the receiver's answer)."""
    deadline = time.monotonic() + seconds
    while True:
        deliveries = await hooks.deliveries()
        if sum(d.status == "succeeded" for d in deliveries) >= count:
            return
        assert time.monotonic() < deadline, [d.status for d in deliveries]
        await asyncio.sleep(0.1)


@pytest.mark.slow
async def test_a_worker_killed_mid_batch_loses_nothing(
    hooks: Hooks, cat: Any, receiver: Receiver, tmp_path: Path
) -> None:
    endpoint = await hooks.register(receiver.url, [events.APPOINTMENT_CREATED])
    receiver.secret, receiver.delay = endpoint["secret"], 0.02  # a batch takes a while
    pairs = await quick_services(hooks, 3)
    booked = await burst(hooks, cat.alice, list(slots(pairs, 300)))
    log = tmp_path / "worker.log"

    first = _worker(hooks, log)
    try:
        await asyncio.to_thread(receiver.wait_for, 40, 60)
        first.send_signal(signal.SIGKILL)  # no chance to finish or release anything
        first.wait(10)
        at_kill = len(receiver.acknowledged())
        assert at_kill < 300, "killed mid-batch"
        second = _worker(hooks, log)
        try:
            await asyncio.to_thread(receiver.wait_for, 300, 90)
            await _all_recorded(hooks, 300)
        finally:
            second.terminate()
            second.wait(20)
    finally:
        if first.poll() is None:
            first.kill()
    acknowledged = receiver.acknowledged()
    assert len(acknowledged) == 300, log.read_text()[-3000:]
    assert {r.body["data"]["id"] for r in receiver.requests() if r.body} == set(booked)
    # At least once: only the requests in flight when the worker died may come twice.
    assert sum(count - 1 for count in acknowledged.values()) <= CONCURRENCY
    deliveries = await hooks.deliveries()
    assert len(deliveries) == 300 and {d.status for d in deliveries} == {"succeeded"}
