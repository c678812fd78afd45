"""The days of a month with room, asked anonymously, are answered below FastAPI on PostgreSQL
(``availability/hot_days.py``): the same bytes as the route gives (asked with a token, which
the hot path leaves to the route), in one statement sent straight to the driver; anything else
still goes through the route, with its texts."""

from __future__ import annotations

import datetime as dt

import pytest

from booking_api.models import Appointment, TimeOff
from kit.busy_day import answered_alike, busy_day
from kit.statements import checkouts_and_statements


def _path(specialist_id: int) -> str:
    return f"/api/specialists/{specialist_id}/available_days/"


async def _month_with_full_days(env, cat) -> tuple[dt.date, dt.date, dt.date]:  # noqa: ANN001
    """The busy day (``kit.busy_day``), a week later a day of time off, two weeks later a day
    booked from morning to night: (busy day, day off, booked day)."""
    day = await busy_day(env, cat)
    off, booked = day + dt.timedelta(days=7), day + dt.timedelta(days=14)
    tz = env.settings.tz
    async with env.db.write_sessions() as session:
        session.add_all(
            [
                TimeOff(
                    specialist_id=cat.anna.id,
                    start=dt.datetime.combine(off, dt.time(0), tz),
                    end=dt.datetime.combine(off + dt.timedelta(days=1), dt.time(0), tz),
                    reason="",
                ),
                Appointment(
                    date=booked,
                    start_time=dt.time(6),
                    end_time=dt.time(23, 30),
                    status="confirmed",
                    client_id=cat.client_a.id,
                    service_id=cat.manicure.id,
                    specialist_id=cat.anna.id,
                ),
            ]
        )
        await session.commit()
    return day, off, booked


async def test_a_busy_month_is_the_routes_answer_byte_for_byte_in_one_statement(
    client, env, cat
) -> None:  # noqa: ANN001
    day, off, booked = await _month_with_full_days(env, cat)
    for month in sorted({f"{d:%Y-%m}" for d in (day, off, booked)}):
        url = f"{_path(cat.anna.id)}?month={month}&service={cat.manicure.id}"
        anonymous = await answered_alike(client, env, cat.alice, url, hot=True)
        assert anonymous.status_code == 200
        listed = anonymous.json()
        if month == f"{day:%Y-%m}":
            assert day.isoformat() in listed  # busy, but with room left
        if month == f"{off:%Y-%m}":
            assert off.isoformat() not in listed  # a whole day of time off
        if month == f"{booked:%Y-%m}":
            assert booked.isoformat() not in listed  # booked from morning to night
            # other days of the same weekday that month still have room
            weekday = booked.weekday()
            assert [d for d in listed if dt.date.fromisoformat(d).weekday() == weekday]


@pytest.mark.parametrize(
    "query",
    [
        "",  # this month
        "month={this}",
        "month={next}",
        "service={service}",
        "month={next}&service={service}",
        "service={service}&month={next}",  # in either order
        "month={past}",  # wholly before the window: nothing
        "month={far}",  # wholly beyond the horizon: nothing
        "month={far}&service={other_service}",  # the service is still checked
        "month={next}&service={other_service}",  # not Anna's service: the route's 400
        "month={next}&service=999999",
        "month={next}&service=abc",
        "month={next}&service=",
        "month=",
        "month=2026-13",  # 400, a bad month
        "month=0000-01",
        "month=26-01",
        "month={next}&month={this}",  # repeated: the route
        "month={next}&page=2",  # another parameter: the route
    ],
)
async def test_every_other_case_answers_as_the_route(client, env, cat, query: str) -> None:  # noqa: ANN001
    await _month_with_full_days(env, cat)
    today = dt.date.today()
    nxt = (today.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
    query = query.format(
        this=f"{today:%Y-%m}",
        next=f"{nxt:%Y-%m}",
        past="2020-02",
        far=f"{today.year + 20}-06",
        service=cat.manicure.id,
        other_service=cat.haircut.id,
    )
    await answered_alike(
        client, env, cat.alice, f"{_path(cat.anna.id)}?{query}" if query else _path(cat.anna.id)
    )


async def test_an_unknown_specialist_is_the_routes_404(client, env, cat) -> None:  # noqa: ANN001
    url = _path(999999)
    anonymous = await answered_alike(client, env, cat.alice, url)
    assert anonymous.status_code == 404
    assert anonymous.json() == {"detail": "No Specialist matches the given query."}


async def test_one_connection_and_no_orm_statement_on_postgresql(client, env, cat) -> None:  # noqa: ANN001
    with checkouts_and_statements(env) as seen:
        assert (await client.get(_path(cat.anna.id))).status_code == 200
    if env.backend == "postgresql":
        assert seen == {"checkouts": 1, "statements": 0}  # one statement, to asyncpg directly
    else:
        assert seen["statements"] >= 3  # SQLite: the route, as before
