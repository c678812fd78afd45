"""Running due jobs: one pass (:func:`run_due`) and the database poller.

The same :func:`run_due` is used everywhere: by the poller (inside the API process, the
embedded default without Redis, or as ``booking worker`` without Redis), by the arq functions
in :mod:`.arq_worker`, and by tests with a controllable clock (``now=``). Which of them runs
is chosen in :mod:`.runtime`.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import os
import socket
import uuid
from dataclasses import dataclass, field
from typing import Any

from booking_api.core.config import Settings
from booking_api.core.db import Database, database_unavailable
from booking_api.jobs.context import JobContext
from booking_api.jobs.errors import PermanentFailure, RetryLater, Skip
from booking_api.jobs.handlers import HANDLERS
from booking_api.jobs.outbox import WAITLIST_EXPIRE, WAITLIST_OFFER, set_waker, utcnow
from booking_api.jobs.queue import ClaimedJob, claim_due, finish_many, next_run_at, retry_later
from booking_api.jobs.telegram import TelegramSender
from booking_api.webhooks.service import HANDLERS as WEBHOOK_HANDLERS

log = logging.getLogger("booking_api.jobs")

LATE_AFTER = dt.timedelta(minutes=1)
# Webhook jobs: a fan-out, a delivery attempt (each fenced on its own rows), run in their own
# WEBHOOK_CONCURRENCY slots, in no particular order (a receiver orders by ``timestamp``).
WEBHOOK_KINDS = frozenset(WEBHOOK_HANDLERS)


def new_worker_id(prefix: str = "worker") -> str:
    return f"{prefix}:{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


@dataclass
class RunReport:
    done: list[ClaimedJob] = field(default_factory=list)
    skipped: list[ClaimedJob] = field(default_factory=list)
    retried: list[ClaimedJob] = field(default_factory=list)
    failed: list[ClaimedJob] = field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.done) + len(self.skipped) + len(self.retried) + len(self.failed)


def _backoff(attempts: int) -> float:
    return min(3600.0, 30.0 * 2 ** max(0, attempts - 1))


def order_key(job: ClaimedJob) -> str | None:
    """Jobs with the same key run one after another, in claim order (``run_at``, id); None:
    in no order. One appointment's notices and reminders share a key (a "new booking" message
    never arrives after its "cancelled" one), as do one waitlist entry's messages and the
    offers of one specialist's freed day (two offers never race for one entry)."""
    if job.kind in WEBHOOK_KINDS:
        return None
    p = job.payload
    if p.get("appointment_id") is not None:
        return f"appointment:{p['appointment_id']}"
    if job.kind in (WAITLIST_OFFER, WAITLIST_EXPIRE) and p.get("specialist_id") is not None:
        return f"waitlist-day:{p['specialist_id']}:{p.get('date')}"
    if p.get("entry_id") is not None:
        return f"waitlist-entry:{p['entry_id']}"
    return f"kind:{job.kind}"


@dataclass
class Finishes:
    """Finished jobs not yet marked so: :func:`run_due` marks them in one statement each time
    round its loop (before it claims again, and when it stops), instead of one write
    transaction per job. A worker killed in between leaves them claimed: they run again when
    their lease runs out, as a job does whose worker dies mid-way (at least once)."""

    db: Database
    worker_id: str
    pending: list[tuple[ClaimedJob, str, str | None]] = field(default_factory=list)

    def add(self, job: ClaimedJob, status: str, error: str | None = None) -> None:
        self.pending.append((job, status, error))

    async def flush(self, now: dt.datetime | None = None) -> None:
        if not self.pending:
            return
        batch, self.pending = self.pending, []
        try:
            await finish_many(self.db, batch, self.worker_id, now=now)
        except BaseException:
            # Not marked (a worker stopped mid-statement, the database away): kept for the
            # next flush, the one when the worker stops included.
            self.pending = batch + self.pending
            raise


@dataclass(frozen=True)
class Outcome:
    status: str  # done | skipped | retried | failed
    delay: float = 0.0  # retried: seconds until the next attempt


