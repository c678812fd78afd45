"""Claiming and finishing job rows: the part that makes "exactly once" hold.

A worker *claims* due rows in one statement: ``status`` becomes ``running`` with
``locked_by`` = the worker and a lease ``locked_until``. PostgreSQL picks rows with
``FOR UPDATE SKIP LOCKED`` so concurrent workers never claim the same row; on SQLite the
write transaction (``BEGIN IMMEDIATE``) serialises claimers. A row whose lease ran out
(its worker died mid-job) is due again and is claimed by the next worker, with a log line.

Finishing is fenced by ``locked_by``: a worker whose lease was taken over cannot mark the
row done a second time. The runner finishes jobs in batches (:func:`finish_many`).

On PostgreSQL the claim, the finishes and the next due time are plain SQL sent to asyncpg
(:mod:`.queue_pg`, the same meaning as the statements here, which SQLite runs).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, and_, case, func, literal, select, union_all, update

from booking_api.core.db import Database
from booking_api.jobs import queue_pg
from booking_api.jobs.outbox import utcnow
from booking_api.models import Job

log = logging.getLogger("booking_api.jobs")


_RECOVERED = "lease expired (held by "


@dataclass(frozen=True)
class ClaimedJob:
    id: int
    kind: str
    payload: dict[str, Any]
    run_at: dt.datetime
    attempts: int
    dedupe_key: str
    recovered: str | None  # set when the previous holder's lease expired


def due_ids(now: dt.datetime, limit: int, dedupe_key: str | None = None) -> Select[Any]:
    """The ids of up to ``limit`` jobs to claim at ``now``, oldest ``run_at`` first: queued
    and due, or running past their lease; locked (``SKIP LOCKED``) on PostgreSQL.

    Each kind is read in the index's order (``booking_job_due``: status, run_at, id) and
    stops after ``limit`` rows: one OR over both made PostgreSQL gather and sort every due
    row at each claim, a cost that grew with the backlog (16 ms of database CPU per claim at
    8,000 due jobs; migration 0009), and the API's poller claims after every booking."""
    branches = []
    for due in (
        and_(Job.status == "queued", Job.run_at <= now),
        and_(Job.status == "running", Job.locked_until < now),
    ):
        branch = select(Job.id, Job.run_at).where(due)
        if dedupe_key is not None:
            branch = branch.where(Job.dedupe_key == dedupe_key)
        rows = branch.order_by(Job.run_at, Job.id).limit(limit)
        rows = rows.with_for_update(skip_locked=True).subquery()
        branches.append(select(rows.c.id, rows.c.run_at))
    both = union_all(*branches).subquery()
    return select(both.c.id).order_by(both.c.run_at, both.c.id).limit(limit)


async def _claim(
    db: Database,
    worker_id: str,
    now: dt.datetime,
    limit: int,
    locked_until: dt.datetime,
    dedupe_key: str | None,
) -> Sequence[Any]:
    pick = due_ids(now, limit, dedupe_key)
    # SET expressions see the row as it was: a running row is one whose lease expired.
    recovered = literal(_RECOVERED) + func.coalesce(Job.locked_by, "?") + literal(")")
    stmt = (
        update(Job)
        .where(Job.id.in_(pick))
        .values(
            status="running",
            locked_by=worker_id,
            locked_until=locked_until,
            attempts=Job.attempts + 1,
            last_error=case((Job.status == "running", recovered), else_=Job.last_error),
        )
        .returning(
            Job.id, Job.kind, Job.payload, Job.run_at, Job.attempts, Job.dedupe_key, Job.last_error
        )
        .execution_options(synchronize_session=False)
    )
    async with db.write_sessions() as session:
        rows = (await session.execute(stmt)).all()
        await session.commit()
    return rows


