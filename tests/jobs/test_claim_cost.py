"""Claiming due jobs costs the same with 20 or 3,000 of them waiting: the API's poller claims
after every booking, and a claim that read and sorted the whole backlog made bookings slower
round after round as jobs piled up (bench/README.md, migration 0009)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import text

from booking_api.jobs.queue import claim_due, due_ids


def _rows_read(plan: dict) -> int:
    """The most rows any node of a plan produced."""
    children = plan.get("Plans", [])
    return max([plan.get("Actual Rows", 0), *(_rows_read(child) for child in children)])


async def test_a_claim_reads_what_it_takes_not_the_backlog(env) -> None:  # noqa: ANN001
    if env.backend != "postgresql":
        pytest.skip("SQLite's write transactions queue; the plan is PostgreSQL's")
    now = dt.datetime.now(dt.UTC)
    async with env.db.write_engine.begin() as conn:
        await conn.execute(
            text(
                "INSERT INTO booking_job (kind, payload, run_at, status, attempts, dedupe_key, "
                "created_at) SELECT 'specialist_notice', '{}', "
                "CAST(:now AS timestamptz) - g * interval '1 ms', "
                "'queued', 0, 'backlog-' || g, :now FROM generate_series(1, 3000) g"
            ),
            {"now": now},
        )
        # Statistics as autovacuum keeps them on a live table (without them the planner
        # guesses a handful of rows and may sort whatever it reads: a flaky plan, not ours).
        await conn.execute(text("ANALYZE booking_job"))
        pick = due_ids(now, 20).compile(
            dialect=conn.dialect, compile_kwargs={"literal_binds": True}
        )
    async with env.db.write_engine.begin() as conn:
        raw = (await conn.execute(text(f"EXPLAIN (ANALYZE, FORMAT JSON) {pick}"))).scalar()
    plan = (json.loads(raw) if isinstance(raw, str) else raw)[0]["Plan"]
    assert _rows_read(plan) <= 40, json.dumps(plan)[:2000]  # 20 due + 20 expired at most
    claimed = await claim_due(env.db, "w1", now=now, limit=20)
    assert len(claimed) == 20
    assert [job.run_at for job in claimed] == sorted(job.run_at for job in claimed)
    oldest = now - dt.timedelta(milliseconds=3000)
    assert abs((claimed[0].run_at - oldest).total_seconds()) < 0.001  # the oldest first
