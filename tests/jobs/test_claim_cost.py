"""A claim from a long backlog takes the oldest due jobs, in order, and only as many as asked.

The cost side (the claim reading its limit in index order, not the whole backlog: migration
0011, bench/README.md) is measured by the benchmark, not here: on an analysed table the
planner reads only the limit with the old index too, and on a fresh one its plan is a guess,
so a plan assertion here could not tell the old code from the new."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import text

from booking_api.jobs.queue import claim_due


async def test_a_claim_takes_the_oldest_due_jobs_of_a_backlog(env) -> None:  # noqa: ANN001
    if env.backend != "postgresql":
        pytest.skip("the backlog is inserted with PostgreSQL's generate_series")
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
    claimed = await claim_due(env.db, "w1", now=now, limit=20)
    assert len(claimed) == 20
    assert [job.run_at for job in claimed] == sorted(job.run_at for job in claimed)
    oldest = now - dt.timedelta(milliseconds=3000)
    assert abs((claimed[0].run_at - oldest).total_seconds()) < 0.001  # the oldest first
