#!/usr/bin/env python3
"""In-process look at one request type: SQL statements per request, time per request, cProfile.

    cd /work/main && uv run python bench/run.py --only none --keep     # leaves booking_bench
    uv run python bench/inproc.py                                     # all routes, counts
    uv run python bench/inproc.py --profile /api/services/ -n 2000    # cProfile one route
    uv run python bench/inproc.py --patch no_auth_get ...             # try a local change

It drives the ASGI app directly through httpx (no sockets, no wrk), with one connection pool
of the usual size, so the figures are per-request CPU cost of the Python side plus PostgreSQL
round trips, sequentially. ``--patch`` applies an experiment to the *imported copy* of the app
(monkeypatching at runtime); the source tree is never changed.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import datetime as dt
import io
import json
import os
import pstats
import statistics
import time
from zoneinfo import ZoneInfo

os.environ.setdefault(
    "DATABASE_URL",
    "postgresql://postgres@127.0.0.1:5432/" + os.environ.get("BENCH_DB", "booking_bench"),
)
os.environ.setdefault("SECRET_KEY", "bench-secret-key-0123456789-abcdefghijklmnop")
os.environ.setdefault("PASSWORD_HASH_ITERATIONS", "1000")
os.environ.setdefault("ACCESS_TOKEN_LIFETIME_MINUTES", "240")
os.environ.setdefault("BOOKING_HORIZON_DAYS", "1200")
os.environ.setdefault("THROTTLE_BOOKING", "")  # measure booking, not the rate limit
os.environ.setdefault("THROTTLE_AUTH", "")

import httpx  # noqa: E402
from sqlalchemy import event  # noqa: E402

PATCHES = {}


def patch(fn):
    PATCHES[fn.__name__] = fn
    return fn


@patch
def no_auth_get() -> None:
    """Experiment: do not query auth_user on every authenticated request (cache by user id)."""
    from booking_api.api import deps

    original = deps.authenticate
    cache: dict[str, object] = {}

    async def authenticate(request):  # type: ignore[no-untyped-def]
        header = request.headers.get("authorization")
        if header and header in cache:
            request.state.user_id = cache[header].id
            return cache[header]
        user = await original(request)
        if header and user is not None:
            cache[header] = user
        return user

    deps.authenticate = authenticate


APP_PATCHES = {}


def app_patch(fn):
    APP_PATCHES[fn.__name__] = fn
    return fn


@app_patch
def autocommit_reads(app) -> None:  # type: ignore[no-untyped-def]
    """Experiment: GET sessions without BEGIN/ROLLBACK (AUTOCOMMIT): 2 round trips fewer."""
    from sqlalchemy.ext.asyncio import async_sessionmaker

    db = app.state.db
    engine = db.read_engine.execution_options(isolation_level="AUTOCOMMIT")
    db.read_sessions = async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


async def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--profile", default=None, help="path to cProfile (GET), or 'book'")
    ap.add_argument("-n", type=int, default=300, help="requests per route")
    ap.add_argument(
        "--patch", action="append", default=[], choices=sorted({**PATCHES, **APP_PATCHES})
    )
    ap.add_argument("--top", type=int, default=30)
    ap.add_argument("--sql", action="store_true", help="print the statements of one request")
    ap.add_argument(
        "--jobs",
        action="store_true",
        help="book -n appointments (no job runs meanwhile), then run the jobs they left due: "
        "CPU ms and SQL statements per job, by kind (with --profile jobs: cProfile of that run)",
    )
    args = ap.parse_args()
    for name in args.patch:
        if name in PATCHES:
            PATCHES[name]()

    from booking_api.app import create_app
    from booking_api.core.config import get_settings

    app = create_app(get_settings())
    for name in args.patch:
        if name in APP_PATCHES:
            APP_PATCHES[name](app)
    db = app.state.db
    counter = {"n": 0}

    statements: list[str] = []

    @event.listens_for(db.write_engine.sync_engine, "before_cursor_execute")
    def _count(_conn, _cursor, statement, *_a):  # type: ignore[no-untyped-def]
        counter["n"] += 1
        statements.append(" ".join(statement.split())[:150])

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
        r = await client.post(
            "/api/token/", json={"username": "bench", "password": "bench-pass-123"}
        )
        token = r.json()["access"]
        auth = {"Authorization": f"Bearer {token}"}
        specialists = (await client.get("/api/specialists/")).json()
        services = (await client.get("/api/services/")).json()
        tz = ZoneInfo("Europe/Moscow")
        today = dt.datetime.now(tz).date()
        sp = specialists[0]
        workdays = {s["day_of_week"] for s in sp["schedules"]}
        day = next(
            today + dt.timedelta(days=i)
            for i in range(1, 8)
            if (today + dt.timedelta(days=i)).weekday() in workdays
        )
        svc = next(s for s in services if s["specialist"] == sp["id"])
        routes = {
            "/api/services/": "/api/services/",
            "/api/specialists/": "/api/specialists/",
            "/api/categories/": "/api/categories/",
            "available_slots": f"/api/specialists/{sp['id']}/available_slots/?date={day}",
            "available_slots+service": (
                f"/api/specialists/{sp['id']}/available_slots/?date={day}&service={svc['id']}"
            ),
            "nearest ?service": f"/api/slots/nearest/?service={svc['id']}&limit=5",
            "nearest ?category_id": f"/api/slots/nearest/?category_id={svc['category']}&limit=5",
            "available_days": f"/api/specialists/{sp['id']}/available_days/?service={svc['id']}"
            f"&month={today:%Y-%m}",
            "/api/services/ (with token)": "/api/services/",
            "appointments (token)": "/api/appointments/?page_size=20",
        }

        from run import PG, Catalogue  # bench/run.py

        pg = PG("127.0.0.1", 5432, "postgres", os.environ.get("BENCH_DB", "booking_bench"))
        cat = Catalogue(pg)
        if args.jobs:  # a clean slate: the bodies below are the same slots every time
            pg.run("DELETE FROM booking_appointment")
            pg.run("DELETE FROM booking_job")
        bodies = iter(cat.booking_bodies(today + dt.timedelta(days=300), max(400, args.n)))

        async def one(name: str) -> httpx.Response:
            if name == "book":
                return await client.post(
                    "/api/appointments/",
                    content=next(bodies),
                    headers={**auth, "Content-Type": "application/json"},
                )
            headers = auth if "token" in name else None
            return await client.get(routes[name], headers=headers)

        if args.jobs:
            await run_jobs(db, app, one, counter, statements, args)
        elif args.profile:
            name = (
                args.profile
                if args.profile == "book"
                else next(
                    (k for k, v in routes.items() if k == args.profile or v == args.profile),
                    args.profile,
                )
            )
            for _ in range(50):
                await one(name)
            prof = cProfile.Profile()
            t0 = time.perf_counter()
            prof.enable()
            for _ in range(args.n):
                await one(name)
            prof.disable()
            elapsed = time.perf_counter() - t0
            print(
                f"{name}: {args.n} requests, {elapsed / args.n * 1000:.2f} ms each (under cProfile)"
            )
            out = io.StringIO()
            stats = pstats.Stats(prof, stream=out).sort_stats("cumulative")
            stats.print_stats(args.top)
            stats.sort_stats("tottime").print_stats(args.top)
            if os.environ.get("PROFILE_CALLERS"):
                stats.print_callers(os.environ["PROFILE_CALLERS"])
            print(out.getvalue())
        else:
            print(
                f"{'route':32} {'status':>6} {'SQL/req':>8} {'wall ms (median)':>17} "
                f"{'CPU ms/req':>11}"
            )
            for name in [*routes, "book"]:
                times, counts, status = [], [], None
                cpu0 = 0.0
                for i in range(args.n + 20):
                    if i == 20:
                        cpu0 = time.process_time()
                    before = counter["n"]
                    t0 = time.perf_counter()
                    resp = await one(name)
                    if i >= 20:
                        times.append((time.perf_counter() - t0) * 1000)
                        counts.append(counter["n"] - before)
                    status = resp.status_code
                cpu = (time.process_time() - cpu0) * 1000 / args.n
                print(
                    f"{name:32} {status:>6} {statistics.median(counts):>8} "
                    f"{statistics.median(times):>17.2f} {cpu:>11.2f}"
                )
                if args.sql:
                    statements.clear()
                    await one(name)
                    for st in statements:
                        print("      SQL:", st)
                if status >= 400:
                    print("   ", json.dumps(resp.json(), ensure_ascii=False)[:200])
    await db.dispose()


async def run_jobs(db, app, one, counter, statements, args) -> None:  # type: ignore[no-untyped-def]
    """The jobs one booking leaves due, run the way the API's poller runs them."""
    from collections import Counter

    from sqlalchemy import func, select

    from booking_api.jobs.runner import run_due
    from booking_api.models import Job

    class Sender:  # the demo's specialists have no Telegram: nothing is sent
        async def send(self, *_a, **_k) -> None:  # type: ignore[no-untyped-def]
            return None

    for _ in range(args.n):
        resp = await one("book")
        assert resp.status_code == 201, resp.text
    async with db.read_sessions() as session:
        due = dict(
            (
                await session.execute(
                    select(Job.kind, func.count())
                    .where(Job.status == "queued", Job.run_at <= func.now())
                    .group_by(Job.kind)
                )
            ).all()
        )
    print(f"{args.n} bookings left due: {due}")
    settings = app.state.settings
    before = counter["n"]
    statements.clear()
    prof = cProfile.Profile() if args.profile == "jobs" else None
    cpu0, t0 = time.process_time(), time.perf_counter()
    if prof:
        prof.enable()
    report = await run_due(db, settings, Sender(), worker_id="bench", max_rounds=10_000)
    if prof:
        prof.disable()
    cpu, wall = time.process_time() - cpu0, time.perf_counter() - t0
    n = report.total
    print(
        f"{n} jobs: {len(report.done)} done, {len(report.skipped)} skipped, "
        f"{len(report.retried)} retried, {len(report.failed)} failed"
    )
    print(
        f"per job: {cpu / n * 1000:.2f} ms CPU, {wall / n * 1000:.2f} ms wall, "
        f"{(counter['n'] - before) / n:.1f} statements; per booking: "
        f"{cpu / args.n * 1000:.2f} ms CPU"
    )
    shapes = Counter(st.split(" WHERE")[0][:90] for st in statements)
    for shape, count in shapes.most_common(12):
        print(f"  {count:6}  {shape}")
    if prof:
        out = io.StringIO()
        stats = pstats.Stats(prof, stream=out).sort_stats("cumulative")
        stats.print_stats(args.top)
        stats.sort_stats("tottime").print_stats(args.top)
        print(out.getvalue())


if __name__ == "__main__":
    asyncio.run(main())
