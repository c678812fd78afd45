#!/usr/bin/env python3
"""The bare-ASGI floor: what uvicorn alone serves on this machine, the yardstick of issue 13's
"cached reads ≥ 25 % of the floor".

    uv run python bench/asgi_floor.py                      # 3 rounds × 5 s, wrk -t2 -c32
    uv run python bench/asgi_floor.py --body-from http://127.0.0.1:8771/api/services/

An ASGI app of a few lines answers every request with the same bytes (by default the size of
the demo's ``/api/services/`` answer; ``--body-from`` fetches a real one), served the way
``booking api --workers 2`` serves ours (uvicorn, 2 worker processes, httptools, no access
log). Prints req/s, p50/p99 and the CPU per request of the workers, medians of the rounds.
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
import urllib.request
from pathlib import Path

APP = """
BODY = open({path!r}, "rb").read()
HEADERS = [(b"content-type", b"application/json"), (b"content-length", str(len(BODY)).encode())]


async def app(scope, receive, send):
    if scope["type"] != "http":
        return
    await send({{"type": "http.response.start", "status": 200, "headers": HEADERS}})
    await send({{"type": "http.response.body", "body": BODY}})
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cpu_seconds(pids: list[int]) -> float:
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().split(")")[1].split()
        except FileNotFoundError:
            continue
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def children(pid: int) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout
    return [int(p) for p in out.split()]


def wrk(url: str, seconds: int) -> tuple[float, float, float]:
    out = subprocess.run(
        ["wrk", "-t2", "-c32", f"-d{seconds}s", "--latency", url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]

    def ms(label: str) -> float:
        value, unit = re.search(rf"{label}\s+([\d.]+)(us|ms|s)\b", out).groups()  # type: ignore[union-attr]
        return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]

    return rps, ms("50%"), ms("99%")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--duration", type=int, default=5)
    ap.add_argument("--bytes", type=int, default=3300, help="body size without --body-from")
    ap.add_argument("--body-from", default=None, help="a URL whose answer is served")
    args = ap.parse_args()
    body = (
        urllib.request.urlopen(args.body_from).read()  # noqa: S310 - a local URL by intent
        if args.body_from
        else b'{"x":"' + b"a" * max(0, args.bytes - 8) + b'"}'
    )
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "body.json").write_bytes(body)
        (Path(tmp) / "floor_app.py").write_text(
            textwrap.dedent(APP.format(path=str(Path(tmp) / "body.json")))
        )
        port = free_port()
        server = subprocess.Popen(
            [
                sys.executable, "-m", "uvicorn", "floor_app:app", "--port", str(port),
                "--workers", "2", "--http", "httptools", "--no-access-log", "--log-level",
                "warning",
            ],
            cwd=tmp,
            start_new_session=True,
        )  # fmt: skip
        try:
            url = f"http://127.0.0.1:{port}/"
            for _ in range(100):
                try:
                    urllib.request.urlopen(url).read()  # noqa: S310
                    break
                except OSError:
                    time.sleep(0.1)
            time.sleep(1)
            workers = children(server.pid)
            wrk(url, 2)  # warm-up
            rounds = []
            for _ in range(args.rounds):
                cpu = cpu_seconds(workers)
                rps, p50, p99 = wrk(url, args.duration)
                cpu = cpu_seconds(workers) - cpu
                rounds.append((rps, p50, p99, cpu / (rps * args.duration) * 1000))
                print(
                    f"round: {rps:,.0f} req/s, p50 {p50:.2f} ms, p99 {p99:.2f} ms, "
                    f"{rounds[-1][3]:.3f} ms worker CPU per request"
                )
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(10)
    med = [statistics.median(r[i] for r in rounds) for i in range(4)]
    print(
        f"bare ASGI floor ({len(body)} bytes, 2 uvicorn workers, wrk -t2 -c32): "
        f"{med[0]:,.0f} req/s, p50 {med[1]:.2f} ms, p99 {med[2]:.2f} ms, "
        f"{med[3]:.3f} ms worker CPU per request (medians of {len(rounds)})"
    )


if __name__ == "__main__":
    main()
