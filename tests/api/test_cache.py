"""The response cache (booking_api.caching over core/cache.py): hits, invalidation after
writes (through the API and behind it), authentication before the cache, Redis down and back,
and — the rule that matters — a slot is never offered from cache after it was booked, under
concurrent bookings and reads.

Runs on both databases with the in-process backend and (``redis`` marker) with real Redis
(``TEST_REDIS_URL``, shared: each test keys under its own ``REDIS_KEY_PREFIX`` and deletes only
those keys); the two-worker test starts ``booking api --workers 2`` as a subprocess; the outage
test stops and restarts a redis-server of its own.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import event

from booking_api.app import create_app
from booking_api.caching import invalidation
from booking_api.models import ServiceCategory
from kit.api import SECRET, TEST_REDIS_URL, Env, RedisServer, free_port, future_day, needs_redis


@pytest.fixture(params=["local", pytest.param("redis", marks=[pytest.mark.redis, needs_redis])])
async def cached(request: pytest.FixtureRequest, env: Env, cat) -> AsyncIterator[tuple]:
    """(app, client, cache) with the cache on, over the test's database and catalogue (built
    first, so no invalidation of its commit is still on its way when the test starts)."""
    kind = request.param
    if kind == "redis":
        settings = env.settings.model_copy(
            update={
                "cache_backend": "redis",
                "redis_url": TEST_REDIS_URL,
                "redis_key_prefix": request.getfixturevalue("redis_prefix"),
            }
        )
    else:
        settings = env.settings.model_copy(update={"cache_backend": "local"})
    app = create_app(settings, env.db)
    cache = app.state.cache
    assert cache.mode == kind
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield app, c, cache
    await app.state.redis.close()


class Counter:
    def __init__(self, env: Env):
        self.n = 0
        self.engines = {
            id(e.sync_engine.pool): e.sync_engine for e in (env.db.read_engine, env.db.write_engine)
        }

    def _count(self, *_args) -> None:  # noqa: ANN002
        self.n += 1

    def __enter__(self) -> Counter:
        for engine in self.engines.values():
            event.listen(engine, "before_cursor_execute", self._count)
        return self

    def __exit__(self, *_exc) -> None:  # noqa: ANN002
        for engine in self.engines.values():
            event.remove(engine, "before_cursor_execute", self._count)


async def test_catalogue_is_cached_and_invalidated_by_writes(cached, env, cat):
    _app, client, cache = cached
    first = await client.get("/api/categories/")
    assert first.status_code == 200
    with Counter(env) as queries:
        again = await client.get("/api/categories/")
    assert again.content == first.content and queries.n == 0 and cache.hits >= 1

    # A write through the API is visible to the very next read.
    staff = env.auth(cat.staff)
    r = await client.post("/api/categories/", json={"name": "Брови"}, headers=staff)
    assert r.status_code == 201
    names = [c["name"] for c in (await client.get("/api/categories/")).json()]
    assert "Брови" in names

    # So is a write behind the API's back (ORM session events), after its commit.
    await env.add(ServiceCategory(name="Массаж", description=""))
    await invalidation.settle()  # Redis: the bump of a commit outside a request is a task
    names = [c["name"] for c in (await client.get("/api/categories/")).json()]
    assert "Массаж" in names

    # Specialist lists embed schedules: a schedule change invalidates them too.
    before = (await client.get(f"/api/specialists/{cat.anna.id}/")).json()
    sched = before["schedules"][0]
    r = await client.patch(
        f"/api/schedules/{sched['id']}/", json={"end_time": "17:00"}, headers=staff
    )
    assert r.status_code == 200
    after = (await client.get(f"/api/specialists/{cat.anna.id}/")).json()
    assert after["schedules"][0]["end_time"] == "17:00:00"


async def test_authentication_runs_before_the_cache(cached, env, cat):
    _app, client, _cache = cached
    assert (await client.get("/api/services/")).status_code == 200
    r = await client.get("/api/services/", headers={"Authorization": "Bearer not-a-token"})
    assert r.status_code == 401 and r.json()["code"] == "token_not_valid"
    r = await client.get("/api/services/", headers=env.auth(cat.alice))
    assert r.status_code == 200


async def test_slots_are_cached_and_a_booking_invalidates_them(cached, env, cat):
    _app, client, _cache = cached
    day = future_day()
    url = f"/api/specialists/{cat.anna.id}/available_slots/?date={day}"
    first = (await client.get(url)).json()
    assert {"start_time": "10:00", "end_time": "10:30"} in first
    with Counter(env) as queries:
        assert (await client.get(url)).json() == first
    assert queries.n == 0
    r = await client.post(
        "/api/appointments/",
        headers=env.auth(cat.alice),
        json={
            "service": cat.manicure.id,
            "specialist": cat.anna.id,
            "date": str(day),
            "start_time": "10:00",
            "end_time": "11:00",
        },
    )
    assert r.status_code == 201, r.text
    starts = [s["start_time"] for s in (await client.get(url)).json()]
    assert "10:00" not in starts and "10:30" not in starts
    # Another specialist's answers were not invalidated (per-specialist scope).
    other = f"/api/specialists/{cat.maria.id}/available_days/?month={day:%Y-%m}"
    await client.get(other)
    with Counter(env) as queries:
        await client.get(other)
    assert queries.n == 0
    # Cancelling frees the slot again.
    r = await client.post(
        f"/api/appointments/{r.json()['id']}/cancel/", headers=env.auth(cat.alice)
    )
    assert r.status_code == 200
    starts = [s["start_time"] for s in (await client.get(url)).json()]
    assert "10:00" in starts


async def test_nearest_is_invalidated_by_any_booking(cached, env, cat):
    _app, client, _cache = cached
    day = future_day()
    url = f"/api/slots/nearest/?service={cat.manicure.id}&date_from={day}&date_to={day}&limit=1"
    assert (await client.get(url)).json()[0]["start_time"] == "09:00"
    r = await client.post(
        "/api/appointments/",
        headers=env.auth(cat.alice),
        json={
            "service": cat.manicure.id,
            "specialist": cat.anna.id,
            "date": str(day),
            "start_time": "09:00",
            "end_time": "10:00",
        },
    )
    assert r.status_code == 201
    assert (await client.get(url)).json()[0]["start_time"] == "10:00"


async def test_a_slot_is_never_offered_from_cache_after_it_was_booked(cached, env, cat):
    """Bookings and reads race; every read that *started* after a booking's 201 excludes it."""
    _app, client, _cache = cached
    day = future_day(3)
    url = f"/api/specialists/{cat.anna.id}/available_slots/?date={day}"
    headers = env.auth(cat.alice)
    clock = {"t": 0}
    booked: list[tuple[int, str]] = []  # (tick when the 201 arrived, start)
    reads: list[tuple[int, list[str]]] = []  # (tick when the read started, starts)

    async def book(hour: int) -> None:
        await asyncio.sleep(0)
        start = f"{hour:02d}:00"
        r = await client.post(
            "/api/appointments/",
            headers=headers,
            json={
                "service": cat.manicure.id,
                "specialist": cat.anna.id,
                "date": str(day),
                "start_time": start,
                "end_time": f"{hour + 1:02d}:00",
            },
        )
        assert r.status_code == 201, r.text
        clock["t"] += 1
        booked.append((clock["t"], start))

    async def read() -> None:
        after = 0
        while after < 3:  # keep reading until every booking is in, then a few more
            after += len(booked) == 8
            started = clock["t"]
            r = await client.get(url)
            assert r.status_code == 200
            reads.append((started, [s["start_time"] for s in r.json()]))
            await asyncio.sleep(0)

    await asyncio.gather(*[book(h) for h in range(9, 17)], *[read() for _ in range(8)])
    assert len(booked) == 8
    checked = 0
    for started, starts in reads:
        for done, start in booked:
            if done <= started:
                checked += 1
                assert start not in starts, (started, done, start)
    final = [s["start_time"] for s in (await client.get(url)).json()]
    assert final == ["17:00", "17:30"]  # 09:00–17:00 booked
    assert checked > 0  # some reads did start after some bookings


