"""``booking run``: the API, the MCP server and the bot as child processes, watched together.

Each part runs in its own process (as it would in production), so one part's crash or
blocking call cannot freeze the others. If one dies, the others are stopped and the exit
code says so; Ctrl-C stops them all cleanly. While they run, ``.booking-run.json`` in this
folder says where (see :mod:`booking_cli.run_state`), so ``booking chat`` finds them.
"""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import sys
import time
import urllib.request

from booking_api.core.config import get_settings
from booking_cli import run_state


def _wait_http(url: str, proc: subprocess.Popen[bytes], seconds: float = 60) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        try:
            with urllib.request.urlopen(url, timeout=2):  # noqa: S310 - our own loopback URL
                return True
        except OSError:
            time.sleep(0.3)
    return False


def _die_with_parent() -> None:
    """In the child, before it runs: on Linux, be sent SIGTERM when the supervisor dies,
    however it dies (``kill -9``, an out-of-memory kill), so no part is left holding a port."""
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


#: prctl(2): the signal a child gets when its parent dies.
PR_SET_PDEATHSIG = 1


def _start(args: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
    """A part in a process group of its own: a terminal's Ctrl-C reaches only this supervisor,
    which passes it on once (a second interrupt makes uvicorn quit mid-shutdown)."""
    return subprocess.Popen(args, env=env, process_group=0, preexec_fn=_die_with_parent)  # noqa: PLW1509


def _stop(procs: dict[str, subprocess.Popen[bytes]]) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # stopping already: more Ctrl-C changes nothing
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    for proc in procs.values():
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
    deadline = time.monotonic() + 15
    for proc in procs.values():
        try:
            proc.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            proc.kill()


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt  # SIGTERM stops the parts as cleanly as Ctrl-C


def run_all(*, demo: bool, api_port: int, mcp_port: int) -> int:
    signal.signal(signal.SIGTERM, _interrupt)
    settings = get_settings()
    me = [sys.executable, "-m", "booking_cli"]
    api_url = f"http://127.0.0.1:{api_port}/api"
    mcp_url = f"http://127.0.0.1:{mcp_port}/mcp"
    env = dict(os.environ)
    # The MCP server and the bot talk to the parts started here, whatever the environment says.
    env["API_URL"], env["MCP_SERVER_URL"] = api_url, mcp_url

    from booking_api.migrate import upgrade_sync

    upgrade_sync(settings.database_url)
    if demo:
        subprocess.run([*me, "seed-demo"], check=True, env=env)
    if not env.get("API_USERNAME"):
        # The MCP server acts through a service account; make one for the embedded default.
        from booking_api.service_account import ensure_service_account

        username, password = ensure_service_account(settings)
        env["API_USERNAME"], env["API_PASSWORD"] = username, password

    procs: dict[str, subprocess.Popen[bytes]] = {}
    try:
        procs["API"] = _start([*me, "api", "--port", str(api_port)], env)
        if not _wait_http(f"http://127.0.0.1:{api_port}/health", procs["API"]):
            print("The API did not start; stopping.", file=sys.stderr)
            return 1
        procs["MCP server"] = _start(
            [*me, "mcp", "--transport", "http", "--port", str(mcp_port)], env
        )
        if not _wait_http(f"http://127.0.0.1:{mcp_port}/health", procs["MCP server"]):
            print("The MCP server did not start; stopping.", file=sys.stderr)
            return 1
        if env.get("TELEGRAM_BOT_TOKEN"):
            procs["Telegram bot"] = _start([*me, "bot"], env)
        else:
            print("TELEGRAM_BOT_TOKEN is not set: the Telegram bot is not started.")
        run_state.write(run_state.RunState(pid=os.getpid(), api_url=api_url, mcp_url=mcp_url))
        site = f"http://127.0.0.1:{api_port}"
        print(
            f"\nBooking Assistant is running:\n"
            f"  API docs       {site}/api/docs/\n"
            f"  Admin panel    {site}/admin/  (staff accounts: booking createsuperuser)\n"
            f"  MCP server     {mcp_url}\n"
            f"  Talk to it:    booking chat, from this folder "
            f"(python3 scripts/uv.py run --no-dev booking chat)\n"
            f"Press Ctrl-C to stop.\n",
            flush=True,
        )
        while True:
            for name, proc in procs.items():
                if proc.poll() is not None:
                    print(
                        f"{name} stopped unexpectedly (exit code {proc.returncode}); "
                        "stopping the rest.",
                        file=sys.stderr,
                    )
                    return 1
            time.sleep(0.5)
    except KeyboardInterrupt:
        print("Stopping…")
        return 0
    finally:
        run_state.remove(os.getpid())
        _stop(procs)
