"""The public lists asked anonymously without a query string are answered below FastAPI on
PostgreSQL (``catalogue/hot.py``): the same bytes as the routes give, in one statement sent
straight to the driver; anything else still goes through the routes."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from booking_api.models import Service, Specialist
from kit.statements import checkouts_and_statements

ROUTES = ["/api/services/", "/api/specialists/"]


async def _variety(env, cat) -> None:  # noqa: ANN001
    """A photo, an inactive specialist and service, a week with several rows, English names."""
    async with env.db.write_sessions() as session:
        await session.execute(
            update(Specialist)
            .where(Specialist.id == cat.anna.id)
            .values(photo="specialists/anna.jpg", city_en="Kazan", description_en="Nails")
        )
        await session.execute(
            update(Service).where(Service.id == cat.manicure.id).values(name_en="Manicure")
        )
        session.add(
            Specialist(name="Ушла", specialization="", description="", city="", is_active=False)
        )
        await session.commit()


@pytest.mark.parametrize("route", ROUTES)
async def test_anonymous_list_is_the_routes_answer_byte_for_byte(client, env, cat, route) -> None:  # noqa: ANN001
    await _variety(env, cat)
    anonymous = await client.get(route)
    through_route = await client.get(route, headers=env.auth(cat.alice))
    assert anonymous.status_code == through_route.status_code == 200
    assert anonymous.content == through_route.content
    assert anonymous.headers["content-type"] == through_route.headers["content-type"]
    assert anonymous.headers["content-length"] == through_route.headers["content-length"]
    assert anonymous.headers["x-request-id"]  # the middlewares around it still run
    if route == "/api/specialists/":
        anna = next(s for s in anonymous.json() if s["id"] == cat.anna.id)
        assert anna["photo"] == "http://testserver/media/specialists/anna.jpg"
        assert len(anna["schedules"]) >= 2  # the weekly rows, nested


@pytest.mark.parametrize("route", ROUTES)
async def test_one_connection_and_no_orm_statement_on_postgresql(client, env, cat, route) -> None:  # noqa: ANN001
    await client.get(route)  # the path's SQL is rendered on first use
    with checkouts_and_statements(env) as seen:
        assert (await client.get(route)).status_code == 200
    if env.backend == "postgresql":
        assert seen == {"checkouts": 1, "statements": 0}  # one statement, to asyncpg directly
    else:
        assert seen["statements"] >= 1  # SQLite: the routes, as before


async def test_a_bad_token_is_still_refused(client, cat) -> None:  # noqa: ANN001
    r = await client.get("/api/services/", headers={"Authorization": "Bearer nonsense"})
    assert r.status_code == 401


async def test_head_and_query_strings_answer_as_before(client, cat) -> None:  # noqa: ANN001
    head = await client.head("/api/specialists/")
    assert head.status_code == 200 and head.content == b""
    get = await client.get("/api/specialists/")
    assert head.headers["content-length"] == get.headers["content-length"]
    filtered = (await client.get("/api/services/?ordering=id")).json()
    assert filtered == (await client.get("/api/services/")).json()
