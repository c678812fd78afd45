"""The arq path with a real Redis (``TEST_REDIS_URL``, shared: each test keys under its own
``REDIS_KEY_PREFIX`` and deletes only those keys): a booking's commit wakes arq (``run_job``
with ``_job_id`` = prefix + the dedupe key), an arq worker runs it end to end; the cron
dispatcher runs due reminders. The database row stays the source of truth."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import re
import threading
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlalchemy import update

from booking_api.app import create_app
from booking_api.jobs import arq_worker, outbox
from booking_api.models import Specialist
from kit.api import TEST_REDIS_URL, RedisServer, future_day, redis_available

MSK = ZoneInfo("Europe/Moscow")

pytestmark = pytest.mark.redis


@pytest.fixture
async def redis_settings(job_settings, redis_prefix):  # type: ignore[no-untyped-def]
    if not redis_available():  # pragma: no cover - no Redis on this machine
        pytest.skip(f"Redis is not reachable at {TEST_REDIS_URL}")
    settings = job_settings.model_copy(
        update={"redis_url": TEST_REDIS_URL, "redis_key_prefix": redis_prefix}
    )
    pool = await arq_worker.connect(settings)
    previous = outbox.set_waker(arq_worker.make_waker(pool, settings))
    yield settings, pool
    outbox.set_waker(previous)
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
    queue, job_id = arq_worker.queue_name(settings), settings.redis_key_prefix + key
    queued = await pool.queued_jobs(queue_name=queue)
    assert [(j.function, j.args, j.job_id) for j in queued] == [("run_job", (key,), job_id)]
    # A second wake-up for the same job is refused by arq itself.
    assert await pool.enqueue_job("run_job", key, _job_id=job_id, _queue_name=queue) is None

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
    waker = arq_worker.CoalescingWaker(pool, settings.redis_key_prefix, pause=0.2)
    outbox.set_waker(waker)
    for start, end in (("10:00", "11:00"), ("12:00", "13:00"), ("14:00", "15:00")):
        await booker(cat.alice, day, start, end)
        await asyncio.sleep(0.01)  # each commit's wake-up task starts while the first waits
    for _ in range(100):  # the last wake-up, after its pause
        if not waker.sending:
            break
        await asyncio.sleep(0.02)
    queued = await pool.queued_jobs(queue_name=arq_worker.queue_name(settings))
    assert sorted(j.function for j in queued) == ["run_due", "run_job"]

    worker = await run_worker_until_idle(env, settings, sender)
    assert worker.jobs_failed == 0
    notices = tg.messages_to(2001)
    assert len(notices) == 3 and all(n.text.startswith("Новая запись") for n in notices)


async def test_every_key_the_api_and_the_worker_keep_in_redis_is_under_the_prefix(
    env, cat, runner, tg, sender, job_settings, own_redis: RedisServer
):
    """Cache versions, rate-limit counters, the arq queue, its job, result and cron keys all
    carry REDIS_KEY_PREFIX, so deployments (and test runs) can share one Redis database and
    clean up only their own keys."""
    import redis.asyncio as redis

    prefix = "salon-7:"
    settings = job_settings.model_copy(
        update={
            "redis_url": own_redis.url,
            "redis_key_prefix": prefix,
            "cache_backend": "redis",
            "throttle_auth": "100/min",
            "throttle_booking": "100/min",
        }
    )
    await give_anna_a_chat(env, cat)
    app = create_app(settings, env.db)
    pool = await arq_worker.connect(settings)
    previous = outbox.set_waker(arq_worker.make_waker(pool, settings))
    raw = redis.from_url(own_redis.url)
    try:
        day = future_day(3)
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://testserver"
        ) as client:
            url = f"/api/specialists/{cat.anna.id}/available_slots/?date={day}"
            assert (await client.get(url)).status_code == 200
            r = await client.post("/api/token/", json={"username": "alice", "password": "x"})
            assert r.status_code == 401
            r = await client.post(
                "/api/appointments/",
                headers=env.auth(cat.alice),
                json={
                    "service": cat.manicure.id,
                    "specialist": cat.anna.id,
                    "date": str(day),
                    "start_time": "12:00",
                    "end_time": "13:00",
                },
            )
            assert r.status_code == 201, r.text
        await asyncio.gather(*outbox._tasks)  # the after-commit wake-up
        worker = arq_worker.build_worker(
            settings,
            burst=True,
            handle_signals=False,
            poll_delay=0.05,
            ctx={"db": env.db, "sender": sender, "worker_id": "arq-test"},
        )
        try:
            await worker.async_run()
        finally:
            await worker.close()
        assert worker.jobs_complete >= 2  # the wake-up and the cron's first tick
        assert len(tg.messages_to(2001)) == 1
        keys = sorted(k.decode() for k in await raw.keys("*"))
    finally:
        outbox.set_waker(previous)
        await pool.aclose()
        await app.state.redis.close()
        await raw.aclose()
    ours = re.compile(rf"^(?:arq:[a-z-]+:)?{re.escape(prefix)}")
    assert any(k.startswith(prefix + "cache:v:") for k in keys), keys
    assert any(k.startswith(prefix + "throttle:") for k in keys), keys
    assert any(k.startswith("arq:result:" + prefix) for k in keys), keys
    assert [k for k in keys if not ours.match(k)] == []


async def test_a_redis_outage_is_one_warning_for_the_wake_ups(job_settings, own_redis, caplog):
    """While Redis is down every wake-up fails (the cron poll runs the jobs later): the log says
    so once, not once per booking, and says when wake-ups go through again."""
    settings = job_settings.model_copy(
        update={"redis_url": own_redis.url, "redis_key_prefix": "outage:"}
    )
    pool = await arq_worker.connect(settings)
    waker = arq_worker.CoalescingWaker(pool, "outage:", pause=0)
    caplog.set_level(logging.DEBUG, logger="booking_api.jobs")
    try:
        await own_redis.stop()
        for n in range(5):
            await waker([f"k{n}"])
        await own_redis.start()
        for n in range(5, 8):
            await waker([f"k{n}"])
    finally:
        await pool.aclose()
    # This thread's only: a job runner another test left in a thread of its own may log
    # under the same name meanwhile (a full run once failed on one).
    lines = [
        (r.levelname, r.getMessage())
        for r in caplog.records
        if r.name == "booking_api.jobs"
        and r.levelno >= logging.INFO
        and r.thread == threading.get_ident()
    ]
    assert [level for level, _ in lines] == ["WARNING", "INFO"], lines
