"""The SQL every resource shares: DRF's search and ordering filters, lookups, pages, writes.

``Resource`` (resource.py) composes these; the statements particular to one domain live in
that domain's own ``repository`` module.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Select,
    String,
    Table,
    and_,
    cast,
    column,
    func,
    or_,
    select,
    table,
    text,
)
from sqlalchemy.exc import CompileError
from sqlalchemy.ext.asyncio import AsyncSession

from booking_api.models import Client, Specialist, User

SearchField = Callable[[str], ColumnElement[bool]]


def icontains(column: Any) -> SearchField:
    """A search field: case-insensitive "contains" on a column (Unicode-aware on SQLite too)."""
    return lambda term: func.lower(column).contains(term.lower(), autoescape=True)


def rows_of(model: Any) -> Select[Any]:
    return select(model)


def search(stmt: Select[Any], text: str | None, fields: Sequence[SearchField]) -> Select[Any]:
    """DRF's SearchFilter: every space- or comma-separated term matches some field."""
    if not text or not fields:
        return stmt
    terms = text.replace("\x00", "").replace(",", " ").split()
    return stmt.where(and_(*(or_(*(field(term) for field in fields)) for term in terms)))


def order(
    stmt: Select[Any], ordering: str | None, fields: dict[str, Any], model: Any
) -> Select[Any]:
    """DRF's OrderingFilter (``name``, ``-name``, comma-separated; unknown names ignored),
    then the id."""
    clauses = []
    for name in (ordering or "").split(","):
        name = name.strip()
        descending = name.startswith("-")
        column = fields.get(name.lstrip("-"))
        if column is not None:
            clauses.append(column.desc() if descending else column.asc())
    return stmt.order_by(*clauses, model.id)


async def one_by_id(
    session: AsyncSession, query: Select[Any], model: Any, pk: int, loaders: Sequence[Any]
) -> Any | None:
    """Row ``pk`` among ``query``, its relationships loaded afresh (after a write they follow
    the new foreign keys, not what was loaded before)."""
    stmt = query.where(model.id == pk).options(*loaders)
    stmt = stmt.execution_options(populate_existing=True)
    return (await session.execute(stmt)).unique().scalar()


async def every(session: AsyncSession, stmt: Select[Any], loaders: Sequence[Any]) -> Sequence[Any]:
    return (await session.execute(stmt.options(*loaders))).unique().scalars().all()


async def rows(session: AsyncSession, stmt: Select[Any]) -> Sequence[Any]:
    """Plain rows of a statement of columns (no ORM objects built)."""
    return (await session.execute(stmt)).all()


# Tables whose number of rows the database keeps in ``booking_rowcount`` (triggers of
# migration 0013_row_counts, which names the same tables).
COUNTED_TABLES = frozenset({"booking_appointment"})
_ROWCOUNT = table("booking_rowcount", column("table_name", String), column("n", BigInteger))


def total_rows(stmt: Select[Any]) -> Select[Any]:
    """The number of rows of ``stmt``: ``count(*)``, or for a whole counted table (no
    condition, join or grouping: the staff's list of every appointment) the kept count, which
    costs the same at any size (``count(*)``: 5.8 ms at 61,000 rows, 51-58 ms at 1,000,000,
    EXPLAIN ANALYZE; the kept count 0.05 ms)."""
    name = _whole_counted_table(stmt)
    if name is not None:
        kept = func.coalesce(func.sum(_ROWCOUNT.c.n), 0)
        return select(cast(kept, BigInteger)).where(_ROWCOUNT.c.table_name == name)
    return select(func.count()).select_from(stmt.order_by(None).subquery())


def _whole_counted_table(stmt: Select[Any]) -> str | None:
    if (
        stmt.whereclause is not None
        or stmt._group_by_clauses  # noqa: SLF001 - no public accessor in SQLAlchemy 2
        or stmt._having_criteria  # noqa: SLF001
        or stmt._distinct  # noqa: SLF001
        or stmt._limit_clause is not None  # noqa: SLF001
        or stmt._offset_clause is not None  # noqa: SLF001
        or stmt._fetch_clause is not None  # noqa: SLF001
    ):
        return None
    froms = stmt.get_final_froms()
    if len(froms) != 1 or not isinstance(froms[0], Table):
        return None
    return froms[0].name if froms[0].name in COUNTED_TABLES else None


