#!/usr/bin/env python3
"""What the slot engine costs per specialist-day (pure Python, no I/O), with a profile.

    uv run python bench/engine_cost.py                # table: busy appointments per day → µs
    uv run python bench/engine_cost.py --profile 8    # cProfile of days with 8 appointments

A day is 09:00–18:00 with a 13:00–14:00 break, a 30-minute grid, Europe/Moscow; ``busy`` holds
that many 30-minute appointments spread over the day (what ``available_slots`` hands to
``free_slots`` after the database answered). The figure is CPU time per ``free_slots`` call
(median of 5 runs), the engine's share of one uncached free-slot answer.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import io
import pstats
import statistics
import time
from zoneinfo import ZoneInfo

from booking_api.availability.engine import DayRules, Interval, free_slots, local_dt

TZ = ZoneInfo("Europe/Moscow")
DAY = dt.date(2031, 3, 4)


def rules(busy: int) -> DayRules:
    starts = [dt.time(9 + (i * 8) // max(busy, 1), 30 * (i % 2)) for i in range(busy)]
    spans = tuple(
        Interval(local_dt(DAY, s, TZ), local_dt(DAY, s, TZ) + dt.timedelta(minutes=30))
        for s in starts
    )
    return DayRules(
        day=DAY,
        tz=TZ,
        work_start=dt.time(9),
        work_end=dt.time(18),
        breaks=((dt.time(13), dt.time(14)),),
        busy=spans,
        earliest=dt.datetime(2031, 1, 1, tzinfo=dt.UTC),
        latest=dt.datetime(2032, 1, 1, tzinfo=dt.UTC),
    )


def cost_us(busy: int, n: int) -> float:
    day = rules(busy)
    step = duration = dt.timedelta(minutes=30)
    runs = []
    for _ in range(5):
        started = time.process_time()
        for _ in range(n):
            free_slots(day, duration=duration, step=step)
        runs.append((time.process_time() - started) / n * 1e6)
    return statistics.median(runs)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("-n", type=int, default=2000, help="calls per run")
    ap.add_argument("--profile", type=int, default=None, help="busy appointments to profile")
    args = ap.parse_args()
    if args.profile is not None:
        day = rules(args.profile)
        step = dt.timedelta(minutes=30)
        prof = cProfile.Profile()
        prof.enable()
        for _ in range(args.n):
            free_slots(day, duration=step, step=step)
        prof.disable()
        out = io.StringIO()
        pstats.Stats(prof, stream=out).sort_stats("tottime").print_stats(15)
        print(out.getvalue())
        return
    print("| busy appointments in the day | free slots | µs CPU per specialist-day |")
    print("|---:|---:|---:|")
    for busy in (0, 2, 4, 8, 16):
        slots = len(free_slots(rules(busy), duration=dt.timedelta(minutes=30),
                               step=dt.timedelta(minutes=30)))  # fmt: skip
        print(f"| {busy} | {slots} | {cost_us(busy, args.n):.1f} |")


if __name__ == "__main__":
    main()
