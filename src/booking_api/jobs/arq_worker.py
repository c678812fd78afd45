"""arq on Redis: how jobs are woken and dispatched when ``REDIS_URL`` is set.

arq only *dispatches*; the ``booking_job`` table stays the source of truth (see the package
docstring for why). Two arq functions, both running the same claim/execute code as the
in-process poller:

* ``run_job(dedupe_key)`` — enqueued by the API right after a booking change commits, with
  ``_job_id = REDIS_KEY_PREFIX + dedupe_key`` so arq itself never queues one wake-up twice;
  it claims that row (and whatever it causes) at once: specialist notices, waitlist offers.
* ``run_due`` — the same wake-up for a batch of commits (under load, see
  :class:`CoalescingWaker`): claims every due row at once.
* ``dispatch_due`` — an arq cron every ``JOB_POLL_SECONDS`` (``unique``: one worker per
  tick) that claims every due row: reminders, retries, jobs whose wake-up was lost (Redis
  down, API crashed after commit), and jobs whose worker was killed (lease expired).

If Redis loses its data, nothing is lost: the rows are still queued in the database and the
next cron tick of any worker runs them.

Every key lives under ``REDIS_KEY_PREFIX`` (default ``booking:``): the queue is
``<prefix>jobs``, and job ids (so arq's ``arq:job:``, ``arq:result:``, ``arq:in-progress:`` and
``arq:retry:`` keys) start with the prefix, the cron's too. Deployments sharing one Redis
database therefore neither run each other's wake-ups nor skip each other's cron ticks.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from typing import Any

from arq import cron
from arq.connections import ArqRedis, RedisSettings, create_pool
from arq.worker import Worker, func

from booking_api.core.config import Settings
from booking_api.core.db import Database
from booking_api.core.redis_client import Outage
from booking_api.jobs.outbox import Waker
from booking_api.jobs.runner import new_worker_id, run_due
from booking_api.jobs.telegram import TelegramSender

log = logging.getLogger("booking_api.jobs")


def queue_name(settings: Settings) -> str:
    return settings.redis_key_prefix + "jobs"


def redis_settings(settings: Settings) -> RedisSettings:
    assert settings.redis_url, "REDIS_URL is not set"
    return RedisSettings.from_dsn(settings.redis_url)


async def connect(settings: Settings) -> ArqRedis:
    return await create_pool(redis_settings(settings), default_queue_name=queue_name(settings))


class CoalescingWaker:
    """Wake-ups for arq, at most one on its way to Redis at a time per API process.

    A quiet system sends ``run_job(key)`` for each commit (``_job_id`` from the key, so arq
    refuses a duplicate). Under load, the keys committed while one wake-up is being sent (and
    during a short pause after it) are folded into a single ``run_due``, which claims every
    due row: Redis sees at most ~1/``pause`` wake-ups a second per process instead of one per
    booking, and no per-booking result keys pile up in it.
    """

    def __init__(self, pool: ArqRedis, prefix: str = "booking:", pause: float = 0.05):
        self.pool = pool
        self.prefix = prefix
        self.queue = prefix + "jobs"
        self.pause = pause
        self.backlog: list[str] = []
        self.sending = False
        self.outage = Outage(
            log,
            "could not wake the worker (%s); the next poll will run the jobs "
            "(logged once until a wake-up goes through again)",
            "waking the worker through Redis works again",
        )

    async def __call__(self, keys: list[str]) -> None:
        self.backlog.extend(keys)
        if self.sending:
            return  # the sender below picks these up
        self.sending = True
        try:
            while self.backlog:
                batch, self.backlog = self.backlog, []
                try:
                    if len(batch) == 1:
                        job_id = self.prefix + batch[0]
                        await self.pool.enqueue_job(
                            "run_job", batch[0], _job_id=job_id, _queue_name=self.queue
                        )
                    else:
                        job_id = f"{self.prefix}run_due:{uuid.uuid4().hex}"
                        await self.pool.enqueue_job(
                            "run_due", _job_id=job_id, _queue_name=self.queue
                        )
                except Exception as exc:  # noqa: BLE001 - the cron poll runs them; keep draining
                    self.outage.failed(exc)
                    log.debug("wake-up for %s not delivered", batch, exc_info=True)
                else:
                    self.outage.ok()
                await asyncio.sleep(self.pause)
        finally:
            self.sending = False


def make_waker(pool: ArqRedis, settings: Settings) -> Waker:
    return CoalescingWaker(pool, settings.redis_key_prefix)


async def _startup(ctx: dict[str, Any]) -> None:
    settings: Settings = ctx["settings"]
    if "db" not in ctx:
        ctx["db"] = Database.from_settings(settings)
        ctx["own_db"] = True
    if "sender" not in ctx:
        ctx["sender"] = TelegramSender(settings)
    ctx.setdefault("worker_id", new_worker_id("arq"))
    log.info("jobs: arq worker %s started on %s", ctx["worker_id"], settings.redis_url)


async def _shutdown(ctx: dict[str, Any]) -> None:
    close = getattr(ctx.get("sender"), "close", None)
    if close is not None:
        await close()
    if ctx.get("own_db"):
        await ctx["db"].dispose()


async def run_job(ctx: dict[str, Any], dedupe_key: str) -> int:
    report = await run_due(
        ctx["db"],
        ctx["settings"],
        ctx["sender"],
        worker_id=ctx["worker_id"],
        now=ctx.get("now"),
        dedupe_key=dedupe_key,
    )
    return report.total


async def dispatch_due(ctx: dict[str, Any]) -> int:
    report = await run_due(
        ctx["db"], ctx["settings"], ctx["sender"], worker_id=ctx["worker_id"], now=ctx.get("now")
    )
    return report.total


def build_worker(settings: Settings, **overrides: Any) -> Worker:
    step = max(1, min(30, int(settings.job_poll_seconds)))
    options: dict[str, Any] = dict(
        functions=[
            func(run_job, name="run_job", max_tries=3),
            func(dispatch_due, name="run_due", max_tries=3, keep_result=0),
        ],
        cron_jobs=[
            cron(
                dispatch_due,
                # Its job ids ("<name>:<time>") are global to the Redis database: prefixed, so
                # another deployment's tick never takes this one's place.
                name=settings.redis_key_prefix + "dispatch_due",
                second=set(range(0, 60, step)),
                run_at_startup=True,
                unique=True,
                max_tries=1,
            )
        ],
        queue_name=queue_name(settings),
        redis_settings=redis_settings(settings),
        on_startup=_startup,
        on_shutdown=_shutdown,
        ctx={"settings": settings},
        # Our own rows carry retries and leases; arq's result keys only stop duplicate wake-ups.
        keep_result=3600,
        job_timeout=max(60, settings.job_lease_seconds),
    )
    ctx = {**options["ctx"], **overrides.pop("ctx", {})}
    options.update(overrides, ctx=ctx)
    return Worker(**options)


def run_arq_worker(settings: Settings) -> None:
    build_worker(settings).run()
