"""A specialist's free slots asked anonymously with only ``?date=`` are answered below
FastAPI on PostgreSQL (``availability/hot_slots.py``): the same bytes as the route gives
(asked with a token, which the hot path leaves to the route), in one statement sent straight to
the driver; anything else still goes through the route, with its texts."""

from __future__ import annotations

import datetime as dt

import pytest

from kit.api import future_day
from kit.busy_day import answered_alike, busy_day
from kit.statements import checkouts_and_statements


def _path(specialist_id: int) -> str:
    return f"/api/specialists/{specialist_id}/available_slots/"


async def test_a_busy_day_is_the_routes_answer_byte_for_byte(client, env, cat) -> None:  # noqa: ANN001
    day = await busy_day(env, cat)
    url = f"{_path(cat.anna.id)}?date={day}"
    anonymous = await answered_alike(client, env, cat.alice, url, hot=True)
    assert anonymous.status_code == 200
    assert anonymous.headers["x-request-id"]  # the middlewares around it still run
    starts = [s["start_time"] for s in anonymous.json()]
    # Busy: 10:00-11:15 (a buffer after), 11:30 held, 12:15-13:00 (a buffer before), 13:00 a
    # break for that weekday, 16:30 one for every day, 17:00 time off; the cancelled and
    # completed appointments and the lapsed hold leave their time free.
    for busy in ("10:00", "10:30", "11:00", "11:30", "12:00", "12:30", "13:00", "16:30", "17:00"):
        assert busy not in starts
    assert {"09:00", "14:00", "15:00", "15:30", "17:30"} <= set(starts)


@pytest.mark.parametrize(
    "query",
    [
        "date={today}",  # slots that have started are not offered
        "date={yesterday}",  # the past: nothing
        "date={far}",  # beyond the horizon: nothing (the route answers it)
        "date={day_off}",  # 400, the contract's text
        "date=25-11-2026",  # 400, a bad date
        "date={day}&service={service}",  # with a service: its duration and buffers
        "service={service}&date={day}",  # in either order
        "date={day}&service={other_service}",  # not Anna's service: the route's 400
        "date={day}&service=999999",
        "date={day}&service=abc",
        "date={day}&service=",
        "date={day}&service={service}&service={service}",  # repeated: the route
        "date={day}&page=2",  # another parameter: the route
        "date={far}&service={service}",
        "date=",
        "",
    ],
)
async def test_every_other_case_answers_as_the_route(client, env, cat, query: str) -> None:  # noqa: ANN001
    day = await busy_day(env, cat)
    days = {
        "today": dt.date.today(),
        "yesterday": dt.date.today() - dt.timedelta(days=1),
        "far": dt.date.today() + dt.timedelta(days=5000),
        "day_off": next(
            d for d in (future_day(i) for i in range(1, 8)) if d.weekday() == 6
        ),  # Anna's demo week has no Sunday
        "day": day,
    }
    query = query.format(**days, service=cat.manicure.id, other_service=cat.haircut.id)
    await answered_alike(client, env, cat.alice, f"{_path(cat.anna.id)}?{query}")


async def test_slots_for_a_service_are_the_routes_answer_in_one_statement(client, env, cat) -> None:  # noqa: ANN001
    day = await busy_day(env, cat)
    async with env.db.write_sessions() as session:  # a service with buffers of its own
        service = await session.get(type(cat.manicure), cat.manicure.id)
        service.duration, service.buffer_before, service.buffer_after = 45, 10, 5
        await session.commit()
    for query in (f"date={day}&service={cat.manicure.id}", f"service={cat.manicure.id}&date={day}"):
        with checkouts_and_statements(env) as seen:
            anonymous = await client.get(f"{_path(cat.anna.id)}?{query}")
        if env.backend == "postgresql":
            assert seen == {"checkouts": 1, "statements": 0}, query  # answered here
    url = f"{_path(cat.anna.id)}?date={day}&service={cat.manicure.id}"
    through_route = await client.get(url, headers=env.auth(cat.alice))
    assert anonymous.status_code == through_route.status_code == 200
    assert anonymous.content == through_route.content
    plain = (await client.get(f"{_path(cat.anna.id)}?date={day}")).json()
    assert anonymous.json() != plain  # 45 minutes and buffers: not the half-hour grid


async def test_an_unknown_specialist_is_the_routes_404(client, env, cat) -> None:  # noqa: ANN001
    url = f"{_path(999999)}?date={future_day(7)}"
    anonymous = await answered_alike(client, env, cat.alice, url)
    assert anonymous.status_code == 404
    assert anonymous.json() == {"detail": "No Specialist matches the given query."}


async def test_one_connection_and_no_orm_statement_on_postgresql(client, env, cat) -> None:  # noqa: ANN001
    day = await busy_day(env, cat)
    with checkouts_and_statements(env) as seen:
        assert (await client.get(f"{_path(cat.anna.id)}?date={day}")).status_code == 200
    if env.backend == "postgresql":
        assert seen == {"checkouts": 1, "statements": 0}  # one statement, to asyncpg directly
    else:
        assert seen["statements"] >= 2  # SQLite: the route, as before
