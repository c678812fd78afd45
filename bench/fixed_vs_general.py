#!/usr/bin/env python3
"""In-process A/B: the unfiltered lists as SQL rendered once (``repository.fixed_rows``) vs
the general path that builds and compiles the statement per request (forced by an ordering
equal to the default, so both answer the same rows). CPU per request, alternating rounds.

    BENCH_DB=booking_prof uv run python bench/fixed_vs_general.py [-n 400] [--rounds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import time

os.environ.setdefault(
    "DATABASE_URL",
    "postgresql://postgres@127.0.0.1:5432/" + os.environ.get("BENCH_DB", "booking_bench"),
)
os.environ.setdefault("SECRET_KEY", "bench-secret-key-0123456789-abcdefghijklmnop")
os.environ.setdefault("PASSWORD_HASH_ITERATIONS", "1000")
os.environ["CACHE_BACKEND"] = "off"  # what is measured is the uncached read

import httpx  # noqa: E402

from booking_api.app import create_app  # noqa: E402
from booking_api.core.config import get_settings  # noqa: E402

ROUTES = {
    "/api/services/": False,
    "/api/specialists/": False,
    "/api/appointments/?page_size=20": True,  # staff
}


async def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("-n", type=int, default=400)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    app = create_app(get_settings())
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        login = {"username": "bench", "password": "bench-pass-123"}
        token = (await client.post("/api/token/", json=login)).json()["access"]
        staff = {"Authorization": f"Bearer {token}"}
        print(f"{'route':36} {'fixed ms':>9} {'general ms':>11} {'saved':>6}")
        for route, auth in ROUTES.items():
            headers = staff if auth else None
            general = route + ("&" if "?" in route else "?") + "ordering=id"
            figures: dict[str, list[float]] = {route: [], general: []}
            for _ in range(args.rounds):
                for path in (route, general):
                    for _ in range(30):
                        await client.get(path, headers=headers)
                    started = time.process_time()
                    for _ in range(args.n):
                        await client.get(path, headers=headers)
                    figures[path].append((time.process_time() - started) * 1000 / args.n)
            fixed, slow = statistics.median(figures[route]), statistics.median(figures[general])
            print(f"{route:36} {fixed:9.3f} {slow:11.3f} {1 - fixed / slow:6.0%}")
    await app.state.db.dispose()


if __name__ == "__main__":
    asyncio.run(main())
