"""Holds: a time kept for a client for a few minutes before they confirm it.

A new table, ``booking_hold`` (one row per client). A held time blocks others exactly like an
active appointment, until ``expires_at`` — judged when asked, so expiry needs no job.

On PostgreSQL the database itself keeps holds and active appointments from overlapping, also
when they race (SQLite needs nothing more: its write transactions queue, ``core/db.py``).
An exclusion constraint cannot span two tables nor depend on the clock, so two triggers do it,
ordered by a per-specialist advisory lock:

* ``booking_hold_is_free`` (before a hold is written as ``held``) takes the specialist's lock
  *exclusively*, then refuses the row if an active appointment or another live hold
  overlaps it;
* ``booking_appointment_respects_holds`` (before an active appointment is written, or moved,
  or made active again) takes the same lock *shared* — bookings never wait for each other —
  then refuses the row if a live hold overlaps it (a hold's own client books it through
  the hold, which stops being live in the same transaction).

Each check runs after its lock is granted, and a trigger's queries see what was committed
before they start: whichever of a hold and a booking of the same time takes the lock second
sees the first (or waits until the first's transaction ends) and is refused with SQLSTATE
23P01, exclusion_violation — what an overlapping booking already gets from
``booking_appointment_no_overlap``. A Django service sharing the database is held to holds
too. Ranges are the appointments' (wall clock, buffers included; see 0001).

Revision ID: 0008_holds
Revises: 0004
Create Date: 2026-12-10
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_holds"
down_revision = "0007_no_show"
branch_labels = None
depends_on = None

meta = sa.MetaData()
TZ = sa.DateTime(timezone=True)
for _name in ("booking_client", "booking_specialist", "booking_service", "booking_appointment"):
    sa.Table(_name, meta, sa.Column("id", sa.Integer, primary_key=True))

HOLDS = sa.Table(
    "booking_hold",
    meta,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column(
        "client_id",
        sa.Integer,
        sa.ForeignKey("booking_client.id", ondelete="CASCADE"),
        nullable=False,
        unique=True,
    ),
    sa.Column(
        "service_id",
        sa.Integer,
        sa.ForeignKey("booking_service.id", ondelete="CASCADE"),
        nullable=False,
    ),
    sa.Column(
        "specialist_id",
        sa.Integer,
        sa.ForeignKey("booking_specialist.id", ondelete="CASCADE"),
        nullable=False,
    ),
    sa.Column("date", sa.Date, nullable=False),
    sa.Column("start_time", sa.Time, nullable=False),
    sa.Column("end_time", sa.Time, nullable=False),
    sa.Column("buffer_before", sa.Integer, nullable=False, server_default=sa.text("0")),
    sa.Column("buffer_after", sa.Integer, nullable=False, server_default=sa.text("0")),
    sa.Column("status", sa.String(16), nullable=False, server_default=sa.text("'held'")),
    sa.Column("created_at", TZ, nullable=False),
    sa.Column("expires_at", TZ, nullable=False),
    sa.Column(
        "appointment_id",
        sa.Integer,
        sa.ForeignKey("booking_appointment.id", ondelete="SET NULL"),
        nullable=True,
    ),
    sa.Index("booking_hold_specialist_day", "specialist_id", "date"),
    sqlite_autoincrement=True,
)

# The advisory lock of a specialist: (LOCK_SPACE, the id as an int4; 'hold' in ASCII). Django's
# ids are bigint: ids past int4 share keys, which only makes them wait for each other.
LOCK_SPACE = 0x686F6C64
LOCK_KEY = f"{LOCK_SPACE}, (NEW.specialist_id % 2147483647)::integer"


def _range(row: str) -> str:
    """The time a row blocks (0001's BLOCKED_RANGE, of ``row``)."""
    start = f"({row}.date + {row}.start_time) - {row}.buffer_before * interval '1 minute'"
    end = f"({row}.date + {row}.end_time) + {row}.buffer_after * interval '1 minute'"
    return f"tsrange({start}, greatest({start}, {end}), '[)')"


def _near(row: str) -> str:
    """Rows of the day before to the day after (buffers may cross midnight): the index."""
    return (
        f"{row}.specialist_id = NEW.specialist_id"
        f" AND {row}.date BETWEEN NEW.date - 1 AND NEW.date + 1"
    )


_LIVE_HOLD = "h.status = 'held' AND h.expires_at > now()"
_REFUSE = (
    "RAISE EXCEPTION USING ERRCODE = 'exclusion_violation', CONSTRAINT = '{name}', "
    "MESSAGE = '{name}: the time overlaps {what}'"
)

HOLD_TRIGGER = f"""
CREATE OR REPLACE FUNCTION booking_hold_is_free() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.status <> 'held' THEN
        RETURN NEW;
    END IF;
    PERFORM pg_advisory_xact_lock({LOCK_KEY});
    IF EXISTS (SELECT 1 FROM booking_appointment a
                WHERE {_near("a")} AND a.status IN ('pending', 'confirmed')
                  AND {_range("a")} && {_range("NEW")}) THEN
        {_REFUSE.format(name="booking_hold_no_overlap", what="an active appointment")};
    END IF;
    IF EXISTS (SELECT 1 FROM booking_hold h
                WHERE {_near("h")} AND h.id <> NEW.id AND {_LIVE_HOLD}
                  AND {_range("h")} && {_range("NEW")}) THEN
        {_REFUSE.format(name="booking_hold_no_overlap", what="another hold")};
    END IF;
    RETURN NEW;
END $$
"""

APPOINTMENT_TRIGGER = f"""
CREATE OR REPLACE FUNCTION booking_appointment_respects_holds() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.status NOT IN ('pending', 'confirmed') THEN
        RETURN NEW;
    END IF;
    -- An active appointment that keeps its time was checked when it took it.
    IF TG_OP = 'UPDATE' AND OLD.status IN ('pending', 'confirmed')
       AND (OLD.specialist_id, OLD.date, OLD.start_time, OLD.end_time, OLD.buffer_before,
            OLD.buffer_after)
           IS NOT DISTINCT FROM (NEW.specialist_id, NEW.date, NEW.start_time, NEW.end_time,
                                 NEW.buffer_before, NEW.buffer_after) THEN
        RETURN NEW;
    END IF;
    PERFORM pg_advisory_xact_lock_shared({LOCK_KEY});
    IF EXISTS (SELECT 1 FROM booking_hold h
                WHERE {_near("h")} AND {_LIVE_HOLD}
                  AND {_range("h")} && {_range("NEW")}) THEN
        {_REFUSE.format(name="booking_appointment_no_overlap", what="a hold")};
    END IF;
    RETURN NEW;
END $$
"""


def upgrade() -> None:
    bind = op.get_bind()
    if "booking_hold" not in sa.inspect(bind).get_table_names():
        HOLDS.create(bind)
    if bind.dialect.name == "postgresql":
        for table, name, function in (
            ("booking_hold", "booking_hold_is_free", HOLD_TRIGGER),
            ("booking_appointment", "booking_appointment_respects_holds", APPOINTMENT_TRIGGER),
        ):
            op.execute(function)
            op.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
            op.execute(
                f"CREATE TRIGGER {name} BEFORE INSERT OR UPDATE ON {table} "
                f"FOR EACH ROW EXECUTE FUNCTION {name}()"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "DROP TRIGGER IF EXISTS booking_appointment_respects_holds ON booking_appointment"
        )
        op.execute("DROP FUNCTION IF EXISTS booking_appointment_respects_holds()")
    op.drop_table("booking_hold")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS booking_hold_is_free()")