async def test_redis_down_serves_without_cache(env, cat):
    settings = env.settings.model_copy(
        update={"cache_backend": "redis", "redis_url": "redis://127.0.0.1:1/0"}
    )
    app = create_app(settings, env.db)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        for _ in range(2):
            r = await client.get("/api/categories/")
            assert r.status_code == 200 and len(r.json()) == 2
        r = await client.post(
            "/api/categories/", json={"name": "Новая"}, headers=env.auth(cat.staff)
        )
        assert r.status_code == 201
        assert len((await client.get("/api/categories/")).json()) == 3
    await app.state.redis.close()


@pytest.mark.redis
async def test_cache_and_shared_limits_return_to_redis_after_an_outage(
    env, cat, own_redis: RedisServer, caplog: pytest.LogCaptureFixture
):
    """Under continuous load (reads, writes that bump versions, sign-ins that count), Redis
    going away is one warning and coming back one info line; within seconds of its return the
    cache and the shared rate limits use it again, and no request fails meanwhile."""
    import redis.asyncio as redis

    settings = env.settings.model_copy(
        update={"cache_backend": "redis", "redis_url": own_redis.url, "throttle_auth": "9999/min"}
    )
    app = create_app(settings, env.db)
    cache = app.state.cache
    staff = env.auth(cat.staff)
    raw = redis.from_url(own_redis.url)
    transport = httpx.ASGITransport(app=app, client=("10.9.9.9", 1234))
    rounds = 0

    async def one_round(client: httpx.AsyncClient) -> None:
        nonlocal rounds
        rounds += 1
        r = await client.get("/api/categories/")
        assert r.status_code == 200
        r = await client.patch(
            f"/api/categories/{cat.hair.id}/", json={"description": f"#{rounds}"}, headers=staff
        )
        assert r.status_code == 200
        r = await client.post("/api/token/", json={"username": "alice", "password": "wrong"})
        assert r.status_code == 401

    async def rounds_for(client: httpx.AsyncClient, seconds: float) -> None:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            await one_round(client)

    async def in_redis() -> tuple[bool, bool]:
        keys = [k.decode() for k in await raw.keys("*")]
        return (
            any(k.endswith("cache:v:catalogue") for k in keys),
            any(":throttle:auth:ip:10.9.9.9" in k for k in keys),
        )

    caplog.set_level(logging.INFO, logger="booking_api")
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            await rounds_for(client, 0.3)
            assert await in_redis() == (True, True)
            await own_redis.stop()
            await rounds_for(client, 2.5)  # served without Redis
            await own_redis.start()  # empty, on the same port
            back = time.monotonic()
            while await in_redis() != (True, True):
                assert time.monotonic() - back < 5, "the API did not return to Redis"
                await one_round(client)
            # Answers are cached again.
            await client.get("/api/categories/")
            hits = cache.hits
            await client.get("/api/categories/")
            assert cache.hits == hits + 1
    finally:
        await app.state.redis.close()
        await raw.aclose()
    ours = [r for r in caplog.records if r.name.startswith("booking_api")]
    about_redis = [
        (r.levelname, r.getMessage())
        for r in ours
        if "redis" in r.name or "redis" in r.getMessage().lower()
    ]
    assert [level for level, _ in about_redis] == ["WARNING", "INFO"], about_redis
    assert [r.getMessage() for r in ours if r.levelno >= logging.ERROR] == []


