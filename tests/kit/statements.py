"""Counting what a request costs the database layer: pool checkouts and SQLAlchemy statements
(a hot path sends its SQL to asyncpg directly, so it shows a checkout and no statement)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event


@contextmanager
def checkouts_and_statements(env) -> Iterator[dict[str, int]]:  # noqa: ANN001
    """Connections taken from the pool, and statements sent through SQLAlchemy, meanwhile."""
    seen = {"checkouts": 0, "statements": 0}
    engines = {
        id(e.sync_engine.pool): e.sync_engine for e in (env.db.read_engine, env.db.write_engine)
    }.values()

    def on_checkout(*_args) -> None:  # noqa: ANN002
        seen["checkouts"] += 1

    def on_statement(*_args) -> None:  # noqa: ANN002
        seen["statements"] += 1

    for engine in engines:
        event.listen(engine.pool, "checkout", on_checkout)
        event.listen(engine, "before_cursor_execute", on_statement)
    try:
        yield seen
    finally:
        for engine in engines:
            event.remove(engine.pool, "checkout", on_checkout)
            event.remove(engine, "before_cursor_execute", on_statement)
