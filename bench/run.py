#!/usr/bin/env python3
"""Load benchmark of the booking API on PostgreSQL, driven by wrk.

    cd /work/main && uv run python bench/run.py            # everything, 3 runs per scenario
    uv run python bench/run.py --quick                     # 1 run, 5 s, small scaling sizes
    uv run python bench/run.py --only catalog,slots        # a subset of phases

What it does (everything on loopback, everything it starts is stopped at the end):

1. drops and creates the database ``--db`` (default ``booking_bench``), runs
   ``booking migrate``, ``booking seed-demo`` and ``booking createsuperuser``, and adds
   400 *inactive* filler specialists (they never show in lists or nearest-slot answers;
   they only carry appointments for the scaling phase);
2. starts ``booking api --workers 2`` with ``DB_POOL_SIZE``/``DB_MAX_OVERFLOW`` set so that
   each worker can hold 16 + 16 connections;
3. runs each wrk scenario ``--runs`` times (``--warmup`` seconds of warm-up first, then
   ``--duration`` seconds measured, ``-c --connections`` connections, ``-t 2`` threads) and
   samples the resident memory (VmRSS) of both worker processes during the run;
4. for the scaling phase, fills ``booking_appointment`` to 1k, 10k, 100k and 1M rows with
   ``INSERT ... SELECT generate_series`` (non-overlapping times, buffers 0, a status mix) and
   measures available_slots / nearest / available_days at each size;
5. prints a table (medians over the runs) and writes it to ``bench/results/<date>.md``
   together with the raw numbers in ``bench/results/<date>.json``.

Only the standard library is used here; wrk is the load generator (``apt-get install wrk``).
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
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
LUA = BENCH / "lua"
TZ = ZoneInfo("Europe/Moscow")

TARGET_READ_RPS = 2000
TARGET_BOOK_RPS = 750
TARGET_P99_MS = 50.0
TARGET_RSS_MB = 150.0

FILLER_SPECIALISTS = 400
BENCH_CLIENTS = 200
PROBE_DAYS = 14  # scaling phase: the next 14 days of the demo specialists are probed
PROBE_PER_DAY = 8  # appointments per demo specialist per probed day (08:00, 09:00, ... 15:00)
FILLER_PER_DAY = 12  # filler appointments per specialist-day (08:00 ... 19:00, 30 min each)
STATUS_MIX = (
    "ARRAY['pending','confirmed','pending','completed','confirmed','cancelled',"
    "'pending','confirmed','pending','completed']"
)


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


# --- PostgreSQL -------------------------------------------------------------------------------


class PG:
    def __init__(self, host: str, port: int, user: str, db: str) -> None:
        self.host, self.port, self.user, self.db = host, port, user, db

    def run(self, sql: str, db: str | None = None, timeout: float = 900) -> str:
        out = subprocess.run(
            [
                "psql",
                "-h",
                self.host,
                "-p",
                str(self.port),
                "-U",
                self.user,
                "-d",
                db or self.db,
                "-v",
                "ON_ERROR_STOP=1",
                "-qAt",
                "-c",
                sql,
            ],
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if out.returncode != 0:
            raise RuntimeError(f"psql failed: {out.stderr.strip()}\n{sql[:500]}")
        return out.stdout.strip()

    def rows(self, sql: str) -> list[list[str]]:
        text = self.run(sql)
        return [line.split("|") for line in text.splitlines() if line]

    @property
    def url(self) -> str:
        return f"postgresql://{self.user}@{self.host}:{self.port}/{self.db}"


# --- the API server ----------------------------------------------------------------------------


def redis_flush(url: str | None) -> None:
    """FLUSHDB on ``redis://host:port/db`` (stdlib RESP): the API's cache versions restart, so
    no answer cached before a raw-SQL change of the tables (below) is served after it."""
    if not url:
        return
    import socket
    from urllib.parse import urlparse

    u = urlparse(url)
    db = (u.path or "/0").lstrip("/") or "0"

    def cmd(*parts: str) -> bytes:
        out = f"*{len(parts)}\r\n"
        for p in parts:
            out += f"${len(p.encode())}\r\n{p}\r\n"
        return out.encode()

    with socket.create_connection((u.hostname or "127.0.0.1", u.port or 6379), timeout=5) as c:
        c.sendall(cmd("SELECT", db) + cmd("FLUSHDB"))
        time.sleep(0.05)
        c.recv(100)


def proc_children() -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                stat = fh.read()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry))
    return children


def descendants(pid: int) -> list[int]:
    tree, out, todo = proc_children(), [], [pid]
    for _ in range(10_000):  # bounded walk
        if not todo:
            break
        p = todo.pop()
        for c in tree.get(p, []):
            out.append(c)
            todo.append(c)
    return out


def cmdline(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as fh:
            return fh.read().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def rss_mb(pid: int) -> float | None:
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


class Server:
    def __init__(self, env: dict[str, str], port: int, workers: int) -> None:
        self.env, self.port, self.workers = env, port, workers
        self.proc: subprocess.Popen | None = None
        self.log_file = tempfile.NamedTemporaryFile(
            "w+", prefix="bench-api-", suffix=".log", delete=False
        )

    def start(self) -> None:
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
                str(self.port),
                "--workers",
                str(self.workers),
            ],
            cwd=ROOT,
            env=self.env,
            stdout=self.log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: stopped as one by its id
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"API exited early, see {self.log_file.name}")
            try:
                with urllib.request.urlopen(f"{self.base}/ready", timeout=2) as r:
                    if r.status == 200 and len(self.worker_pids()) >= self.workers:
                        return
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.5)
        raise RuntimeError(f"API did not become ready, see {self.log_file.name}")

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def worker_pids(self) -> list[int]:
        if self.proc is None:
            return []
        return [
            p
            for p in descendants(self.proc.pid)
            if "multiprocessing" in cmdline(p) and "resource_tracker" not in cmdline(p)
        ]

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        pgid = os.getpgid(self.proc.pid)
        os.killpg(pgid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(pgid, signal.SIGKILL)
            self.proc.wait(timeout=10)


CLK_TCK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLK_TCK
    except (OSError, IndexError, ValueError):
        return 0.0


def postgres_pids() -> list[int]:
    out = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/comm") as fh:
                    if fh.read().strip() == "postgres":
                        out.append(int(entry))
            except OSError:
                pass
    return out


class CPUMeter:
    """CPU seconds used by the API workers and by PostgreSQL between start() and stop().

    Divided by the number of requests this is a cost per request that the noise of a shared
    machine barely moves (other processes steal wall time, not our CPU time)."""

    def __init__(self, workers: list[int]) -> None:
        self.workers = workers

    def _snapshot(self) -> tuple[dict[int, float], dict[int, float]]:
        return (
            {p: cpu_seconds(p) for p in self.workers},
            {p: cpu_seconds(p) for p in postgres_pids()},
        )

    def start(self) -> None:
        self.t0 = time.monotonic()
        self.before = self._snapshot()
        with open("/proc/stat") as fh:
            self.total0 = [int(x) for x in fh.readline().split()[1:]]

    def stop(self) -> dict[str, float]:
        after = self._snapshot()
        with open("/proc/stat") as fh:
            total1 = [int(x) for x in fh.readline().split()[1:]]
        api = sum(v - self.before[0].get(p, 0.0) for p, v in after[0].items())
        pg = sum(v - self.before[1].get(p, 0.0) for p, v in after[1].items())
        busy = [b - a for a, b in zip(self.total0, total1, strict=True)]
        machine = (sum(busy) - busy[3] - busy[4]) / CLK_TCK  # all but idle and iowait
        return {
            "api_cpu_s": api,
            "pg_cpu_s": pg,
            "machine_cpu_s": machine,
            "wall_s": time.monotonic() - self.t0,
        }


class RSSSampler(threading.Thread):
    def __init__(self, pids: list[int], interval: float = 0.5) -> None:
        super().__init__(daemon=True)
        self.pids, self.interval = pids, interval
        self.peak: dict[int, float] = {}
        self.stop_event = threading.Event()

    def run(self) -> None:
        while not self.stop_event.is_set():
            for pid in self.pids:
                value = rss_mb(pid)
                if value is not None:
                    self.peak[pid] = max(self.peak.get(pid, 0.0), value)
            self.stop_event.wait(self.interval)

    def finish(self) -> float:
        self.stop_event.set()
        self.join(timeout=5)
        return max(self.peak.values(), default=0.0)


# --- wrk ------------------------------------------------------------------------------------------

_UNIT = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _ms(text: str) -> float:
    m = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text.strip())
    if not m:
        return float("nan")
    return float(m.group(1)) * _UNIT[m.group(2)]


def parse_wrk(out: str) -> dict[str, float]:
    res: dict[str, float] = {"non2xx": 0, "errors": 0}
    for pct in ("50", "75", "90", "99"):
        m = re.search(rf"^\s+{pct}%\s+(\S+)", out, re.M)
        if m:
            res[f"p{pct}"] = _ms(m.group(1))
    if m := re.search(r"Requests/sec:\s+([\d.]+)", out):
        res["rps"] = float(m.group(1))
    if m := re.search(r"(\d+) requests in", out):
        res["requests"] = int(m.group(1))
    if m := re.search(r"Non-2xx or 3xx responses: (\d+)", out):
        res["non2xx"] = int(m.group(1))
    if m := re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out):
        res["errors"] = sum(int(x) for x in m.groups())
    return res


class Runner:
    def __init__(self, args: argparse.Namespace, server: Server, token: str) -> None:
        self.args, self.server, self.token = args, server, token
        self.results: list[dict] = []

    def wrk(
        self, target: str, script: str | None, script_args: list[str], duration: float, auth: bool
    ) -> str:
        cmd = [
            "wrk",
            "-t",
            str(self.args.threads),
            "-c",
            str(self.args.connections),
            "-d",
            f"{max(int(duration), 1)}s",
            "--timeout",
            "5s",
            "--latency",
        ]
        if auth:
            cmd += ["-H", f"Authorization: Bearer {self.token}"]
        if script:
            cmd += ["-s", str(LUA / script)]
        cmd.append(self.server.base + target)
        if script_args:
            cmd += ["--", *script_args]
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=duration + 60)
        if out.returncode != 0:
            raise RuntimeError(f"wrk failed: {out.stderr}\n{out.stdout}")
        return out.stdout

    def scenario(
        self,
        phase: str,
        name: str,
        target: str,
        *,
        script: str | None = None,
        script_args: list[str] | None = None,
        warm_args: list[str] | None = None,
        auth: bool = False,
        expect_2xx: bool = True,
        before_run=None,
        target_rps: float = TARGET_READ_RPS,
        size: int | None = None,
    ) -> dict:
        runs = []
        for n in range(self.args.runs):
            if before_run:
                before_run(n)
            self.wrk(
                target,
                script,
                warm_args if warm_args is not None else script_args or [],
                self.args.warmup,
                auth,
            )
            sampler = RSSSampler(self.server.worker_pids())
            meter = CPUMeter(self.server.worker_pids())
            sampler.start()
            meter.start()
            try:
                out = self.wrk(target, script, script_args or [], self.args.duration, auth)
            finally:
                cpu = meter.stop()
                peak = sampler.finish()
            res = parse_wrk(out)
            res["rss_mb"] = peak
            reqs = max(res.get("requests", 0), 1)
            res["api_cpu_ms"] = cpu["api_cpu_s"] * 1000 / reqs
            res["pg_cpu_ms"] = cpu["pg_cpu_s"] * 1000 / reqs
            # Share of the machine's busy CPU that was neither the API nor PostgreSQL (wrk
            # itself plus other people's processes): how noisy this run was.
            res["other_cpu"] = max(
                cpu["machine_cpu_s"] - cpu["api_cpu_s"] - cpu["pg_cpu_s"], 0
            ) / max(cpu["wall_s"] * (os.cpu_count() or 1), 1e-9)
            runs.append(res)
            log(
                f"  {phase}/{name} run {n + 1}: {res.get('rps', 0):.0f} req/s, "
                f"p50 {res.get('p50', 0):.1f} ms, p99 {res.get('p99', 0):.1f} ms, "
                f"non-2xx {res['non2xx']}, errors {res['errors']}, RSS {peak:.0f} MB, "
                f"CPU/req api {res['api_cpu_ms']:.2f} ms pg {res['pg_cpu_ms']:.2f} ms, "
                f"other load {res['other_cpu']:.0%}"
            )
        med = {
            k: statistics.median(r.get(k, float("nan")) for r in runs)
            for k in ("rps", "p50", "p99", "rss_mb", "api_cpu_ms", "pg_cpu_ms", "other_cpu")
        }
        entry = {
            "phase": phase,
            "name": name,
            "size": size,
            "target_rps": target_rps,
            "expect_2xx": expect_2xx,
            "runs": runs,
            **med,
            "non2xx": sum(r["non2xx"] for r in runs),
            "requests": sum(r.get("requests", 0) for r in runs),
            "errors": sum(r["errors"] for r in runs),
        }
        self.results.append(entry)
        return entry


# --- data ---------------------------------------------------------------------------------------


def setup_database(pg: PG, env: dict[str, str]) -> None:
    log(f"creating database {pg.db}")
    pg.run(f"DROP DATABASE IF EXISTS {pg.db} WITH (FORCE)", db="postgres")
    pg.run(f"CREATE DATABASE {pg.db}", db="postgres")
    for cmd in (
        ["migrate"],
        ["seed-demo"],
        [
            "createsuperuser",
            "--username",
            "bench",
            "--email",
            "bench@example.com",
            "--password",
            "bench-pass-123",
            "--noinput",
        ],
    ):
        subprocess.run(
            ["uv", "run", "--no-sync", "booking", *cmd],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
            timeout=300,
        )
    pg.run(
        "INSERT INTO booking_specialist (name, specialization, description, city, is_active) "
        f"SELECT 'Bench filler ' || g, 'bench', '', 'Казань', false "
        f"FROM generate_series(1, {FILLER_SPECIALISTS}) g"
    )
    # Clients the bookings are made for (round-robin), as real traffic comes from many people.
    pg.run(
        "INSERT INTO booking_client (name, phone, email, city, language) "
        f"SELECT 'Bench client ' || g, '', '', 'Казань', 'ru' "
        f"FROM generate_series(1, {BENCH_CLIENTS}) g"
    )
    pg.run("ANALYZE")


def hm(t: dt.time) -> int:
    return t.hour * 60 + t.minute


def fmt(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


class Catalogue:
    """What the demo seed created, read back from the database."""

    def __init__(self, pg: PG) -> None:
        self.specialists = [
            int(r[0])
            for r in pg.rows("SELECT id FROM booking_specialist WHERE is_active ORDER BY id")
        ]
        self.hours: dict[int, dict[int, tuple[int, int]]] = {}
        for sid, dow, start, end in pg.rows(
            "SELECT specialist_id, day_of_week, start_time, end_time "
            "FROM booking_specialistschedule"
        ):
            self.hours.setdefault(int(sid), {})[int(dow)] = (
                hm(dt.time.fromisoformat(start)),
                hm(dt.time.fromisoformat(end)),
            )
        self.breaks: dict[int, list[tuple[int, int]]] = {}
        for sid, start, end in pg.rows(
            "SELECT specialist_id, start_time, end_time "
            "FROM booking_break WHERE day_of_week IS NULL"
        ):
            self.breaks.setdefault(int(sid), []).append(
                (hm(dt.time.fromisoformat(start)), hm(dt.time.fromisoformat(end)))
            )
        self.services: dict[int, list[tuple[int, int, int, int]]] = {}
        for sid, svc, dur, before, after in pg.rows(
            "SELECT specialist_id, id, duration, buffer_before, buffer_after "
            "FROM booking_service WHERE is_active ORDER BY id"
        ):
            self.services.setdefault(int(sid), []).append(
                (int(svc), int(dur), int(before), int(after))
            )
        self.categories = [
            int(r[0]) for r in pg.rows("SELECT id FROM booking_servicecategory ORDER BY id")
        ]
        self.client = int(pg.run("SELECT min(id) FROM booking_client"))
        self.clients = [self.client] + [
            int(r[0])
            for r in pg.rows(
                "SELECT id FROM booking_client WHERE name LIKE 'Bench client %' ORDER BY id"
            )
        ]
        self.first_service = {s: self.services[s][0][0] for s in self.specialists}

    def working_days(self, sid: int, first: dt.date, days: int) -> list[dt.date]:
        return [
            first + dt.timedelta(days=i)
            for i in range(days)
            if (first + dt.timedelta(days=i)).weekday() in self.hours.get(sid, {})
        ]

    def booking_bodies(self, first: dt.date, days: int, clients: int = 1) -> list[str]:
        """Free, rule-abiding bookings, interleaved across specialists and days, for the first
        ``clients`` clients in turn."""
        who = self.clients[: max(1, clients)]
        turn = itertools.count()
        per_day: list[list[str]] = []
        for i in range(days):
            day = first + dt.timedelta(days=i)
            todays = []
            for sid in self.specialists:
                hours = self.hours.get(sid, {}).get(day.weekday())
                if not hours:
                    continue
                svc, dur, before, after = min(self.services[sid], key=lambda s: sum(s[1:]))
                t = hours[0] + before
                for _ in range(200):
                    if t + dur > hours[1]:
                        break
                    if any(
                        t < b_end and t + dur > b_start
                        for b_start, b_end in self.breaks.get(sid, [])
                    ):
                        t += 15
                        continue
                    todays.append(
                        json.dumps(
                            {
                                "client": who[next(turn) % len(who)],
                                "service": svc,
                                "specialist": sid,
                                "date": day.isoformat(),
                                "start_time": fmt(t),
                                "end_time": fmt(t + dur),
                            },
                            separators=(",", ":"),
                        )
                    )
                    t += before + dur + after
            per_day.append(todays)
        # Round-robin over days so that neighbouring requests rarely hit one specialist-day.
        out, width = [], max(len(d) for d in per_day)
        for k in range(width):
            for todays in per_day:
                if k < len(todays):
                    out.append(todays[k])
        return out


def write_lines(lines: list[str], name: str, workdir: Path) -> str:
    path = workdir / name
    path.write_text("\n".join(lines) + "\n")
    return str(path)


def fill_appointments(
    pg: PG, cat: Catalogue, today: dt.date, start: int, stop: int, ids: list[int]
) -> None:
    """Filler rows number ``start .. stop-1``: 12 a day per specialist, going back in time."""
    if stop <= start:
        return
    n = len(ids)
    arr = "ARRAY[" + ",".join(map(str, ids)) + "]"
    svc = cat.first_service[cat.specialists[0]]
    pg.run(
        f"""
        INSERT INTO booking_appointment (date, start_time, end_time, status, created_at,
            updated_at, client_id, service_id, specialist_id, buffer_before, buffer_after)
        SELECT DATE '{today.isoformat()}' - 1 - ((g / {FILLER_PER_DAY}) / {n})::int,
               TIME '08:00' + (g % {FILLER_PER_DAY}) * INTERVAL '1 hour',
               TIME '08:30' + (g % {FILLER_PER_DAY}) * INTERVAL '1 hour',
               ({STATUS_MIX})[g % 10 + 1], now(), now(), {cat.client}, {svc},
               ({arr})[(g / {FILLER_PER_DAY}) % {n} + 1], 0, 0
        FROM generate_series({start}, {stop - 1}) g""",
        timeout=1800,
    )


def probe_appointments(pg: PG, cat: Catalogue, today: dt.date) -> int:
    """The probed specialist-days: every demo specialist, the next PROBE_DAYS days, 8 a day."""
    ids = cat.specialists
    n = len(ids)
    arr = "ARRAY[" + ",".join(map(str, ids)) + "]"
    svcs = "ARRAY[" + ",".join(str(cat.first_service[s]) for s in ids) + "]"
    total = n * PROBE_DAYS * PROBE_PER_DAY
    pg.run(f"""
        INSERT INTO booking_appointment (date, start_time, end_time, status, created_at,
            updated_at, client_id, service_id, specialist_id, buffer_before, buffer_after)
        SELECT DATE '{today.isoformat()}' + 1 + (g / {PROBE_PER_DAY * n}),
               TIME '08:00' + (g % {PROBE_PER_DAY}) * INTERVAL '1 hour',
               TIME '08:30' + (g % {PROBE_PER_DAY}) * INTERVAL '1 hour',
               ({STATUS_MIX})[g % 10 + 1], now(), now(), {cat.client},
               ({svcs})[(g / {PROBE_PER_DAY}) % {n} + 1],
               ({arr})[(g / {PROBE_PER_DAY}) % {n} + 1], 0, 0
        FROM generate_series(0, {total - 1}) g""")
    return total


# --- main -----------------------------------------------------------------------------------------


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--db", default="booking_bench")
    ap.add_argument("--pg-host", default="127.0.0.1")
    ap.add_argument("--pg-port", type=int, default=5432)
    ap.add_argument("--pg-user", default="postgres")
    ap.add_argument("--port", type=int, default=8765)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--connections", type=int, default=32)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--duration", type=float, default=10)
    ap.add_argument("--warmup", type=float, default=3)
    ap.add_argument("--sizes", default="1000,10000,100000,1000000")
    ap.add_argument(
        "--only",
        default="catalog,slots,booking,scaling",
        help="comma-separated phases: catalog, slots, booking, scaling",
    )
    ap.add_argument(
        "--clients",
        type=int,
        default=50,
        help="bookings are made for this many clients in turn (1: all for one client, whose "
        "row every concurrent insert then share-locks for its foreign key)",
    )
    ap.add_argument("--pool-size", type=int, default=16)
    ap.add_argument("--max-overflow", type=int, default=16)
    ap.add_argument("--quick", action="store_true", help="1 run of 5 s, sizes 1k and 10k")
    ap.add_argument("--keep", action="store_true", help="leave the database in place")
    ap.add_argument("--out", default=None, help="results file (default bench/results/<date>.md)")
    ap.add_argument(
        "--redis",
        default=os.environ.get("BENCH_REDIS_URL"),
        help="REDIS_URL for the API (response cache shared by the workers); "
        "FLUSHDB'd after every raw-SQL change of the tables. Without it two "
        "workers run uncached",
    )
    args = ap.parse_args()
    if args.quick:
        args.runs, args.duration, args.warmup, args.sizes = 1, 5, 2, "1000,10000"
    phases = set(args.only.split(","))
    sizes = [int(s) for s in args.sizes.split(",") if s]

    pg = PG(args.pg_host, args.pg_port, args.pg_user, args.db)
    env = dict(os.environ)
    env.update(
        DATABASE_URL=pg.url,
        DB_POOL_SIZE=str(args.pool_size),
        DB_MAX_OVERFLOW=str(args.max_overflow),
        SECRET_KEY="bench-secret-key-0123456789-abcdefghijklmnop",
        PASSWORD_HASH_ITERATIONS="1000",
        ACCESS_TOKEN_LIFETIME_MINUTES="240",
        MIN_NOTICE_MINUTES="0",
        BOOKING_HORIZON_DAYS="1200",
        ENVIRONMENT="production",
        MEDIA_ROOT=tempfile.mkdtemp(prefix="bench-media-"),
        # One bench user books hundreds of times a second: capacity is measured, not limits.
        THROTTLE_AUTH="",
        THROTTLE_BOOKING="",
    )
    if args.redis:
        env["REDIS_URL"] = args.redis
        redis_flush(args.redis)
    setup_database(pg, env)
    cat = Catalogue(pg)
    today = dt.datetime.now(TZ).date()
    workdir = Path(tempfile.mkdtemp(prefix="bench-lua-"))
    nthreads = str(args.threads)

    slot_paths = [
        f"/api/specialists/{s}/available_slots/?date={d.isoformat()}"
        for s in cat.specialists
        for d in cat.working_days(s, today + dt.timedelta(1), PROBE_DAYS)
    ]
    slot_svc_paths = [
        f"/api/specialists/{s}/available_slots/?date={d.isoformat()}&service={svc[0]}"
        for s in cat.specialists
        for svc in cat.services[s]
        for d in cat.working_days(s, today + dt.timedelta(1), PROBE_DAYS)
    ]
    nearest_svc = [
        f"/api/slots/nearest/?service={svc[0]}&limit=5"
        for s in cat.specialists
        for svc in cat.services[s]
    ]
    nearest_cat = [f"/api/slots/nearest/?category_id={c}&limit=5" for c in cat.categories]
    months = sorted(
        {today.strftime("%Y-%m"), (today.replace(day=28) + dt.timedelta(days=5)).strftime("%Y-%m")}
    )
    days_paths = [
        f"/api/specialists/{s}/available_days/?service={svc[0]}&month={m}"
        for s in cat.specialists
        for svc in cat.services[s]
        for m in months
    ]
    files = {
        "slots": write_lines(slot_paths, "slots.txt", workdir),
        "slots_svc": write_lines(slot_svc_paths, "slots_svc.txt", workdir),
        "nearest_svc": write_lines(nearest_svc, "nearest_svc.txt", workdir),
        "nearest_cat": write_lines(nearest_cat, "nearest_cat.txt", workdir),
        "days": write_lines(days_paths, "days.txt", workdir),
    }

    server = Server(env, args.port, args.workers)
    started = time.monotonic()
    try:
        log(f"starting API: {args.workers} workers on :{args.port} (log {server.log_file.name})")
        server.start()
        log(
            f"workers: {server.worker_pids()}, idle RSS "
            f"{[round(rss_mb(p) or 0) for p in server.worker_pids()]} MB"
        )
        req = urllib.request.Request(
            f"{server.base}/api/token/",
            method="POST",
            data=json.dumps({"username": "bench", "password": "bench-pass-123"}).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(req, timeout=10) as r:
            token = json.load(r)["access"]
        runner = Runner(args, server, token)

        if "catalog" in phases:
            log("phase catalog")
            for path in ("/api/services/", "/api/specialists/", "/api/categories/"):
                runner.scenario("catalog", path, path)
        if "slots" in phases:
            log("phase slots (no appointments)")
            runner.scenario(
                "slots",
                "available_slots ?date",
                "/",
                script="paths.lua",
                script_args=[files["slots"], nthreads],
            )
            runner.scenario(
                "slots",
                "available_slots ?date&service",
                "/",
                script="paths.lua",
                script_args=[files["slots_svc"], nthreads],
            )
            runner.scenario(
                "slots",
                "nearest ?service",
                "/",
                script="paths.lua",
                script_args=[files["nearest_svc"], nthreads],
            )
            runner.scenario(
                "slots",
                "nearest ?category_id",
                "/",
                script="paths.lua",
                script_args=[files["nearest_cat"], nthreads],
            )
            runner.scenario(
                "slots",
                "available_days ?service&month",
                "/",
                script="paths.lua",
                script_args=[files["days"], nthreads],
            )
        if "booking" in phases:
            log("phase booking")
            bodies = cat.booking_bodies(today + dt.timedelta(days=2), 1100, args.clients)
            need = int(3000 * args.duration)  # room for 3000 req/s without reusing a slot
            warm_need = int(3000 * args.warmup)
            if len(bodies) < need + warm_need:
                log(f"  only {len(bodies)} distinct slots for {need + warm_need} wanted")
            main_file = write_lines(bodies[:need], "book.txt", workdir)
            warm_file = write_lines(
                bodies[need : need + warm_need] or bodies[:100], "warm.txt", workdir
            )
            log(f"  {len(bodies)} distinct free slots generated")

            def clear(_n: int) -> None:
                time.sleep(2)  # let requests still queued in the server finish
                pg.run("DELETE FROM booking_appointment")
                pg.run("VACUUM ANALYZE booking_appointment")
                redis_flush(args.redis)

            runner.scenario(
                "booking",
                "POST appointments (free slots)",
                "/api/appointments/",
                script="bookings.lua",
                script_args=[main_file, nthreads],
                warm_args=[warm_file, nthreads],
                auth=True,
                before_run=clear,
                target_rps=TARGET_BOOK_RPS,
            )
            booked = int(pg.run("SELECT count(*) FROM booking_appointment"))
            log(f"  appointments in the database after the last run: {booked}")
            # Slots the last run booked: every request is refused (400 "already taken").
            time.sleep(2)
            taken = [
                json.dumps(
                    {
                        "client": int(c),
                        "service": int(sv),
                        "specialist": int(sp),
                        "date": d,
                        "start_time": st[:5],
                        "end_time": en[:5],
                    },
                    separators=(",", ":"),
                )
                for c, sv, sp, d, st, en in pg.rows(
                    "SELECT client_id, service_id, specialist_id, date, start_time, "
                    "end_time FROM booking_appointment ORDER BY id LIMIT 2000"
                )
            ]
            taken_file = write_lines(taken, "taken.txt", workdir)
            runner.scenario(
                "booking",
                "POST appointments (taken: 400)",
                "/api/appointments/",
                script="bookings.lua",
                script_args=[taken_file, nthreads],
                auth=True,
                expect_2xx=False,
                target_rps=TARGET_BOOK_RPS,
            )
            clear(0)
        if "scaling" in phases:
            log("phase scaling")
            pg.run("DELETE FROM booking_appointment")
            probe = probe_appointments(pg, cat, today)
            ids = cat.specialists + [
                int(r[0])
                for r in pg.rows(
                    "SELECT id FROM booking_specialist WHERE NOT is_active ORDER BY id"
                )
            ]
            filled = 0
            for size in sizes:
                t0 = time.monotonic()
                fill_appointments(pg, cat, today, filled, max(size - probe, 0), ids)
                filled = max(size - probe, filled)
                pg.run("VACUUM ANALYZE booking_appointment")
                redis_flush(args.redis)
                total = int(pg.run("SELECT count(*) FROM booking_appointment"))
                log(f"  {total} appointments ({time.monotonic() - t0:.1f} s to insert)")
                for name, key in (
                    ("available_slots ?date", "slots"),
                    ("nearest ?service", "nearest_svc"),
                    ("nearest ?category_id", "nearest_cat"),
                    ("available_days ?service&month", "days"),
                ):
                    runner.scenario(
                        "scaling",
                        name,
                        "/",
                        script="paths.lua",
                        script_args=[files[key], nthreads],
                        size=total,
                    )
                # The staff's list of every appointment: a page and the total count.
                runner.scenario(
                    "scaling",
                    "appointments ?page_size=20 (staff)",
                    "/api/appointments/?page_size=20",
                    auth=True,
                    size=total,
                )
    finally:
        server.stop()
        log("API stopped")
        if not args.keep:
            try:
                pg.run(f"DROP DATABASE IF EXISTS {pg.db} WITH (FORCE)", db="postgres")
            except Exception as exc:  # noqa: BLE001
                log(f"could not drop {pg.db}: {exc}")

    report = render(runner.results, args, time.monotonic() - started)
    print(report)
    out = Path(args.out) if args.out else BENCH / "results" / f"{dt.date.today().isoformat()}.md"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(report)
    out.with_suffix(".json").write_text(json.dumps(runner.results, indent=1))
    log(f"written {out}")
    return 0


def render(results: list[dict], args: argparse.Namespace, elapsed: float) -> str:
    lines = [
        f"# Benchmark {dt.datetime.now().strftime('%Y-%m-%d %H:%M')}",
        "",
        f"2 cores (shared), PostgreSQL 15, `booking api --workers {args.workers}`, "
        f"pool {args.pool_size}+{args.max_overflow} per worker; wrk -t{args.threads} "
        f"-c{args.connections}, {args.warmup:g} s warm-up + {args.duration:g} s measured, "
        f"median of {args.runs} run(s). Targets: reads >= {TARGET_READ_RPS} req/s, "
        f"booking >= {TARGET_BOOK_RPS} req/s, p99 < {TARGET_P99_MS:g} ms, "
        f"RSS < {TARGET_RSS_MB:g} MB per worker. Total time {elapsed / 60:.1f} min. "
        f"Response cache: {'Redis (' + args.redis + ')' if args.redis else 'off (no Redis)'}; "
        f"rate limits off; bookings made for {args.clients} client(s) in turn.",
        "",
        "| phase | scenario | appointments | req/s | × target | p50 ms | p99 ms | p99 ok | "
        "peak RSS/worker MB | API CPU ms/req | PG CPU ms/req | other load | "
        "non-2xx (all runs) | socket errors | CPU-bound ceiling req/s |",
        "|---|---|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        ratio = r["rps"] / r["target_rps"] if r["rps"] == r["rps"] else float("nan")
        size = (
            f"{r['size']:,}"
            if r["size"] is not None
            else ("0" if r["phase"] != "booking" else "grows")
        )
        non2xx = f"{r['non2xx']}/{r['requests']}" + ("" if r["expect_2xx"] else " (expected)")
        lines.append(
            f"| {r['phase']} | {r['name']} | {size} | {r['rps']:.0f} | {ratio:.2f} | "
            f"{r['p50']:.1f} | {r['p99']:.1f} | {'yes' if r['p99'] < TARGET_P99_MS else 'NO'} | "
            f"{r['rss_mb']:.0f} | {r['api_cpu_ms']:.2f} | {r['pg_cpu_ms']:.2f} | "
            f"{r['other_cpu']:.0%} | {non2xx} | {r['errors']} | "
            f"{1000 * (os.cpu_count() or 1) / max(r['api_cpu_ms'] + r['pg_cpu_ms'], 1e-9):.0f} |"
        )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
