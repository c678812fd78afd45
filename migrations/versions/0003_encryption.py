"""Personal data encrypted at rest: ciphertext and lookup-hash columns on ``booking_client``.

Nullable columns with a server default of NULL, so a Django service sharing the table keeps
inserting rows as before. Without ``ENCRYPTION_KEY`` they stay NULL; with it, ``phone``/``email``
hold a masked value and these the Fernet ciphertext (see ``booking_api.core.crypto``;
``booking rotate-key`` encrypts the rows that exist).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

INDEX = "ix_booking_client_phone_hash"


def upgrade() -> None:
    bind = op.get_bind()
    inspector = sa.inspect(bind)
    columns = {c["name"] for c in inspector.get_columns("booking_client")}
    for name, type_ in (
        ("phone_encrypted", sa.Text()),
        ("email_encrypted", sa.Text()),
        ("phone_hash", sa.String(64)),
    ):
        if name not in columns:
            op.add_column(
                "booking_client",
                sa.Column(name, type_, nullable=True, server_default=sa.text("NULL")),
            )
    if INDEX not in {i["name"] for i in inspector.get_indexes("booking_client")}:
        op.create_index(INDEX, "booking_client", ["phone_hash"])


def downgrade() -> None:
    op.drop_index(INDEX, table_name="booking_client")
    with op.batch_alter_table("booking_client") as batch:
        for name in ("phone_hash", "email_encrypted", "phone_encrypted"):
            batch.drop_column(name)
