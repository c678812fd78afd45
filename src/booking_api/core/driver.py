"""Statements sent straight to asyncpg on PostgreSQL, for the few hottest paths.

A statement through SQLAlchemy costs 0.35–1.3 ms of Python (timed in session 6: ``SELECT 1``
on a pooled connection 0.35 ms, the job notice's ORM read with three joins 1.3 ms) where the
database needs a fraction of that. The hot reads (``*/hot.py``), the booking store
(``appointments/repository_pg.py``) and the job queue (``jobs/queue_pg.py``) send plain SQL on
a connection of the API's own pool instead: :func:`driver_connection` (several statements),
:func:`driver_fetch` (one). :class:`DriverQuery` does the same for a statement written with
SQLAlchemy (so that SQLite, which runs it through a session, and PostgreSQL share one
definition): compiled for asyncpg once, then sent as text.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
from sqlalchemy import Select
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.util import greenlet_spawn

from booking_api.core.db import Database


@asynccontextmanager
async def driver_connection(engine: AsyncEngine) -> AsyncIterator[asyncpg.Connection]:
    """The asyncpg connection of one checkout from ``engine``'s pool (its size, limits and
    metrics), given back when done; one the server closed meanwhile is dropped, not pooled."""
    pooled = await engine.raw_connection()
    try:
        yield pooled.driver_connection
    finally:
        if pooled.driver_connection.is_closed():  # lost mid-statement: not back to the pool
            await greenlet_spawn(pooled.invalidate)
        await greenlet_spawn(pooled.close)


async def driver_fetch(engine: AsyncEngine, sql: str, *args: Any) -> list[Any]:
    """The rows of ``sql`` (PostgreSQL, ``$n`` parameters) on a connection of ``engine``'s pool,
    sent to asyncpg directly, in autocommit: one round trip, prepared once per connection
    (unnamed each time under DATABASE_PGBOUNCER, where asyncpg's cache is off)."""
    async with driver_connection(engine) as conn:
        return await conn.fetch(sql, *args)


class DriverQuery:
    """A read-only ``select`` with named ``bindparam``s: on PostgreSQL compiled for asyncpg on
    first use and sent with :func:`driver_fetch` (rows as asyncpg records: values as the
    driver gives them); elsewhere run through a read session (SQLAlchemy's rows). Read them by
    position: both rows are sequences (and compare equal to tuples)."""

    def __init__(self, statement: Select[Any]) -> None:
        self.statement = statement
        self._compiled: tuple[str, list[str]] | None = None

    def _sql(self, engine: AsyncEngine) -> tuple[str, list[str]]:
        if self._compiled is None:
            compiled = self.statement.compile(dialect=engine.dialect)
            sql = str(compiled)
            if "POSTCOMPILE" in sql:  # an expanding IN: its SQL depends on the values
                raise ValueError("a DriverQuery cannot hold an IN over a parameter list")
            self._compiled = (sql, list(compiled.positiontup or []))
        return self._compiled

    async def rows(self, db: Database, **params: Any) -> list[Any]:
        if db.dialect == "postgresql":
            sql, names = self._sql(db.read_engine)
            return await driver_fetch(db.read_engine, sql, *(params[name] for name in names))
        async with db.read_sessions() as session:
            return list((await session.execute(self.statement, params)).all())
