"""Jobs claimed together share their bookkeeping: finished rows are marked in one statement
(still fenced by the lease), and a fact every job of the batch asks for (which webhook
endpoints subscribe to an event) is read once. Runs on SQLite and PostgreSQL (``env``)."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from typing import Any

import pytest
from sqlalchemy import select, update

from booking_api.core.batch import BatchReadFailed
from booking_api.jobs import handlers as job_handlers
from booking_api.jobs.outbox import enqueue, enqueue_spec, webhook_event_job
from booking_api.jobs.queue import claim_due, finish_many
from booking_api.jobs.runner import run_due
from booking_api.models import Appointment, Job, Specialist
from booking_api.webhooks import events as webhook_events
from booking_api.webhooks import repository as webhook_repo

QUICK, SLOW = "test_quick", "test_slow"


@pytest.fixture
def now() -> dt.datetime:
    """Years ahead of the real clock: these tests' jobs are due only for the workers they run
    themselves, never for a job runner another test may have left polling the shared database
    on the real clock (a full run once lost a test's three jobs to one)."""
    return (dt.datetime.now(dt.UTC) + dt.timedelta(days=3650)).replace(microsecond=0)


async def add_jobs(env: Any, kind: str, count: int, now: dt.datetime) -> None:
    async with env.db.write_sessions() as session:
        for i in range(count):
            await enqueue(
                session,
                kind,
                {"n": i},
                run_at=now - dt.timedelta(seconds=count - i),
                dedupe_key=f"{kind}:{i}",
            )
        await session.commit()


async def rows(env: Any) -> dict[str, list[str]]:
    """Each kind's row statuses, in id order."""
    async with env.db.read_sessions() as session:
        found = (await session.execute(select(Job.kind, Job.status).order_by(Job.id))).all()
    out: dict[str, list[str]] = {}
    for kind, status in found:
        out.setdefault(kind, []).append(status)
    return out


async def test_a_batch_of_finishes_marks_only_the_rows_this_worker_still_holds(
    env, now, caplog
) -> None:  # noqa: ANN001
    await add_jobs(env, QUICK, 3, now)
    claimed = await claim_due(env.db, "w1", now=now)
    assert len(claimed) == 3
    # w1 stalled past its lease: w2 took the second job over.
    async with env.db.write_sessions() as session:
        await session.execute(update(Job).where(Job.id == claimed[1].id).values(locked_by="w2"))
        await session.commit()

    with caplog.at_level(logging.WARNING, logger="booking_api.jobs"):
        marked = await finish_many(
            env.db,
            [(claimed[0], "done", None), (claimed[1], "done", None), (claimed[2], "skipped", "x")],
            "w1",
            now=now,
        )

    assert [job.id for job in marked] == [claimed[0].id, claimed[2].id]
    assert (await rows(env))[QUICK] == ["done", "running", "skipped"]
    assert f"job {claimed[1].id} {QUICK}: lease lost before it could be marked done" in caplog.text
    async with env.db.read_sessions() as session:
        skipped = await session.scalar(select(Job.last_error).where(Job.id == claimed[2].id))
    assert skipped == "x"


async def test_jobs_done_before_the_worker_stops_are_not_run_again(
    env, job_settings, now, monkeypatch
) -> None:  # noqa: ANN001
    ran: list[int] = []
    quick_done = asyncio.Event()

    async def quick(job: Any, ctx: Any) -> None:
        ran.append(job.payload["n"])
        if len(ran) == 4:
            quick_done.set()

    async def slow(job: Any, ctx: Any) -> None:
        if job.attempts == 1:  # the stopped worker's attempt never ends
            await asyncio.sleep(30)

    monkeypatch.setitem(job_handlers.HANDLERS, QUICK, quick)
    monkeypatch.setitem(job_handlers.HANDLERS, SLOW, slow)
    await add_jobs(env, SLOW, 1, now)
    await add_jobs(env, QUICK, 4, now)

    worker = asyncio.create_task(run_due(env.db, job_settings, None, worker_id="w1", now=now))
    await asyncio.wait_for(quick_done.wait(), 10)
    await asyncio.sleep(0)  # the quick ones return; the worker is told to stop
    worker.cancel()
    with pytest.raises(asyncio.CancelledError):
        await worker

    statuses = await rows(env)
    assert statuses[QUICK] == ["done"] * 4  # marked: nobody runs them again
    assert statuses[SLOW] == ["running"]  # not finished: run again once its lease runs out
    report = await run_due(
        env.db, job_settings, None, worker_id="w2", now=now + dt.timedelta(hours=1)
    )
    assert [job.kind for job in report.done + report.retried + report.failed] == [SLOW]
    assert sorted(ran) == [0, 1, 2, 3]  # each quick one ran once


async def test_events_claimed_together_ask_for_the_subscribed_endpoints_once(
    env, job_settings, now
) -> None:  # noqa: ANN001
    async with env.db.write_sessions() as session:
        for appointment_id in range(1, 11):
            spec = webhook_event_job(
                webhook_events.APPOINTMENT_CREATED, appointment_id, now, once=True
            )
            await enqueue_spec(session, spec)
        await session.commit()
    lookups: list[str] = []
    real_rows = webhook_repo._ACTIVE_EVENTS.rows

    async def count(db, **params):  # noqa: ANN001, ANN202
        lookups.append("endpoints")
        return await real_rows(db, **params)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(webhook_repo._ACTIVE_EVENTS, "rows", count)
        report = await run_due(env.db, job_settings, None, worker_id="w1", now=now)

    assert len(report.done) == 10  # nobody subscribes: nothing to deliver
    assert len(lookups) == 1


async def test_notices_claimed_together_read_their_appointments_in_one_statement(
    env, cat, booker, runner, tg, monkeypatch
) -> None:  # noqa: ANN001
    """On PostgreSQL the specialist's notices of one claim read their bookings in one
    statement (``JobContext.batched``); each still tells its own booking, and one whose
    appointment is gone is skipped alone. SQLite reads one booking per notice."""
    async with env.db.write_sessions() as session:
        await session.execute(
            update(Specialist).where(Specialist.id == cat.anna.id).values(telegram_id="2001")
        )
        await session.commit()
    day = (dt.datetime.now(dt.UTC) + dt.timedelta(days=7)).date()  # booked through the API
    booked = [
        await booker(user, day, f"{hour}:00", f"{hour + 1}:00")
        for user, hour in ((cat.alice, 10), (cat.bob, 12), (cat.alice, 14))
    ]
    async with env.db.write_sessions() as session:
        gone = await session.get(Appointment, booked[2]["id"])
        await session.delete(gone)
        await session.commit()
    reads: list[list[int]] = []
    real_rows = job_handlers._BOOKED_MANY.rows

    async def counted(db, **params):  # noqa: ANN001, ANN202
        reads.append(sorted(params["ids"]))
        return await real_rows(db, **params)

    monkeypatch.setattr(job_handlers._BOOKED_MANY, "rows", counted)
    report = await runner.run()  # now: after the bookings

    notices = [j for j in report.done if j.kind == "specialist_notice"]
    skipped = [j for j in report.skipped if j.kind == "specialist_notice"]
    assert len(notices) == 2 and len(skipped) == 1
    texts = sorted(m.text for m in tg.messages_to(2001))
    assert len(texts) == 2
    assert any("Алиса" in t and "10:00" in t for t in texts)
    assert any(cat.client_b.name in t and "12:00" in t for t in texts)
    if env.backend == "postgresql":
        assert reads == [sorted(b["id"] for b in booked)]
    else:
        assert reads == []


async def test_a_batched_read_serves_one_turn_and_fails_all_of_it_together(env, now) -> None:  # noqa: ANN001
    ctx = job_handlers.JobContext(
        db=env.db, settings=env.settings, sender=None, now=now, worker_id="w1"
    )
    reads: list[list[int]] = []

    async def read(items: list[int]) -> dict[int, str]:
        reads.append(items)
        await asyncio.sleep(0)
        if 13 in items:
            raise RuntimeError("the database went away")
        return {i: f"row {i}" for i in items if i != 2}

    first = await asyncio.gather(*(ctx.batched("k", i, read) for i in (1, 2, 3, 1)))
    assert first == ["row 1", None, "row 3", "row 1"]  # 2 is not there
    assert reads == [[1, 2, 3]]  # one read, each item once
    later = await ctx.batched("k", 4, read)  # asked after that batch was read: a new one
    assert later == "row 4" and reads[-1] == [4]
    failed = await asyncio.gather(
        *(ctx.batched("k", i, read) for i in (12, 13)), return_exceptions=True
    )
    assert [type(e) for e in failed] == [BatchReadFailed] * 2
    assert failed[0] is not failed[1]  # each job its own, caused by the read's error
    assert all(isinstance(e.__cause__, RuntimeError) for e in failed)


async def test_the_subscription_check_reads_every_shape_of_events(env) -> None:  # noqa: ANN001
    """Events as the API stores them, an empty list, and a JSON null written around the API
    (a DRF-side write): the check answers for each, and the null one subscribes to nothing."""
    from booking_api.webhooks.models import WebhookEndpoint

    created = webhook_events.APPOINTMENT_CREATED
    await env.add(
        WebhookEndpoint(url="https://a.example/h", secret="s", events=[created]),
        WebhookEndpoint(url="https://b.example/h", secret="s", events=[]),
        WebhookEndpoint(url="https://c.example/h", secret="s", events=None),
        WebhookEndpoint(url="https://d.example/h", secret="s", events=[created], is_active=False),
    )
    async with env.db.read_sessions() as session:
        first = await session.scalar(select(WebhookEndpoint.id).order_by(WebhookEndpoint.id))
    assert await webhook_repo.subscribed_endpoint_ids(env.db, created) == [first]
    assert await webhook_repo.subscribed_endpoint_ids(env.db, "client.created") == []


async def test_finishes_interrupted_on_their_way_are_marked_when_the_worker_stops(
    env, job_settings, now, monkeypatch
) -> None:  # noqa: ANN001
    """The worker is stopped while its batch of finishes is being written: the batch is kept
    and written by the worker's last flush, so the jobs are not run again. (Before, the batch
    was dropped: its jobs stayed claimed and ran again once their lease ended; a full test
    run once hit this.)"""
    from booking_api.jobs import runner as job_runner

    async def quick(job: Any, ctx: Any) -> None:
        return None

    monkeypatch.setitem(job_handlers.HANDLERS, QUICK, quick)
    await add_jobs(env, QUICK, 3, now)
    real_finish_many, on_its_way = job_runner.finish_many, asyncio.Event()
    calls: list[int] = []

    async def held_first(db, outcomes, worker_id, *, now=None):  # noqa: ANN001, ANN202
        calls.append(len(outcomes))
        if len(calls) == 1:
            on_its_way.set()
            await asyncio.sleep(30)  # stopped in here
        return await real_finish_many(db, outcomes, worker_id, now=now)

    monkeypatch.setattr(job_runner, "finish_many", held_first)
    worker = asyncio.create_task(run_due(env.db, job_settings, None, worker_id="w1", now=now))
    await asyncio.wait_for(on_its_way.wait(), 10)
    worker.cancel()
    with pytest.raises(asyncio.CancelledError):
        await worker
    assert calls[0] == 3 and calls[-1] == 3  # the same batch, written by the last flush
    assert (await rows(env))[QUICK] == ["done"] * 3
