"""Open the connection pool's connections when a worker starts, not under the first load.

Opening a PostgreSQL connection costs a backend process on the server and, on the client,
asyncpg's handshake and SQLAlchemy's set-up of the connection (type codecs): milliseconds of
CPU on both sides. Under a burst those openings queue behind each other and the requests that
wait for them took seconds (``bench/compare.py --metrics``: 50-130 connections opened per
5-second round with a pool of 8 + 8 overflow, requests up to 5 s). A pool whose connections
all exist before the first request answers the first burst at its usual speed.
"""

from __future__ import annotations

import asyncio
import logging

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

log = logging.getLogger("booking_api.db")


async def warm_pool(engine: AsyncEngine, size: int, seconds: float = 10.0) -> int:
    """Check out ``size`` connections at once (so the pool opens that many), then give them
    back: they stay in the pool, which keeps up to its ``pool_size`` idle connections.
    Returns how many were opened. A database out of reach at start-up is logged, not raised:
    the app starts and answers 503 until the database is back (see ``core.db``)."""
    if size <= 0 or engine.dialect.name == "sqlite":
        return 0

    async def open_one() -> AsyncConnection:
        conn = engine.connect()
        await conn.start()
        return conn

    results = await asyncio.gather(
        *(asyncio.wait_for(open_one(), seconds) for _ in range(size)), return_exceptions=True
    )
    opened = [conn for conn in results if isinstance(conn, AsyncConnection)]
    for conn in opened:
        await conn.close()
    failed = [exc for exc in results if isinstance(exc, BaseException)]
    if failed:
        log.warning(
            "opened %d of %d pooled connections at start-up (%s: %s)",
            len(opened),
            size,
            type(failed[0]).__name__,
            failed[0],
        )
    return len(opened)
