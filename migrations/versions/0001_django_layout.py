"""The Django ``booking`` app's tables, adopted when Django already created them.

On an empty database this creates every table. On a database that Django migrated, it leaves
Django's tables and rows alone and adds only what is missing: new tables, and new columns
with server-side defaults (so the Django service keeps working against the same database).

Revision ID: 0001
Revises:
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

meta = sa.MetaData()
ZERO = sa.text("0")


def _tables() -> list[sa.Table]:
    tz = sa.DateTime(timezone=True)
    return [
        sa.Table(
            "auth_user",
            meta,
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("password", sa.String(128), nullable=False),
            sa.Column("last_login", tz, nullable=True),
            sa.Column("is_superuser", sa.Boolean, nullable=False),
            sa.Column("username", sa.String(150), nullable=False, unique=True),
            sa.Column("first_name", sa.String(150), nullable=False),
            sa.Column("last_name", sa.String(150), nullable=False),
            sa.Column("email", sa.String(254), nullable=False),
            sa.Column("is_staff", sa.Boolean, nullable=False),
            sa.Column("is_active", sa.Boolean, nullable=False),
            sa.Column("date_joined", tz, nullable=False),
        ),
        sa.Table(
            "booking_servicecategory",
            meta,
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("name", sa.String(100), nullable=False),
            sa.Column("description", sa.Text, nullable=False),
        ),
        sa.Table(
            "booking_specialist",
            meta,
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("name", sa.String(100), nullable=False),
            sa.Column("specialization", sa.String(100), nullable=False),
            sa.Column("description", sa.Text, nullable=False),
            sa.Column("photo", sa.String(100), nullable=True),
            sa.Column("city", sa.String(100), nullable=False),
            sa.Column("is_active", sa.Boolean, nullable=False),
            sa.Column(
                "user_id", sa.Integer, sa.ForeignKey("auth_user.id"), nullable=True, unique=True
            ),
            sa.Column("telegram_id", sa.String(20), nullable=True),  # new
        ),
        sa.Table(
            "booking_specialistschedule",
            meta,
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("day_of_week", sa.Integer, nullable=False),
            sa.Column("start_time", sa.Time, nullable=False),
            sa.Column("end_time", sa.Time, nullable=False),
            sa.Column(
                "specialist_id",
                sa.Integer,
                sa.ForeignKey("booking_specialist.id"),
                nullable=False,
                index=True,
            ),
            sa.UniqueConstraint("specialist_id", "day_of_week"),
        ),
        sa.Table(
            "booking_service",
            meta,
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("name", sa.String(100), nullable=False),
            sa.Column("description", sa.Text, nullable=False),
            sa.Column("price", sa.Numeric(10, 2), nullable=False),
            sa.Column("duration", sa.Integer, nullable=False),
            sa.Column("is_active", sa.Boolean, nullable=False),
            sa.Column(
                "category_id",
                sa.Integer,
                sa.ForeignKey("booking_servicecategory.id"),
                nullable=True,
                index=True,
            ),
            sa.Column(
                "specialist_id",
                sa.Integer,
                sa.ForeignKey("booking_specialist.id"),
                nullable=False,
                index=True,
            ),
            sa.Column("buffer_before", sa.Integer, nullable=False, server_default=ZERO),  # new
            sa.Column("buffer_after", sa.Integer, nullable=False, server_default=ZERO),  # new
        ),
        sa.Table(
            "booking_client",
            meta,
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("name", sa.String(100), nullable=False),
            sa.Column("phone", sa.String(20), nullable=False),
            sa.Column("email", sa.String(254), nullable=False),
            sa.Column("city", sa.String(100), nullable=False),
            sa.Column("telegram_id", sa.String(20), nullable=True, index=True),
            sa.Column(
                "user_id", sa.Integer, sa.ForeignKey("auth_user.id"), nullable=True, unique=True
            ),
            sa.Column("language", sa.String(8), nullable=False, server_default=sa.text("'ru'")),
        ),
        sa.Table(
            "booking_appointment",
            meta,
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("date", sa.Date, nullable=False),
            sa.Column("start_time", sa.Time, nullable=False),
            sa.Column("end_time", sa.Time, nullable=False),
            sa.Column("status", sa.String(20), nullable=False),
            sa.Column("created_at", tz, nullable=False),
            sa.Column("updated_at", tz, nullable=False),
            sa.Column(
                "client_id",
                sa.Integer,
                sa.ForeignKey("booking_client.id"),
                nullable=False,
                index=True,
            ),
            sa.Column(
                "service_id",
                sa.Integer,
                sa.ForeignKey("booking_service.id"),
                nullable=False,
                index=True,
            ),
            sa.Column(
                "specialist_id",
                sa.Integer,
                sa.ForeignKey("booking_specialist.id"),
                nullable=False,
                index=True,
            ),
            sa.Column("buffer_before", sa.Integer, nullable=False, server_default=ZERO),  # new
            sa.Column("buffer_after", sa.Integer, nullable=False, server_default=ZERO),  # new
            sa.Column("cancelled_at", tz, nullable=True),  # new
            sa.Column(
                "cancelled_by_id", sa.Integer, sa.ForeignKey("auth_user.id"), nullable=True
            ),  # new
        ),
        # simplejwt's token_blacklist app (shared with the Django service).
        sa.Table(
            "token_blacklist_outstandingtoken",
            meta,
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("token", sa.Text, nullable=False),
            sa.Column("created_at", tz, nullable=True),
            sa.Column("expires_at", tz, nullable=False),
            sa.Column("user_id", sa.Integer, sa.ForeignKey("auth_user.id"), nullable=True),
            sa.Column("jti", sa.String(255), nullable=False, unique=True),
        ),
        sa.Table(
            "token_blacklist_blacklistedtoken",
            meta,
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("blacklisted_at", tz, nullable=False),
            sa.Column(
                "token_id",
                sa.Integer,
                sa.ForeignKey("token_blacklist_outstandingtoken.id", ondelete="CASCADE"),
                nullable=False,
                unique=True,
            ),
        ),
        # New tables.
        sa.Table(
            "booking_break",
            meta,
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column(
                "specialist_id",
                sa.Integer,
                sa.ForeignKey("booking_specialist.id", ondelete="CASCADE"),
                nullable=False,
                index=True,
            ),
            sa.Column("day_of_week", sa.Integer, nullable=True),
            sa.Column("start_time", sa.Time, nullable=False),
            sa.Column("end_time", sa.Time, nullable=False),
        ),
        sa.Table(
            "booking_timeoff",
            meta,
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column(
                "specialist_id",
                sa.Integer,
                sa.ForeignKey("booking_specialist.id", ondelete="CASCADE"),
                nullable=False,
            ),
            sa.Column("start", tz, nullable=False),
            sa.Column("end", tz, nullable=False),
            sa.Column("reason", sa.String(200), nullable=False, server_default=sa.text("''")),
            sa.Index("booking_timeoff_specialist_span", "specialist_id", "start", "end"),
        ),
        sa.Table(
            "booking_idempotencykey",
            meta,
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column(
                "user_id",
                sa.Integer,
                sa.ForeignKey("auth_user.id", ondelete="CASCADE"),
                nullable=False,
            ),
            sa.Column("key", sa.String(255), nullable=False),
            sa.Column("request_hash", sa.String(64), nullable=False),
            sa.Column("status_code", sa.Integer, nullable=False),
            sa.Column("body", sa.JSON, nullable=False),
            sa.Column("created_at", tz, nullable=False, index=True),
            sa.UniqueConstraint("user_id", "key"),
        ),
        sa.Table(
            "booking_dialogcontext",
            meta,
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("user_key", sa.String(64), nullable=False, unique=True),
            sa.Column("data", sa.JSON, nullable=False),
            sa.Column("updated_at", tz, nullable=False),
            sa.Column("expires_at", tz, nullable=True, index=True),
        ),
    ]


TABLES = _tables()
for _table in TABLES:  # Django's SQLite tables never reuse ids
    _table.dialect_options["sqlite"]["autoincrement"] = True
EXTRA_INDEXES = [
    ("booking_appointment_specialist_day", "booking_appointment", ["specialist_id", "date"])
]

NO_OVERLAP = "booking_appointment_no_overlap"
BLOCKED_RANGE = (
    "tsrange((date + start_time) - buffer_before * interval '1 minute', "
    "greatest((date + start_time) - buffer_before * interval '1 minute', "
    "(date + end_time) + buffer_after * interval '1 minute'), '[)')"
)


def _adopt(table: sa.Table, inspector: sa.Inspector) -> None:
    """Add the columns and indexes that an existing (Django-made) table lacks."""
    present = {c["name"] for c in inspector.get_columns(table.name)}
    for column in table.columns:
        if column.name not in present:
            fk = list(column.foreign_keys)
            new = sa.Column(
                column.name,
                column.type,
                nullable=column.nullable,
                server_default=column.server_default,
            )
            with op.batch_alter_table(table.name) as batch:
                batch.add_column(new)
                if fk and op.get_bind().dialect.name != "sqlite":
                    batch.create_foreign_key(
                        f"{table.name}_{column.name}_fk",
                        fk[0].column.table.name,
                        [column.name],
                        [fk[0].column.name],
                    )


def _create_indexes(inspector: sa.Inspector) -> None:
    for name, table, columns in EXTRA_INDEXES:
        existing = {i["name"] for i in inspector.get_indexes(table)}
        if name not in existing:
            op.create_index(name, table, columns)


def _exclusion_constraint() -> None:
    """PostgreSQL refuses overlapping active bookings of one specialist, buffers included."""
    bind = op.get_bind()
    op.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
    exists = bind.execute(
        sa.text("SELECT 1 FROM pg_constraint WHERE conname = :n"), {"n": NO_OVERLAP}
    ).scalar()
    if exists:
        return
    clashes = bind.execute(
        sa.text(f"""
        SELECT a.id, b.id FROM booking_appointment a JOIN booking_appointment b
          ON a.specialist_id = b.specialist_id AND a.id < b.id
         AND {
            BLOCKED_RANGE.replace("date", "a.date")
            .replace("start_time", "a.start_time")
            .replace("end_time", "a.end_time")
            .replace("buffer_", "a.buffer_")
        }
          && {
            BLOCKED_RANGE.replace("date", "b.date")
            .replace("start_time", "b.start_time")
            .replace("end_time", "b.end_time")
            .replace("buffer_", "b.buffer_")
        }
         WHERE a.status IN ('pending', 'confirmed') AND b.status IN ('pending', 'confirmed')
         LIMIT 20""")
    ).all()
    if clashes:
        pairs = ", ".join(f"{x}/{y}" for x, y in clashes)
        raise RuntimeError(
            "Cannot add the no-double-booking constraint: these active appointments overlap "
            f"(id pairs): {pairs}. Cancel or move one of each pair, then run the migration again."
        )
    op.execute(
        f"ALTER TABLE booking_appointment ADD CONSTRAINT {NO_OVERLAP} EXCLUDE USING gist "
        f"(specialist_id WITH =, {BLOCKED_RANGE} WITH &&) "
        "WHERE (status IN ('pending', 'confirmed'))"
    )


def upgrade() -> None:
    bind = op.get_bind()
    inspector = sa.inspect(bind)
    existing = set(inspector.get_table_names())
    for table in TABLES:
        if table.name in existing:
            _adopt(table, inspector)
        else:
            table.create(bind)
    _create_indexes(sa.inspect(bind))
    if bind.dialect.name == "postgresql":
        _exclusion_constraint()


def downgrade() -> None:
    # Only what this product added; Django's own tables and columns stay.
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute(f"ALTER TABLE booking_appointment DROP CONSTRAINT IF EXISTS {NO_OVERLAP}")
    for name in (
        "booking_dialogcontext",
        "booking_idempotencykey",
        "booking_timeoff",
        "booking_break",
    ):
        op.drop_table(name)
