"""Database engine and sessions.

Two session factories share one database:

* ``read`` sessions for GET requests;
* ``write`` sessions for everything that changes data. On SQLite a write session opens its
  transaction with ``BEGIN IMMEDIATE`` so concurrent writers queue on the database lock instead
  of interleaving a read-check-insert (that is how double bookings are made impossible there);
  on PostgreSQL both factories are the same and the exclusion constraint does that job.

Scaling out (README "Scaling out"): with ``DATABASE_PGBOUNCER`` the PostgreSQL connections
suit PgBouncer's transaction pooling (:func:`_postgres_connect_args`); with
``DATABASE_REPLICA_URL`` a third factory, :meth:`Database.replica_session`, serves the reads
that may be a little stale (the catalogue) from a streaming replica, and from the primary
whenever the replica cannot be reached (:class:`Replica`).

A database that cannot be reached (PostgreSQL restarting, a SQLite file locked by another
writer past its busy timeout) is not a bug of the request: :func:`database_unavailable` tells
such errors apart, and :class:`Availability` logs one warning when an outage starts and one
line when the database answers again (the app answers 503 meanwhile, see ``app.py``).
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import sqlite3
import time
import traceback
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import String, TypeDecorator, event
from sqlalchemy import exc as sa_exc
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
from booking_api.core.pool_queue import FairAsyncQueue

log = logging.getLogger("booking_api.db")

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
    each checkout took: waiting for a free connection, or opening one. Free connections go
    to the requests that waited longest (``core.pool_queue``)."""

    _queue_class = FairAsyncQueue
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


def _configure_sqlite(engine: AsyncEngine, *, immediate: bool, busy_timeout: float) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection, _record):  # type: ignore[no-untyped-def]
        # Let SQLAlchemy, not the driver, decide when transactions begin.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout * 1000)}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()
        # SQLite's own lower() folds ASCII only; search must match "анна" to "Анна".
        dbapi_connection.create_function("lower", 1, _sqlite_lower, deterministic=True)

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn):  # type: ignore[no-untyped-def]
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


# --- a database out of reach -------------------------------------------------------------------

# SQLSTATEs of a server that is going away or not there yet: class 08 (connection exception),
# 57P01-57P03 (admin/crash shutdown, cannot connect now), 53300 (too many connections).
_UNAVAILABLE_SQLSTATES = frozenset({"57P01", "57P02", "57P03", "53300"})
_SQLITE_UNAVAILABLE = ("database is locked", "unable to open database file", "disk I/O error")
_DRIVER_MODULES = ("asyncpg", "aiosqlite", "sqlite3", "sqlalchemy")


