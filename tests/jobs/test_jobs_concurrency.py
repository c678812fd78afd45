"""Jobs run side by side (``JOB_CONCURRENCY``), yet one appointment's jobs keep their order,
and a failing job holds up nobody else's.

The handlers here are test doubles registered under kinds of their own (a slow "send" that
records when it starts and ends); the rows are claimed, leased and finished by the real
runner. Runs on SQLite and PostgreSQL (the ``env`` fixture).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import time
from typing import Any

import pytest
from sqlalchemy import select, update

from booking_api.jobs import handlers as job_handlers
from booking_api.jobs import runner as runner_module
from booking_api.jobs.errors import PermanentFailure
from booking_api.jobs.outbox import enqueue
from booking_api.jobs.queue import ClaimedJob
from booking_api.jobs.runner import run_due
from booking_api.models import Job, Specialist

SLOW = "test_slow_send"


class Recorder:
    """A handler that "sends" for ``seconds`` (per event), noting what runs when."""

    def __init__(self, seconds: dict[str, float], fail: dict[str, Exception] | None = None):
        self.seconds, self.fail = seconds, fail or {}
        self.in_flight = self.most = 0
        self.finished: list[tuple[int, str]] = []  # (appointment, event) in finishing order
        self.any_finished = asyncio.Event()

    async def __call__(self, job: ClaimedJob, ctx: Any) -> None:
        p = job.payload
        self.in_flight += 1
        self.most = max(self.most, self.in_flight)
        try:
            await asyncio.sleep(self.seconds.get(p["event"], 0.2))
            if p["event"] in self.fail:
                raise self.fail[p["event"]]
            self.finished.append((p["appointment_id"], p["event"]))
            self.any_finished.set()
        finally:
            self.in_flight -= 1


async def queue(env: Any, jobs: list[tuple[int, str]], now: dt.datetime) -> None:
    """One job row per (appointment, event), due in the list's order."""
    async with env.db.write_sessions() as session:
        for i, (appointment, event) in enumerate(jobs):
            await enqueue(
                session,
                SLOW,
                {"appointment_id": appointment, "event": event},
                run_at=now - dt.timedelta(seconds=len(jobs) - i),
                dedupe_key=f"test:{appointment}:{event}:{i}",
            )
        await session.commit()


@pytest.fixture
def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


async def test_jobs_run_side_by_side_up_to_job_concurrency(env, job_settings, now, monkeypatch):
    handler = Recorder({"created": 0.3})
    monkeypatch.setitem(job_handlers.HANDLERS, SLOW, handler)
    await queue(env, [(n, "created") for n in range(1, 13)], now)
    settings = job_settings.model_copy(update={"job_concurrency": 4})

    started = time.monotonic()
    report = await run_due(env.db, settings, None, worker_id="w1", now=now)
    took = time.monotonic() - started

    assert len(report.done) == 12
    assert handler.most == 4  # four at once, never more
    assert took < 12 * 0.3 / 2  # one at a time would take 3.6 s; four at once about 0.9 s


async def test_one_appointments_jobs_keep_their_order(env, job_settings, now, monkeypatch):
    # The "created" message is slow to send; the "cancelled" one that follows is quick. Run
    # side by side, the cancellation would reach the specialist first.
    handler = Recorder({"created": 0.4, "cancelled": 0.0, "moved": 0.1})
    monkeypatch.setitem(job_handlers.HANDLERS, SLOW, handler)
    await queue(
        env,
        [(1, "created"), (2, "created"), (1, "moved"), (3, "created"), (1, "cancelled")],
        now,
    )
    settings = job_settings.model_copy(update={"job_concurrency": 8})

    report = await run_due(env.db, settings, None, worker_id="w1", now=now)

    assert len(report.done) == 5
    assert [e for a, e in handler.finished if a == 1] == ["created", "moved", "cancelled"]
    assert handler.most == 3  # the three appointments ran at once


