"""A bilingual catalogue and the business profile.

English twins of the catalogue's texts, named as django-modeltranslation names them
(``<field>_en``): new columns with a server default (the empty string, "no English text"),
so a Django service sharing the tables keeps inserting rows as before.

``booking_businessprofile``: one row (name, address, phone, opening hours, a short FAQ, each
text with its English twin), made when first read (``booking_api/business``).

Revision ID: 0009_bilingual
Revises: 0008_holds
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009_bilingual"
down_revision = "0008_holds"
branch_labels = None
depends_on = None

EMPTY = sa.text("''")

#: table -> its new columns (name, type)
COLUMNS: dict[str, list[tuple[str, sa.types.TypeEngine]]] = {
    "booking_servicecategory": [("name_en", sa.String(100)), ("description_en", sa.Text())],
    "booking_service": [("name_en", sa.String(100)), ("description_en", sa.Text())],
    "booking_specialist": [
        ("specialization_en", sa.String(100)),
        ("city_en", sa.String(100)),
        ("description_en", sa.Text()),
    ],
}

meta = sa.MetaData()
PROFILE = sa.Table(
    "booking_businessprofile",
    meta,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(200), nullable=False, server_default=EMPTY),
    sa.Column("name_en", sa.String(200), nullable=False, server_default=EMPTY),
    sa.Column("address", sa.Text, nullable=False, server_default=EMPTY),
    sa.Column("address_en", sa.Text, nullable=False, server_default=EMPTY),
    sa.Column("phone", sa.String(40), nullable=False, server_default=EMPTY),
    sa.Column("opening_hours", sa.Text, nullable=False, server_default=EMPTY),
    sa.Column("opening_hours_en", sa.Text, nullable=False, server_default=EMPTY),
    sa.Column("faq", sa.JSON, nullable=False),
)


def upgrade() -> None:
    bind = op.get_bind()
    inspector = sa.inspect(bind)
    for table, columns in COLUMNS.items():
        present = {c["name"] for c in inspector.get_columns(table)}
        for name, type_ in columns:
            if name not in present:
                op.add_column(table, sa.Column(name, type_, nullable=False, server_default=EMPTY))
    if "booking_businessprofile" not in inspector.get_table_names():
        PROFILE.create(bind)


def downgrade() -> None:
    op.drop_table("booking_businessprofile")
    for table, columns in COLUMNS.items():
        with op.batch_alter_table(table) as batch:
            for name, _type in columns:
                batch.drop_column(name)
