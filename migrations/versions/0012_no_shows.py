"""A client's no-shows from an index of those rows alone.

Every booking's first job counts its client's missed visits (``jobs/attendance.py``: the
early confirmation asked of repeat no-shows), and so does every row of the admin's client
list. Through the index on ``client_id`` that read every appointment the client ever had,
a cost that grows with each booking: 3.5 ms of database time for a client with 20,000 past
visits, 0.14 ms with this index (bench/README.md, session 6). The partial index holds only
the no-show rows; its condition is the counts' own (``no_show IS true``), which PostgreSQL
must see in a query to use it.

Revision ID: 0012_no_shows
Revises: 0011_perf
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012_no_shows"
down_revision = "0011_perf"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "booking_appointment_no_shows",
        "booking_appointment",
        ["client_id"],
        postgresql_where=sa.text("no_show IS true"),  # the counts' own words: .is_(True)
        sqlite_where=sa.text("no_show IS 1"),
    )


def downgrade() -> None:
    op.drop_index("booking_appointment_no_shows", table_name="booking_appointment")
