"""Alembic environment: runs migrations over the async engine of DATABASE_URL."""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy import pool
from sqlalchemy.ext.asyncio import create_async_engine

from booking_api.core.config import get_settings, normalise_database_url
from booking_api.core.db import pgbouncer_statement_args
from booking_api.models import Base

config = context.config
target_metadata = Base.metadata


def _url() -> str:
    return normalise_database_url(
        config.attributes.get("database_url") or get_settings().database_url
    )


def run_migrations_offline() -> None:
    context.configure(
        url=_url(), target_metadata=target_metadata, literal_binds=True, render_as_batch=True
    )
    with context.begin_transaction():
        context.run_migrations()


def _run(connection) -> None:  # type: ignore[no-untyped-def]
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


async def run_migrations_online() -> None:
    url = _url()
    # Through PgBouncer (DATABASE_PGBOUNCER): no prepared statement outlives its statement.
    args = pgbouncer_statement_args(get_settings()) if url.startswith("postgresql") else {}
    engine = create_async_engine(url, poolclass=pool.NullPool, connect_args=args)
    async with engine.connect() as connection:
        await connection.run_sync(_run)
        await connection.commit()
    await engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    asyncio.run(run_migrations_online())