async def claim_due(
    db: Database,
    worker_id: str,
    *,
    now: dt.datetime | None = None,
    limit: int = 20,
    lease_seconds: int = 120,
    dedupe_key: str | None = None,
) -> list[ClaimedJob]:
    """Atomically take up to ``limit`` due jobs for ``worker_id`` (oldest ``run_at`` first)."""
    now = now or utcnow()
    locked_until = now + dt.timedelta(seconds=lease_seconds)
    if db.dialect == "postgresql":
        rows: Sequence[Any] = await queue_pg.claim(
            db,
            worker_id,
            now=now,
            limit=limit,
            locked_until=locked_until,
            recovered_prefix=_RECOVERED,
            dedupe_key=dedupe_key,
        )
    else:
        rows = await _claim(db, worker_id, now, limit, locked_until, dedupe_key)
    jobs = [
        ClaimedJob(
            r[0],
            r[1],
            r[2] or {},
            r[3],
            r[4],
            r[5],
            r[6] if (r[6] or "").startswith(_RECOVERED) else None,
        )
        for r in rows
    ]
    jobs.sort(key=lambda j: (j.run_at, j.id))
    for job in jobs:
        if job.recovered:
            log.warning(
                "job %s %s (%s): %s; retrying (attempt %s)",
                job.id,
                job.kind,
                job.dedupe_key,
                job.recovered,
                job.attempts,
            )
    return jobs


async def finish_many(
    db: Database,
    outcomes: Sequence[tuple[ClaimedJob, str, str | None]],
    worker_id: str,
    *,
    now: dt.datetime | None = None,
) -> list[ClaimedJob]:
    """Mark claimed jobs ``(job, status, error)`` finished, all in one transaction (one
    statement on PostgreSQL); the jobs marked. A job whose lease was lost meanwhile (another
    worker took it over) is left to that worker, with a warning."""
    if not outcomes:
        return []
    now = now or utcnow()
    if db.dialect == "postgresql":
        rows = [(job.id, status, error) for job, status, error in outcomes]
        marked = await queue_pg.finish_many(db, rows, worker_id, now=now)
    else:
        marked = await _finish_grouped(db, outcomes, worker_id, now)
    for job, status, _error in outcomes:
        if job.id not in marked:
            log.warning(
                "job %s %s: lease lost before it could be marked %s", job.id, job.kind, status
            )
    return [job for job, _status, _error in outcomes if job.id in marked]


async def _finish_grouped(
    db: Database,
    outcomes: Sequence[tuple[ClaimedJob, str, str | None]],
    worker_id: str,
    now: dt.datetime,
) -> set[int]:
    """One UPDATE per (status, error) of the batch (mostly one or two), in one transaction."""
    groups: dict[tuple[str, str | None], list[int]] = {}
    for job, status, error in outcomes:
        groups.setdefault((status, error), []).append(job.id)
    marked: set[int] = set()
    async with db.write_sessions() as session:
        for (status, error), ids in groups.items():
            stmt = (
                update(Job)
                .where(Job.id.in_(ids), Job.status == "running", Job.locked_by == worker_id)
                .values(status=status, done_at=now, locked_until=None, last_error=error)
                .returning(Job.id)
                .execution_options(synchronize_session=False)
            )
            marked.update((await session.execute(stmt)).scalars())
        await session.commit()
    return marked


async def retry_later(
    db: Database,
    job: ClaimedJob,
    worker_id: str,
    *,
    delay: float,
    error: str,
    now: dt.datetime | None = None,
    not_tried: bool = False,
) -> bool:
    """Put a claimed job back in the queue to run ``delay`` seconds from ``now``;
    ``not_tried``: it did not run (its claim does not count as an attempt)."""
    now = now or utcnow()
    stmt = (
        update(Job)
        .where(Job.id == job.id, Job.status == "running", Job.locked_by == worker_id)
        .values(
            status="queued",
            run_at=now + dt.timedelta(seconds=delay),
            locked_by=None,
            locked_until=None,
            last_error=error[:2000],
            attempts=Job.attempts - 1 if not_tried else Job.attempts,
        )
        .execution_options(synchronize_session=False)
    )
    async with db.write_sessions() as session:
        result = await session.execute(stmt)
        await session.commit()
    return bool(result.rowcount)


async def next_run_at(db: Database) -> dt.datetime | None:
    """When the next queued job is due (for the poller's sleep)."""
    if db.dialect == "postgresql":
        return await queue_pg.next_run_at(db)
    async with db.read_sessions() as session:
        return await session.scalar(select(func.min(Job.run_at)).where(Job.status == "queued"))
