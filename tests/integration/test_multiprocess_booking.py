"""Two API worker processes over real HTTP: one slot, fifty clients, one booking.

The in-process tests share one event loop; this one proves the database (not the process)
refuses the double booking: SQLite's write lock across processes, PostgreSQL's constraint.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from kit.api import PG_ADMIN_URL, _drop_pg_database, _fresh_pg_database

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def booking_cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "booking_cli", *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )


@pytest.fixture(params=["sqlite", "postgresql"])
async def server(request, tmp_path):
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'multi.sqlite3'}"
    else:
        url = await _fresh_pg_database(f"booking_multi_{os.getpid()}")
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "SECRET_KEY": "x" * 40,
        "PASSWORD_HASH_ITERATIONS": "1000",
        "MEDIA_ROOT": str(tmp_path / "media"),
        "THROTTLE_BOOKING": "",
        "THROTTLE_AUTH": "",
    }  # 50 bookings by one user at once
    booking_cli("migrate", env=env)
    booking_cli(
        "createsuperuser",
        "--username",
        "admin",
        "--email",
        "a@example.com",
        "--password",
        "admin-pass-123",
        "--noinput",
        env=env,
    )
    port = free_port()
    proc = subprocess.Popen(  # noqa: ASYNC220 - a server for the whole test, not awaited
        [sys.executable, "-m", "booking_cli", "api", "--port", str(port), "--workers", "2"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    async with httpx.AsyncClient() as http:
        while True:
            try:
                if (await http.get(f"{base}/health")).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert proc.poll() is None, proc.stderr.read().decode()[-2000:]
            assert time.monotonic() < deadline, "the API did not start"
            await asyncio.sleep(0.3)
    try:
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        if request.param == "postgresql":
            await _drop_pg_database(f"booking_multi_{os.getpid()}")
    assert PG_ADMIN_URL


async def test_fifty_clients_two_workers_one_booking(server):
    async with httpx.AsyncClient(base_url=server, timeout=60) as http:
        token = (
            await http.post("/api/token/", json={"username": "admin", "password": "admin-pass-123"})
        ).json()
        staff = {"Authorization": f"Bearer {token['access']}"}
        spec = (
            await http.post(
                "/api/specialists/",
                headers=staff,
                json={"name": "Анна", "specialization": "Маникюр"},
            )
        ).json()
        day = dt.date.today() + dt.timedelta(days=3)
        r = await http.post(
            "/api/schedules/",
            headers=staff,
            json={
                "specialist": spec["id"],
                "day_of_week": day.weekday(),
                "start_time": "09:00",
                "end_time": "18:00",
            },
        )
        assert r.status_code == 201, r.text
        service = (
            await http.post(
                "/api/services/",
                headers=staff,
                json={"name": "Маникюр", "price": "1500", "duration": 60, "specialist": spec["id"]},
            )
        ).json()
        clients = []
        for i in range(5):
            r = await http.post(
                "/api/clients/",
                headers=staff,
                json={"name": f"Клиент {i}", "phone": f"+7900000000{i}"},
            )
            clients.append(r.json()["id"])
        body = {
            "service": service["id"],
            "specialist": spec["id"],
            "date": day.isoformat(),
            "start_time": "12:00",
            "end_time": "13:00",
        }
        results = await asyncio.gather(
            *(
                http.post(
                    "/api/appointments/", headers=staff, json={**body, "client": clients[i % 5]}
                )
                for i in range(50)
            )
        )
        codes = [r.status_code for r in results]
        assert codes.count(201) == 1, codes
        assert codes.count(400) == 49, codes
        assert all(
            r.json() == {"non_field_errors": ["Выбранное время уже занято."]}
            for r in results
            if r.status_code == 400
        )
        rows = (await http.get("/api/appointments/", headers=staff)).json()
        assert len(rows) == 1
