"""The number of appointments, kept by the database.

The staff's list of every appointment (``GET /api/appointments/``, the front desk's page)
answers with the total count, as DRF's pagination does. ``count(*)`` reads the whole table
(or its smallest index) every time: 3–6 ms of database time at 60,000 appointments, the bulk
of the list's cost, growing with every booking (bench/README.md, session 7). Here the
database keeps the count itself, exact and transactional, in ``booking_rowcount``:

* **PostgreSQL**: statement-level triggers after ``INSERT`` and ``DELETE`` add the number
  of rows the statement wrote (its transition table) to one of :data:`SHARDS` rows, the one
  of the writing backend (``pg_backend_pid()``): concurrent bookings rarely wait for one
  another's row, and a transaction only ever holds its own backend's row, so the counter adds
  no deadlock. ``TRUNCATE`` forgets the count. The total is the sum of the shards; it commits
  or rolls back with the rows it counts, so every snapshot sees the count of its own rows.
* **SQLite** (one writer at a time): row triggers keep one row.

Writes from any client of the database count (the DRF service's too). The table is the
database's own bookkeeping, not a model; ``api/repository.total_rows`` reads it.

Revision ID: 0013_row_counts
Revises: 0012_no_shows
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013_row_counts"
down_revision = "0012_no_shows"
branch_labels = None
depends_on = None

COUNTED = ("booking_appointment",)
SHARDS = 32

ADD = f"""
CREATE OR REPLACE FUNCTION booking_rowcount_add() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    delta bigint;
BEGIN
    IF TG_OP = 'INSERT' THEN
        SELECT count(*) INTO delta FROM written;
    ELSE
        SELECT -count(*) INTO delta FROM written;
    END IF;
    IF delta <> 0 THEN
        INSERT INTO booking_rowcount AS c (table_name, shard, n)
        VALUES (TG_TABLE_NAME, pg_backend_pid() % {SHARDS}, delta)
        ON CONFLICT (table_name, shard) DO UPDATE SET n = c.n + excluded.n;
    END IF;
    RETURN NULL;
END $$
"""

TRUNCATED = """
CREATE OR REPLACE FUNCTION booking_rowcount_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM booking_rowcount WHERE table_name = TG_TABLE_NAME;
    RETURN NULL;
END $$
"""


def upgrade() -> None:
    op.create_table(
        "booking_rowcount",
        sa.Column("table_name", sa.String(63), primary_key=True),
        sa.Column("shard", sa.SmallInteger(), primary_key=True),
        sa.Column("n", sa.BigInteger(), nullable=False),
    )
    postgresql = op.get_bind().dialect.name == "postgresql"
    if postgresql:
        op.execute(ADD)
        op.execute(TRUNCATED)
    for table in COUNTED:
        if postgresql:
            # No write may land between the count below and the triggers (readers go on).
            op.execute(f"LOCK TABLE {table} IN SHARE ROW EXCLUSIVE MODE")
            for event, name in (("INSERT", "NEW"), ("DELETE", "OLD")):
                op.execute(
                    f"CREATE TRIGGER {table}_counted_{event.lower()} AFTER {event} ON {table} "
                    f"REFERENCING {name} TABLE AS written "
                    "FOR EACH STATEMENT EXECUTE FUNCTION booking_rowcount_add()"
                )
            op.execute(
                f"CREATE TRIGGER {table}_counted_truncate AFTER TRUNCATE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION booking_rowcount_truncated()"
            )
        else:
            for event, delta in (("INSERT", "+ 1"), ("DELETE", "- 1")):
                op.execute(
                    f"CREATE TRIGGER {table}_counted_{event.lower()} AFTER {event} ON {table} "
                    f"BEGIN UPDATE booking_rowcount SET n = n {delta} "
                    f"WHERE table_name = '{table}' AND shard = 0; END"
                )
        op.execute(
            f"INSERT INTO booking_rowcount (table_name, shard, n) "
            f"SELECT '{table}', 0, count(*) FROM {table}"
        )


def downgrade() -> None:
    for table in COUNTED:
        for event in ("insert", "delete", "truncate"):
            op.execute(f"DROP TRIGGER IF EXISTS {table}_counted_{event}" + _on(table))
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS booking_rowcount_add()")
        op.execute("DROP FUNCTION IF EXISTS booking_rowcount_truncated()")
    op.drop_table("booking_rowcount")


def _on(table: str) -> str:
    return f" ON {table}" if op.get_bind().dialect.name == "postgresql" else ""