async def execute(
    job: ClaimedJob, ctx: JobContext, report: RunReport, finishes: Finishes
) -> Outcome:
    """Run one claimed job and record its outcome (the row is finished in every case: at
    once when it is to be retried, else with the batch of ``finishes``)."""
    s = ctx.settings
    late = ctx.now - job.run_at
    if late > LATE_AFTER and job.attempts == 1:
        log.warning(
            "job %s %s (%s) runs %s late (was a worker down?)",
            job.id,
            job.kind,
            job.dedupe_key,
            str(late).split(".")[0],
        )
    handler = HANDLERS.get(job.kind)
    try:
        if handler is None:
            raise PermanentFailure(f"unknown job kind {job.kind!r}")
        if job.attempts > s.job_max_attempts:
            raise PermanentFailure(f"gave up after {job.attempts - 1} attempts")
        await handler(job, ctx)
    except Skip as exc:
        log.info("job %s %s (%s) skipped: %s", job.id, job.kind, job.dedupe_key, exc)
        finishes.add(job, "skipped", str(exc))
        report.skipped.append(job)
        return Outcome("skipped")
    except PermanentFailure as exc:
        log.error("job %s %s (%s) failed: %s", job.id, job.kind, job.dedupe_key, exc)
        finishes.add(job, "failed", str(exc))
        report.failed.append(job)
        return Outcome("failed")
    except Exception as exc:  # noqa: BLE001 - any other error is retried with backoff
        if job.attempts >= s.job_max_attempts:
            log.error(
                "job %s %s (%s) failed for good after %s attempts: %s",
                job.id,
                job.kind,
                job.dedupe_key,
                job.attempts,
                exc,
            )
            finishes.add(job, "failed", repr(exc))
            report.failed.append(job)
            return Outcome("failed")
        delay = exc.delay if isinstance(exc, RetryLater) else _backoff(job.attempts)
        if not isinstance(exc, RetryLater):
            log.exception("job %s %s (%s) raised", job.id, job.kind, job.dedupe_key)
        log.warning(
            "job %s %s (%s) will be retried in %ss (attempt %s): %s",
            job.id,
            job.kind,
            job.dedupe_key,
            int(delay),
            job.attempts,
            exc,
        )
        await retry_later(ctx.db, job, ctx.worker_id, delay=delay, error=str(exc), now=ctx.now)
        report.retried.append(job)
        return Outcome("retried", delay)
    finishes.add(job, "done")
    log.info("job %s %s (%s) done", job.id, job.kind, job.dedupe_key)
    report.done.append(job)
    return Outcome("done")


async def postpone(job: ClaimedJob, ctx: JobContext, report: RunReport, after: Outcome) -> Outcome:
    """A job whose predecessor of the same key will be retried waits for it: put back as
    late (so it keeps its place behind it), without spending one of its attempts."""
    error = f"waits for an earlier job about the same thing ({order_key(job)})"
    log.info(
        "job %s %s (%s) %s, retried in %ss",
        job.id,
        job.kind,
        job.dedupe_key,
        error,
        int(after.delay),
    )
    await retry_later(
        ctx.db, job, ctx.worker_id, delay=after.delay, error=error, now=ctx.now, not_tried=True
    )
    report.retried.append(job)
    return after


