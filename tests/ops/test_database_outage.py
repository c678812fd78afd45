"""A database out of reach is a 503 with Retry-After, never a 500, and the API is back when the
database is: a real PostgreSQL restarted under a running ``booking api``, and SQLite locked by
another writer or impossible to open."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import socket
import sqlite3
import subprocess
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

import h11
import httpx
import pytest

from booking_api.app import create_app
from booking_api.core.db import Database
from kit.api import future_day
from kit.ops import captured_logs, json_lines
from kit.private_postgres import PrivatePostgres, available
from kit.processes import booking, free_port, process_env, stop, wait_until_up

DRF_503 = {"detail": "Service temporarily unavailable, try again later."}


class Connection:
    """One keep-alive HTTP/1.1 connection (h11 over a socket): a closed connection is an
    error here, where an HTTP client library would quietly open another."""

    def __init__(self, port: int, token: str | None = None):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=30)
        self.conn = h11.Connection(h11.CLIENT)
        self.token = token

    def request(self, method: str, path: str, body: dict | None = None) -> tuple[int, dict, dict]:
        data = json.dumps(body).encode() if body is not None else b""
        headers = [("Host", "api"), ("Content-Length", str(len(data)))]
        if body is not None:
            headers.append(("Content-Type", "application/json"))
        if self.token:
            headers.append(("Authorization", f"Bearer {self.token}"))
        if self.conn.our_state is h11.DONE:
            self.conn.start_next_cycle()
        out = self.conn.send(h11.Request(method=method, target=path, headers=headers))
        out += self.conn.send(h11.Data(data=data)) + self.conn.send(h11.EndOfMessage())
        self.sock.sendall(out)
        response, chunks = None, []
        while True:
            event = self.conn.next_event()
            if event is h11.NEED_DATA:
                received = self.sock.recv(65536)
                assert received, "the server closed the connection"
                self.conn.receive_data(received)
            elif isinstance(event, h11.Response):
                response = event
            elif isinstance(event, h11.Data):
                chunks.append(event.data)
            elif isinstance(event, h11.EndOfMessage):
                break
        assert response is not None
        assert self.conn.their_state is h11.DONE  # no "Connection: close": it stays usable
        head = {k.decode().lower(): v.decode() for k, v in response.headers}
        return response.status_code, head, json.loads(b"".join(chunks) or b"null")

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def postgres():
    if not available():
        pytest.skip("no PostgreSQL server binaries to start a private server")
    server = PrivatePostgres(Path(tempfile.mkdtemp(prefix="booking-pg-")))
    server.start()
    server.create_database()
    yield server
    server.destroy()


def _catalogue(staff: Connection) -> dict:
    """A specialist working every day all day, a 30-minute service and a client."""
    _, _, spec = staff.request("POST", "/api/specialists/", {"name": "Анна", "specialization": "m"})
    for day in range(7):
        staff.request(
            "POST",
            "/api/schedules/",
            {"specialist": spec["id"], "day_of_week": day, "start_time": "00:00",
             "end_time": "23:30"},
        )  # fmt: skip
    _, _, service = staff.request(
        "POST",
        "/api/services/",
        {"name": "Маникюр", "price": "10.00", "duration": 30, "specialist": spec["id"]},
    )
    _, _, client = staff.request("POST", "/api/clients/", {"name": "Вера", "phone": "1"})
    return {"service": service["id"], "specialist": spec["id"], "client": client["id"]}


def _booking_body(ids: dict, n: int) -> dict:
    day = future_day(2 + n // 40)  # UTC tomorrow 00:00 may be past in Moscow (UTC+3)
    minutes = (n % 40) * 30
    start = dt.time(minutes // 60, minutes % 60)
    end = dt.time((minutes + 30) // 60, (minutes + 30) % 60)
    return {**ids, "date": str(day), "start_time": f"{start:%H:%M}", "end_time": f"{end:%H:%M}"}


@pytest.mark.slow
@pytest.mark.postgres
def test_postgres_restart_is_a_503_and_bookings_resume(postgres, tmp_path):
    env = process_env(tmp_path, DATABASE_URL=postgres.url, LOG_FORMAT="json")
    env.update(DATABASE_RETRY_AFTER_SECONDS="3", THROTTLE_BOOKING="", THROTTLE_AUTH="")
    env["CACHE_BACKEND"] = "off"  # every read asks the database (a cached one would answer)
    superuser = ("createsuperuser", "--noinput", "--username", "boss", "--password", "boss-pass-1")
    done = subprocess.run(booking(*superuser), env=env, capture_output=True, timeout=120)
    assert done.returncode == 0, done.stderr.decode()[-3000:]  # the schema is made on the way
    port = free_port()
    api = subprocess.Popen(booking("api", "--port", str(port)), env=env, stderr=subprocess.PIPE)
    flowing, statuses, errors = threading.Event(), Counter(), []
    try:
        wait_until_up(f"http://127.0.0.1:{port}/health", proc=api)
        token = httpx.post(
            f"http://127.0.0.1:{port}/api/token/",
            json={"username": "boss", "password": "boss-pass-1"},
        ).json()["access"]
        staff = Connection(port, token)
        ids = _catalogue(staff)
        numbers = iter(range(10_000))
        first = _booking_body(ids, next(numbers))
        status, _, answer = staff.request("POST", "/api/appointments/", first)
        assert status == 201, answer

        def traffic() -> None:
            """Reads and bookings keep coming on their own connection through it all."""
            other = Connection(port, token)
            try:
                while not flowing.is_set():
                    for method, path, body in (
                        ("GET", "/api/services/", None),
                        ("POST", "/api/appointments/", _booking_body(ids, next(numbers))),
                    ):
                        statuses[other.request(method, path, body)[0]] += 1
                    time.sleep(0.02)
            except Exception as exc:  # noqa: BLE001 - reported by the test below
                errors.append(exc)
            finally:
                other.close()

        flow = threading.Thread(target=traffic)
        flow.start()
        postgres.stop()
        for method, path, body in (
            ("GET", "/api/services/", None),
            ("POST", "/api/appointments/", _booking_body(ids, next(numbers))),
            ("GET", "/api/appointments/", None),
            ("GET", "/api/services/", None),
        ):
            status, headers, answer = staff.request(method, path, body)
            assert (status, answer) == (503, DRF_503), (method, path, answer)
            assert headers["retry-after"] == "3"
        status, headers, answer = staff.request("GET", "/ready", None)
        assert status == 503 and answer["database"] == "down" and headers["retry-after"] == "3"

        postgres.start()
        # The first booking once the database answers again succeeds, on the same connection.
        status, _, answer = staff.request(
            "POST", "/api/appointments/", _booking_body(ids, next(numbers))
        )
        assert status == 201, answer
        assert staff.request("GET", "/api/services/", None)[0] == 200
        assert staff.request("GET", "/ready", None)[0] == 200
        flowing.set()
        flow.join(30)
        assert not errors, errors
        assert set(statuses) <= {200, 201, 503} and statuses[503] > 0, statuses
        staff.close()
    finally:
        flowing.set()
        stop(api)
    log = api.stderr.read().decode().splitlines()
    lines = [json.loads(line) for line in log if line.startswith("{")]
    warnings = [line["msg"] for line in lines if line["level"] in ("WARNING", "ERROR")]
    assert sum("database unavailable" in msg for msg in warnings) == 1, warnings
    assert sum("database reachable again" in msg for msg in warnings) == 1, warnings
    assert not [line for line in lines if "exc" in line or line["level"] == "ERROR"], warnings
    assert not [line for line in lines if line.get("status") == 500]


async def test_sqlite_locked_by_another_writer_is_a_503(env, cat, tmp_path):
    """Another process (the Django service, a backup) holds SQLite's write lock past the busy
    timeout: writes answer 503 with Retry-After, reads go on (WAL), writes resume after."""
    if env.backend != "sqlite":
        pytest.skip("SQLite's write lock")
    settings = env.settings.model_copy(update={"sqlite_busy_timeout_seconds": 0.2})
    database = Database.from_settings(settings)
    app = create_app(settings, database)
    path = settings.database_url.split("///", 1)[1]
    other = sqlite3.connect(path, isolation_level=None)
    body = {"name": "Брови", "description": ""}
    staff = env.auth(cat.staff)
    try:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://t"
        ) as http:
            with captured_logs(this_thread=True) as logs:
                other.execute("BEGIN IMMEDIATE")
                for _ in range(3):
                    r = await http.post("/api/categories/", headers=staff, json=body)
                    assert (r.status_code, r.json()) == (503, DRF_503)
                    assert r.headers["Retry-After"] == str(settings.database_retry_after_seconds)
                assert (await http.get("/api/categories/")).status_code == 200
                other.execute("ROLLBACK")
                r = await http.post("/api/categories/", headers=staff, json=body)
                assert r.status_code == 201, r.text
        records = json_lines(logs)
    finally:
        other.close()
        await database.dispose()
    warnings = [r["msg"] for r in records if r["level"] in ("WARNING", "ERROR")]
    assert len(warnings) == 2, warnings
    assert warnings[0].startswith("database unavailable (OperationalError: ")
    assert warnings[1].startswith("database reachable again after")
    assert not [r for r in records if "exc" in r]


async def test_sqlite_file_that_cannot_be_opened_is_a_503(env, tmp_path):
    if env.backend != "sqlite":
        pytest.skip("a SQLite file")
    url = f"sqlite+aiosqlite:///{tmp_path / 'gone' / 'db.sqlite3'}"
    settings = env.settings.model_copy(update={"database_url": url})
    database = Database.from_settings(settings)
    app = create_app(settings, database)
    try:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://t"
        ) as http:
            with captured_logs(this_thread=True) as logs:
                for path in ("/api/services/", "/api/categories/", "/api/specialists/1/"):
                    r = await http.get(path)
                    assert (r.status_code, r.json()) == (503, DRF_503), path
    finally:
        await database.dispose()
    warnings = [r for r in json_lines(logs) if r["level"] in ("WARNING", "ERROR")]
    assert len(warnings) == 1 and "unable to open database file" in warnings[0]["msg"]


def test_unavailable_errors_are_told_apart_from_bugs():
    from sqlalchemy import exc as sa_exc

    from booking_api.core.db import database_unavailable

    assert not database_unavailable(ValueError("a bug"))
    assert not database_unavailable(OSError("disk full while saving a photo"))
    assert not database_unavailable(
        sa_exc.IntegrityError("INSERT", {}, sqlite3.IntegrityError("UNIQUE constraint failed"))
    )
    assert database_unavailable(
        sa_exc.OperationalError("BEGIN", {}, sqlite3.OperationalError("database is locked"))
    )
    assert database_unavailable(sa_exc.TimeoutError("QueuePool limit of size 16 reached"))


async def test_job_poller_logs_an_outage_once(env, tmp_path):
    """The in-process job poller keeps polling through an outage with one warning, not a
    traceback every JOB_POLL_SECONDS."""
    if env.backend != "sqlite":
        pytest.skip("a SQLite file")
    from booking_api.jobs.runner import InProcessPoller

    url = f"sqlite+aiosqlite:///{tmp_path / 'gone' / 'db.sqlite3'}"
    settings = env.settings.model_copy(update={"database_url": url, "job_poll_seconds": 0.05})
    database = Database.from_settings(settings)
    poller = InProcessPoller(database, settings, sender=object())
    with captured_logs(this_thread=True) as logs:
        await poller.start()
        await asyncio.sleep(0.6)  # a dozen polls
        await poller.stop()
    await database.dispose()
    records = [r for r in json_lines(logs) if r["level"] in ("WARNING", "ERROR")]
    assert len(records) == 1, records
    assert records[0]["msg"].startswith("database unavailable") and "exc" not in records[0]
