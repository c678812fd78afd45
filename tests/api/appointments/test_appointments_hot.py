"""The staff's appointments list (only ``page``/``page_size`` asked) is answered below FastAPI
on PostgreSQL (``appointments/hot.py``): the same bytes as the route, its SQL sent straight to
the driver; anyone else, any other parameter and any refusal still go through the route."""

from __future__ import annotations

import datetime as dt

import pytest

from booking_api.appointments import hot
from booking_api.models import Appointment
from kit.api import future_day
from kit.statements import checkouts_and_statements

QUERIES = ["", "?page_size=2", "?page_size=2&page=2", "?page=2&page_size=2", "?page_size=500"]


@pytest.fixture
async def booked(env, cat):  # noqa: ANN001, ANN201
    await env.add(
        *[
            Appointment(
                client_id=client.id,
                specialist_id=specialist.id,
                service_id=service.id,
                date=future_day(days),
                start_time=dt.time(9 + days),
                end_time=dt.time(10 + days),
                status=status,
            )
            for days, (client, specialist, service, status) in enumerate(
                [
                    (cat.client_a, cat.anna, cat.manicure, "pending"),
                    (cat.client_b, cat.maria, cat.haircut, "confirmed"),
                    (cat.client_a, cat.maria, cat.haircut, "cancelled"),
                ],
                start=1,
            )
        ]
    )


async def _route_answer(client, monkeypatch, url, headers):  # noqa: ANN001, ANN202
    async def passes(self, request):  # noqa: ANN001, ANN202, ARG001
        return None

    with monkeypatch.context() as patch:
        patch.setattr(hot.HotAppointments, "answer", passes)
        return await client.get(url, headers=headers)


@pytest.mark.parametrize("query", QUERIES)
async def test_staff_list_is_the_routes_answer_byte_for_byte(
    client, env, cat, booked, monkeypatch, query
) -> None:  # noqa: ANN001
    staff = env.auth(cat.staff)
    url = "/api/appointments/" + query
    fast = await client.get(url, headers=staff)
    slow = await _route_answer(client, monkeypatch, url, staff)
    assert fast.status_code == slow.status_code == 200
    assert fast.content == slow.content
    assert fast.headers["content-length"] == slow.headers["content-length"]
    assert fast.headers["content-type"] == slow.headers["content-type"]


async def test_staff_page_costs_one_connection_and_no_orm_statement(
    client, env, cat, booked
) -> None:  # noqa: ANN001
    staff = env.auth(cat.staff)
    await client.get("/api/appointments/?page_size=2", headers=staff)  # the user is cached
    with checkouts_and_statements(env) as seen:
        r = await client.get("/api/appointments/?page_size=2", headers=staff)
    assert r.status_code == 200 and r.json()["count"] == 3
    if env.backend == "postgresql":
        assert seen == {"checkouts": 1, "statements": 0}
    else:
        assert seen["statements"] >= 1


async def test_others_and_refusals_go_the_routes_way(client, env, cat, booked) -> None:  # noqa: ANN001
    mine = await client.get("/api/appointments/", headers=env.auth(cat.alice))
    assert mine.status_code == 200 and len(mine.json()) == 2  # a client sees her own
    bad = await client.get("/api/appointments/", headers={"Authorization": "Bearer nonsense"})
    assert bad.status_code == 401
    past = await client.get("/api/appointments/?page=9&page_size=2", headers=env.auth(cat.staff))
    assert past.status_code == 404 and past.json() == {"detail": "Invalid page."}
    assert (await client.get("/api/appointments/")).status_code == 401
