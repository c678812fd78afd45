"""Booking is answered below FastAPI (``appointments/hot_booking.py``) on both databases: the
same answers as the route, byte for byte once the new row's own id and timestamps are set
aside, errors included (each given by the app's handler for it); the route still answers
what the hot path steps aside from."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg
import httpx
import pytest

from booking_api.appointments import hot_booking, service
from kit.api import future_day

PATH = "/api/appointments/"
OWN = ("id", "created_at", "updated_at", "start_time", "end_time")


def body(cat, hour: int, **extra: Any) -> dict[str, Any]:  # noqa: ANN001
    return {
        "service": cat.manicure.id,
        "specialist": cat.anna.id,
        "date": str(future_day(3)),
        "start_time": f"{hour:02d}:00",
        "end_time": f"{hour + 1:02d}:00",
        **extra,
    }


@pytest.fixture
def ways(client, monkeypatch):  # noqa: ANN001, ANN201
    """``post(hot, ...)``: the request answered below FastAPI (and checked to have been) or,
    with ``hot=False``, by the route (the hot path made to step aside)."""
    answered: list[bool] = []
    real_book = hot_booking.HotBooking.book

    async def counted(self, request, key):  # noqa: ANN001, ANN202
        answered.append(True)
        return await real_book(self, request, key)

    async def steps_aside(self, scope, receive, send):  # noqa: ANN001, ANN202
        await self.app(scope, receive, send)

    monkeypatch.setattr(hot_booking.HotBooking, "book", counted)

    async def post(hot: bool, **kwargs: Any) -> httpx.Response:
        answered.clear()
        if hot:
            r = await client.post(PATH, **kwargs)
            assert answered == [True], "the hot path did not answer"
            return r
        with monkeypatch.context() as patch:
            patch.setattr(hot_booking.HotBooking, "__call__", steps_aside)
            r = await client.post(PATH, **kwargs)
        assert answered == []
        return r

    return post


def same(fast: httpx.Response, slow: httpx.Response, *, own: tuple[str, ...] = ()) -> None:
    assert fast.status_code == slow.status_code
    for header in ("content-type", "www-authenticate", "retry-after", "idempotent-replayed"):
        assert fast.headers.get(header) == slow.headers.get(header), header
    if not own:
        assert fast.content == slow.content
        return
    a, b = fast.json(), slow.json()
    assert {k: v for k, v in a.items() if k not in own} == {
        k: v for k, v in b.items() if k not in own
    }


async def test_a_booking_is_answered_as_the_route_answers_it(ways, env, cat) -> None:
    alice = env.auth(cat.alice)
    fast = await ways(True, json=body(cat, 9), headers=alice)
    slow = await ways(False, json=body(cat, 11), headers=alice)
    assert fast.status_code == 201, fast.text
    same(fast, slow, own=OWN)
    assert fast.json()["start_time"] == "09:00:00" and fast.json()["id"] != slow.json()["id"]
    # The first is a row: its slot is taken now.
    again = (await ways(True, json=body(cat, 9), headers=alice)).json()
    assert again == {"non_field_errors": ["Выбранное время уже занято."]}


async def test_staff_book_for_a_client_as_the_route_does(ways, env, cat) -> None:
    staff = env.auth(cat.staff)
    extra = {"client": cat.client_a.id, "status": "confirmed"}
    fast = await ways(True, json=body(cat, 9, **extra), headers=staff)
    slow = await ways(False, json=body(cat, 11, **extra), headers=staff)
    assert fast.status_code == 201 and fast.json()["status"] == "confirmed"
    same(fast, slow, own=OWN)


Case = Callable[[Any, Any], Awaitable[dict[str, Any]]]


@pytest.mark.parametrize(
    "case",
    [
        "taken",
        "missing_fields",
        "unknown_service",
        "not_json",
        "broken_json",
        "bad_token",
        "not_a_client",
        "in_the_past",
    ],
)
async def test_refusals_are_the_routes_byte_for_byte(ways, env, cat, case) -> None:  # noqa: ANN001
    alice = env.auth(cat.alice)
    request: dict[str, Any] = {"json": body(cat, 9), "headers": alice}
    if case == "taken":
        assert (await ways(True, json=body(cat, 9), headers=alice)).status_code == 201
    elif case == "missing_fields":
        request["json"] = {"service": cat.manicure.id}
    elif case == "unknown_service":
        request["json"] = body(cat, 9, service=999_999)
    elif case == "not_json":
        request = {"content": b"service=1", "headers": {**alice, "Content-Type": "text/plain"}}
    elif case == "broken_json":
        request = {"content": b"{", "headers": {**alice, "Content-Type": "application/json"}}
    elif case == "bad_token":
        request["headers"] = {"Authorization": "Bearer not-a-token"}
    elif case == "not_a_client":
        request["headers"] = env.auth(cat.stranger)
    elif case == "in_the_past":
        request["json"] = {**body(cat, 9), "date": "2020-01-01"}
    fast = await ways(True, **request)
    slow = await ways(False, **request)
    assert 400 <= fast.status_code < 500, fast.text
    same(fast, slow)


async def test_an_idempotent_retry_is_replayed_the_same_way(ways, env, cat) -> None:
    headers = {**env.auth(cat.alice), "Idempotency-Key": "hot-1"}
    first = await ways(True, json=body(cat, 9), headers=headers)
    fast = await ways(True, json=body(cat, 9), headers=headers)
    slow = await ways(False, json=body(cat, 9), headers=headers)
    assert first.status_code == fast.status_code == 201
    assert fast.headers["Idempotent-Replayed"] == "true"
    assert fast.content == slow.content == first.content
    other = await ways(True, json=body(cat, 10), headers=headers)  # the key, another body
    same(other, await ways(False, json=body(cat, 10), headers=headers))
    assert other.status_code == 422


async def test_what_the_hot_path_steps_aside_from_reaches_the_route(client, env, cat) -> None:
    """No token (the route's 401) and a key longer than the route's header allows (its 400)
    are answered by the route: the hot path never reads their bodies."""

    async def never(self, request, key):  # noqa: ANN001, ANN202
        raise AssertionError("answered below FastAPI")

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(hot_booking.HotBooking, "book", never)
        anonymous = await client.post(PATH, json=body(cat, 9))
        long_key = await client.post(
            PATH, json=body(cat, 9), headers={**env.auth(cat.alice), "Idempotency-Key": "k" * 256}
        )
    assert anonymous.status_code == 401
    assert anonymous.headers["WWW-Authenticate"] == 'Bearer realm="api"'
    assert long_key.status_code == 400 and "idempotency-key" in long_key.json()


async def test_a_database_out_of_reach_is_the_routes_503(ways, env, cat, monkeypatch) -> None:
    def unreachable(db, settings):  # noqa: ANN001, ANN202
        raise asyncpg.ConnectionDoesNotExistError("connection was closed mid-operation")

    monkeypatch.setattr(service, "booking_store", unreachable)
    alice = env.auth(cat.alice)
    fast = await ways(True, json=body(cat, 9), headers=alice)
    slow = await ways(False, json=body(cat, 9), headers=alice)
    assert fast.status_code == 503 and "Retry-After" in fast.headers
    same(fast, slow)
    env.db.availability.back()  # the outage is over for the next tests


async def test_an_unexpected_failure_is_the_routes_logged_500(
    env, cat, monkeypatch, caplog
) -> None:
    """As from the route: the failure travels out to Starlette's ServerErrorMiddleware, which
    answers the app's 500 and logs it (and raises it on to the server)."""

    def broken(db, settings):  # noqa: ANN001, ANN202
        raise RuntimeError("a bug")

    monkeypatch.setattr(service, "booking_store", broken)
    answered: list[bool] = []
    real_book = hot_booking.HotBooking.book

    async def counted(self, request, key):  # noqa: ANN001, ANN202
        answered.append(True)
        return await real_book(self, request, key)

    monkeypatch.setattr(hot_booking.HotBooking, "book", counted)
    transport = httpx.ASGITransport(app=env.app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        with caplog.at_level(logging.ERROR, logger="booking_api"):
            r = await client.post(PATH, json=body(cat, 9), headers=env.auth(cat.alice))
    assert answered == [True]  # the hot path met the failure, not the route
    assert r.status_code == 500
    assert r.json() == {"detail": "A server error occurred."}
    assert any("unhandled error on POST /api/appointments/" in r.message for r in caplog.records)
