#!/usr/bin/env python3
"""PostgreSQL's own CPU per booking, measured serially on one connection.

    uv run python bench/run.py --only none --keep --db booking_prof   # build a database
    BENCH_DB=booking_prof uv run python bench/pg_booking_cost.py      # then measure

Sends the booking path's two statements (``appointments/repository_pg.py``: the context read and
the ``INSERT … WITH`` write, with the three job rows of a booking made a day or more ahead
where no webhook endpoint subscribes: two reminders and the specialist's notice) for
2,000 distinct slots and reads the backend process's CPU time from /proc, so the figure
excludes contention between concurrent writers (compare with the benchmark's "PG CPU
ms/req"). The tables are emptied before and after.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import sys
import time
from pathlib import Path

import asyncpg

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
from booking_api.appointments.repository_pg import CONTEXT_SQL, NEW_ID, WRITE_SQL  # noqa: E402

N = 2000
TZ = dt.timezone(dt.timedelta(hours=3))


def backend_cpu(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().split(")")[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def main() -> None:
    url = "postgresql://postgres@127.0.0.1:5432/" + os.environ.get("BENCH_DB", "booking_prof")
    conn = await asyncpg.connect(url)
    await conn.execute("DELETE FROM booking_job")
    await conn.execute("DELETE FROM booking_appointment")
    await conn.execute("VACUUM ANALYZE booking_appointment")
    await conn.execute("VACUUM ANALYZE booking_job")
    pid = await conn.fetchval("SELECT pg_backend_pid()")
    specialist, service = await conn.fetchrow(
        "SELECT specialist_id, id FROM booking_service ORDER BY id LIMIT 1"
    )
    client, user = await conn.fetchrow(
        "SELECT id, user_id FROM booking_client WHERE user_id IS NOT NULL ORDER BY id LIMIT 1"
    )
    first = dt.date.today() + dt.timedelta(days=3)
    cpu, wall, mine = backend_cpu(pid), time.perf_counter(), time.process_time()
    for i in range(N):
        day, hour = first + dt.timedelta(days=i // 10), 8 + i % 10
        start, end = dt.time(hour), dt.time(hour, 30)
        midnight = dt.datetime.combine(day, dt.time(0), TZ)
        row = await conn.fetchrow(
            CONTEXT_SQL,
            user,
            client,
            service,
            specialist,
            day.weekday(),
            day - dt.timedelta(days=1),
            day + dt.timedelta(days=1),
            midnight,
            midnight + dt.timedelta(days=1),
            dt.datetime.combine(day, start),
            dt.datetime.combine(day, end),
            dt.datetime.now(dt.UTC),
        )
        assert row["service_id"] is not None
        now = dt.datetime.now(dt.UTC)
        jobs = [  # the write statement puts the id it draws in place of NEW_ID
            ("reminder", f"r24:{NEW_ID}"),
            ("reminder", f"r2:{NEW_ID}"),
            ("notice", f"n:{NEW_ID}"),
        ]
        await conn.fetchval(
            WRITE_SQL,
            day, start, end, "pending", now, client, service, specialist, 0, 0,
            [k for k, _ in jobs], [json.dumps({"appointment_id": NEW_ID})] * len(jobs),
            [now] * len(jobs), [key for _, key in jobs],
            user, None, "-", "{}", now,
        )  # fmt: skip
    cpu, wall = backend_cpu(pid) - cpu, time.perf_counter() - wall
    mine = time.process_time() - mine
    print(
        f"{N} bookings: {wall / N * 1000:.3f} ms wall, {cpu / N * 1000:.3f} ms backend CPU, "
        f"{mine / N * 1000:.3f} ms client CPU (asyncpg: encoding, decoding, sockets) each"
    )
    await conn.execute("DELETE FROM booking_job")  # its rows are not real jobs: no worker
    await conn.execute("DELETE FROM booking_appointment")  # may ever run them
    await conn.close()


if __name__ == "__main__":
    asyncio.run(main())