async def recount_rows(session: AsyncSession) -> dict[str, tuple[int, int]]:
    """Set each counted table's kept count to what ``count(*)`` says, for writes that went
    around the triggers (``session_replication_role = replica``, ``pg_restore
    --disable-triggers``, a trigger dropped by hand): ``{table: (kept before, counted)}``.

    In the caller's write transaction: on PostgreSQL the table's writers wait for it (readers
    go on), so no write lands between the count and the shards' new values; SQLite's writes wait
    anyway. The caller commits."""
    found: dict[str, tuple[int, int]] = {}
    for name in sorted(COUNTED_TABLES):
        if session.bind.dialect.name == "postgresql":
            await session.execute(text(f"LOCK TABLE {name} IN SHARE ROW EXCLUSIVE MODE"))
        kept = await session.scalar(
            select(func.coalesce(func.sum(_ROWCOUNT.c.n), 0)).where(_ROWCOUNT.c.table_name == name)
        )
        counted = await session.scalar(select(func.count()).select_from(table(name)))
        # The count on shard 0 (put back if it went), every other shard of the table to 0.
        await session.execute(
            text(
                "INSERT INTO booking_rowcount (table_name, shard, n) VALUES (:name, 0, 0) "
                "ON CONFLICT (table_name, shard) DO NOTHING"
            ),
            {"name": name},
        )
        await session.execute(
            text(
                "UPDATE booking_rowcount SET n = CASE WHEN shard = 0 THEN :n ELSE 0 END "
                "WHERE table_name = :name"
            ),
            {"name": name, "n": counted},
        )
        found[name] = (int(kept or 0), int(counted or 0))
    return found


async def count(session: AsyncSession, stmt: Select[Any]) -> int:
    total = await session.scalar(total_rows(stmt))
    return total or 0


def with_total(page: Select[Any], stmt: Select[Any]) -> Select[Any]:
    """``page`` with the number of rows of ``stmt`` (what :func:`count` says) as a last column:
    an uncorrelated scalar subquery, which the database evaluates once."""
    return page.add_columns(total_rows(stmt).scalar_subquery().label("total_rows"))


def split_total(rows: Sequence[Any]) -> tuple[list[Any], int | None]:
    """The rows of a :func:`with_total` statement and the total (None: an empty page)."""
    if not rows:
        return [], None
    return [row[:-1] for row in rows], rows[0][-1]


async def rows_and_total(
    session: AsyncSession, page: Select[Any], stmt: Select[Any]
) -> tuple[list[Any], int | None]:
    """A page of plain rows and the number of rows of ``stmt``, in one round trip."""
    return split_total((await session.execute(with_total(page, stmt))).all())


# SQL of list statements that are the same for every request of one shape (see
# ``Resource.list_shape``), rendered once. Bounded: shapes times page sizes and pages.
_FIXED_SQL: dict[Any, str] = {}
_FIXED_SQL_MAX = 512


async def fixed_rows(
    session: AsyncSession, key: Any, build: Callable[[], Select[Any]]
) -> Sequence[Any]:
    """Plain rows of the statement ``build`` makes, which must be the same SQL for every call
    with ``key``. On PostgreSQL its SQL is rendered once and sent as it is: building and
    compiling the statement through SQLAlchemy again cost ~0.4 ms of CPU per request, ~4× the
    query's own client-side cost (bench/README.md). Elsewhere, as :func:`rows`."""
    dialect = session.bind.dialect
    if dialect.name != "postgresql":
        return await rows(session, build())
    sql = fixed_sql(dialect, key, build)
    if sql is None:  # a value without a literal form: the usual way, uncached
        return await rows(session, build())
    connection = await session.connection()
    return (await connection.exec_driver_sql(sql)).all()


def fixed_sql(dialect: Any, key: Any, build: Callable[[], Select[Any]]) -> str | None:
    """The SQL of :func:`fixed_rows`' statement, rendered once per ``key`` (None when a value
    has no literal form)."""
    sql = _FIXED_SQL.get(key)
    if sql is None:
        try:
            sql = str(build().compile(dialect=dialect, compile_kwargs={"literal_binds": True}))
        except CompileError:
            return None
        if len(_FIXED_SQL) >= _FIXED_SQL_MAX:
            _FIXED_SQL.clear()
        _FIXED_SQL[key] = sql
    return sql


async def page(
    session: AsyncSession, stmt: Select[Any], loaders: Sequence[Any], *, limit: int, offset: int
) -> Sequence[Any]:
    return await every(session, stmt.limit(limit).offset(offset), loaders)


async def exists(session: AsyncSession, model: Any, pk: int) -> bool:
    return await session.get(model, pk) is not None


async def insert(session: AsyncSession, obj: Any) -> Any:
    session.add(obj)
    await session.flush()
    return obj


async def assign(session: AsyncSession, obj: Any, values: dict[str, Any]) -> Any:
    for key, value in values.items():
        setattr(obj, key, value)
    await session.flush()
    return obj


async def user_by_id(session: AsyncSession, user_id: int) -> User | None:
    return await session.get(User, user_id)


async def profile_ids(session: AsyncSession, user_id: int) -> tuple[int | None, int | None]:
    """The ids of the client and the specialist linked to a user (one query)."""
    client_q = select(Client.id).where(Client.user_id == user_id).scalar_subquery()
    spec_q = select(Specialist.id).where(Specialist.user_id == user_id).scalar_subquery()
    row = (await session.execute(select(client_q, spec_q))).one()
    return row[0], row[1]
