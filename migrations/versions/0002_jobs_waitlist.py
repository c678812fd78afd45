"""Jobs (the outbox of reminders and notifications), the waitlist, client attendance.

New tables only, plus one nullable column on ``booking_appointment`` (server default NULL),
so a Django service sharing the database keeps working.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

meta = sa.MetaData()
TZ = sa.DateTime(timezone=True)
# The tables 0001 made that the new ones point at (stubs for the foreign keys; not created).
for _name in ("booking_client", "booking_specialist", "booking_service", "booking_appointment"):
    sa.Table(_name, meta, sa.Column("id", sa.Integer, primary_key=True))


def _tables() -> list[sa.Table]:
    return [
        sa.Table(
            "booking_job",
            meta,
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("kind", sa.String(40), nullable=False),
            sa.Column("payload", sa.JSON, nullable=False),
            sa.Column("run_at", TZ, nullable=False),
            sa.Column("status", sa.String(16), nullable=False, server_default=sa.text("'queued'")),
            sa.Column("attempts", sa.Integer, nullable=False, server_default=sa.text("0")),
            sa.Column("locked_by", sa.String(100), nullable=True),
            sa.Column("locked_until", TZ, nullable=True),
            sa.Column("dedupe_key", sa.String(200), nullable=False, unique=True),
            sa.Column("created_at", TZ, nullable=False),
            sa.Column("done_at", TZ, nullable=True),
            sa.Column("last_error", sa.Text, nullable=True),
            sa.Index("booking_job_due", "status", "run_at"),
        ),
        sa.Table(
            "booking_waitlistentry",
            meta,
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column(
                "client_id",
                sa.Integer,
                sa.ForeignKey("booking_client.id", ondelete="CASCADE"),
                nullable=False,
                index=True,
            ),
            sa.Column(
                "specialist_id",
                sa.Integer,
                sa.ForeignKey("booking_specialist.id", ondelete="CASCADE"),
                nullable=True,
            ),
            sa.Column(
                "service_id",
                sa.Integer,
                sa.ForeignKey("booking_service.id", ondelete="CASCADE"),
                nullable=False,
            ),
            sa.Column("date", sa.Date, nullable=False),
            sa.Column("time_from", sa.Time, nullable=True),
            sa.Column("time_to", sa.Time, nullable=True),
            sa.Column("created_at", TZ, nullable=False),
            sa.Column("status", sa.String(16), nullable=False, server_default=sa.text("'active'")),
            sa.Column("offered_at", TZ, nullable=True),
            sa.Column("offer_token", sa.String(64), nullable=True, unique=True),
            sa.Column("offer_expires_at", TZ, nullable=True),
            sa.Column(
                "offer_specialist_id",
                sa.Integer,
                sa.ForeignKey("booking_specialist.id", ondelete="SET NULL"),
                nullable=True,
            ),
            sa.Column("offer_start_time", sa.Time, nullable=True),
            sa.Column("offer_end_time", sa.Time, nullable=True),
            sa.Column(
                "appointment_id",
                sa.Integer,
                sa.ForeignKey("booking_appointment.id", ondelete="SET NULL"),
                nullable=True,
            ),
            sa.Index("booking_waitlist_match", "service_id", "date", "status"),
        ),
    ]


TABLES = _tables()
for _table in TABLES:
    _table.dialect_options["sqlite"]["autoincrement"] = True


def upgrade() -> None:
    bind = op.get_bind()
    inspector = sa.inspect(bind)
    existing = set(inspector.get_table_names())
    for table in TABLES:
        if table.name not in existing:
            table.create(bind)
    columns = {c["name"] for c in inspector.get_columns("booking_appointment")}
    if "client_confirmed_at" not in columns:
        op.add_column(
            "booking_appointment",
            sa.Column("client_confirmed_at", TZ, nullable=True, server_default=sa.text("NULL")),
        )


def downgrade() -> None:
    with op.batch_alter_table("booking_appointment") as batch:
        batch.drop_column("client_confirmed_at")
    for name in ("booking_waitlistentry", "booking_job"):
        op.drop_table(name)