@pytest.mark.redis
@needs_redis
async def test_another_run_on_the_same_redis_leaves_this_cache_alone(env, cat, redis_prefix):
    """Two deployments (or test runs) on one Redis database, each under its own
    REDIS_KEY_PREFIX: the other's writes bump only its own versions. (A test run bumping the
    same version keys was why this suite flaked with 2 queries where 0 were expected.)"""

    def app_under(prefix: str):  # noqa: ANN202
        update = {"cache_backend": "redis", "redis_url": TEST_REDIS_URL, "redis_key_prefix": prefix}
        return create_app(env.settings.model_copy(update=update), env.db)

    ours, theirs = app_under(redis_prefix + "ours:"), app_under(redis_prefix + "theirs:")
    transport = httpx.ASGITransport(app=ours)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            first = await c.get("/api/categories/")
            await theirs.state.cache.bump(["catalogue", "bookings"])
            with Counter(env) as queries:
                again = await c.get("/api/categories/")
        assert again.content == first.content and queries.n == 0
    finally:
        await ours.state.redis.close()
        await theirs.state.redis.close()


def test_several_workers_without_redis_do_not_cache(env, monkeypatch):
    from booking_api.core import cache as cache_module

    monkeypatch.setattr(cache_module, "in_worker_pool", lambda: True)
    app = create_app(env.settings.model_copy(update={"cache_backend": "auto"}), env.db)
    assert app.state.cache.mode == "off"
    monkeypatch.setattr(cache_module, "in_worker_pool", lambda: False)
    app = create_app(env.settings.model_copy(update={"cache_backend": "auto"}), env.db)
    assert app.state.cache.mode == "local"


