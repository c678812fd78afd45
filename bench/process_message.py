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
not counted; each round plays its dialogs two weeks later than the one before. ``--profile N`` prints the N most expensive functions (cProfile, measured rounds).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import datetime as dt
import json
import logging
import pstats
import statistics
import subprocess
import sys
import tempfile
import time
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


async def replay(url: str, rounds: int, profiler: cProfile.Profile | None) -> list[float]:
    """Play the dialogs ``rounds + 1`` times; the turn costs (ms) of all but the first round."""
    import run  # noqa: PLC0415 - tests/mcp/eval/run.py, on the path above
    from conv_eval import load_dialogs  # noqa: PLC0415
    from kit.live_api import LiveApi  # noqa: PLC0415

    samples: list[float] = []
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
        return result

    run._reply = timed
    play = run.run_dialog
    skipped: list[str] = []

    async def guarded(server: Any, api: Any, dialog: Any, *rest: Any) -> tuple[bool, list[str]]:
        try:
            return await play(server, api, dialog, *rest)
        except Exception as exc:  # noqa: BLE001 - a setup the API refused: say so, go on
            skipped.append(f"{dialog.id}: {exc}")
            return False, []

    run.run_dialog = guarded
    monday_of = run.dialog_now
    api = LiveApi(url, settings=None)  # type: ignore[arg-type] - staff requests only
    dialogs = load_dialogs()
    for number in range(rounds + 1):
        measuring = number > 0
        run.USER_BASE = 900_000 + 10_000 * number  # a fresh client per dialog and round
        # ... and a week of its own: holds left by a dialog do not block the next round
        run.dialog_now = lambda today, weeks=2 * number: monday_of(today + dt.timedelta(weeks=weeks))
        await run.run_dialogs(api, dialogs, verbose=False)
    for problem in skipped:
        print(f"  (dialog cut short: {problem})")
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="measured rounds (after 1 warm-up)")
    parser.add_argument("--profile", type=int, default=0, metavar="N")
    parser.add_argument("--serve-api", metavar="DIR", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_api:
        serve_forever(args.serve_api)
        return
    logging.disable(logging.WARNING)
    with tempfile.TemporaryDirectory() as tmp:
        child = subprocess.Popen(
            [sys.executable, __file__, "--serve-api", tmp],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            assert child.stdout is not None
            url = json.loads(child.stdout.readline())["url"]
            profiler = cProfile.Profile() if args.profile else None
            samples = asyncio.run(replay(url, args.rounds, profiler))
        finally:
            assert child.stdin is not None
            child.stdin.close()
            child.wait(timeout=30)
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
