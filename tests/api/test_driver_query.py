"""A statement written once with SQLAlchemy, sent straight to asyncpg on PostgreSQL and through
a session on SQLite (``core/driver.DriverQuery``): the same rows either way."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import bindparam, select

from booking_api.core.driver import DriverQuery
from booking_api.models import Service, Specialist

SERVICES_OF = DriverQuery(
    select(Service.name, Specialist.name.label("specialist"), Service.price)
    .join(Specialist, Specialist.id == Service.specialist_id)
    .where(Specialist.id == bindparam("specialist_id"), Service.is_active.is_(True))
    .order_by(Service.name)
)


async def test_the_same_rows_on_either_database(env, cat) -> None:  # noqa: ANN001
    rows = await SERVICES_OF.rows(env.db, specialist_id=cat.anna.id)

    assert [tuple(row) for row in rows] == [("Маникюр", cat.anna.name, Decimal("1500.00"))]
    assert await SERVICES_OF.rows(env.db, specialist_id=cat.maria.id) == [
        ("Стрижка", cat.maria.name, Decimal("1200.50"))
    ]
    assert await SERVICES_OF.rows(env.db, specialist_id=10**6) == []


async def test_a_list_parameter_is_refused_where_sql_would_depend_on_it(env, cat) -> None:  # noqa: ANN001
    # An expanding IN renders its SQL from the values: compiled once it would be wrong for
    # the next call, so on PostgreSQL it is refused; a session (SQLite) renders it per call.
    ids = [cat.manicure.id, cat.haircut.id]
    query = DriverQuery(
        select(Service.id)
        .where(Service.id.in_(bindparam("ids", expanding=True)))
        .order_by(Service.id)
    )
    if env.backend != "postgresql":
        assert [tuple(r) for r in await query.rows(env.db, ids=ids)] == [(i,) for i in sorted(ids)]
        assert await query.rows(env.db, ids=ids[:1]) == [(ids[0],)]
        return
    with pytest.raises(ValueError, match="IN over a parameter list"):
        await query.rows(env.db, ids=ids)
