"""A server's worker opens its pool's connections at start-up, so the first burst of requests
does not wait for connections being opened (bench/compare.py --metrics saw requests of
seconds while a pool opened its connections under load)."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from sqlalchemy import event

from booking_api.app import create_app
from booking_api.core.db import Database
from kit.api import make_settings


async def test_the_pool_is_open_before_the_first_request(env, tmp_path) -> None:  # noqa: ANN001
    if env.backend != "postgresql":
        pytest.skip("SQLite opens no pool of server connections")
    settings = make_settings(env.settings.database_url, tmp_path, db_pool_size=3, db_max_overflow=0)
    app = create_app(settings)  # its own database, as `booking api` makes it
    async with app.router.lifespan_context(app):
        engine = app.state.db.write_engine
        assert engine.pool.checkedin() + engine.pool.checkedout() == 3
        opened = []
        event.listen(engine.sync_engine, "connect", lambda *_: opened.append(1))
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
            answers = await asyncio.gather(*(c.get("/api/services/") for _ in range(3)))
        assert [a.status_code for a in answers] == [200] * 3
        assert opened == []  # three requests at once, and no connection had to be opened


async def test_a_returned_connection_goes_to_the_request_that_waited(env, tmp_path) -> None:  # noqa: ANN001
    """With every connection busy, a request that arrives just as one is given back must not
    take it ahead of one that was waiting (that passed-over request waited seconds under load)."""
    if env.backend != "postgresql":
        pytest.skip("SQLite opens no pool of server connections")
    settings = make_settings(env.settings.database_url, tmp_path, db_pool_size=1, db_max_overflow=0)
    db = Database.from_settings(settings)
    order: list[str] = []
    try:
        held = await db.write_engine.connect()  # the only connection

        async def waiter() -> None:
            async with db.write_engine.connect():
                order.append("waiter")
                await asyncio.sleep(0.05)

        waiting = asyncio.create_task(waiter())
        await asyncio.sleep(0.1)  # it waits for the connection now
        await held.close()  # given back ...
        async with db.write_engine.connect():  # ... as a newcomer asks, in the same instant
            order.append("newcomer")
        await waiting
    finally:
        await db.dispose()
    assert order == ["waiter", "newcomer"]