async def test_a_failing_job_holds_up_only_its_own_appointment(env, job_settings, now, monkeypatch):
    handler = Recorder(
        {"created": 0.1, "broken": 0.1, "flaky": 0.1},
        fail={"broken": PermanentFailure("chat not found"), "flaky": RuntimeError("timeout")},
    )
    monkeypatch.setitem(job_handlers.HANDLERS, SLOW, handler)
    await queue(
        env,
        [(1, "broken"), (2, "flaky"), (2, "cancelled"), (3, "created"), (1, "cancelled")],
        now,
    )
    settings = job_settings.model_copy(update={"job_concurrency": 2})

    report = await run_due(env.db, settings, None, worker_id="w1", now=now)

    # Appointment 1's failure is for good: its next message goes out; appointment 3's too.
    assert sorted(handler.finished) == [(1, "cancelled"), (3, "created")]
    assert [j.payload["event"] for j in report.failed] == ["broken"]
    # Appointment 2's first message will be tried again: its cancellation waits behind it
    # (put back as late), rather than arriving first.
    retried = sorted(report.retried, key=lambda j: j.id)
    assert [(j.payload["appointment_id"], j.payload["event"]) for j in retried] == [
        (2, "flaky"),
        (2, "cancelled"),
    ]
    # Waiting spends none of the cancellation's tries (JOB_MAX_ATTEMPTS counts real ones).
    async with env.db.read_sessions() as session:
        rows = (await session.execute(select(Job).order_by(Job.id))).scalars().all()
    tries = {(j.payload["appointment_id"], j.payload["event"]): j.attempts for j in rows}
    assert tries[(2, "flaky")] == 1 and tries[(2, "cancelled")] == 0
    handler.fail.clear()
    later = now + dt.timedelta(hours=1)
    again = await run_due(env.db, settings, None, worker_id="w1", now=later)
    assert [(j.payload["event"]) for j in again.done] == ["flaky", "cancelled"]
    assert handler.finished[-2:] == [(2, "flaky"), (2, "cancelled")]


async def test_specialist_hears_of_a_booking_its_move_and_its_cancellation_in_order(
    env, cat, booker, client, job_settings, sender, tg
):
    """Through the API and the real handlers: the first message is slow to reach Telegram,
    the next two are quick; the specialist still reads them in the order they happened."""
    async with env.db.write_sessions() as session:
        await session.execute(
            update(Specialist).where(Specialist.id == cat.anna.id).values(telegram_id="2001")
        )
        await session.commit()
    day = (dt.datetime.now(dt.UTC) + dt.timedelta(days=7)).date()
    appt = await booker(cat.alice, day, "10:00", "11:00")
    r = await client.post(
        f"/api/appointments/{appt['id']}/reschedule/",
        headers=env.auth(cat.alice),
        json={"date": day.isoformat(), "start_time": "14:00"},
    )
    assert r.status_code == 200, r.text
    r = await client.post(f"/api/appointments/{appt['id']}/cancel/", headers=env.auth(cat.alice))
    assert r.status_code == 200, r.text

    send = sender.send

    async def slow_first(chat_id: Any, text: str, buttons: Any = None) -> int:
        if text.startswith("Новая запись"):
            await asyncio.sleep(0.5)
        return await send(chat_id, text, buttons)

    sender.send = slow_first  # type: ignore[method-assign]
    settings = job_settings.model_copy(update={"job_concurrency": 8})
    await run_due(env.db, settings, sender, worker_id="w1")

    texts = [m.text or "" for m in tg.messages_to(2001)]
    assert [t.split(":")[0] for t in texts] == [
        "Новая запись",
        "Запись перенесена",
        "Запись отменена",
    ]


async def test_poller_wakes_for_a_booking_committed_while_it_was_busy(
    env, job_settings, monkeypatch
):
    """A booking that commits while the in-process runner is finishing a pass is run at
    once, not after JOB_POLL_SECONDS (its wake-up used to be cleared with the pass's)."""
    handler = Recorder({"created": 0.0})
    monkeypatch.setitem(job_handlers.HANDLERS, SLOW, handler)
    settings = job_settings.model_copy(update={"job_poll_seconds": 5.0})
    real_next_run_at = runner_module.next_run_at
    looks = 0

    async def next_run_at_as_a_booking_commits(db: Any) -> dt.datetime | None:
        nonlocal looks
        looks += 1
        upcoming = await real_next_run_at(db)  # nothing queued: sleep the full poll
        if looks == 1:  # ...but a booking commits right then
            await queue(env, [(1, "created")], dt.datetime.now(dt.UTC))
            for _ in range(5):
                await asyncio.sleep(0)  # its wake-up is delivered
        return upcoming

    monkeypatch.setattr(runner_module, "next_run_at", next_run_at_as_a_booking_commits)
    poller = runner_module.InProcessPoller(env.db, settings, sender=object())
    await poller.start()
    try:
        started = time.monotonic()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(handler.any_finished.wait(), timeout=4)
    finally:
        await poller.stop()
    assert handler.finished == [(1, "created")]
    assert time.monotonic() - started < 2
