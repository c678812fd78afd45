"""Database engine and sessions.

Two session factories share one database:

* ``read`` sessions for GET requests;
* ``write`` sessions for everything that changes data. On SQLite a write session opens its
  transaction with ``BEGIN IMMEDIATE`` so concurrent writers queue on the database lock instead
  of interleaving a read-check-insert (that is how double bookings are made impossible there);
  on PostgreSQL both factories are the same and the exclusion constraint does that job.
"""

from __future__ import annotations

import datetime as dt
import re
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import String, TypeDecorator, event
from sqlalchemy.dialects import sqlite
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.pool import AsyncAdaptedQueuePool
from sqlalchemy.types import Date, DateTime, Time

from booking_api.core.config import Settings

# Django writes SQLite dates and times without microseconds unless they are non-zero; keep the
# same text so that string comparisons inside SQLite order both implementations' rows alike.
_SQLITE_TIME = sqlite.TIME(
    storage_format="%(hour)02d:%(minute)02d:%(second)02d",
    regexp=re.compile(r"(\d+):(\d+):?(\d+)?(?:\.(\d+))?"),
)


class TimeOfDay(TypeDecorator[dt.time]):
    impl = Time
    cache_ok = True

    def load_dialect_impl(self, dialect):  # type: ignore[no-untyped-def]
        if dialect.name == "sqlite":
            return dialect.type_descriptor(_SQLITE_TIME)
        return dialect.type_descriptor(Time())


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Aware datetimes in, aware UTC datetimes out (Django's USE_TZ storage)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):  # type: ignore[no-untyped-def]
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):  # type: ignore[no-untyped-def]
        if value is None:
            return None
        if isinstance(value, str):  # SQLite rows written by Django
            value = dt.datetime.fromisoformat(value)
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


class TimedQueuePool(AsyncAdaptedQueuePool):
    """The async engine's usual pool, telling ``on_wait`` (``core.metrics`` sets it) how long
    each checkout took: waiting for a free connection, or opening one."""

    on_wait: Any = None

    def _do_get(self) -> Any:
        started = time.perf_counter()
        try:
            return super()._do_get()
        finally:
            if self.on_wait is not None:
                self.on_wait(time.perf_counter() - started)


class Base(DeclarativeBase):
    type_annotation_map = {dt.datetime: UTCDateTime, dt.time: TimeOfDay, dt.date: Date, str: String}


def _sqlite_lower(value: str | None) -> str | None:
    return value.lower() if isinstance(value, str) else value


def _configure_sqlite(engine: AsyncEngine, *, immediate: bool) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection, _record):  # type: ignore[no-untyped-def]
        # Let SQLAlchemy, not the driver, decide when transactions begin.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()
        # SQLite's own lower() folds ASCII only; search must match "анна" to "Анна".
        dbapi_connection.create_function("lower", 1, _sqlite_lower, deterministic=True)

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn):  # type: ignore[no-untyped-def]
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


@dataclass
class Database:
    """Engines and session factories for one database URL."""

    url: str
    read_engine: AsyncEngine
    write_engine: AsyncEngine
    read_sessions: async_sessionmaker[AsyncSession]
    write_sessions: async_sessionmaker[AsyncSession]

    @property
    def dialect(self) -> str:
        return self.write_engine.dialect.name

    @classmethod
    def from_settings(cls, settings: Settings) -> Database:
        url = settings.database_url
        if url.startswith("sqlite"):
            args = {"connect_args": {"timeout": 30}, "echo": settings.db_echo}
            read = create_async_engine(url, **args)
            write = create_async_engine(url, **args)
            _configure_sqlite(read, immediate=False)
            _configure_sqlite(write, immediate=True)
        else:
            write = create_async_engine(
                url,
                echo=settings.db_echo,
                pool_size=settings.db_pool_size,
                max_overflow=settings.db_max_overflow,
                pool_pre_ping=False,
                poolclass=TimedQueuePool,
                connect_args={"server_settings": {"jit": "off", "application_name": "booking-api"}},
            )
            # Reads run in autocommit: no BEGIN/ROLLBACK round trips around every GET. Bookings
            # are validated inside write transactions, so no decision rests on a read session.
            read = write.execution_options(isolation_level="AUTOCOMMIT")
        kw = {"expire_on_commit": False, "autoflush": False}
        return cls(
            url=url,
            read_engine=read,
            write_engine=write,
            read_sessions=async_sessionmaker(read, **kw),
            write_sessions=async_sessionmaker(write, **kw),
        )

    async def dispose(self) -> None:
        await self.read_engine.dispose()
        await self.write_engine.dispose()

    async def read_session(self) -> AsyncIterator[AsyncSession]:
        async with self.read_sessions() as session:
            yield session

    async def write_session(self) -> AsyncIterator[AsyncSession]:
        async with self.write_sessions() as session:
            yield session
