"""``booking run``: starts the API and the MCP server, stops them together."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest
from test_multiprocess_booking import free_port

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]


class Output:
    """Collects a child's output in a thread, so a test can wait for a line."""

    def __init__(self, proc: subprocess.Popen[str]):
        self.lines: list[str] = []
        self.thread = threading.Thread(target=self._read, args=(proc,), daemon=True)
        self.thread.start()

    def _read(self, proc: subprocess.Popen[str]) -> None:
        for line in proc.stdout:
            self.lines.append(line)

    def text(self) -> str:
        return "".join(self.lines)

    def wait_for(self, needle: str, seconds: float = 60) -> None:
        deadline = time.monotonic() + seconds
        while needle not in self.text():
            assert time.monotonic() < deadline, f"{needle!r} never printed:\n{self.text()}"
            time.sleep(0.2)


def start(tmp_path: Path) -> tuple[subprocess.Popen[str], int, int, Output]:
    api_port, mcp_port = free_port(), free_port()
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "TELEGRAM_BOT_TOKEN", "API_USERNAME", "API_URL")
    }
    env.update(PASSWORD_HASH_ITERATIONS="1000", PYTHONPATH=str(ROOT / "src"))
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "booking_cli",
            "run",
            "--demo",
            "--api-port",
            str(api_port),
            "--mcp-port",
            str(mcp_port),
        ],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # its own process group, as in a terminal
    )
    output = Output(proc)
    try:
        output.wait_for("Press Ctrl-C to stop.", seconds=120)
    except BaseException:
        stop(proc, children(proc.pid))
        raise
    assert httpx.get(f"http://127.0.0.1:{mcp_port}/health").status_code == 200
    return proc, api_port, mcp_port, output


def children(pid: int) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout
    return [int(p) for p in out.split()]


def gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def stop(proc: subprocess.Popen[str], parts: list[int]) -> None:
    """Leave nothing running, whatever the test asserted."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
    for pid in parts:
        if not gone(pid):
            os.kill(pid, signal.SIGKILL)


@pytest.fixture
def booking_run(tmp_path):
    proc, api_port, mcp_port, output = start(tmp_path)
    parts = children(proc.pid)
    try:
        yield proc, api_port, mcp_port, output
    finally:
        stop(proc, parts)


def test_run_serves_the_demo_and_stops_cleanly_on_ctrl_c(tmp_path, booking_run):
    proc, api_port, mcp_port, output = booking_run
    services = httpx.get(f"http://127.0.0.1:{api_port}/api/services/").json()
    assert len(services) >= 10  # the demo catalogue on the embedded SQLite default
    assert (tmp_path / "booking.sqlite3").exists()
    # The banner's links lead somewhere: the API docs and the admin panel.
    text = output.text()
    banner = text[text.index("Booking Assistant is running:") : text.index("Press Ctrl-C")]
    assert f"http://127.0.0.1:{api_port}/api/docs/" in banner
    assert f"http://127.0.0.1:{api_port}/admin/" in banner
    for url in re.findall(r"https?://\S+", banner):
        if not url.endswith("/mcp"):  # the MCP endpoint answers MCP clients only
            assert httpx.get(url, follow_redirects=True).status_code == 200, url
    # Where it runs, for `booking chat`: beside the database and the service account file.
    state = json.loads((tmp_path / ".booking-run.json").read_text())
    assert state["mcp_url"] == f"http://127.0.0.1:{mcp_port}/mcp"
    assert state["api_url"] == f"http://127.0.0.1:{api_port}/api"
    assert (tmp_path / ".booking-service-account.json").exists()
    parts = children(proc.pid)
    assert len(parts) == 2  # API and MCP server (no bot without a token)
    proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=60) == 0
    output.thread.join(timeout=10)
    assert "TELEGRAM_BOT_TOKEN is not set" in output.text()
    assert all(gone(pid) for pid in parts)
    assert not (tmp_path / ".booking-run.json").exists()


def test_ctrl_c_in_a_terminal_stops_every_part_quietly(booking_run):
    """A terminal's Ctrl-C reaches the whole foreground process group, not just `booking run`:
    each part still gets one interrupt (a second one makes uvicorn quit mid-shutdown)."""
    proc, _, _, output = booking_run
    parts = children(proc.pid)
    os.killpg(proc.pid, signal.SIGINT)
    assert proc.wait(timeout=60) == 0
    output.thread.join(timeout=10)
    tail = output.text()[output.text().index("Press Ctrl-C") :]
    assert "Stopping" in tail
    assert "Traceback" not in tail and "stopped unexpectedly" not in tail, tail[-3000:]
    time.sleep(1)
    assert all(gone(pid) for pid in parts)


def test_chat_talks_to_the_assistant_that_run_started(tmp_path, booking_run):
    """Other ports than the defaults, no MCP_SERVER_URL: chat finds them in the run's folder."""
    _, _, mcp_port, _ = booking_run
    env = {k: v for k, v in os.environ.items() if k not in ("MCP_SERVER_URL", "API_USERNAME")}
    # Nothing answers here: were chat to ignore the run, it could not reach any API.
    env.update(API_URL=f"http://127.0.0.1:{free_port()}/api", PYTHONPATH=str(ROOT / "src"))
    chat = subprocess.run(
        [sys.executable, "-m", "booking_cli", "chat"],
        cwd=tmp_path,
        env=env,
        input="привет\n",
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert chat.returncode == 0, chat.stderr[-3000:]
    assert f"http://127.0.0.1:{mcp_port}/mcp" in chat.stdout
    assert "Здравствуйте! Я помогу записаться" in chat.stdout, chat.stdout + chat.stderr[-3000:]


def test_when_one_part_dies_the_rest_stop(booking_run):
    proc, api_port, mcp_port, output = booking_run
    parts = children(proc.pid)
    api = next(pid for pid in parts if str(api_port) in Path(f"/proc/{pid}/cmdline").read_text())
    os.kill(api, signal.SIGKILL)
    assert proc.wait(timeout=60) == 1
    output.thread.join(timeout=10)
    assert "API stopped unexpectedly" in output.text()
    time.sleep(1)
    assert all(gone(pid) for pid in parts)


def readme_command(needle: str) -> str:
    """The README's shell command that contains ``needle`` (from a ```bash block)."""
    readme = (ROOT / "README.md").read_text()
    blocks = re.findall(r"```bash\n(.*?)```", readme, flags=re.S)
    [command] = [line for block in blocks for line in block.splitlines() if needle in line]
    return command.strip()


def test_the_readmes_run_command_works_on_a_fresh_copy_without_dev_tools(tmp_path):
    """What a newcomer types: the README's command, in a fresh copy of the project; the
    environment it makes holds the runtime only (no pytest, hypothesis, ruff)."""
    command = readme_command("booking run")
    assert command.startswith("python3 scripts/uv.py run ")
    copy = tmp_path / "fresh"
    copy.mkdir()
    for name in ("pyproject.toml", "uv.lock", "README.md"):
        shutil.copy(ROOT / name, copy / name)
    for name in ("src", "migrations", "scripts"):
        shutil.copytree(ROOT / name, copy / name, ignore=shutil.ignore_patterns("__pycache__"))
    api_port, mcp_port = free_port(), free_port()
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "TELEGRAM_BOT_TOKEN", "API_USERNAME", "API_URL")
        and not k.startswith(("VIRTUAL_ENV", "UV_PROJECT"))
    }
    env["PASSWORD_HASH_ITERATIONS"] = "1000"
    args = shlex.split(command)
    args[0] = sys.executable  # `python3`, whichever this machine's is
    proc = subprocess.Popen(
        [*args, "--api-port", str(api_port), "--mcp-port", str(mcp_port)],
        cwd=copy,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    output = Output(proc)
    try:
        output.wait_for("Press Ctrl-C to stop.", seconds=300)
        services = httpx.get(f"http://127.0.0.1:{api_port}/api/services/").json()
        assert len(services) >= 10
        venv_python = copy / ".venv" / "bin" / "python"
        found = subprocess.run(
            [
                str(venv_python),
                "-c",
                "import importlib.util as u; "
                "print([m for m in ('pytest', 'hypothesis', 'ruff', 'importlinter', 'booking_cli')"
                " if u.find_spec(m)])",
            ],
            capture_output=True,
            text=True,
            check=True,
        )
        assert found.stdout.strip() == "['booking_cli']"  # the runtime, none of the dev tools
    finally:
        os.killpg(proc.pid, signal.SIGINT)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == 0, output.text()[-3000:]


def test_no_part_outlives_a_killed_run(booking_run):
    """`kill -9` of `booking run` (or the OOM killer) leaves no API or MCP server holding its
    port: each part is told when its supervisor dies."""
    proc, api_port, mcp_port, _ = booking_run
    parts = children(proc.pid)
    assert len(parts) == 2
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not all(gone(pid) for pid in parts):
        time.sleep(0.5)
    assert all(gone(pid) for pid in parts), "a part outlived its supervisor"
