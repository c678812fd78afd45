"""Webhook endpoint secrets may be encrypted (``ENCRYPTION_KEY``): ``secret`` becomes text.

A Fernet token of a secret is longer than the secret (about 165 characters for a generated
one, over 200 for the longest secret accepted), so ``booking_webhookendpoint.secret`` changes
from ``varchar(200)`` to ``text``. Rows are not rewritten: a plain ``whsec_…`` secret stays
readable, and ``booking rotate-key`` encrypts it.

Revision ID: 0010_staff
Revises: 0009_bilingual
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010_staff"
down_revision = "0009_bilingual"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("booking_webhookendpoint") as batch:
        batch.alter_column(
            "secret", existing_type=sa.String(200), type_=sa.Text(), existing_nullable=False
        )


def downgrade() -> None:
    with op.batch_alter_table("booking_webhookendpoint") as batch:
        batch.alter_column(
            "secret", existing_type=sa.Text(), type_=sa.String(200), existing_nullable=False
        )
