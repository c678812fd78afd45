"""The language of a specialist's Telegram notifications (``booking_specialist.language``).

A column with a server default ('ru'), so a Django service sharing the table keeps inserting
rows as before, and its specialists are told in Russian as until now.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    columns = {c["name"] for c in sa.inspect(op.get_bind()).get_columns("booking_specialist")}
    if "language" not in columns:
        op.add_column(
            "booking_specialist",
            sa.Column("language", sa.String(8), nullable=False, server_default=sa.text("'ru'")),
        )


def downgrade() -> None:
    with op.batch_alter_table("booking_specialist") as batch:
        batch.drop_column("language")
