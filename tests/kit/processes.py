"""Running ``booking`` commands as processes in the ops tests."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from kit.servers import free_port

__all__ = ["booking", "free_port", "process_env", "stop", "wait_until_up"]


def process_env(tmp: Path, **extra: str) -> dict[str, str]:
    """The environment of a test's own API: its database, media folder and secret."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ENCRYPTION_", "REDIS_"))}
    env.update(
        DATABASE_URL=f"sqlite:///{tmp / 'db.sqlite3'}",
        ENVIRONMENT="test",
        SECRET_KEY="serving-test-secret-0123456789abcdef0123",
        MEDIA_ROOT=str(tmp / "m"),
        PASSWORD_HASH_ITERATIONS="1000",
        RUN_JOBS_IN_PROCESS="false",
    )
    env.update(extra)
    return env


def booking(*args: str) -> list[str]:
    """The command line of ``booking ARGS`` in this interpreter."""
    return [sys.executable, "-c", "from booking_cli.main import main; main()", *args]


def wait_until_up(url: str, verify: object = True, proc: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + 40
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise AssertionError(proc.stderr.read().decode() if proc.stderr else "exited")
        try:
            if httpx.get(url, verify=verify, timeout=2).status_code < 500:
                return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise AssertionError(f"{url} never came up")


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
