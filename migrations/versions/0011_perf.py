"""Due jobs in claim order: the index behind ``booking_job_due`` gains ``id``.

A poller claims the oldest due jobs (``ORDER BY run_at, id LIMIT n``, jobs/queue.py). With the
index on (status, run_at) alone, PostgreSQL read every due row and sorted them at each claim
whenever its statistics lagged behind a growing queue (a table that fills up faster than
autovacuum analyses it, as under a burst of bookings): 16 ms of database CPU per claim at
8,000 due jobs, and the API's in-process poller claims after every booking, so bookings got
slower round after round (bench/README.md). On (status, run_at, id) the index gives the rows
in claim order and the claim stops after ``n`` of them, whatever the statistics say.

Revision ID: 0011_perf
Revises: 0010_staff
Create Date: 2026-12-04
"""

from __future__ import annotations

from alembic import op

revision = "0011_perf"
down_revision = "0010_staff"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("booking_job_due", table_name="booking_job")
    op.create_index("booking_job_due", "booking_job", ["status", "run_at", "id"])


def downgrade() -> None:
    op.drop_index("booking_job_due", table_name="booking_job")
    op.create_index("booking_job_due", "booking_job", ["status", "run_at"])
