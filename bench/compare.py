#!/usr/bin/env python3
"""Our API side by side with the Django REST Framework service it replaces (bench/drf/).

    uv run python bench/compare.py                       # uncached and with Redis, 3 rounds
    uv run python bench/compare.py --modes noredis --rounds 1 --duration 4   # a quick look

One PostgreSQL database (built as ``run.py`` builds it: demo catalogue, 400 inactive filler
specialists, 200 clients, plus the scaling phase's probe set: 8 appointments on each of the
next 14 days of every demo specialist) serves both services. Ours runs as
``booking api --workers 2``; the reference as the Django deployment ran: gunicorn, 2 workers
with 4 threads each, persistent connections (``CONN_MAX_AGE``), no access log. Both share the
signing key, so one token works on both.

Before measuring, every GET endpoint is fetched from both and the JSON compared (the absolute
URLs in ``next``/``previous`` differ by port only). Then each endpoint is measured in rounds
that alternate between the two services (ours, DRF, ours, DRF, ...; each round a warm-up then
the measured wrk run), and the medians and ratios are printed and written to
``bench/results/<date>-compare.md`` + ``.json``.

Endpoints: GET /api/services/, GET /api/specialists/ (nested schedules),
available_slots for days with bookings (the probe set), GET /api/appointments/?page_size=20
as staff, and POST /api/appointments/ (a new free slot every request; bookings accumulate
over the rounds, as in a busy salon: the per-round figures show whether throughput decays).

Modes: ``noredis`` (our API uncached: two workers without Redis run no response cache) and
``redis`` (``--redis URL``, FLUSHDB'd first). The reference has no cache in either mode; it is
measured in both so that every figure of ours has a neighbour measured minutes apart.

The reference's virtualenv is built on first use from the pinned bench/drf/requirements.txt
(``uv venv bench/drf/.venv`` + ``uv pip install``; git-ignored).
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import run as base  # noqa: E402  (bench/run.py: database, server, wrk and CPU helpers)

BENCH = base.BENCH
DRF = BENCH / "drf"
VENV = DRF / ".venv"
WORKERS = 2
DRF_THREADS = 4
BOOKING_ROOM = {"ours": 1600, "drf": 450}  # booking requests per second a round may make


def ensure_venv() -> Path:
    gunicorn = VENV / "bin" / "gunicorn"
    if not gunicorn.exists():
        base.log("building the reference's virtualenv (bench/drf/.venv)")
        subprocess.run(["uv", "venv", "-q", str(VENV), "--python", "3.11"], check=True)
        subprocess.run(
            [
                "uv",
                "pip",
                "install",
                "-q",
                "--python",
                str(VENV / "bin" / "python"),
                "-r",
                str(DRF / "requirements.txt"),
            ],
            check=True,
        )
    return gunicorn


class DRFServer(base.Server):
    """gunicorn serving bench/drf/refsvc, stopped as one process group like ours."""

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [
                str(ensure_venv()),
                "--workers",
                str(self.workers),
                "--worker-class",
                "gthread",
                "--threads",
                str(DRF_THREADS),
                "--bind",
                f"127.0.0.1:{self.port}",
                "refsvc.wsgi:application",
            ],
            cwd=DRF,
            env=self.env,
            stdout=self.log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"DRF exited early, see {self.log_file.name}")
            try:
                with urllib.request.urlopen(f"{self.base}/api/services/", timeout=2) as r:
                    if r.status == 200 and len(self.worker_pids()) >= self.workers:
                        return
            except OSError:
                pass
            time.sleep(0.5)
        raise RuntimeError(f"DRF did not become ready, see {self.log_file.name}")

    def worker_pids(self) -> list[int]:
        if self.proc is None:
            return []
        return base.descendants(self.proc.pid)


def wrk(args, url: str, seconds: float, token: str | None, script=None, script_args=()) -> str:
    cmd = ["wrk", "-t", str(args.threads), "-c", str(args.connections), "-d"]
    cmd += [f"{max(int(seconds), 1)}s", "--timeout", "10s", "--latency"]
    if token:
        cmd += ["-H", f"Authorization: Bearer {token}"]
    if script:
        cmd += ["-s", str(base.LUA / script)]
    cmd.append(url)
    if script_args:
        cmd += ["--", *script_args]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 60)
    if out.returncode != 0:
        raise RuntimeError(f"wrk failed: {out.stderr}\n{out.stdout}")
    return out.stdout


def parse(out: str) -> dict:
    res = base.parse_wrk(out)
    m = re.search(r"^\s+Latency\s+\S+\s+\S+\s+(\S+)", out, re.M)
    res["max"] = base._ms(m.group(1)) if m else float("nan")
    return res


DUE_JOBS = "SELECT count(*) FROM booking_job WHERE status = 'queued' AND run_at <= now()"


class WithWorker(base.Server):
    """Our API and, beside it, ``booking worker`` (``--with-worker``, Redis mode: arq runs the
    jobs the bookings queue, as in production); the worker's CPU counts as the API's."""

    def start(self) -> None:
        super().start()
        self.worker_log = tempfile.NamedTemporaryFile(
            "w+", prefix="bench-worker-", suffix=".log", delete=False
        )
        self.worker = subprocess.Popen(
            ["uv", "run", "--no-sync", "booking", "worker"],
            cwd=base.ROOT,
            env=self.env,
            stdout=self.worker_log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def worker_pids(self) -> list[int]:
        extra = []
        if getattr(self, "worker", None) is not None and self.worker.poll() is None:
            extra = [self.worker.pid, *base.descendants(self.worker.pid)]
        return super().worker_pids() + extra

    def stop(self) -> None:
        worker = getattr(self, "worker", None)
        if worker is not None and worker.poll() is None:
            os.killpg(os.getpgid(worker.pid), signal.SIGTERM)
            try:
                worker.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(os.getpgid(worker.pid), signal.SIGKILL)
        super().stop()


def drain_jobs(pg: base.PG, limit_s: float = 180) -> float:
    """Wait until our workers have run every job that is due (a booking queues the
    specialist's message at once); seconds waited."""
    started = time.monotonic()
    while time.monotonic() - started < limit_s and int(pg.run(DUE_JOBS) or 0) > 0:
        time.sleep(0.25)
    return time.monotonic() - started


def measure(
    args, server: base.Server, who: str, scenario: dict, token: str, pg: base.PG | None = None
) -> dict:
    """One round on one server: warm-up, then the measured run with CPU and RSS sampled.
    With ``pg`` (our booking rounds), the jobs the bookings queued and our runner has not run
    by the end of the round are run off before the next round (the reference's, which they
    would otherwise slow down), and the API CPU that took is reported apart, per booking
    (``jobs_cpu_ms``): the reference queues no jobs at all."""
    url = server.base + scenario["path"]
    auth = token if scenario.get("auth") else None
    script, warm, main = scenario.get("script"), scenario.get("warm"), scenario.get("args")
    wrk(args, url, args.warmup, auth, script, warm(who) if warm else main(who) if main else ())
    if pg is not None:
        drain_jobs(pg)  # the warm-up's
    pids = server.worker_pids()
    watch = args.metrics and who == "ours"
    before = scrape(server.base) if watch else {}
    sampler, meter = base.RSSSampler(pids), base.CPUMeter(pids)
    sampler.start()
    meter.start()
    try:
        out = wrk(args, url, args.duration, auth, script, main(who) if main else ())
    finally:
        cpu = meter.stop()
        peak = sampler.finish()
    res = parse(out)
    res["jobs_drain_s"] = res["jobs_cpu_ms"] = 0.0
    if pg is not None:  # the jobs still due: run off before the next round, their CPU apart
        drain_meter = base.CPUMeter(pids)
        drain_meter.start()
        res["jobs_drain_s"] = drain_jobs(pg)
        res["jobs_cpu_ms"] = drain_meter.stop()["api_cpu_s"] * 1000 / max(res.get("requests", 0), 1)
    if watch:
        res.update(health(before, scrape(server.base)))
    reqs = max(res.get("requests", 0), 1)
    res.update(
        rss_mb=peak,
        api_cpu_ms=cpu["api_cpu_s"] * 1000 / reqs,
        pg_cpu_ms=cpu["pg_cpu_s"] * 1000 / reqs,
        other_cpu=max(cpu["machine_cpu_s"] - cpu["api_cpu_s"] - cpu["pg_cpu_s"], 0)
        / max(cpu["wall_s"] * (os.cpu_count() or 1), 1e-9),
    )
    return res


def scrape(base_url: str, tries: int = 12) -> dict[str, dict[str, float]]:
    """``/metrics`` of every worker (each scrape reaches one; ``process_pid``
    tells them apart): {worker pid: {"name{labels}": value}} of the figures read below."""
    workers: dict[str, dict[str, float]] = {}
    for _ in range(tries):
        try:
            with urllib.request.urlopen(f"{base_url}/metrics", timeout=10) as r:
                text = r.read().decode()
        except OSError:
            continue
        figures = {}
        for line in text.splitlines():
            if line and not line.startswith("#"):
                name, _, value = line.rpartition(" ")
                figures[name] = float(value)
        workers[str(figures.get("process_pid"))] = figures
    return workers


def _quantile(figures: dict[str, float], family: str, q: float) -> float:
    """The upper bound of the bucket holding quantile ``q`` of a histogram without labels."""
    buckets = sorted(
        (float(k.split('le="')[1].rstrip('"}')), v)
        for k, v in figures.items()
        if k.startswith(family + "_bucket{") and "+Inf" not in k
    )
    total = figures.get(family + "_count", 0)
    for bound, count in buckets:
        if total and count >= q * total:
            return bound
    return float("inf") if total else 0.0


def health(before: dict, after: dict) -> dict[str, float]:
    """What one round did to the event loop, the pool and the GC, from two scrapes: the worst
    worker's loop-lag p99 bucket, pool waits (mean ms), connections opened, GC pause time."""
    out = {"loop_lag_p99_ms": 0.0, "pool_wait_mean_ms": 0.0, "connections_opened": 0.0}
    out["gc_pause_ms"] = 0.0
    waits = count = 0.0
    for worker, now in after.items():
        then = before.get(worker, {})

        def delta(name: str, now=now, then=then) -> float:
            return now.get(name, 0.0) - then.get(name, 0.0)

        lag = {k: delta(k) for k in now if k.startswith("event_loop_lag_seconds_") and "{" in k}
        lag["event_loop_lag_seconds_count"] = delta("event_loop_lag_seconds_count")
        out["loop_lag_p99_ms"] = max(
            out["loop_lag_p99_ms"], 1000 * _quantile(lag, "event_loop_lag_seconds", 0.99)
        )
        waits += delta("db_pool_wait_seconds_sum")
        count += delta("db_pool_wait_seconds_count")
        out["connections_opened"] += delta("db_pool_connections_opened_total")
        out["gc_pause_ms"] += 1000 * sum(
            delta(k) for k in now if k.startswith("python_gc_pause_seconds_sum")
        )
    out["pool_wait_mean_ms"] = 1000 * waits / count if count else 0.0
    return out


def fetch(url: str, token: str | None) -> object:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    req = urllib.request.Request(url, headers=headers)
    with urllib.request.urlopen(req, timeout=30) as r:
        return json.loads(re.sub(rb"http://127\.0\.0\.1:\d+", b"HOST", r.read()))


PUBLIC = ("/api/services/", "/api/specialists/")


def without_english(answer: object) -> object:
    """An answer without the English twins (``*_en``): ours adds them (docs/CONTRACT.md), the
    reference has none; everything else must be the same."""
    if isinstance(answer, dict):
        return {k: without_english(v) for k, v in answer.items() if not k.endswith("_en")}
    if isinstance(answer, list):
        return [without_english(v) for v in answer]
    return answer


def check_same(ours: base.Server, drf: base.Server, paths: list[str], token: str) -> list[str]:
    """Paths whose JSON differs between the two services (empty: the same answers); the
    services' own addresses (in a page's ``next`` link) are taken out first."""

    def answer(server: base.Server, path: str, who: str | None) -> str:
        return json.dumps(without_english(fetch(server.base + path, who))).replace(server.base, "")

    differ = []
    # The public lists are asked anonymously too, as wrk asks them.
    for path, who in [(p, token) for p in paths] + [(p, None) for p in PUBLIC]:
        mine, theirs = answer(ours, path, who), answer(drf, path, who)
        if mine != theirs:
            differ.append(path if who else f"{path} (anonymous)")
            at = next((i for i, (a, b) in enumerate(zip(mine, theirs, strict=False)) if a != b), 0)
            base.log(
                f"  {path}: ours …{mine[at - 80 : at + 80]}… DRF …{theirs[at - 80 : at + 80]}…"
            )
    return differ


METRICS = (
    "rps",
    "p50",
    "p99",
    "max",
    "api_cpu_ms",
    "pg_cpu_ms",
    "rss_mb",
    "other_cpu",
    "jobs_cpu_ms",
)


def summary(runs: list[dict]) -> dict:
    if not runs:
        return {k: float("nan") for k in (*METRICS, "non2xx", "errors", "requests")} | {
            "rounds_rps": []
        }
    out = {k: statistics.median(r.get(k, float("nan")) for r in runs) for k in METRICS}
    out["max"] = max(r.get("max", 0) for r in runs)  # the worst single request of all rounds
    out["non2xx"] = sum(r["non2xx"] for r in runs)
    out["errors"] = sum(r["errors"] for r in runs)
    out["requests"] = sum(r.get("requests", 0) for r in runs)
    out["rounds_rps"] = [round(r.get("rps", 0)) for r in runs]
    for key in ("loop_lag_p99_ms", "pool_wait_mean_ms", "connections_opened", "gc_pause_ms"):
        if key in runs[0]:  # with --metrics: the worst round
            out[key] = max(r[key] for r in runs)
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--db", default="booking_compare")
    ap.add_argument("--pg-host", default="127.0.0.1")
    ap.add_argument("--pg-port", type=int, default=5432)
    ap.add_argument("--pg-user", default="postgres")
    ap.add_argument("--ours-port", type=int, default=8771)
    ap.add_argument("--drf-port", type=int, default=8772)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--connections", type=int, default=32)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--duration", type=float, default=8)
    ap.add_argument("--warmup", type=float, default=2)
    ap.add_argument("--modes", default="noredis,redis")
    ap.add_argument("--only", default="services,specialists,slots,appointments,booking")
    ap.add_argument(
        "--redis", default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")
    )
    ap.add_argument("--label", default="", help="written into the results' title")
    ap.add_argument(
        "--metrics",
        action="store_true",
        help="METRICS_ENABLED for ours: each round also reports event-loop lag, pool waits, "
        "connections opened and GC pauses (from /metrics)",
    )
    ap.add_argument("--no-drf", action="store_true", help="measure ours alone")
    ap.add_argument(
        "--with-worker",
        action="store_true",
        help="Redis mode: run `booking worker` beside our API (its CPU counted as ours, the "
        "jobs left after a booking round run off and counted apart, as without Redis)",
    )
    ap.add_argument(
        "--pool",
        default="16+0",
        help="DB_POOL_SIZE+DB_MAX_OVERFLOW of each of our workers. 16+0: as many connections "
        "as one worker's share of wrk's 32, all opened at start-up, none opened and closed "
        "under load (8+8 churned 50-130 connections per round: requests of seconds); never "
        "more than 32 in all, so a shared PostgreSQL keeps room for the reference's threads",
    )
    ap.add_argument("--ours-env", default="", help="extra settings for ours: NAME=value,...")
    ap.add_argument("--out", default=None)
    ap.add_argument("--keep", action="store_true")
    args = ap.parse_args()
    only = args.only.split(",")

    pg = base.PG(args.pg_host, args.pg_port, args.pg_user, args.db)
    env = dict(os.environ)
    env.update(
        DATABASE_URL=pg.url,
        DB_POOL_SIZE=args.pool.split("+")[0],
        DB_MAX_OVERFLOW=args.pool.split("+")[1],
        SECRET_KEY="bench-secret-key-0123456789-abcdefghijklmnop",
        PASSWORD_HASH_ITERATIONS="1000",
        ACCESS_TOKEN_LIFETIME_MINUTES="240",
        MIN_NOTICE_MINUTES="0",
        BOOKING_HORIZON_DAYS="1200",
        ENVIRONMENT="production",
        MEDIA_ROOT=tempfile.mkdtemp(prefix="bench-media-"),
        THROTTLE_AUTH="",
        THROTTLE_BOOKING="",
    )
    env.pop("REDIS_URL", None)
    ensure_venv()
    base.setup_database(pg, env)
    cat = base.Catalogue(pg)
    today = dt.datetime.now(base.TZ).date()
    workdir = Path(tempfile.mkdtemp(prefix="bench-compare-"))
    n = str(args.threads)

    def reset_appointments() -> None:
        """The probe set only (the days the slot reads look at), no jobs."""
        pg.run("DELETE FROM booking_job")
        pg.run("DELETE FROM booking_appointment")
        base.probe_appointments(pg, cat, today)
        pg.run("VACUUM ANALYZE booking_appointment")
        pg.run("VACUUM ANALYZE booking_job")

    slot_paths = [
        f"/api/specialists/{s}/available_slots/?date={d.isoformat()}"
        for s in cat.specialists
        for d in cat.working_days(s, today + dt.timedelta(1), base.PROBE_DAYS)
    ]
    slots_file = base.write_lines(slot_paths, "slots.txt", workdir)
    # Bookings from 30 days on (clear of the probe days), every request a new free slot; the
    # slots are dealt out anew in each mode (reset_appointments empties the table between).
    all_bodies = cat.booking_bodies(today + dt.timedelta(days=30), 1160, 50)
    base.log(f"{len(all_bodies)} distinct free booking slots")
    dealt = {"bodies": iter(all_bodies)}

    def next_bodies(count: int, name: str) -> list[str]:
        lines = list(itertools.islice(dealt["bodies"], count))
        if len(lines) < count:
            base.log(f"  only {len(lines)} free slots left of {count} wanted: the rest repeat")
        return [base.write_lines(lines or all_bodies[:100], name, workdir), n]

    def booking_args(seconds: float, name: str):
        # Room for BOOKING_ROOM req/s (per server) without reusing a slot.
        return lambda who: next_bodies(int(BOOKING_ROOM[who] * seconds), name)

    scenarios = {
        "services": {"name": "GET /api/services/", "path": "/api/services/"},
        "specialists": {"name": "GET /api/specialists/", "path": "/api/specialists/"},
        "slots": {
            "name": "available_slots (days with bookings)",
            "path": "/",
            "script": "paths.lua",
            "args": lambda _who: [slots_file, n],
        },
        "appointments": {
            "name": "GET /api/appointments/?page_size=20 (staff)",
            "path": "/api/appointments/?page_size=20",
            "auth": True,
        },
        "booking": {
            "name": "POST /api/appointments/",
            "path": "/api/appointments/",
            "auth": True,
            "script": "bookings.lua",
            "jobs": True,  # each booking queues work for our job runner: counted, drained
            "args": booking_args(args.duration, "book.txt"),
            "warm": booking_args(args.warmup, "warm.txt"),
        },
    }

    results: dict[str, dict] = {}
    started = time.monotonic()
    drf = DRFServer(env, args.drf_port, WORKERS)
    log_files = [drf.log_file.name]
    try:
        if not args.no_drf:
            drf.start()
        for mode in args.modes.split(","):
            reset_appointments()
            dealt["bodies"] = iter(all_bodies)
            ours_env = dict(env)
            if args.metrics:
                ours_env["METRICS_ENABLED"] = "true"
            for pair in filter(None, args.ours_env.split(",")):
                name, _, value = pair.partition("=")
                ours_env[name] = value
            if mode == "redis":
                ours_env["REDIS_URL"] = args.redis
                base.redis_flush(args.redis)
            server_class = WithWorker if mode == "redis" and args.with_worker else base.Server
            ours = server_class(ours_env, args.ours_port, WORKERS)
            log_files.append(ours.log_file.name)
            base.log(f"mode {mode}: starting our API (log {ours.log_file.name})")
            ours.start()
            try:
                token = login(ours)
                diff = (
                    []
                    if args.no_drf
                    else check_same(
                        ours,
                        drf,
                        ["/api/services/", "/api/specialists/", "/api/appointments/?page_size=20"]
                        + slot_paths[:: max(len(slot_paths) // 6, 1)],
                        token,
                    )
                )
                base.log(f"  answers compared: {'the same' if not diff else f'DIFFER: {diff}'}")
                for key in only:
                    sc = scenarios[key]
                    runs: dict[str, list[dict]] = {"ours": [], "drf": []}
                    for r in range(args.rounds):
                        pairs = [("ours", ours)] + ([] if args.no_drf else [("drf", drf)])
                        for who, server in pairs:
                            drain = (
                                pg
                                if who == "ours"
                                and sc.get("jobs")
                                and (mode == "noredis" or args.with_worker)
                                else None
                            )
                            # (with Redis, arq runs the jobs: none here without --with-worker)
                            res = measure(args, server, who, sc, token, drain)
                            runs[who].append(res)
                            base.log(
                                f"  [{mode}] {sc['name']} round {r + 1} {who}: "
                                f"{res.get('rps', 0):.0f} req/s p50 {res.get('p50', 0):.1f} "
                                f"p99 {res.get('p99', 0):.1f} max {res['max']:.0f} ms, "
                                f"non-2xx {res['non2xx']}, CPU/req api "
                                f"{res['api_cpu_ms']:.2f} pg {res['pg_cpu_ms']:.2f} ms, "
                                f"RSS {res['rss_mb']:.0f} MB, other {res['other_cpu']:.0%}"
                                + (
                                    f", jobs left run off in {res['jobs_drain_s']:.1f} s "
                                    f"after ({res['jobs_cpu_ms']:.2f} ms API CPU per booking)"
                                    if res["jobs_drain_s"]
                                    else ""
                                )
                                + (
                                    f"; loop lag p99 <= {res['loop_lag_p99_ms']:g} ms, pool "
                                    f"wait {res['pool_wait_mean_ms']:.2f} ms, "
                                    f"{res['connections_opened']:.0f} connections opened, "
                                    f"GC {res['gc_pause_ms']:.0f} ms"
                                    if "loop_lag_p99_ms" in res
                                    else ""
                                )
                            )
                    results[f"{mode}:{key}"] = {
                        "mode": mode,
                        "scenario": sc["name"],
                        "same_answers": not diff,
                        "ours": summary(runs["ours"]),
                        "drf": summary(runs["drf"]),
                        "runs": runs,
                    }
            finally:
                ours.stop()
    finally:
        drf.stop()
        if not args.keep:
            try:
                pg.run(f"DROP DATABASE IF EXISTS {pg.db} WITH (FORCE)", db="postgres")
            except Exception as exc:  # noqa: BLE001
                base.log(f"could not drop {pg.db}: {exc}")

    report = render(results, args, time.monotonic() - started)
    print(report)
    out = (
        Path(args.out)
        if args.out
        else BENCH / "results" / f"{dt.date.today().isoformat()}-compare.md"
    )
    out.write_text(report)
    out.with_suffix(".json").write_text(json.dumps(results, indent=1))
    base.log(f"written {out} (server logs: {', '.join(log_files)})")
    return 0


def login(server: base.Server) -> str:
    req = urllib.request.Request(
        f"{server.base}/api/token/",
        method="POST",
        data=json.dumps({"username": "bench", "password": "bench-pass-123"}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(req, timeout=10) as r:
        return json.load(r)["access"]


def render(results: dict, args: argparse.Namespace, elapsed: float) -> str:
    lines = [
        f"# Ours vs DRF {dt.datetime.now().strftime('%Y-%m-%d %H:%M')} {args.label}".rstrip(),
        "",
        f"2 cores (shared). One PostgreSQL 15 database for both. Ours: `booking api --workers "
        f"{WORKERS}`, pool {args.pool}; DRF: gunicorn {WORKERS} gthread workers × {DRF_THREADS} "
        f"threads, CONN_MAX_AGE. wrk -t{args.threads} -c{args.connections}, "
        f"{args.warmup:g} s warm-up + {args.duration:g} s, {args.rounds} rounds alternating "
        f"ours/DRF; medians (max = the worst request of all rounds). Total "
        f"{elapsed / 60:.1f} min.",
        "",
        "| mode | endpoint | ours req/s | DRF req/s | ratio | ours p50/p99/max ms | "
        "DRF p50/p99/max ms | ours API+PG CPU ms/req | DRF API+PG CPU ms/req | "
        "ours RSS MB | DRF RSS MB | ours per round | DRF per round | non-2xx ours/DRF |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|---:|",
    ]
    for entry in results.values():
        o, d = entry["ours"], entry["drf"]
        lines.append(
            f"| {entry['mode']} | {entry['scenario']} | {o['rps']:.0f} | {d['rps']:.0f} | "
            f"{o['rps'] / max(d['rps'], 1e-9):.1f}× | "
            f"{o['p50']:.1f} / {o['p99']:.1f} / {o['max']:.0f} | "
            f"{d['p50']:.1f} / {d['p99']:.1f} / {d['max']:.0f} | "
            f"{o['api_cpu_ms']:.2f} + {o['pg_cpu_ms']:.2f}"
            + (f" (+ {o['jobs_cpu_ms']:.2f} jobs after)" if o.get("jobs_cpu_ms") else "")
            + " | "
            f"{d['api_cpu_ms']:.2f} + {d['pg_cpu_ms']:.2f} | "
            f"{o['rss_mb']:.0f} | {d['rss_mb']:.0f} | "
            f"{' → '.join(map(str, o['rounds_rps']))} | {' → '.join(map(str, d['rounds_rps']))} | "
            f"{o['non2xx']}/{d['non2xx']} |"
        )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