def _causes(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        orig = getattr(current, "orig", None)  # SQLAlchemy's wrapper of the driver's error
        current = (
            orig
            if isinstance(orig, BaseException)
            else current.__cause__
            or (None if current.__suppress_context__ else current.__context__)
        )


def _raised_by_driver(exc: BaseException) -> bool:
    """An OSError (refused, reset, timed out) raised while a database driver was working."""
    for frame, _line in traceback.walk_tb(exc.__traceback__):
        if frame.f_globals.get("__name__", "").split(".", 1)[0] in _DRIVER_MODULES:
            return True
    return False


def database_unavailable(exc: BaseException) -> bool:
    """True for errors that mean "the database cannot be reached now", not "this request is
    wrong": connections refused, lost or shut down, a server starting up or full, the pool
    exhausted, a SQLite file locked past its busy timeout or impossible to open."""
    for cause in _causes(exc):
        if isinstance(cause, sa_exc.DBAPIError) and cause.connection_invalidated:
            return True
        if isinstance(cause, sa_exc.TimeoutError):  # no pooled connection free in time
            return True
        sqlstate = str(getattr(cause, "sqlstate", None) or "")
        if sqlstate.startswith("08") or sqlstate in _UNAVAILABLE_SQLSTATES:
            return True
        if type(cause).__module__.startswith("asyncpg") and (
            type(cause).__name__ in ("ConnectionDoesNotExistError", "ConnectionFailureError")
            or "connection is closed" in str(cause)
            # a pooled connection the server is terminating: its protocol is still consuming
            # the server's farewell error when the next statement comes
            or str(cause).startswith("cannot switch to state")
        ):
            return True
        if isinstance(cause, sqlite3.OperationalError) and str(cause).startswith(
            _SQLITE_UNAVAILABLE
        ):
            return True
        if isinstance(cause, OSError) and _raised_by_driver(cause):
            return True
    return False


@dataclass
class Availability:
    """Whether the database answered lately: one warning when it stops, one line when back."""

    down_since: float | None = None

    def lost(self, exc: BaseException) -> None:
        if self.down_since is None:
            self.down_since = time.monotonic()
            log.warning(
                "database unavailable (%s: %s); answering 503 until it is back",
                type(exc).__name__,
                str(exc).splitlines()[0] if str(exc) else "",
            )

    def back(self) -> None:
        if self.down_since is not None:
            seconds, self.down_since = time.monotonic() - self.down_since, None
            log.warning("database reachable again after %.1f s", seconds)

    @property
    def down(self) -> bool:
        return self.down_since is not None


def _watch(engine: AsyncEngine, availability: Availability, *, asyncpg: bool) -> None:
    """A new connection or a commit means the database answers."""

    @event.listens_for(engine.sync_engine, "connect")
    def _connected(_dbapi_connection, _record):  # type: ignore[no-untyped-def]
        availability.back()

    @event.listens_for(engine.sync_engine, "commit")
    def _committed(_conn):  # type: ignore[no-untyped-def]
        if availability.down_since is not None:
            availability.back()

    if asyncpg:
        _replace_closed(engine)


def _replace_closed(engine: AsyncEngine) -> None:
    """A pooled connection the server has closed (a restart) is replaced at checkout instead
    of failing the request that gets it: asyncpg knows without a round trip."""

    @event.listens_for(engine.sync_engine, "checkout")
    def _checkout(dbapi_connection, _record, _proxy):  # type: ignore[no-untyped-def]
        if dbapi_connection.driver_connection.is_closed():
            raise sa_exc.DisconnectionError("the server closed this connection")


# --- PostgreSQL connections, PgBouncer, the read replica ---------------------------------------


def _unnamed_statement() -> str:
    """The name SQLAlchemy's asyncpg adapter gives each statement it prepares: the unnamed
    one, which lives only until the next statement, so it cannot be missing from (or already
    exist in) whichever server connection PgBouncer lends next. asyncpg then sends the
    statement again with its Bind, in the same round trip (its cache is off)."""
    return ""


def pgbouncer_statement_args(settings: Settings) -> dict[str, Any]:
    """asyncpg connection arguments for DATABASE_PGBOUNCER (none without it). Through PgBouncer
    in transaction pooling mode each transaction (each statement in autocommit) may run on
    another server connection, so no named prepared statement may be relied on: asyncpg's
    statement cache and SQLAlchemy's are off and statements are unnamed. (The migrations use
    them too: ``migrations/env.py``.)"""
    if not settings.database_pgbouncer:
        return {}
    return {
        "statement_cache_size": 0,
        "prepared_statement_cache_size": 0,
        "prepared_statement_name_func": _unnamed_statement,
    }


def _postgres_connect_args(settings: Settings, timeout: float) -> dict[str, Any]:
    """asyncpg's connection arguments. PgBouncer refuses startup parameters it does not know,
    like ``jit``: behind it, set that on the database instead (``ALTER DATABASE … SET jit =
    off``)."""
    server_settings = {"application_name": "booking-api"}
    if not settings.database_pgbouncer:
        server_settings["jit"] = "off"
    return {
        "server_settings": server_settings,
        "timeout": timeout,
        **pgbouncer_statement_args(settings),
    }


def _postgres_engine(url: str, settings: Settings, *, connect_timeout: float) -> AsyncEngine:
    return create_async_engine(
        url,
        echo=settings.db_echo,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        pool_pre_ping=False,
        poolclass=TimedQueuePool,
        connect_args=_postgres_connect_args(settings, connect_timeout),
    )


@dataclass
class Replica:
    """The read replica and whether to use it: after a failure its reads go to the primary for
    ``retry_seconds``, then it is tried again; one warning when it goes, one line when back."""

    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    retry_seconds: float
    resting_until: float = 0.0
    down_since: float | None = None

    @property
    def usable(self) -> bool:
        return time.monotonic() >= self.resting_until

    def lost(self, exc: BaseException) -> None:
        now = time.monotonic()
        self.resting_until = now + self.retry_seconds
        if self.down_since is None:
            self.down_since = now
            log.warning(
                "read replica unavailable (%s: %s); its reads go to the primary, trying it "
                "again every %g s",
                type(exc).__name__,
                str(exc).splitlines()[0] if str(exc) else "",
                self.retry_seconds,
            )

    def back(self) -> None:
        if self.down_since is not None:
            seconds, self.down_since = time.monotonic() - self.down_since, None
            log.warning("read replica reachable again after %.1f s", seconds)


@dataclass
class Database:
    """Engines and session factories for one database URL."""

    url: str
    read_engine: AsyncEngine
    write_engine: AsyncEngine
    read_sessions: async_sessionmaker[AsyncSession]
    write_sessions: async_sessionmaker[AsyncSession]
    availability: Availability = field(default_factory=Availability)
    replica: Replica | None = None

    @property
    def dialect(self) -> str:
        return self.write_engine.dialect.name

    @classmethod
    def from_settings(cls, settings: Settings) -> Database:
        url = settings.database_url
        busy = settings.sqlite_busy_timeout_seconds
        if url.startswith("sqlite"):
            args = {"connect_args": {"timeout": busy}, "echo": settings.db_echo}
            read = create_async_engine(url, **args)
            write = create_async_engine(url, **args)
            _configure_sqlite(read, immediate=False, busy_timeout=busy)
            _configure_sqlite(write, immediate=True, busy_timeout=busy)
            engines = [read, write]
        else:
            write = _postgres_engine(
                url, settings, connect_timeout=settings.db_connect_timeout_seconds
            )
            # Reads run in autocommit: no BEGIN/ROLLBACK round trips around every GET. Bookings
            # are validated inside write transactions, so no decision rests on a read session.
            read = write.execution_options(isolation_level="AUTOCOMMIT")
            engines = [write]  # one pool: the read engine is the write engine's view
        kw = {"expire_on_commit": False, "autoflush": False}
        database = cls(
            url=url,
            read_engine=read,
            write_engine=write,
            read_sessions=async_sessionmaker(read, **kw),
            write_sessions=async_sessionmaker(write, **kw),
        )
        for engine in engines:
            _watch(engine, database.availability, asyncpg=engine.dialect.driver == "asyncpg")
        if settings.database_replica_url and not url.startswith("sqlite"):
            replica = _postgres_engine(
                settings.database_replica_url,
                settings,
                connect_timeout=settings.database_replica_connect_timeout_seconds,
            )
            _replace_closed(replica)
            replica = replica.execution_options(isolation_level="AUTOCOMMIT")
            database.replica = Replica(
                replica, async_sessionmaker(replica, **kw), settings.database_replica_retry_seconds
            )
        return database

    async def dispose(self) -> None:
        await self.read_engine.dispose()
        await self.write_engine.dispose()
        if self.replica is not None:
            await self.replica.engine.dispose()

    @asynccontextmanager
    async def replica_session(self) -> AsyncIterator[AsyncSession]:
        """A read session for answers that may be a little stale (the catalogue): on the
        replica when there is one and it answers, else a primary read session. Its connection
        is taken before the caller's first query, so a replica out of reach (down, refusing us,
        misconfigured) costs no request more than the wait for the connection; a replica lost
        in the middle of a query fails that request like any database outage (503) and sends
        the next ones to the primary."""
        replica = self.replica
        if replica is not None and replica.usable:
            session = replica.sessions()
            try:
                await session.connection()
            except Exception as exc:  # noqa: BLE001 - whatever keeps it from serving: the primary
                await session.close()
                replica.lost(exc)
            else:
                replica.back()
                try:
                    async with session:
                        yield session
                except Exception as exc:
                    if database_unavailable(exc):
                        replica.lost(exc)
                    raise
                return
        async with self.read_sessions() as session:
            yield session

    async def read_session(self) -> AsyncIterator[AsyncSession]:
        async with self.read_sessions() as session:
            yield session

    async def write_session(self) -> AsyncIterator[AsyncSession]:
        async with self.write_sessions() as session:
            yield session