async def run_due(
    db: Database,
    settings: Settings,
    sender: Any,
    *,
    worker_id: str,
    now: dt.datetime | None = None,
    limit: int | None = None,
    max_rounds: int = 50,
    dedupe_key: str | None = None,
) -> RunReport:
    """Claim and run what is due at ``now`` (default: the real clock), until nothing is.

    Jobs queued by jobs (a waitlist offer queues its message, a webhook fan-out its
    deliveries) run in the same call. Up to ``JOB_CONCURRENCY`` jobs run at once (a job
    mostly waits for Telegram or the database), webhook jobs in ``WEBHOOK_CONCURRENCY``
    slots of their own, so a slow receiver never holds up a message. Jobs with the same
    :func:`order_key` (one appointment's) run one after another in claim order; one whose
    predecessor will be retried is put back behind it. More rows are claimed as soon as
    fewer than twice the slots are on hand (at most ``limit`` at a time), so a claimed job
    waits for a slot well inside its lease.
    """
    report = RunReport()
    job_slots = asyncio.Semaphore(max(1, settings.job_concurrency))
    webhook_slots = asyncio.Semaphore(max(1, settings.webhook_concurrency))
    on_hand = 2 * (max(1, settings.job_concurrency) + max(1, settings.webhook_concurrency))
    running: set[asyncio.Task[Outcome]] = set()
    tails: dict[str, asyncio.Task[Outcome]] = {}  # the last job claimed per order key
    errors: list[BaseException] = []
    finishes = Finishes(db, worker_id)

    async def run(
        job: ClaimedJob, ctx: JobContext, before: asyncio.Task[Outcome] | None
    ) -> Outcome:
        if before is not None:
            await asyncio.wait([before])  # its own error is reported by its own task
            if not before.cancelled() and before.exception() is None:
                if before.result().status == "retried":
                    return await postpone(job, ctx, report, before.result())
        async with webhook_slots if job.kind in WEBHOOK_KINDS else job_slots:
            return await execute(job, ctx, report, finishes)

    def settled(task: asyncio.Task[Outcome]) -> None:
        running.discard(task)
        if not task.cancelled() and task.exception() is not None:
            errors.append(task.exception())  # type: ignore[arg-type]

    rounds = 0
    try:
        while rounds < max_rounds and not errors:
            if finishes.pending:
                await finishes.flush(now)
            if len(running) >= on_hand:  # enough on hand: claim more when some are done
                done, _ = await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
                running.difference_update(done)
                continue
            clock = now or utcnow()
            room = on_hand - len(running)
            jobs = await claim_due(
                db,
                worker_id,
                now=clock,
                limit=room if limit is None else min(limit, room),
                lease_seconds=settings.job_lease_seconds,
                dedupe_key=dedupe_key,
            )
            if not jobs:
                if not running or dedupe_key is not None:
                    break
                # Those still running may queue more (a fan-out's deliveries): look again then.
                done, _ = await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
                running.difference_update(done)
                continue
            rounds += 1
            ctx = JobContext(
                db=db, settings=settings, sender=sender, now=clock, worker_id=worker_id
            )
            for job in jobs:  # claimed in (run_at, id) order
                key = order_key(job)
                before = tails.get(key) if key is not None else None
                if before is not None and before.done():
                    before = None if before.cancelled() or before.exception() else before
                task = asyncio.create_task(run(job, ctx, before), name=f"job-{job.id}")
                running.add(task)
                task.add_done_callback(settled)
                if key is not None:
                    tails[key] = task
            for key in [k for k, t in tails.items() if t.done()]:
                if not tails[key].cancelled() and tails[key].exception() is None:
                    if tails[key].result().status != "retried":
                        del tails[key]
            dedupe_key = None  # then whatever it caused
        if running:
            await asyncio.wait(running)
        await finishes.flush(now)
    finally:
        # Cancelled (the worker stops) or failed: jobs not finished stay claimed until their
        # lease runs out, then the next worker runs them (at least once); those finished are
        # marked if the database lets us.
        unfinished = [task for task in running if not task.done()]
        for task in unfinished:
            task.cancel()
        if unfinished:
            await asyncio.wait(unfinished)
        if finishes.pending:
            with contextlib.suppress(Exception):
                await finishes.flush(now)
    if errors:
        raise errors[0]
    return report


class InProcessPoller:
    """Runs due jobs inside the API process (``RUN_JOBS_IN_PROCESS``, the embedded default).

    Sleeps until the next job is due (at most ``JOB_POLL_SECONDS``), and wakes at once when a
    booking change commits new immediate work.
    """

    def __init__(self, db: Database, settings: Settings, sender: Any | None = None):
        self.db = db
        self.settings = settings
        self.sender = sender or TelegramSender(settings)
        self.worker_id = new_worker_id("api")
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._previous_waker: Any = None

    async def _on_commit(self, keys: list[str]) -> None:
        self._wake.set()

    async def start(self) -> None:
        self._previous_waker = set_waker(self._on_commit)
        self._task = asyncio.create_task(self._loop(), name="booking-jobs-poller")
        log.info("jobs: running in process (%s)", self.worker_id)

    async def stop(self) -> None:
        set_waker(self._previous_waker)
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        close = getattr(self.sender, "close", None)
        if close is not None:
            await close()

    async def _loop(self) -> None:
        poll = self.settings.job_poll_seconds
        while True:
            self._wake.clear()  # a commit from now on wakes the next round
            try:
                await run_due(self.db, self.settings, self.sender, worker_id=self.worker_id)
                upcoming = await next_run_at(self.db)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - keep polling (the database may be back soon)
                if database_unavailable(exc):
                    self.db.availability.lost(exc)  # one warning per outage
                else:
                    log.exception("jobs: poll failed; retrying in %ss", poll)
                upcoming = None
            wait = poll
            if upcoming is not None:
                wait = max(0.05, min(poll, (upcoming - utcnow()).total_seconds()))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=wait)
