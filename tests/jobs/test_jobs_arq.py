"""The arq path with a real Redis (``redis://127.0.0.1:6379/14``): a booking's commit wakes
arq (``run_job`` with ``_job_id`` = the dedupe key), an arq worker runs it end to end; the
cron dispatcher runs due reminders. The database row stays the source of truth."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import update

from booking_api.jobs import arq_worker, outbox
from booking_api.models import Specialist

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/14")
MSK = ZoneInfo("Europe/Moscow")

pytestmark = pytest.mark.redis


@pytest.fixture
async def redis_settings(job_settings):  # type: ignore[no-untyped-def]
    settings = job_settings.model_copy(update={"redis_url": REDIS_URL})
    try:
        pool = await arq_worker.connect(settings)
        await pool.flushdb()
    except OSError as exc:  # pragma: no cover - no Redis on this machine
        pytest.skip(f"Redis is not reachable at {REDIS_URL}: {exc}")
    previous = outbox.set_waker(arq_worker.make_waker(pool))
    yield settings, pool
    outbox.set_waker(previous)
    await pool.flushdb()
    await pool.aclose()


async def give_anna_a_chat(env, cat) -> None:  # type: ignore[no-untyped-def]
    async with env.db.write_sessions() as session:
        await session.execute(
            update(Specialist).where(Specialist.id == cat.anna.id).values(telegram_id="2001")
        )
        await session.commit()


async def run_worker_until_idle(env, settings, sender):  # type: ignore[no-untyped-def]
    """An arq worker in burst mode: it runs what is queued, then stops."""
    worker = arq_worker.build_worker(
        settings,
        burst=True,
        handle_signals=False,
        poll_delay=0.05,
        cron_jobs=[],
        ctx={"db": env.db, "sender": sender, "worker_id": "arq-test"},
    )
    try:
        await worker.async_run()
    finally:
        await worker.close()
    return worker


async def test_arq_worker_runs_a_committed_job_end_to_end(
    env, cat, booker, runner, tg, sender, redis_settings
):
    settings, pool = redis_settings
    await give_anna_a_chat(env, cat)
    day = (dt.datetime.now(dt.UTC) + dt.timedelta(days=3)).date()
    appt = await booker(cat.alice, day, "12:00", "13:00")
    key = f"specialist:created:{appt['id']}:{day.isoformat()}T12:00"
    await asyncio.gather(*outbox._tasks)  # the after-commit wake-up
    queued = await pool.queued_jobs(queue_name=arq_worker.QUEUE)
    assert [(j.function, j.args, j.job_id) for j in queued] == [
        ("run_job", (key,), f"booking:{key}")
    ]
    # A second wake-up for the same job is refused by arq itself.
    assert (
        await pool.enqueue_job(
            "run_job", key, _job_id=f"booking:{key}", _queue_name=arq_worker.QUEUE
        )
        is None
    )

    worker = await run_worker_until_idle(env, settings, sender)
    assert worker.jobs_complete == 1 and worker.jobs_failed == 0
    [notice] = tg.messages_to(2001)
    assert notice.text.startswith("Новая запись: Алиса, «Маникюр»")
    jobs = {j.dedupe_key: (j.status, j.locked_by) for j in await runner.jobs()}
    assert jobs[key] == ("done", "arq-test")
    # Reminders are not woken (not due): the cron dispatcher runs them at their time.
    assert {s for k, (s, _) in jobs.items() if k.startswith("reminder:")} == {"queued"}
    ctx = {
        "db": env.db,
        "sender": sender,
        "worker_id": "arq-cron",
        "settings": settings,
        "now": dt.datetime.combine(day, dt.time(10), MSK).astimezone(dt.UTC),
    }
    assert await arq_worker.dispatch_due(ctx) == 2  # 24 h (too late: skipped) and 2 h (sent)
    assert await arq_worker.dispatch_due(ctx) == 0
    [reminder] = tg.messages_to(1001)
    assert reminder.text.startswith("Напоминаем о записи через 2 ч.")


async def test_wake_ups_under_load_are_folded_into_one(
    env, cat, booker, runner, tg, sender, redis_settings
):
    """Bookings committed while a wake-up is on its way to Redis ride on one ``run_due``:
    Redis gets two wake-ups for three bookings, and the worker still sends all three notices."""
    settings, pool = redis_settings
    await give_anna_a_chat(env, cat)
    day = (dt.datetime.now(dt.UTC) + dt.timedelta(days=3)).date()
    waker = arq_worker.CoalescingWaker(pool, pause=0.2)
    outbox.set_waker(waker)
    for start, end in (("10:00", "11:00"), ("12:00", "13:00"), ("14:00", "15:00")):
        await booker(cat.alice, day, start, end)
        await asyncio.sleep(0.01)  # each commit's wake-up task starts while the first waits
    for _ in range(100):  # the last wake-up, after its pause
        if not waker.sending:
            break
        await asyncio.sleep(0.02)
    queued = await pool.queued_jobs(queue_name=arq_worker.QUEUE)
    assert sorted(j.function for j in queued) == ["run_due", "run_job"]

    worker = await run_worker_until_idle(env, settings, sender)
    assert worker.jobs_failed == 0
    notices = tg.messages_to(2001)
    assert len(notices) == 3 and all(n.text.startswith("Новая запись") for n in notices)
