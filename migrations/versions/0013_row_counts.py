"""The number of appointments, kept by the database.

The staff's list of every appointment (``GET /api/appointments/``, the front desk's page)
answers with the total count, as DRF's pagination does. ``count(*)`` reads the whole table
(or its smallest index) every time: 5.8 ms of database time at 61,000 appointments, 51–58 ms
at 1,000,000, the bulk of the list's cost, growing with every booking (bench/README.md,
session 7). Here the
database keeps the count itself, exact and transactional, in ``booking_rowcount``:

* **PostgreSQL**: statement-level triggers after ``INSERT`` and ``DELETE`` add the number
  of rows the statement wrote (its transition table) to one of :data:`SHARDS` rows: the
  writing backend's own (``pg_backend_pid()``) unless another transaction holds it, then any
  free one (``FOR UPDATE SKIP LOCKED``), and when all are held a new row. The counter never
  makes a writer wait, so it adds no lock waits or deadlocks between transactions that did
  not have them (the DRF service's included). ``TRUNCATE`` resets the count. The total is the
  sum of the rows; it commits or rolls back with the rows it counts, so every snapshot sees
  the count of its own rows. (Writers at REPEATABLE READ or SERIALIZABLE may be refused with
  a serialization failure when the shard they lock changed after their snapshot, as for any
  row they update; neither this API nor Django's default uses those levels.)
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
CREATE OR REPLACE FUNCTION booking_rowcount_add() RETURNS trigger LANGUAGE plpgsql
SET search_path FROM CURRENT AS $$
DECLARE
    delta bigint;
    picked integer;
BEGIN
    IF TG_OP = 'INSERT' THEN
        SELECT count(*) INTO delta FROM written;
    ELSE
        SELECT -count(*) INTO delta FROM written;
    END IF;
    IF delta = 0 THEN
        RETURN NULL;
    END IF;
    -- A shard no other transaction holds (this backend's own first): never wait for one.
    SELECT shard INTO picked FROM booking_rowcount
     WHERE table_name = TG_TABLE_NAME
     ORDER BY shard = pg_backend_pid() % {SHARDS} DESC, shard
     LIMIT 1 FOR UPDATE SKIP LOCKED;
    IF picked IS NOT NULL THEN
        UPDATE booking_rowcount SET n = n + delta
         WHERE table_name = TG_TABLE_NAME AND shard = picked;
    ELSE  -- every shard held by a writer still at work: a row of its own
        INSERT INTO booking_rowcount (table_name, shard, n)
        VALUES (TG_TABLE_NAME, {SHARDS} + floor(random() * 2000000000)::integer, delta);
    END IF;
    RETURN NULL;
END $$
"""

TRUNCATED = f"""
CREATE OR REPLACE FUNCTION booking_rowcount_truncated() RETURNS trigger LANGUAGE plpgsql
SET search_path FROM CURRENT AS $$
BEGIN
    DELETE FROM booking_rowcount WHERE table_name = TG_TABLE_NAME;
    INSERT INTO booking_rowcount (table_name, shard, n)
    SELECT TG_TABLE_NAME, s, 0 FROM generate_series(0, {SHARDS - 1}) AS s;
    RETURN NULL;
END $$
"""


def upgrade() -> None:
    op.create_table(
        "booking_rowcount",
        sa.Column("table_name", sa.String(63), primary_key=True),
        sa.Column("shard", sa.Integer(), primary_key=True),
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
        if postgresql:  # the other shards, empty
            op.execute(
                f"INSERT INTO booking_rowcount (table_name, shard, n) "
                f"SELECT '{table}', s, 0 FROM generate_series(1, {SHARDS - 1}) AS s"
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
