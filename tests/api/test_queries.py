"""No N+1: every list and detail route runs as many queries for 20 rows as for 2.

Queries are counted with a ``before_cursor_execute`` listener on the engines the app uses
(on SQLite that includes the ``BEGIN`` each transaction sends), and where the hot paths
(``api/hot.py``) send theirs to the driver.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal

from sqlalchemy import event

from booking_api.api import hot
from booking_api.models import (
    Appointment,
    Client,
    Service,
    ServiceCategory,
    Specialist,
    SpecialistSchedule,
    User,
)
from kit.api import future_day

# Queries per route on PostgreSQL, the same for 2 and 20 rows. The bearer token's user is
# cached for a few seconds (USER_CACHE_SECONDS), so after a warm-up request authentication
# costs no query. SQLite adds the ``BEGIN`` of the route's transaction.
EXPECTED = {
    "/api/categories/": 1,
    "/api/categories/1/": 1,
    "/api/specialists/": 2,
    "/api/specialists/1/": 2,  # + the schedules (selectinload)
    "/api/schedules/": 1,
    "/api/schedules/1/": 1,
    "/api/services/": 1,
    "/api/services/1/": 1,
    "/api/clients/": 1,
    "/api/clients/1/": 1,
    # staff: no query for the user's client/specialist ids (staff see every appointment)
    "/api/appointments/": 1,
    "/api/appointments/1/": 1,
    # a page of plain rows carries its count (a scalar subquery): one round trip
    "/api/appointments/?page_size=5": 1,
    "/api/services/?page_size=5&search=услуга": 1,
    "/api/specialists/1/services/": 2,
    "/api/specialists/1/schedule/": 2,
    # hours + breaks + the specialist's existence (UNION ALL), then appointments + time off
    "/api/specialists/1/available_slots/": 2,
}
SQLITE_BEGINS = 1


@contextmanager
def count_queries(env) -> Iterator[list[str]]:
    statements: list[str] = []

    def listener(conn, cursor, statement, parameters, context, executemany):  # noqa: ARG001
        statements.append(statement)

    # One listener per pool: PostgreSQL's read engine is the write engine with other execution
    # options, and listeners of the parent engine already see its statements.
    engines = {
        id(e.sync_engine.pool): e.sync_engine for e in (env.db.read_engine, env.db.write_engine)
    }
    for engine in engines.values():
        event.listen(engine, "before_cursor_execute", listener)
    # The hot paths (api/hot.py) send their SQL to asyncpg directly: counted where they do.
    fetch = hot.fetch

    async def counted_fetch(engine, sql):  # noqa: ANN001, ANN202
        statements.append(sql)
        return await fetch(engine, sql)

    hot.fetch = counted_fetch
    try:
        yield statements
    finally:
        hot.fetch = fetch
        for engine in engines.values():
            event.remove(engine, "before_cursor_execute", listener)


async def add_rows(env, start: int, stop: int) -> None:
    """Specialists with a user, a week of schedule, a service with a category, a client and an
    appointment each."""
    for i in range(start, stop):
        user = await env.add(User(username=f"u{i}", password="!", email=""))
        category = await env.add(ServiceCategory(name=f"Категория {i}", description=""))
        specialist = await env.add(
            Specialist(
                name=f"Мастер {i}",
                specialization="x",
                description="",
                city="Казань",
                user_id=user.id,
            )
        )
        await env.add(
            *[
                SpecialistSchedule(
                    specialist_id=specialist.id,
                    day_of_week=d,
                    start_time=dt.time(9),
                    end_time=dt.time(18),
                )
                for d in range(7)
            ]
        )
        service = await env.add(
            Service(
                name=f"Услуга {i}",
                description="",
                price=Decimal(100),
                duration=30,
                specialist_id=specialist.id,
                category_id=category.id,
            )
        )
        cuser = await env.add(User(username=f"c{i}", password="!", email=""))
        client = await env.add(
            Client(name=f"Клиент {i}", phone="", email="", city="Казань", user_id=cuser.id)
        )
        await env.add(
            Appointment(
                client_id=client.id,
                service_id=service.id,
                specialist_id=specialist.id,
                date=future_day(),
                start_time=dt.time(10),
                end_time=dt.time(10, 30),
            )
        )
        # A second service of the first specialist, so its actions list more than one row.
        await env.add(
            Service(
                name=f"Доп {i}",
                description="",
                price=Decimal(1),
                duration=30,
                specialist_id=1,
                category_id=category.id,
            )
        )


ROUTES = [
    "/api/categories/",
    "/api/categories/1/",
    "/api/specialists/",
    "/api/specialists/1/",
    "/api/schedules/",
    "/api/schedules/1/",
    "/api/services/",
    "/api/services/1/",
    "/api/clients/",
    "/api/clients/1/",
    "/api/appointments/",
    "/api/appointments/1/",
    "/api/appointments/?page_size=5",
    "/api/services/?page_size=5&search=услуга",
    "/api/specialists/1/services/",
    "/api/specialists/1/schedule/",
    "/api/specialists/1/available_slots/",
]


async def measure(client, env, headers) -> dict[str, int]:
    counts = {}
    await client.get("/api/categories/", headers=headers)  # authenticates (the user is cached)
    for route in ROUTES:
        with count_queries(env) as statements:
            params = {"date": str(future_day())} if "available_slots" in route else None
            r = await client.get(route, headers=headers, params=params)
        assert r.status_code == 200, (route, r.text)
        counts[route] = len(statements)
    return counts


async def test_no_n_plus_one(client, env):
    staff = await env.user("staff", staff=True)
    headers = env.auth(staff)
    await add_rows(env, 0, 2)
    few = await measure(client, env, headers)
    await add_rows(env, 2, 20)
    many = await measure(client, env, headers)
    assert many == few
    extra = SQLITE_BEGINS if env.backend == "sqlite" else 0
    assert few == {route: n + extra for route, n in EXPECTED.items()}


# Anonymous reads of the public lists: on PostgreSQL the hot path (catalogue/hot.py) answers
# the specialists with their schedules in one statement; SQLite goes through the routes.
ANONYMOUS = {"postgresql": {"/api/services/": 1, "/api/specialists/": 1}}
ANONYMOUS["sqlite"] = {"/api/services/": 1 + SQLITE_BEGINS, "/api/specialists/": 2 + SQLITE_BEGINS}


async def test_no_n_plus_one_anonymous(client, env):
    async def measure_anonymous() -> dict[str, int]:
        counts = {}
        for route in ANONYMOUS[env.backend]:
            with count_queries(env) as statements:
                r = await client.get(route)
            assert r.status_code == 200, (route, r.text)
            counts[route] = len(statements)
        return counts

    await add_rows(env, 0, 2)
    few = await measure_anonymous()
    await add_rows(env, 2, 20)
    assert await measure_anonymous() == few == ANONYMOUS[env.backend]