# --- two API worker processes sharing Redis -----------------------------------------------


@pytest.mark.slow
@pytest.mark.redis
@needs_redis
def test_two_workers_share_invalidation_and_rate_limit(tmp_path: Path, redis_prefix: str):
    port = free_port()
    envvars = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'two.sqlite3'}",
        "REDIS_URL": TEST_REDIS_URL,
        "REDIS_KEY_PREFIX": redis_prefix,
        "SECRET_KEY": SECRET,
        "PASSWORD_HASH_ITERATIONS": "1000",
        "THROTTLE_AUTH": "5/min",
        "THROTTLE_BOOKING": "",
        "MEDIA_ROOT": str(tmp_path / "media"),
        "RUN_JOBS_IN_PROCESS": "false",
        "FORWARDED_ALLOW_IPS": "127.0.0.1",
    }
    envvars.pop("ENVIRONMENT", None)
    booking = [sys.executable, "-m", "booking_cli"]
    subprocess.run([*booking, "migrate"], env=envvars, check=True, capture_output=True)
    subprocess.run(
        [
            *booking,
            "createsuperuser",
            "--username",
            "admin",
            "--email",
            "a@b.c",
            "--password",
            "admin-pass-123",
            "--noinput",
        ],
        env=envvars,
        check=True,
        capture_output=True,
    )
    server = subprocess.Popen(
        [*booking, "api", "--workers", "2", "--port", str(port)],
        env=envvars,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90  # two workers start slowly on a busy machine
        while True:
            try:
                if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "API did not start"
            time.sleep(0.2)
        time.sleep(1.0)  # both workers up

        # A new connection per request, so that either worker may answer any request.
        with httpx.Client(
            base_url=base, timeout=10, limits=httpx.Limits(max_keepalive_connections=0)
        ) as c:
            r = c.post(
                "/api/token/",
                json={"username": "admin", "password": "admin-pass-123"},
                headers={"X-Forwarded-For": "10.0.0.1"},
            )
            assert r.status_code == 200, r.text
            staff = {"Authorization": f"Bearer {r.json()['access']}"}
            for _ in range(12):  # warm both workers' caches
                assert (c.get("/api/categories/")).json() == []
            r = c.post("/api/categories/", json={"name": "Новая"}, headers=staff)
            assert r.status_code == 201
            for _ in range(12):
                assert [x["name"] for x in (c.get("/api/categories/")).json()] == ["Новая"]

            # Rate limit of 5/min shared by both workers (per client IP, proxy header honoured
            # because 127.0.0.1 is a trusted proxy).
            statuses = []
            for _ in range(8):
                r = c.post(
                    "/api/token/",
                    json={"username": "admin", "password": "wrong"},
                    headers={"X-Forwarded-For": "10.0.0.2"},
                )
                statuses.append(r.status_code)
                if r.status_code == 429:
                    wait = int(r.headers["Retry-After"])
                    assert 1 <= wait <= 60
                    unit = "second" if wait == 1 else "seconds"
                    assert r.json() == {
                        "detail": f"Request was throttled. Expected available in {wait} {unit}."
                    }
            assert statuses == [401] * 5 + [429] * 3
            # Another client IP has its own budget.
            r = c.post(
                "/api/token/",
                json={"username": "admin", "password": "wrong"},
                headers={"X-Forwarded-For": "10.0.0.3"},
            )
            assert r.status_code == 401
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


@pytest.mark.redis
@needs_redis
async def test_reads_that_arrive_together_share_one_round_trip_and_miss_no_bump(redis_prefix):
    from booking_api.core.cache import RedisVersions
    from booking_api.core.redis_client import RedisHolder

    reader = RedisVersions(RedisHolder(TEST_REDIS_URL, redis_prefix + "batch:"))
    writer = RedisVersions(RedisHolder(TEST_REDIS_URL, redis_prefix + "batch:"))  # another worker
    try:
        asked = [["catalogue"], ["catalogue", "bookings:1"], ["bookings:2"], ["catalogue"]] * 5
        first = await asyncio.gather(*(reader.read(scopes) for scopes in asked))
        assert reader.round_trips == 1  # twenty reads, one round trip
        assert first[0] == first[3] and first[1][0] == first[0][0]
        assert len({len(v) for v in first}) == 2 and all(None not in v for v in first)

        # A bump completed before a read is asked for is seen by it, even while a batch sent
        # before the bump is still on its way back (held here until the second read is done).
        real_script, answered, release = reader._script, asyncio.Event(), asyncio.Event()

        def held_script(client):  # noqa: ANN001, ANN202
            get, bump = real_script(client)

            async def held_get(**kw):  # noqa: ANN003, ANN202
                values = await get(**kw)
                if not answered.is_set():  # the first batch only
                    answered.set()
                    await release.wait()
                return values

            return held_get, bump

        reader._script = held_script
        on_the_way = asyncio.ensure_future(reader.read(["bookings:1"]))
        await asyncio.wait_for(answered.wait(), 5)  # Redis answered it: the old version
        await writer.bump(["bookings:1"])
        release_later = asyncio.get_running_loop().call_later(1, release.set)  # if it joined it
        after = await asyncio.wait_for(reader.read(["bookings:1"]), 5)
        release_later.cancel()
        release.set()
        before = await on_the_way
        assert int(after[0]) > int(before[0]) == int(first[1][1])
        reader._script = real_script

        # A reader that goes away cancels only its own wait.
        waits = [asyncio.ensure_future(reader.read(["catalogue"])) for _ in range(3)]
        await asyncio.sleep(0)
        waits[0].cancel()
        assert [await w for w in waits[1:]] == [first[0]] * 2
    finally:
        await reader.holder.close()
        await writer.holder.close()


@pytest.mark.redis
@needs_redis
async def test_bumps_that_arrive_together_share_one_round_trip(redis_prefix):
    """Bookings finishing together bump their scopes in one round trip: each scope asked moves
    on, each bump returns once Redis has it, and a bump asked while a batch is on its way goes
    in the next one (so it is never reported done before Redis applied it)."""
    from booking_api.core.cache import RedisVersions
    from booking_api.core.redis_client import RedisHolder

    holder = RedisHolder(TEST_REDIS_URL, redis_prefix + "bumps:")
    versions = RedisVersions(holder)
    try:
        scopes = [["bookings", f"bookings:{i}"] for i in range(8)] + [["catalogue"]]
        every = ["bookings", "catalogue", *(f"bookings:{i}" for i in range(8))]
        before = await versions.read(every)
        assert await asyncio.gather(*(versions.bump(s) for s in scopes)) == [True] * 9
        assert versions.bump_round_trips == 1
        after = await versions.read(every)
        assert all(int(a) > int(b) for a, b in zip(after, before, strict=True))

        real_script, sent, release = versions._script, asyncio.Event(), asyncio.Event()

        def held_script(client):  # noqa: ANN001, ANN202
            get, bump = real_script(client)

            async def held_bump(**kw):  # noqa: ANN003, ANN202
                sent.set()
                await release.wait()
                return await bump(**kw)

            return get, held_bump

        versions._script = held_script
        first = asyncio.ensure_future(versions.bump(["bookings:1"]))
        await asyncio.wait_for(sent.wait(), 5)  # the first batch is on its way
        second = asyncio.ensure_future(versions.bump(["bookings:2"]))
        await asyncio.sleep(0.05)
        assert not first.done() and not second.done()  # neither is done before Redis is
        release.set()
        assert await first is True and await second is True
        assert versions.bump_round_trips == 3  # the second did not join the first's batch
    finally:
        await holder.close()


async def test_bumps_report_not_delivered_while_redis_cannot_be_reached() -> None:
    from booking_api.core.cache import RedisVersions
    from booking_api.core.redis_client import RedisHolder

    versions = RedisVersions(RedisHolder("redis://127.0.0.1:1/0"))
    try:
        assert await asyncio.gather(versions.bump(["a"]), versions.bump(["b"])) == [False, False]
        assert await versions.bump(["a"]) is False  # marked down: nobody asked
    finally:
        await versions.holder.close()


async def test_reads_go_without_versions_while_redis_cannot_be_reached() -> None:
    from booking_api.core.cache import RedisVersions
    from booking_api.core.redis_client import RedisHolder

    versions = RedisVersions(RedisHolder("redis://127.0.0.1:1/0"))
    try:
        assert await asyncio.gather(versions.read(["catalogue"]), versions.read(["x"])) == [
            None,
            None,
        ]
        assert versions.holder.client() is None  # marked down: the next read asks nobody
        assert await versions.read(["catalogue"]) is None
    finally:
        await versions.holder.close()
