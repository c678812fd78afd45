"""The public catalogue lists are read as plain rows: no ORM object is built for them (what
made an uncached list cost about as much CPU as DRF's), and they answer exactly what the
detail route, which still goes through the ORM, answers for the same row."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import event

from booking_api.models import Service, ServiceCategory, Specialist, SpecialistSchedule, User

MODELS = (Service, ServiceCategory, Specialist, SpecialistSchedule, User)


@contextmanager
def orm_loads() -> Iterator[list[str]]:
    """Names of the mapped classes the ORM builds instances of meanwhile."""
    seen: list[str] = []

    def on_load(target, _context):  # noqa: ANN001
        seen.append(type(target).__name__)

    for model in MODELS:
        event.listen(model, "load", on_load)
    try:
        yield seen
    finally:
        for model in MODELS:
            event.remove(model, "load", on_load)


@pytest.mark.parametrize(
    "query",
    ["", "?search=a", "?ordering=-name", "?page_size=1&page=2", "?city=Казань"],
)
@pytest.mark.parametrize("route", ["/api/services/", "/api/specialists/"])
async def test_lists_build_no_orm_objects(client, cat, route, query) -> None:  # noqa: ANN001
    with orm_loads() as loaded:
        answer = await client.get(route + query)
    assert answer.status_code == 200
    assert loaded == []
    with orm_loads() as loaded:  # the control: a detail route does use the ORM
        assert (await client.get(route)).status_code == 200
        first = (await client.get(route)).json()[0]["id"]
        assert (await client.get(f"{route}{first}/")).status_code == 200
    assert loaded


@pytest.mark.parametrize("route", ["/api/services/", "/api/specialists/"])
async def test_list_rows_equal_the_detail_answers(client, cat, route) -> None:  # noqa: ANN001
    listed = (await client.get(route)).json()
    assert len(listed) >= 2
    for item in listed:
        assert (await client.get(f"{route}{item['id']}/")).json() == item


@pytest.mark.parametrize("route", ["/api/services/", "/api/specialists/"])
async def test_the_plain_list_answers_as_an_ordered_one(client, cat, route) -> None:  # noqa: ANN001
    """The unfiltered list is sent as SQL rendered once (repository.fixed_rows); it answers
    what the general path answers (forced here by an ordering equal to the default)."""
    fixed = (await client.get(route)).json()
    assert fixed == (await client.get(route)).json()
    assert fixed == (await client.get(f"{route}?ordering=id")).json()
    paged = (await client.get(f"{route}?page_size=1&page=2")).json()
    general = (await client.get(f"{route}?page_size=1&page=2&ordering=id")).json()
    assert (paged["count"], paged["results"]) == (general["count"], general["results"])
