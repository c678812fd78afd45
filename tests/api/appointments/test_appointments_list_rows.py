"""The appointments list is read as plain rows (no ORM object per appointment, client, service,
category and specialist) and answers what the detail route answers, for each kind of user."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import event

from booking_api.models import Appointment, Client, Service, ServiceCategory, Specialist
from kit.api import future_day

MODELS = (Appointment, Client, Service, ServiceCategory, Specialist)


@pytest.fixture
async def booked(env, cat):  # noqa: ANN001, ANN201
    rows = [
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
    await env.add(*rows)
    return rows


@pytest.mark.parametrize(
    "query", ["", "?page_size=2&page=1", "?search=a", "?ordering=-date", "?status=pending"]
)
async def test_list_builds_no_orm_objects(client, env, cat, booked, query) -> None:  # noqa: ANN001
    seen: list[str] = []

    def on_load(target, _context):  # noqa: ANN001
        seen.append(type(target).__name__)

    for model in MODELS:
        event.listen(model, "load", on_load)
    try:
        answer = await client.get(f"/api/appointments/{query}", headers=env.auth(cat.staff))
    finally:
        for model in MODELS:
            event.remove(model, "load", on_load)
    assert answer.status_code == 200
    assert seen == []


@pytest.mark.parametrize("who", ["staff", "alice", "spec_user", "stranger"])
async def test_list_rows_equal_the_detail_answers(client, env, cat, booked, who) -> None:  # noqa: ANN001
    headers = env.auth(getattr(cat, who))
    listed = (await client.get("/api/appointments/", headers=headers)).json()
    expected = {"staff": 3, "alice": 2, "spec_user": 1, "stranger": 0}[who]
    assert len(listed) == expected
    for item in listed:
        detail = await client.get(f"/api/appointments/{item['id']}/", headers=headers)
        assert detail.json() == item
    paged = (await client.get("/api/appointments/?page_size=20", headers=headers)).json()
    assert paged["count"] == expected and paged["results"] == listed


async def test_pages_of_rows_count_and_bound_as_drf_does(client, env, cat, booked) -> None:  # noqa: ANN001
    """A page of plain rows brings its total along (one query); the page numbers still
    behave as DRF's: past the last page is a 404, ``last`` is the last one, an empty list
    has one empty page."""
    staff = env.auth(cat.staff)
    first = (await client.get("/api/appointments/?page_size=2", headers=staff)).json()
    assert first["count"] == 3 and len(first["results"]) == 2 and first["next"]
    second = (await client.get("/api/appointments/?page_size=2&page=2", headers=staff)).json()
    assert second["count"] == 3 and len(second["results"]) == 1 and second["next"] is None
    last = (await client.get("/api/appointments/?page_size=2&page=last", headers=staff)).json()
    assert last == second
    past = await client.get("/api/appointments/?page_size=2&page=3", headers=staff)
    assert (past.status_code, past.json()) == (404, {"detail": "Invalid page."})
    none = await client.get("/api/appointments/?page_size=2&status=completed", headers=staff)
    assert none.json() == {"count": 0, "next": None, "previous": None, "results": []}
    none_later = await client.get(
        "/api/appointments/?page_size=2&status=completed&page=2", headers=staff
    )
    assert none_later.status_code == 404


@pytest.mark.parametrize("page", ["", "&page=1", "&page=2"])
async def test_a_plain_staff_page_answers_as_a_filtered_one(client, env, cat, booked, page) -> None:  # noqa: ANN001
    """The staff's unfiltered list is sent as SQL rendered once (repository.fixed_rows); it
    answers what the general path answers (here forced by an ordering equal to the default)."""
    staff = env.auth(cat.staff)
    fixed = (await client.get(f"/api/appointments/?page_size=2{page}", headers=staff)).json()
    again = (await client.get(f"/api/appointments/?page_size=2{page}", headers=staff)).json()
    general = await client.get(f"/api/appointments/?page_size=2{page}&ordering=id", headers=staff)
    assert fixed == again
    assert (fixed["count"], fixed["results"]) == (
        general.json()["count"],
        general.json()["results"],
    )
