"""The job queue's statements on PostgreSQL, sent straight to asyncpg.

The queue is the API's busiest writer after bookings themselves: every booking leaves two jobs
due at once (the specialist's notice, the webhook event), and the runner claims, then finishes,
each of them. Built through SQLAlchemy, a claim cost about 3 ms of Python even when nothing was
due (its UNION of two locked subqueries is rebuilt and its cache key computed on every call),
and each finish a write session of its own (about 1 ms and three round trips). Here each is one
prepared statement in autocommit: a claim, a whole batch of finishes, the next due time.

They mean exactly what :mod:`.queue`'s portable statements mean (SQLite uses those); the tests
of the queue run on both databases.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import orjson

from booking_api.core.db import Database
from booking_api.core.driver import driver_fetch

# Queued and due, or running past its lease; each branch read in the index's order
# (booking_job_due: status, run_at, id) and stopped after the limit (see queue.due_ids).
# SET expressions see the row as it was: a running row is one whose lease expired.
_CLAIM = """
WITH queued AS (
    SELECT id, run_at FROM booking_job
     WHERE {key}status = 'queued' AND run_at <= $1
     ORDER BY run_at, id LIMIT $2 FOR UPDATE SKIP LOCKED
), expired AS (
    SELECT id, run_at FROM booking_job
     WHERE {key}status = 'running' AND locked_until < $1
     ORDER BY run_at, id LIMIT $2 FOR UPDATE SKIP LOCKED
), due AS (SELECT * FROM queued UNION ALL SELECT * FROM expired),
picked AS (SELECT id FROM due ORDER BY run_at, id LIMIT $2)
UPDATE booking_job AS j
   SET status = 'running', locked_by = $3, locked_until = $4, attempts = j.attempts + 1,
       last_error = CASE WHEN j.status = 'running'
                         THEN $5 || coalesce(j.locked_by, '?') || ')' ELSE j.last_error END
  FROM picked
 WHERE j.id = picked.id
RETURNING j.id, j.kind, j.payload, j.run_at, j.attempts, j.dedupe_key, j.last_error
"""
CLAIM_SQL = _CLAIM.format(key="")
CLAIM_KEY_SQL = _CLAIM.format(key="dedupe_key = $6 AND ")  # one job (an arq wake-up)

# Fenced by locked_by: a row whose lease another worker took over is not marked twice.
FINISH_SQL = """
UPDATE booking_job AS j
   SET status = f.status, done_at = $4, locked_until = NULL, last_error = f.error
  FROM unnest($1::int[], $2::text[], $3::text[]) AS f(id, status, error)
 WHERE j.id = f.id AND j.status = 'running' AND j.locked_by = $5
RETURNING j.id
"""

NEXT_RUN_AT_SQL = "SELECT min(run_at) FROM booking_job WHERE status = 'queued'"


def _payload(value: Any) -> dict[str, Any]:
    if isinstance(value, str):  # asyncpg hands json over as text unless told otherwise
        return orjson.loads(value) or {}
    return value or {}


async def claim(
    db: Database,
    worker_id: str,
    *,
    now: dt.datetime,
    limit: int,
    locked_until: dt.datetime,
    recovered_prefix: str,
    dedupe_key: str | None,
) -> list[tuple[Any, ...]]:
    """Claimed rows as ``(id, kind, payload, run_at, attempts, dedupe_key, last_error)``."""
    args: list[Any] = [now, limit, worker_id, locked_until, recovered_prefix]
    sql = CLAIM_SQL
    if dedupe_key is not None:
        sql, args = CLAIM_KEY_SQL, [*args, dedupe_key]
    rows = await driver_fetch(db.write_engine, sql, *args)
    return [(r[0], r[1], _payload(r[2]), r[3], r[4], r[5], r[6]) for r in rows]


async def finish_many(
    db: Database,
    done: Sequence[tuple[int, str, str | None]],
    worker_id: str,
    *,
    now: dt.datetime,
) -> set[int]:
    """Mark ``(id, status, error)`` rows finished in one statement; the ids it could mark."""
    ids, statuses, errors = zip(*done, strict=True) if done else ((), (), ())
    rows = await driver_fetch(
        db.write_engine, FINISH_SQL, list(ids), list(statuses), list(errors), now, worker_id
    )
    return {r[0] for r in rows}


async def next_run_at(db: Database) -> dt.datetime | None:
    rows = await driver_fetch(db.read_engine, NEXT_RUN_AT_SQL)
    return rows[0][0] if rows else None
