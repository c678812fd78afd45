#!/usr/bin/env python3
"""How fast the API's own job runner drains a burst of bookings (no Redis, the embedded default).

    uv run python bench/jobs_backlog.py                                   # SQLite file
    uv run python bench/jobs_backlog.py --database postgresql://postgres@127.0.0.1:5432/booking_jobs_bench
    uv run python bench/jobs_backlog.py --job-concurrency 1              # one job at a time

It makes a fresh database (the real migrations, the demo catalogue, a staff account, every
specialist and ``--bookings`` clients with a Telegram id), serves ``booking api`` in a
subprocess with its in-process job runner pointed at a Telegram Bot API stand-in
(``tests/kit/telegram``, served over HTTP in this process, answering each ``sendMessage``
after ``--telegram-delay`` seconds, about a real round trip to Telegram), then books
``--bookings`` appointments through ``POST /api/appointments/`` (``--clients`` at once, one
client per booking) and waits until every job due by the end of the burst is finished.

It reports the burst's booking rate, the jobs run per second (from the first job's due time
to the last one's end) and the lag of each job from its due time (``run_at``) to its end
(``done_at``): median, 95th percentile and max, from the job table itself. A PostgreSQL
database named in ``--database`` is made afresh and dropped at the end. Run from a checkout
from before JOB_CONCURRENCY, it measures the runner that ran these jobs one at a time.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT / "tests")]

import httpx  # noqa: E402
from sqlalchemy import func, select, update  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from booking_api.core.config import Settings  # noqa: E402
from booking_api.core.db import Database  # noqa: E402
from booking_api.core.security import make_password  # noqa: E402
from booking_api.demo import seed_demo  # noqa: E402
from booking_api.migrate import upgrade  # noqa: E402
from booking_api.models import (  # noqa: E402
    Break,
    Client,
    Job,
    Service,
    Specialist,
    SpecialistSchedule,
    User,
)
from kit.telegram import FakeTelegram  # noqa: E402

SECRET = "bench-secret-key-0123456789-abcdefghijklmnop"
TOKEN = "123456:BENCH-TOKEN"
STAFF, PASSWORD = "bench-staff", "bench-pass-123"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def hm(t: dt.time) -> int:
    return t.hour * 60 + t.minute


def fmt(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def pg_admin(url: str, sql: str) -> None:
    u = make_url(url)
    subprocess.run(
        [
            "psql",
            "-h",
            u.host or "127.0.0.1",
            "-p",
            str(u.port or 5432),
            "-U",
            u.username or "postgres",
            "-d",
            "postgres",
            "-v",
            "ON_ERROR_STOP=1",
            "-qc",
            sql,
        ],
        check=True,
        capture_output=True,
    )


async def prepare(settings: Settings, bookings: int) -> list[dict[str, object]]:
    """Migrate, seed, add the staff account and the clients; the booking bodies to send."""
    await upgrade(settings.database_url)
    db = Database.from_settings(settings)
    try:
        async with db.write_sessions() as session:
            await seed_demo(session, settings)
            session.add(
                User(
                    username=STAFF, is_staff=True, password=make_password(PASSWORD, iterations=1000)
                )
            )
            for i in range(bookings):
                session.add(
                    Client(
                        name=f"Bench client {i}", telegram_id=str(700_000_000 + i), language="ru"
                    )
                )
            await session.execute(
                update(Specialist).values(
                    telegram_id=func.cast(Specialist.id + 900_000_000, Specialist.telegram_id.type)
                )
            )
            await session.commit()
        async with db.read_sessions() as session:
            specialists = (
                await session.scalars(
                    select(Specialist.id).where(Specialist.is_active).order_by(Specialist.id)
                )
            ).all()
            hours: dict[int, dict[int, tuple[int, int]]] = {}
            for row in (await session.execute(select(SpecialistSchedule))).scalars():
                hours.setdefault(row.specialist_id, {})[row.day_of_week] = (
                    hm(row.start_time),
                    hm(row.end_time),
                )
            breaks: dict[int, list[tuple[int, int]]] = {}
            for row in (
                await session.execute(select(Break).where(Break.day_of_week.is_(None)))
            ).scalars():
                breaks.setdefault(row.specialist_id, []).append(
                    (hm(row.start_time), hm(row.end_time))
                )
            services: dict[int, tuple[int, int, int, int]] = {}
            for row in (
                await session.execute(select(Service).where(Service.is_active).order_by(Service.id))
            ).scalars():
                best = services.get(row.specialist_id)
                cost = row.duration + row.buffer_before + row.buffer_after
                if best is None or cost < sum(best[1:]):
                    services[row.specialist_id] = (
                        row.id,
                        row.duration,
                        row.buffer_before,
                        row.buffer_after,
                    )
            clients = (
                await session.scalars(
                    select(Client.id).where(Client.name.like("Bench client %")).order_by(Client.id)
                )
            ).all()
    finally:
        await db.dispose()
    bodies: list[dict[str, object]] = []
    first = dt.date.today() + dt.timedelta(days=2)
    day = 0
    while len(bodies) < bookings and day < 1000:
        date = first + dt.timedelta(days=day)
        day += 1
        for sid in specialists:
            span = hours.get(sid, {}).get(date.weekday())
            if not span or sid not in services:
                continue
            svc, dur, before, after = services[sid]
            t = span[0] + before
            while t + dur <= span[1]:
                if any(t < b1 and t + dur > b0 for b0, b1 in breaks.get(sid, [])):
                    t += 15
                    continue
                bodies.append(
                    {
                        "service": svc,
                        "specialist": sid,
                        "date": date.isoformat(),
                        "start_time": fmt(t),
                        "end_time": fmt(t + dur),
                    }
                )
                t += before + dur + after
    # Interleave specialists and days so neighbouring requests rarely share a day.
    bodies.sort(key=lambda b: (b["start_time"], b["date"], b["specialist"]))
    bodies = bodies[:bookings]
    for body, client in zip(bodies, clients, strict=False):
        body["client"] = client
    return bodies


class Api:
    def __init__(self, env: dict[str, str], port: int) -> None:
        self.port = port
        self.log = tempfile.NamedTemporaryFile(
            "w+", prefix="bench-jobs-api-", suffix=".log", delete=False
        )
        self.proc = subprocess.Popen(
            [
                "uv",
                "run",
                "--no-sync",
                "booking",
                "api",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
            ],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def wait_ready(self) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"API exited early, see {self.log.name}")
            try:
                if httpx.get(f"http://127.0.0.1:{self.port}/ready", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        raise RuntimeError(f"API did not become ready, see {self.log.name}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()


async def burst(
    base: str, bodies: list[dict[str, object]], clients: int
) -> tuple[float, int, dict[int, int]]:
    async with httpx.AsyncClient(base_url=base, timeout=60) as http:
        token = (
            await http.post("/api/token/", json={"username": STAFF, "password": PASSWORD})
        ).json()["access"]
        headers = {"Authorization": f"Bearer {token}"}
        statuses: dict[int, int] = {}
        queue = list(reversed(bodies))

        async def one_client() -> None:
            while queue:
                body = queue.pop()
                r = await http.post("/api/appointments/", json=body, headers=headers)
                statuses[r.status_code] = statuses.get(r.status_code, 0) + 1

        start = time.monotonic()
        await asyncio.gather(*(one_client() for _ in range(clients)))
        return time.monotonic() - start, statuses.get(201, 0), statuses


async def drain(settings: Settings, due_by: dt.datetime, patience: float) -> dict[str, object]:
    """Wait until every job due by ``due_by`` is finished; the lag figures from the table."""
    db = Database.from_settings(settings)
    try:
        deadline = time.monotonic() + patience
        while True:
            async with db.read_sessions() as session:
                left = await session.scalar(
                    select(func.count(Job.id)).where(
                        Job.run_at <= due_by, Job.status.in_(["queued", "running"])
                    )
                )
            if not left or time.monotonic() > deadline:
                break
            await asyncio.sleep(0.5)
        async with db.read_sessions() as session:
            rows = (
                await session.execute(
                    select(Job.kind, Job.status, Job.run_at, Job.done_at).where(
                        Job.run_at <= due_by
                    )
                )
            ).all()
    finally:
        await db.dispose()
    finished = [r for r in rows if r.done_at is not None]
    lags = sorted((r.done_at - r.run_at).total_seconds() for r in finished)
    kinds: dict[str, int] = {}
    for r in rows:
        kinds[f"{r.kind}/{r.status}"] = kinds.get(f"{r.kind}/{r.status}", 0) + 1
    span = (
        (max(r.done_at for r in finished) - min(r.run_at for r in finished)).total_seconds()
        if finished
        else 0
    )
    return {
        "jobs": len(rows),
        "finished": len(finished),
        "unfinished": int(left or 0),
        "kinds": kinds,
        "jobs_per_s": round(len(finished) / span, 1) if span else None,
        "lag_median_s": round(statistics.median(lags), 2) if lags else None,
        "lag_p95_s": round(lags[int(0.95 * (len(lags) - 1))], 2) if lags else None,
        "lag_max_s": round(lags[-1], 2) if lags else None,
    }


def main() -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument(
        "--database", help="PostgreSQL URL (made afresh, dropped after); default a SQLite file"
    )
    ap.add_argument("--bookings", type=int, default=1000)
    ap.add_argument("--clients", type=int, default=16, help="bookings sent at once")
    ap.add_argument("--telegram-delay", type=float, default=0.05, help="seconds per sendMessage")
    ap.add_argument(
        "--job-concurrency", type=int, help="JOB_CONCURRENCY for the API (default: its own)"
    )
    ap.add_argument("--timeout", type=float, default=1800, help="seconds to wait for the drain")
    ap.add_argument("--json", help="also write the result to this file")
    args = ap.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="bench-jobs-"))
    if args.database:
        url = args.database
        name = make_url(url).database
        pg_admin(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        pg_admin(url, f'CREATE DATABASE "{name}"')
    else:
        url = f"sqlite+aiosqlite:///{tmp / 'bench.sqlite3'}"
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "SECRET_KEY": SECRET,
        "ENVIRONMENT": "production" if args.database else "development",
        "DEBUG": "false",
        "PASSWORD_HASH_ITERATIONS": "1000",
        "BOOKING_HORIZON_DAYS": "1200",
        "THROTTLE_BOOKING": "",
        "THROTTLE_AUTH": "",
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "LOG_LEVEL": "WARNING",
        "MEDIA_ROOT": str(tmp / "media"),
    }
    env.pop("REDIS_URL", None)
    if args.job_concurrency is not None:
        env["JOB_CONCURRENCY"] = str(args.job_concurrency)
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=url,
        secret_key=SECRET,
        password_hash_iterations=1000,
        booking_horizon_days=1200,
        media_root=tmp / "media",
    )
    bodies = asyncio.run(prepare(settings, args.bookings))

    telegram = FakeTelegram()
    telegram.start()
    plain = telegram._handlers["sendmessage"]

    async def slow_send(params: dict[str, object]) -> object:
        await asyncio.sleep(args.telegram_delay)
        return plain(params)

    telegram._handlers["sendmessage"] = slow_send
    env["TELEGRAM_API_URL"] = telegram.base_url
    api = Api(env, free_port())
    try:
        api.wait_ready()
        seconds, booked, statuses = asyncio.run(
            burst(f"http://127.0.0.1:{api.port}", bodies, args.clients)
        )
        due_by = dt.datetime.now(dt.UTC)
        start = time.monotonic()
        result = asyncio.run(drain(settings, due_by, args.timeout))
        result.update(
            database="postgresql" if args.database else "sqlite",
            bookings=booked,
            statuses={str(k): v for k, v in statuses.items()},
            booking_per_s=round(booked / seconds, 1),
            burst_s=round(seconds, 1),
            drain_after_burst_s=round(time.monotonic() - start, 1),
            telegram_messages=len(telegram.calls_of("sendMessage")),
            telegram_delay_s=args.telegram_delay,
            job_concurrency=args.job_concurrency,
        )
    finally:
        api.stop()
        telegram.stop()
        if args.database:
            pg_admin(url, f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)')
    print(json.dumps(result, indent=2, ensure_ascii=False))
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
