"""No-shows: ``booking_appointment.no_show``, true when staff marked that nobody came.

A no-show keeps the status ``cancelled`` (the visit did not take place, the time is not
held), so a client that knows only the four DRF statuses reads it as a cancelled
appointment. A column with a server default (false), so a Django service sharing the table
keeps inserting rows as before.

Revision ID: 0007_no_show
Revises: 0004
Create Date: 2026-12-10
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_no_show"
down_revision = "0006_oauth"
branch_labels = None
depends_on = None


def upgrade() -> None:
    columns = {c["name"] for c in sa.inspect(op.get_bind()).get_columns("booking_appointment")}
    if "no_show" not in columns:
        op.add_column(
            "booking_appointment",
            sa.Column("no_show", sa.Boolean(), nullable=False, server_default=sa.false()),
        )


def downgrade() -> None:
    with op.batch_alter_table("booking_appointment") as batch:
        batch.drop_column("no_show")
