#!/usr/bin/env python3
"""Webhook deliveries per second: events through the outbox to a real receiver.

    uv run python bench/webhook_deliveries.py                        # SQLite file, 1 worker
    uv run python bench/webhook_deliveries.py --workers 4 \\
        --database postgresql://postgres@127.0.0.1:5432/booking_webhook_bench

Each run books ``--events`` appointments with their ``appointment.created`` event (rows
written as the booking paths write them: the appointment and its outbox jobs), then starts
the clock and lets ``--workers`` job workers (``booking_api.jobs.runner.run_due``, as
``booking worker`` runs it, each with its own worker id, in one process) work until every
event was acknowledged by the receiver — a threaded HTTP server on 127.0.0.1 verifying each
signature with the ``standardwebhooks`` library. The figure counts the whole pipeline per
event: the fan-out job, the delivery attempt (address check, signing, the POST, the attempt
log) and the booking's other jobs (the specialist's notice), with every job claimed and
finished as in production. ``--concurrency`` sets WEBHOOK_CONCURRENCY (delivery attempts a
worker runs at once); ``--receiver-delay`` makes the receiver take that long to answer, as
one on the internet does. The median of ``--runs`` runs is reported (and written to
bench/results/ with ``--save``). A PostgreSQL database named in ``--database`` is made
afresh and dropped at the end. Run from a checkout from before WEBHOOK_CONCURRENCY, it
measures the runner that ran every job one at a time.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT / "tests")]

from sqlalchemy import delete, func, select  # noqa: E402

from booking_api.core.config import Settings  # noqa: E402
from booking_api.core.db import Database  # noqa: E402
from booking_api.jobs.outbox import enqueue_spec, new_booking_jobs  # noqa: E402
from booking_api.jobs.runner import run_due  # noqa: E402
from booking_api.migrate import upgrade  # noqa: E402
from booking_api.models import (  # noqa: E402
    Appointment,
    Client,
    Job,
    Service,
    Specialist,
    SpecialistSchedule,
)
from booking_api.webhooks import events, hooks, sender  # noqa: E402
from booking_api.webhooks.models import (  # noqa: E402
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
)
from kit.webhook_receiver import Receiver  # noqa: E402


class NoTelegram:
    async def send(self, *args: object, **kwargs: object) -> None:
        raise AssertionError("no Telegram in the benchmark")


async def fresh_pg(url: str) -> None:
    import asyncpg

    base, name = url.rsplit("/", 1)
    conn = await asyncpg.connect(f"{base}/postgres")
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()


async def drop_pg(url: str) -> None:
    import asyncpg

    base, name = url.rsplit("/", 1)
    conn = await asyncpg.connect(f"{base}/postgres")
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


async def catalogue(db: Database) -> tuple[int, int, int]:
    async with db.write_sessions() as session:
        specialist = Specialist(name="Bench", specialization="", description="", city="Казань")
        client = Client(name="Bench client", city="Казань")
        session.add_all([specialist, client])
        await session.flush()
        session.add_all(
            SpecialistSchedule(
                specialist_id=specialist.id,
                day_of_week=d,
                start_time=dt.time(0),
                end_time=dt.time(23, 59),
            )
            for d in range(7)
        )
        service = Service(
            name="Bench",
            description="",
            price=Decimal("1"),
            duration=5,
            specialist_id=specialist.id,
        )
        session.add(service)
        await session.commit()
        return specialist.id, service.id, client.id


async def book(db: Database, settings: Settings, ids: tuple[int, int, int], n: int) -> None:
    """``n`` appointments and their outbox jobs, as the booking paths write them."""
    specialist_id, service_id, client_id = ids
    now = dt.datetime.now(dt.UTC)
    async with db.write_sessions() as session:
        await session.execute(delete(Appointment))
        for i in range(n):
            start = dt.datetime.combine(dt.date.today(), dt.time(0)) + dt.timedelta(
                days=30 + i // 200, minutes=5 * (i % 200)
            )
            appointment = Appointment(
                date=start.date(),
                start_time=start.time(),
                end_time=(start + dt.timedelta(minutes=5)).time(),
                status="pending",
                client_id=client_id,
                service_id=service_id,
                specialist_id=specialist_id,
            )
            session.add(appointment)
            await session.flush()
            for job in new_booking_jobs(
                settings, appointment.id, start.date(), start.time(), now=now
            ):
                if job.kind != "reminder":  # not due for days: they would not run anyway
                    await enqueue_spec(session, job)
        await session.commit()


async def one_run(
    db: Database, settings: Settings, receiver: Receiver, n: int, workers: int
) -> float:
    started = time.perf_counter()

    async def worker(name: str) -> None:
        while True:
            report = await run_due(db, settings, NoTelegram(), worker_id=name, limit=50)
            if not report.total:
                return

    await asyncio.gather(*(worker(f"bench-{w}") for w in range(workers)))
    elapsed = time.perf_counter() - started
    async with db.read_sessions() as session:
        done = await session.scalar(
            select(func.count()).where(WebhookDelivery.status == "succeeded")
        )
    acknowledged = receiver.acknowledged()
    assert done == n and len(acknowledged) == n, (done, len(acknowledged))
    assert set(acknowledged.values()) == {1}, "an event was acknowledged twice"
    return n / elapsed


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", help="postgresql://…/NAME (made afresh); default SQLite")
    parser.add_argument("--events", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--receiver-delay",
        type=float,
        default=0.0,
        help="seconds the receiver takes to answer (an internet receiver: 0.05-0.3)",
    )
    parser.add_argument(
        "--concurrency", type=int, default=None, help="WEBHOOK_CONCURRENCY (default: the setting's)"
    )
    parser.add_argument("--save", action="store_true", help="write bench/results/…json/md")
    args = parser.parse_args()

    tmp = tempfile.TemporaryDirectory()
    url = args.database or f"sqlite+aiosqlite:///{tmp.name}/bench.sqlite3"
    if url.startswith("postgres"):
        await fresh_pg(url)
    settings = Settings(
        _env_file=None,
        database_url=url,
        webhooks_enabled=True,
        webhook_allow_private=True,
        log_level="WARNING",
        **({} if args.concurrency is None else {"webhook_concurrency": args.concurrency}),
    )
    # (1 on a checkout from before the setting: the runner ran its jobs one at a time)
    width = getattr(settings, "webhook_concurrency", 1)
    await upgrade(settings.database_url)
    db = Database.from_settings(settings)
    hooks.install(db, settings)
    receiver = Receiver(delay=args.receiver_delay).start()
    rates: list[float] = []
    try:
        ids = await catalogue(db)
        secret = sender.new_secret()
        async with db.write_sessions() as session:
            session.add(
                WebhookEndpoint(
                    url=receiver.url, events=[events.APPOINTMENT_CREATED], secret=secret
                )
            )
            await session.commit()
        receiver.secret = secret
        for run in range(args.runs):
            async with db.write_sessions() as session:
                for model in (WebhookAttempt, WebhookDelivery, Job):
                    await session.execute(delete(model))
                await session.commit()
            receiver.received.clear()
            receiver._seen.clear()
            await book(db, settings, ids, args.events)
            rate = await one_run(db, settings, receiver, args.events, args.workers)
            rates.append(rate)
            print(f"run {run + 1}: {rate:.0f} deliveries/s", flush=True)
    finally:
        receiver.stop()
        await db.dispose()
        if url.startswith("postgres"):
            await drop_pg(url)
    backend = "postgresql" if url.startswith("postgres") else "sqlite"
    median = statistics.median(rates)
    print(
        f"median: {median:.0f} deliveries/s ({backend}, {args.workers} worker(s), "
        f"WEBHOOK_CONCURRENCY={width}, receiver delay {args.receiver_delay:g} s, "
        f"{args.events} events, {args.runs} runs)"
    )
    if args.save:
        stamp = dt.date.today().isoformat()
        name = f"{stamp}-webhooks-{backend}-{args.workers}w-c{width}-d{args.receiver_delay:g}"
        result = {
            "benchmark": "webhook deliveries per second (fan-out + signed POST + log)",
            "backend": backend,
            "workers": args.workers,
            "webhook_concurrency": width,
            "receiver_delay_seconds": args.receiver_delay,
            "events": args.events,
            "runs": [round(r, 1) for r in rates],
            "median_per_second": round(median, 1),
            "machine": (
                f"{platform.machine()}, {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}"
            ),
        }
        out = ROOT / "bench" / "results"
        (out / f"{name}.json").write_text(json.dumps(result, indent=2) + "\n")
        (out / f"{name}.md").write_text(
            f"# Webhook deliveries per second — {backend}, {args.workers} worker(s)\n\n"
            f"`uv run python bench/webhook_deliveries.py --workers {args.workers}"
            f"{' --database …' if args.database else ''} --events {args.events} "
            f"--concurrency {width} --receiver-delay {args.receiver_delay:g} "
            f"--runs {args.runs}`\n\n"
            f"Median: **{median:.0f} deliveries/s** (runs: "
            + ", ".join(f"{r:.0f}" for r in rates)
            + f"). Machine: {result['machine']}.\n"
        )


if __name__ == "__main__":
    asyncio.run(main())
