"""The ``booking`` command, run as a user runs it (a subprocess on a temporary SQLite file)."""

from __future__ import annotations

import os
import sqlite3
import subprocess
from pathlib import Path

import httpx

from booking_api.app import create_app
from booking_api.core.db import Database
from kit.api import make_settings

ROOT = Path(__file__).resolve().parents[2]


def booking(*args: str, db: Path) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{db}",
        "PASSWORD_HASH_ITERATIONS": "1000",
        "SECRET_KEY": "cli-test-secret-key-0123456789abcdef",
    }
    return subprocess.run(
        ["uv", "run", "booking", *args],
        cwd=ROOT,
        env=env,
        text=True,
        capture_output=True,
        timeout=120,
    )


def test_help_lists_commands(tmp_path):
    result = booking("--help", db=tmp_path / "x.sqlite3")
    assert result.returncode == 0, result.stderr
    for command in ("api", "migrate", "createsuperuser", "seed-demo"):
        assert command in result.stdout


async def test_createsuperuser_then_login(tmp_path):
    db = tmp_path / "cli.sqlite3"
    result = booking(
        "createsuperuser", "--username", "u", "--email", "e@x.com", "--password", "p4ssw0rd!", db=db
    )
    assert result.returncode == 0, result.stderr
    assert "Superuser created successfully." in result.stdout

    result = booking("migrate", db=db)
    assert result.returncode == 0 and "Database is up to date." in result.stdout

    settings = make_settings(f"sqlite:///{db}", tmp_path)
    database = Database.from_settings(settings)
    try:
        transport = httpx.ASGITransport(app=create_app(settings, database))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            r = await c.post("/api/token/", json={"username": "u", "password": "p4ssw0rd!"})
            assert r.status_code == 200, r.text
            r = await c.get(
                "/api/clients/", headers={"Authorization": f"Bearer {r.json()['access']}"}
            )
            assert r.status_code == 200  # a staff user
    finally:
        await database.dispose()


def test_seed_demo_twice(tmp_path):
    db = tmp_path / "demo.sqlite3"
    first = booking("seed-demo", db=db)
    assert first.returncode == 0, first.stderr
    assert "Demo catalogue created." in first.stdout
    second = booking("seed-demo", db=db)
    assert second.returncode == 0
    assert "left as is" in second.stdout


def test_run_state_is_read_only_while_its_run_lives(tmp_path):
    from booking_cli import run_state

    path = tmp_path / ".booking-run.json"
    assert run_state.read(path) is None  # no run here
    mine = run_state.RunState(
        pid=os.getpid(), api_url="http://127.0.0.1:8001/api", mcp_url="http://127.0.0.1:5001/mcp"
    )
    run_state.write(mine, path)
    assert run_state.read(path) == mine
    run_state.remove(os.getpid() + 1, path)  # another run's exit leaves it
    assert run_state.read(path) == mine
    run_state.remove(os.getpid(), path)
    assert not path.exists()

    # A run that was killed left its file: its process is gone, so nothing runs here.
    finished = subprocess.Popen(["true"])
    finished.wait()
    run_state.write(run_state.RunState(finished.pid, mine.api_url, mine.mcp_url), path)
    assert run_state.read(path) is None
    path.write_text("not json")
    assert run_state.read(path) is None


def test_recount_says_what_it_found(tmp_path):
    db = tmp_path / "recount.sqlite3"
    assert booking("migrate", db=db).returncode == 0
    with sqlite3.connect(db) as conn:  # a count gone wrong (written around the triggers)
        conn.execute("UPDATE booking_rowcount SET n = 7")
    result = booking("recount", db=db)
    assert result.returncode == 0, result.stderr
    assert "booking_appointment: 0 rows; the kept count was 7, now corrected." in result.stdout
    again = booking("recount", db=db)
    assert "booking_appointment: 0 rows; the kept count was right." in again.stdout
