"""The nearest free slots, asked anonymously by service, category or specialist, are answered
below FastAPI on PostgreSQL (``availability/hot_nearest.py``): the same bytes as the route
gives (asked with a token, which the hot path leaves to the route), in one statement sent
straight to the driver; anything else still goes through the route, with its texts."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from booking_api.models import Service, SpecialistSchedule
from kit.busy_day import answered_alike, busy_day
from kit.statements import checkouts_and_statements

PATH = "/api/slots/nearest/"


async def _two_salons(env, cat) -> dict:  # noqa: ANN001
    """Anna's busy day (``kit.busy_day``); Maria works weekdays 10-16 and does a cheaper
    "маникюр" (the same name in lower case) in the same category; Anna's paused "Маникюр"
    offer is left out by both paths."""
    day = await busy_day(env, cat)
    async with env.db.write_sessions() as session:
        session.add_all(
            [
                SpecialistSchedule(
                    specialist_id=cat.maria.id,
                    day_of_week=weekday,
                    start_time=dt.time(10),
                    end_time=dt.time(16),
                )
                for weekday in range(5)
            ]
        )
        cheaper = Service(
            name="маникюр",
            description="",
            price=Decimal("1000"),
            duration=45,
            buffer_after=15,
            specialist_id=cat.maria.id,
            category_id=cat.nails.id,
        )
        paused = Service(
            name="Маникюр",
            description="",
            price=Decimal("900"),
            duration=30,
            specialist_id=cat.anna.id,
            category_id=cat.nails.id,
            is_active=False,
        )
        # "İ": Python lowers it to two letters, PostgreSQL (glibc) to one: the route's answer
        dotted = Service(
            name="İpek маникюр",
            description="",
            price=Decimal("1100"),
            duration=30,
            specialist_id=cat.maria.id,
            category_id=cat.nails.id,
        )
        session.add_all([cheaper, paused, dotted])
        await session.commit()
    return {"day": day, "cheaper": cheaper.id, "paused": paused.id, "dotted": dotted.id}


async def test_nearest_manicures_are_the_routes_answer_byte_for_byte_in_one_statement(
    client, env, cat
) -> None:  # noqa: ANN001
    found = await _two_salons(env, cat)
    day = found["day"]
    url = f"{PATH}?service={cat.manicure.id}&date_from={day}&limit=40"
    anonymous = await answered_alike(client, env, cat.alice, url, hot=True)
    assert anonymous.status_code == 200
    slots = anonymous.json()
    assert len(slots) == 40
    assert {s["service"] for s in slots} <= {cat.manicure.id, found["cheaper"]}  # not paused
    on_day = [s["start_time"] for s in slots if s["date"] == day.isoformat()]
    for busy in ("10:00", "11:00", "11:30", "12:00", "13:00", "16:30", "17:00"):
        assert busy not in on_day  # Anna's busy day (Maria's 45 minutes may start at 10:00)


@pytest.mark.parametrize(
    "query",
    [
        "service={manicure}",
        "service={manicure}&limit=12",
        "service={manicure}&per_specialist=1&limit=4",
        "per_specialist=2&service={manicure}&limit=9",
        "category_id={nails}&limit=20",
        "specialist={anna}",
        "specialist={maria}&service={manicure}",
        "specialist={maria}&category_id={nails}&date_to={in3}",
        "service={manicure}&date_from={day}&date_to={in2}",
        "service={cheaper}&date_from={day}",
        "service={paused}",  # paused, but its name finds the active ones
        "service={dotted}",  # a name Python and PostgreSQL lower differently: the route
        "service={manicure}&date_from={far}",  # beyond the horizon: nothing
        "service={manicure}&date_from={in3}&date_to={day}",  # to before from: nothing
        "service=999999",
        "specialist=0",
        "category_id={nails}&city=Казань",  # the route's text criteria
        "service_name=маник",
        "limit=3",  # no criterion: the route's 400
        "service={manicure}&limit=0",  # the route's 422s
        "service={manicure}&limit=51",
        "service={manicure}&per_specialist=x",
        "service=",
        "service=abc",
        "service={manicure}&date_from=2026-13-01",  # the route's 400
        "service={manicure}&date_from=",
        "service={manicure}&service={cheaper}",  # repeated: the route
        "service={manicure}&page=2",  # another parameter: the route
        "",
    ],
)
async def test_every_other_case_answers_as_the_route(client, env, cat, query: str) -> None:  # noqa: ANN001
    found = await _two_salons(env, cat)
    day = found["day"]
    query = query.format(
        manicure=cat.manicure.id,
        cheaper=found["cheaper"],
        paused=found["paused"],
        dotted=found["dotted"],
        nails=cat.nails.id,
        anna=cat.anna.id,
        maria=cat.maria.id,
        day=day,
        in2=day + dt.timedelta(days=2),
        in3=day + dt.timedelta(days=3),
        far=dt.date.today() + dt.timedelta(days=5000),
    )
    await answered_alike(client, env, cat.alice, f"{PATH}?{query}" if query else PATH)


async def test_one_connection_and_no_orm_statement_on_postgresql(client, env, cat) -> None:  # noqa: ANN001
    with checkouts_and_statements(env) as seen:
        r = await client.get(f"{PATH}?service={cat.manicure.id}")
    assert r.status_code == 200 and r.json()
    if env.backend == "postgresql":
        assert seen == {"checkouts": 1, "statements": 0}  # one statement, to asyncpg directly
    else:
        assert seen["statements"] >= 3  # SQLite: the route, as before
