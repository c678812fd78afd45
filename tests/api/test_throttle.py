"""Rate limits (core/throttle.py): DRF's 429 text and Retry-After, sign-in per client IP,
booking per user, empty setting = off; in-process and (``redis`` marker) shared in Redis, each
test under a key prefix of its own.
The two-worker case is in test_cache.py."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from booking_api.app import create_app
from booking_api.core.throttle import parse_rate
from kit.api import TEST_REDIS_URL, Env, future_day, needs_redis


def test_parse_rate():
    assert parse_rate("20/min") == (20, 60)
    assert parse_rate("5/s") == (5, 1)
    assert parse_rate("3/sec") == (3, 1)
    assert parse_rate("100/hour") == (100, 3600)
    assert parse_rate("1000/day") == (1000, 86400)
    assert parse_rate("7/m") == (7, 60)
    assert parse_rate("") is None and parse_rate(None) is None and parse_rate("  ") is None
    with pytest.raises(ValueError):
        parse_rate("5/week")


def check_429(r: httpx.Response, period: int = 60) -> None:
    assert r.status_code == 429
    wait = int(r.headers["Retry-After"])
    assert 1 <= wait <= period
    unit = "second" if wait == 1 else "seconds"
    assert r.json() == {"detail": f"Request was throttled. Expected available in {wait} {unit}."}


@pytest.fixture(params=["memory", pytest.param("redis", marks=[pytest.mark.redis, needs_redis])])
async def limited(request: pytest.FixtureRequest, env: Env) -> AsyncIterator[httpx.AsyncClient]:
    update = {"throttle_auth": "3/min", "throttle_booking": "2/min"}
    if request.param == "redis":
        update["redis_url"] = TEST_REDIS_URL
        update["redis_key_prefix"] = request.getfixturevalue("redis_prefix")
    app = create_app(env.settings.model_copy(update=update), env.db)
    transport = httpx.ASGITransport(app=app, client=("10.1.1.1", 1234))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c
    await app.state.redis.close()


async def test_sign_in_is_limited_per_client_ip(limited, env, cat):
    body = {"username": "alice", "password": "wrong"}
    statuses = [(await limited.post("/api/token/", json=body)).status_code for _ in range(3)]
    assert statuses == [401, 401, 401]
    check_429(await limited.post("/api/token/", json=body))
    # The same budget covers refresh and Telegram sign-in (one "auth" scope per IP).
    check_429(await limited.post("/api/token/refresh/", json={"refresh": "x"}))
    check_429(await limited.post("/api/auth/telegram/", json={"hash": "x"}))
    # Other routes are not limited.
    assert (await limited.get("/api/categories/")).status_code == 200


async def test_booking_is_limited_per_user(limited, env, cat):
    day = future_day()

    def body(hour: int) -> dict:
        return {
            "service": cat.manicure.id,
            "specialist": cat.anna.id,
            "date": str(day),
            "start_time": f"{hour:02d}:00",
            "end_time": f"{hour + 1:02d}:00",
        }

    alice, bob = env.auth(cat.alice), env.auth(cat.bob)
    r = await limited.post("/api/appointments/", json=body(9), headers=alice)
    assert r.status_code == 201
    r = await limited.post("/api/appointments/", json=body(9), headers=alice)
    assert r.status_code == 400  # refused requests count too (DRF throttles every request)
    check_429(await limited.post("/api/appointments/", json=body(11), headers=alice))
    # Another user has their own budget; anonymous requests are a 401, not counted.
    assert (await limited.post("/api/appointments/", json=body(12), headers=bob)).status_code == 201
    assert (await limited.post("/api/appointments/", json=body(12))).status_code == 401


async def test_empty_rate_turns_the_limit_off(client, env, cat):
    # The suite's settings leave both rates empty (kit.api.make_settings).
    for _ in range(30):
        r = await client.post("/api/token/", json={"username": "alice", "password": "wrong"})
        assert r.status_code == 401


async def test_redis_down_falls_back_to_process_counts(env, cat):
    settings = env.settings.model_copy(
        update={"throttle_auth": "2/min", "redis_url": "redis://127.0.0.1:1/0"}
    )
    app = create_app(settings, env.db)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        body = {"username": "alice", "password": "wrong"}
        assert [(await c.post("/api/token/", json=body)).status_code for _ in range(2)] == [401] * 2
        check_429(await c.post("/api/token/", json=body))
    await app.state.redis.close()


@pytest.mark.redis
@needs_redis
async def test_another_run_on_the_same_redis_has_its_own_counts(env, cat, redis_prefix):
    """Counters live under REDIS_KEY_PREFIX: another deployment (or test run) on the same
    Redis database, signing in from the same address, spends none of this one's budget."""

    def app_under(prefix: str):  # noqa: ANN202
        update = {"throttle_auth": "2/min", "redis_url": TEST_REDIS_URL, "redis_key_prefix": prefix}
        return create_app(env.settings.model_copy(update=update), env.db)

    body = {"username": "alice", "password": "wrong"}
    ours, theirs = app_under(redis_prefix + "ours:"), app_under(redis_prefix + "theirs:")
    try:
        for app, expected in ((theirs, [401, 401, 429]), (ours, [401, 401])):
            transport = httpx.ASGITransport(app=app, client=("10.1.1.2", 1234))
            async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
                statuses = [(await c.post("/api/token/", json=body)).status_code for _ in expected]
            assert statuses == expected
    finally:
        await ours.state.redis.close()
        await theirs.state.redis.close()


