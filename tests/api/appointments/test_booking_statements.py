"""Booking costs two statements on PostgreSQL (the two-statement store), whatever the number
of appointments: one read (profiles, rows, hours, breaks, time off, busy times), one write
(appointment + jobs, atomically)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event

from kit.api import future_day


@contextmanager
def count_driver_queries(env) -> Iterator[list[str]]:
    """Every statement PostgreSQL receives from the app's pool, however it is sent (the booking
    hot path talks to asyncpg directly, below SQLAlchemy's events)."""
    statements: list[str] = []

    def logger(record) -> None:  # type: ignore[no-untyped-def]
        statements.append(record.query)

    def checkout(dbapi_connection, _record, _proxy) -> None:  # type: ignore[no-untyped-def]
        dbapi_connection.driver_connection.add_query_logger(logger)

    pool = env.db.write_engine.sync_engine.pool
    event.listen(pool, "checkout", checkout)
    try:
        yield statements
    finally:
        event.remove(pool, "checkout", checkout)


async def test_booking_takes_two_statements_on_postgresql(client, env, cat):
    if env.backend != "postgresql":
        return  # SQLite books through the ORM store inside BEGIN IMMEDIATE
    headers = env.auth(cat.alice)
    await client.get("/api/categories/", headers=headers)  # authenticates (the user is cached)
    counts = []
    for start, end in (("10:00", "11:00"), ("12:00", "13:00")):
        body = {
            "service": cat.manicure.id,
            "specialist": cat.anna.id,
            "date": str(future_day(6)),
            "start_time": start,
            "end_time": end,
        }
        with count_driver_queries(env) as statements:
            r = await client.post("/api/appointments/", headers=headers, json=body)
            for _ in range(3):
                await asyncio.sleep(0)  # asyncpg calls query loggers soon after, not at once
        assert r.status_code == 201, r.text
        ours = [" ".join(s.split())[:16] for s in statements if not _asyncpg_introspection(s)]
        counts.append(ours)
    assert counts == [["WITH me AS ( SEL", "WITH appointment"]] * 2


def _asyncpg_introspection(statement: str) -> bool:
    """asyncpg's own look-ups of array/record types, once per pooled connection."""
    return "typeinfo_tree" in statement or "current_setting('jit')" in statement
