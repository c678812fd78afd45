"""Which runtime runs the jobs: inside the API process or as ``booking worker``.

* **The API's lifespan** (:func:`api_jobs_runtime`): without Redis (the embedded default) the
  in-process poller of :mod:`.runner`; with ``REDIS_URL`` only arq wake-ups
  (:mod:`.arq_worker`), a ``booking worker`` running the jobs.
* **``booking worker``** (:func:`run_worker`): the arq worker with ``REDIS_URL``, else the
  same database poller as the API's.

Both runtimes sit on top of :mod:`.runner` and :mod:`.arq_worker`, which import none of this.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from booking_api.core.config import Settings, get_settings
from booking_api.core.db import Database
from booking_api.jobs import arq_worker
from booking_api.jobs.outbox import set_waker
from booking_api.jobs.runner import InProcessPoller, new_worker_id
from booking_common.logging import configure_logging, register_secret

log = logging.getLogger("booking_api.jobs")


def runs_in_process(settings: Settings) -> bool:
    if settings.run_jobs_in_process is not None:
        return settings.run_jobs_in_process
    return not settings.redis_url


@contextlib.asynccontextmanager
async def api_jobs_runtime(db: Database, settings: Settings) -> AsyncIterator[None]:
    """For the API's lifespan: the in-process poller, or arq wake-ups when Redis is set."""
    poller: InProcessPoller | None = None
    pool = None
    previous = None
    if runs_in_process(settings):
        poller = InProcessPoller(db, settings)
        await poller.start()
    elif settings.redis_url:
        try:
            pool = await arq_worker.connect(settings)
            previous = set_waker(arq_worker.make_waker(pool, settings))
        except Exception:  # noqa: BLE001 - the worker's cron still picks the jobs up
            log.warning(
                "jobs: Redis at REDIS_URL is unreachable; `booking worker` will pick "
                "jobs up on its next poll",
                exc_info=True,
            )
    try:
        yield
    finally:
        if poller is not None:
            await poller.stop()
        if pool is not None:
            set_waker(previous)
            await pool.aclose()


async def _run_db_worker(settings: Settings) -> None:
    db = Database.from_settings(settings)
    poller = InProcessPoller(db, settings)
    poller.worker_id = new_worker_id("worker")
    await poller.start()
    try:
        await asyncio.Event().wait()
    finally:
        await poller.stop()
        await db.dispose()


def configure_worker_logging(settings: Settings) -> logging.Handler:
    """Structured lines with secrets redacted, as the API's: httpx logs every request's URL,
    and Telegram URLs carry the bot token."""
    handler = configure_logging(settings.log_level, settings.log_format)
    register_secret(
        settings.secret_key,
        settings.telegram_bot_token,
        settings.encryption_key,
        settings.encryption_old_keys,
    )
    return handler


def run_worker(settings: Settings | None = None) -> None:
    """``booking worker``: arq on Redis when REDIS_URL is set, else a database poller."""
    settings = settings or get_settings()
    configure_worker_logging(settings)
    if settings.is_sqlite:
        from booking_api.migrate import upgrade_sync  # alembic: only for this one call

        upgrade_sync(settings.database_url)
    if settings.redis_url:
        arq_worker.run_arq_worker(settings)
    else:
        log.info("REDIS_URL is not set: running jobs from the database table")
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(_run_db_worker(settings))
