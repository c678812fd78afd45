#!/usr/bin/env python3
"""MCP-side CPU per ``process_message`` turn, over the dialogs of the evaluation set (issue 12).

    uv run python bench/process_message.py              # 1 warm-up round + 3 measured rounds
    uv run python bench/process_message.py --rounds 5 --profile 30

The API (a fresh SQLite database with the demo catalogue, as ``tests/mcp/eval/run.py`` uses)
is served by a **child process**, so its CPU is not counted. This process runs the MCP server
in-process and drives it through ``mcp.Client(server)``, replaying every dialog of
``tests/mcp/eval/dialogs.yaml`` with the replay code of ``run.py``; each turn's cost is the
``time.process_time()`` of this process around the ``process_message`` call: recognition, the
dialog, rendering, the MCP protocol layer and the HTTP client's side of the calls to the API.
The setup of each dialog (registration, existing bookings) and the checks of the rows after it
are not timed. The first round warms the caches (pymorphy3, the catalogue, regexes) and is
not counted; each round gets a fresh API (a new child process and database).
``--profile N`` prints the N most expensive functions (cProfile, measured rounds).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import logging
import pstats
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
EVAL = ROOT / "tests" / "mcp" / "eval"
sys.path[:0] = [str(EVAL), str(ROOT / "tests")]

QUIET = dict(cache_backend="off", throttle_auth="", throttle_booking="")
TARGET_MS = 30.0


def serve_forever(tmp: str) -> None:
    """Child process: serve the API on a fresh database, print its URL, stop when stdin closes."""
    from kit.live_api import serve_api  # noqa: PLC0415

    logging.disable(logging.WARNING)
    with serve_api(Path(tmp), **QUIET) as api:
        print(json.dumps({"url": api.url}), flush=True)
        sys.stdin.read()


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


@contextmanager
def api_in_child() -> Iterator[str]:
    """The API on a fresh database, served by a child process; yields its URL."""
    with tempfile.TemporaryDirectory() as tmp:
        child = subprocess.Popen(
            [sys.executable, __file__, "--serve-api", tmp],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            assert child.stdout is not None
            yield json.loads(child.stdout.readline())["url"]
        finally:
            assert child.stdin is not None
            child.stdin.close()
            child.wait(timeout=60)


def replay(rounds: int, profiler: cProfile.Profile | None, slowest: int = 0) -> list[float]:
    """Play the dialogs ``rounds + 1`` times, each time against a fresh API; the turn costs
    (ms) of all but the first round."""
    import run  # noqa: PLC0415 - tests/mcp/eval/run.py, on the path above
    from conv_eval import load_dialogs  # noqa: PLC0415

    from kit.live_api import LiveApi  # noqa: PLC0415

    samples: list[float] = []
    turns: list[tuple[float, str]] = []
    measuring = False
    reply = run._reply

    async def timed(*args: Any) -> dict[str, Any]:
        if profiler is not None and measuring:
            profiler.enable()
        start = time.process_time()
        result = await reply(*args)
        spent = time.process_time() - start
        if profiler is not None and measuring:
            profiler.disable()
        if measuring:
            samples.append(spent * 1000)
            turns.append((spent * 1000, f"round {number}, turn {len(samples)}: {args[2]!r}"))
        return result

    run._reply = timed
    dialogs = load_dialogs()
    for number in range(rounds + 1):
        measuring = number > 0
        with api_in_child() as url:
            api = LiveApi(url, settings=None)  # type: ignore[arg-type] - staff requests only
            asyncio.run(run.run_dialogs(api, dialogs, verbose=False))
    for cost, where in sorted(turns, reverse=True)[:slowest]:
        print(f"  {cost:7.1f} ms  {where}")
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="measured rounds (after 1 warm-up)")
    parser.add_argument("--profile", type=int, default=0, metavar="N")
    parser.add_argument("--slowest", type=int, default=0, metavar="N", help="list the N costliest")
    parser.add_argument("--serve-api", metavar="DIR", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_api:
        serve_forever(args.serve_api)
        return
    logging.disable(logging.WARNING)
    profiler = cProfile.Profile() if args.profile else None
    samples = replay(args.rounds, profiler, args.slowest)
    median = statistics.median(samples)
    print(
        f"process_message, MCP-side CPU per turn over {len(samples)} turns "
        f"({args.rounds} rounds of the dialog set, after 1 warm-up round):\n"
        f"  median {median:.1f} ms   p90 {percentile(samples, 0.9):.1f} ms   "
        f"max {max(samples):.1f} ms   (target: median <= {TARGET_MS:.0f} ms: "
        f"{'met' if median <= TARGET_MS else 'NOT met'})"
    )
    if profiler is not None:
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(args.profile)


if __name__ == "__main__":
    main()
