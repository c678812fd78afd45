"""Outbound webhooks (endpoints, deliveries, the attempts log) and calendar feed tokens.

New tables only, so a Django service sharing the database keeps working; their foreign keys
to Django's tables delete with their owner (``ON DELETE CASCADE``), whoever deletes it.

Revision ID: 0005_webhooks_feeds
Revises: 0004
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_webhooks_feeds"
down_revision = "0004"
branch_labels = None
depends_on = None

meta = sa.MetaData()
TZ = sa.DateTime(timezone=True)
# The tables 0001 made that the new ones point at (stubs for the foreign keys; not created).
for _name in ("booking_client", "booking_specialist"):
    sa.Table(_name, meta, sa.Column("id", sa.Integer, primary_key=True))


def _tables() -> list[sa.Table]:
    return [
        sa.Table(
            "booking_webhookendpoint",
            meta,
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("url", sa.String(2000), nullable=False),
            sa.Column("description", sa.String(200), nullable=False, server_default=sa.text("''")),
            sa.Column("events", sa.JSON, nullable=False),
            sa.Column("secret", sa.String(200), nullable=False),
            sa.Column("is_active", sa.Boolean, nullable=False, server_default=sa.true()),
            sa.Column("created_at", TZ, nullable=False),
            sa.Column("updated_at", TZ, nullable=False),
        ),
        sa.Table(
            "booking_webhookdelivery",
            meta,
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column(
                "endpoint_id",
                sa.Integer,
                sa.ForeignKey("booking_webhookendpoint.id", ondelete="CASCADE"),
                nullable=False,
            ),
            sa.Column("event_id", sa.String(64), nullable=False),
            sa.Column("event_type", sa.String(50), nullable=False),
            sa.Column("payload", sa.Text, nullable=False),
            sa.Column("status", sa.String(16), nullable=False, server_default=sa.text("'pending'")),
            sa.Column("attempts", sa.Integer, nullable=False, server_default=sa.text("0")),
            sa.Column("created_at", TZ, nullable=False),
            sa.Column("give_up_at", TZ, nullable=False),
            sa.Column("next_attempt_at", TZ, nullable=True),
            sa.Column("last_attempt_at", TZ, nullable=True),
            sa.Column("succeeded_at", TZ, nullable=True),
            sa.Column("response_status", sa.Integer, nullable=True),
            sa.Column("latency_ms", sa.Integer, nullable=True),
            sa.Column("response_snippet", sa.Text, nullable=True),
            sa.Column("last_error", sa.Text, nullable=True),
            sa.UniqueConstraint("endpoint_id", "event_id", name="booking_webhookdelivery_once"),
            sa.Index("booking_webhookdelivery_endpoint", "endpoint_id", "created_at"),
        ),
        sa.Table(
            "booking_webhookattempt",
            meta,
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column(
                "delivery_id",
                sa.Integer,
                sa.ForeignKey("booking_webhookdelivery.id", ondelete="CASCADE"),
                nullable=False,
                index=True,
            ),
            sa.Column("number", sa.Integer, nullable=False),
            sa.Column("started_at", TZ, nullable=False),
            sa.Column("response_status", sa.Integer, nullable=True),
            sa.Column("latency_ms", sa.Integer, nullable=False),
            sa.Column("response_snippet", sa.Text, nullable=True),
            sa.Column("error", sa.Text, nullable=True),
            sa.Column("worker", sa.String(100), nullable=False),
        ),
        sa.Table(
            "booking_calendarfeed",
            meta,
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column(
                "specialist_id",
                sa.Integer,
                sa.ForeignKey("booking_specialist.id", ondelete="CASCADE"),
                nullable=True,
                unique=True,
            ),
            sa.Column(
                "client_id",
                sa.Integer,
                sa.ForeignKey("booking_client.id", ondelete="CASCADE"),
                nullable=True,
                unique=True,
            ),
            sa.Column("token", sa.String(64), nullable=False, unique=True),
            sa.Column("created_at", TZ, nullable=False),
            sa.CheckConstraint(
                "(specialist_id IS NULL) <> (client_id IS NULL)", name="booking_calendarfeed_owner"
            ),
        ),
    ]


TABLES = _tables()
for _table in TABLES:
    _table.dialect_options["sqlite"]["autoincrement"] = True


def upgrade() -> None:
    bind = op.get_bind()
    existing = set(sa.inspect(bind).get_table_names())
    for table in TABLES:
        if table.name not in existing:
            table.create(bind)


def downgrade() -> None:
    for table in reversed(TABLES):
        op.drop_table(table.name)