async def test_service_account_exchange_is_not_limited(limited, env, cat):
    """The MCP server and the bot sign in every client they serve from one address."""
    staff = env.auth(cat.staff)
    for i in range(5):
        r = await limited.post(
            "/api/auth/telegram/", json={"telegram_id": str(5000 + i)}, headers=staff
        )
        assert r.status_code == 200, r.text


async def test_the_hot_bookings_429_is_the_routes(env, cat, monkeypatch):
    """Booking is answered below FastAPI (appointments/hot_booking.py); over the limit its 429
    is the route's, byte for byte: the status, DRF's text, Retry-After."""
    from booking_api.appointments import hot_booking

    app = create_app(env.settings.model_copy(update={"throttle_booking": "2/min"}), env.db)
    transport = httpx.ASGITransport(app=app, client=("10.1.1.2", 1234))
    day = future_day(5)

    def booking(hour: int) -> dict:
        return {
            "service": cat.manicure.id,
            "specialist": cat.anna.id,
            "date": day.isoformat(),
            "start_time": f"{hour:02d}:00",
            "end_time": f"{hour:02d}:30",
        }

    async def steps_aside(self, scope, receive, send):  # the route answers instead
        await self.app(scope, receive, send)

    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        auth = env.auth(cat.alice)
        for hour in (10, 11):
            assert (await c.post("/api/appointments/", json=booking(hour), headers=auth)).is_success
        answered = []
        real_book = hot_booking.HotBooking.book

        async def counted(self, request, key):
            answered.append(True)
            return await real_book(self, request, key)

        with monkeypatch.context() as patch:
            patch.setattr(hot_booking.HotBooking, "book", counted)
            hot = await c.post("/api/appointments/", json=booking(12), headers=auth)
        assert answered == [True]  # refused by the hot path itself
        with monkeypatch.context() as patch:
            patch.setattr(hot_booking.HotBooking, "__call__", steps_aside)
            route = await c.post("/api/appointments/", json=booking(12), headers=auth)
    check_429(hot)
    check_429(route)
    assert abs(int(hot.headers["Retry-After"]) - int(route.headers["Retry-After"])) <= 1
    if hot.headers["Retry-After"] == route.headers["Retry-After"]:  # the same second
        assert hot.content == route.content
    assert hot.headers["content-type"] == route.headers["content-type"]
    await app.state.redis.close()
