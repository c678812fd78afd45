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


async def test_a_list_parameter_is_refused_where_sql_would_depend_on_it(env) -> None:  # noqa: ANN001
    query = DriverQuery(select(Service.id).where(Service.id.in_(bindparam("ids", expanding=True))))
    if env.backend != "postgresql":
        assert await query.rows(env.db, ids=[1, 2]) == []  # a session renders it per call
        return
    with pytest.raises(ValueError, match="IN over a parameter list"):
        await query.rows(env.db, ids=[1, 2])
