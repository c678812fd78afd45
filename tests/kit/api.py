"""The API under test, in-process, on SQLite and on PostgreSQL: clients, users, a small
catalogue, and each run's own Redis key prefix (fixtures registered by tests/conftest.py).

Every API test runs twice, once per database (the ``backend`` parameter). Each backend's schema
is built once by the real Alembic migrations; each test starts from empty tables.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import shutil
import socket
import subprocess
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from sqlalchemy import text

from booking_api.app import create_app
from booking_api.core.config import Settings
from booking_api.core.db import Database
from booking_api.core.security import issue_token, make_password
from booking_api.migrate import upgrade
from booking_api.models import (
    Base,
    Client,
    Service,
    ServiceCategory,
    Specialist,
    SpecialistSchedule,
    User,
)

PG_ADMIN_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
SECRET = "test-secret-key-0123456789abcdef0123456789"
BACKENDS = [b for b in os.environ.get("TEST_BACKENDS", "sqlite,postgresql").split(",") if b]


async def _fresh_pg_database(name: str) -> str:
    import asyncpg

    admin = PG_ADMIN_URL.replace("postgresql+asyncpg://", "postgresql://")
    conn = await asyncpg.connect(admin)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return admin.rsplit("/", 1)[0] + f"/{name}"


async def _drop_pg_database(name: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(PG_ADMIN_URL.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


def make_settings(url: str, tmp: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = dict(
        database_url=url,
        secret_key=SECRET,
        environment="test",
        password_hash_iterations=1000,
        media_root=tmp / "media",
        telegram_bot_token="123456:TEST-TOKEN",
        # Tests write rows behind the API's back and sign in often: no response cache, no
        # rate limits (tests/api/test_cache.py and test_throttle.py turn them on).
        cache_backend="off",
        throttle_auth="",
        throttle_booking="",
        # No webhook events: tests that count jobs predate them (tests/api/webhooks turns
        # them on).
        webhooks_enabled=False,
        # A test that turns Redis on keys under this run's prefix at the least (see below).
        redis_key_prefix=RUN_REDIS_PREFIX,
    )
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


_TEST_PASSWORD = make_password("pass12345", iterations=1000)


class Env:
    """One backend's app, database and helpers for building test data."""

    def __init__(self, backend: str, settings: Settings, db: Database):
        self.backend = backend
        self.settings = settings
        self.db = db
        self.app = create_app(settings, db)

    async def reset(self) -> None:
        names = [t.name for t in reversed(Base.metadata.sorted_tables)]
        async with self.db.write_engine.begin() as conn:
            if self.backend == "postgresql":
                # DELETE and restarting the sequences is many times faster than TRUNCATE on
                # tables this small, and gives the same clean state.
                for name in names:
                    await conn.execute(text(f"DELETE FROM {name}"))
                await conn.execute(
                    text(
                        "SELECT setval(pg_get_serial_sequence(t, 'id'), 1, false) "
                        "FROM unnest(CAST(:names AS text[])) AS t"
                    ),
                    {"names": names},
                )
            else:
                for name in names:
                    await conn.execute(text(f"DELETE FROM {name}"))
                await conn.execute(text("DELETE FROM sqlite_sequence"))

    async def add(self, *objs: Any) -> Any:
        async with self.db.write_sessions() as session:
            session.add_all(objs)
            await session.commit()
        return objs[0] if len(objs) == 1 else objs

    async def user(
        self, username: str, *, staff: bool = False, password: str = "pass12345"
    ) -> User:
        return await self.add(
            User(
                username=username,
                is_staff=staff,
                is_superuser=staff,
                email=f"{username}@example.com",
                password=make_password(password, iterations=1000),
            )
        )

    def token(self, user: User, kind: str = "access") -> str:
        return issue_token(user.id, kind, dt.timedelta(minutes=5), SECRET).raw

    def auth(self, user: User | None) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(user)}"} if user else {}


@pytest.fixture(scope="session")
async def envs(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[dict[str, Env]]:
    built: dict[str, Env] = {}
    for backend in BACKENDS:
        tmp = tmp_path_factory.mktemp(backend)
        if backend == "sqlite":
            url = f"sqlite+aiosqlite:///{tmp / 'test.sqlite3'}"
        else:
            # One database per test process, so parallel runs never disturb each other.
            url = await _fresh_pg_database(f"booking_test_{os.getpid()}")
        settings = make_settings(url, tmp)
        await upgrade(settings.database_url)
        built[backend] = Env(backend, settings, Database.from_settings(settings))
    yield built
    for env in built.values():
        await env.db.dispose()
    if "postgresql" in built:
        await _drop_pg_database(f"booking_test_{os.getpid()}")


@pytest.fixture(params=BACKENDS)
async def env(request: pytest.FixtureRequest, envs: dict[str, Env]) -> Env:
    env = envs[request.param]
    await env.reset()
    return env


@pytest.fixture
async def client(env: Env) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=env.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


class Catalogue:
    """A salon: two specialists (one with a linked user), services, a weekly schedule."""

    def __init__(self) -> None:
        self.staff: User
        self.alice: User  # client A
        self.bob: User  # client B
        self.spec_user: User  # the user linked to specialist anna
        self.stranger: User  # signed in, no profile


@pytest.fixture
async def cat(env: Env) -> Catalogue:
    """Built in one transaction (fixtures run before every test on two databases)."""
    c = Catalogue()

    def user(username: str, staff: bool = False) -> User:
        return User(
            username=username,
            is_staff=staff,
            is_superuser=staff,
            email=f"{username}@example.com",
            password=_TEST_PASSWORD,
        )

    async with env.db.write_sessions() as session:
        c.staff, c.alice, c.bob, c.spec_user, c.stranger = users = [
            user("staff", staff=True),
            user("alice"),
            user("bob"),
            user("anna"),
            user("stranger"),
        ]
        c.nails = ServiceCategory(name="Ногтевой сервис", description="Маникюр")
        c.hair = ServiceCategory(name="Волосы", description="")
        session.add_all([*users, c.nails, c.hair])
        await session.flush()
        c.anna = Specialist(
            name="Анна Иванова",
            specialization="Мастер маникюра",
            description="",
            city="Казань",
            user_id=c.spec_user.id,
        )
        c.maria = Specialist(
            name="Мария Петрова", specialization="Парикмахер", description="", city="Москва"
        )
        session.add_all([c.anna, c.maria])
        await session.flush()
        session.add_all(
            [
                SpecialistSchedule(
                    specialist_id=c.anna.id,
                    day_of_week=day,
                    start_time=dt.time(9),
                    end_time=dt.time(18),
                )
                for day in range(7)
            ]
        )
        c.manicure = Service(
            name="Маникюр",
            description="",
            price=Decimal("1500"),
            duration=60,
            specialist_id=c.anna.id,
            category_id=c.nails.id,
        )
        c.haircut = Service(
            name="Стрижка",
            description="",
            price=Decimal("1200.5"),
            duration=30,
            specialist_id=c.maria.id,
            category_id=None,
        )
        c.client_a = Client(
            name="Алиса",
            phone="+79000000001",
            email="a@example.com",
            city="Казань",
            user_id=c.alice.id,
            telegram_id="1001",
        )
        c.client_b = Client(
            name="Борис",
            phone="+79000000002",
            email="b@example.com",
            city="Москва",
            user_id=c.bob.id,
        )
        session.add_all([c.manicure, c.haircut, c.client_a, c.client_b])
        await session.commit()
    return c


def future_day(days: int = 7) -> dt.date:
    return (dt.datetime.now(dt.UTC) + dt.timedelta(days=days)).date()


# --- Redis ---------------------------------------------------------------------------------
# The Redis at TEST_REDIS_URL is shared: other test runs (and people) use it at the same time.
# A test never flushes it. Each run keys everything under its own REDIS_KEY_PREFIX
# (RUN_REDIS_PREFIX, the default of make_settings), each Redis test under a prefix of its own
# below that (the ``redis_prefix`` fixture), and deletes only the keys under it.

TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/13")
RUN_REDIS_PREFIX = f"booking-test:{os.getpid()}-{uuid.uuid4().hex[:8]}:"


def redis_available(url: str = TEST_REDIS_URL) -> bool:
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 6379), 0.5):
            return True
    except OSError:
        return False


needs_redis = pytest.mark.skipif(not redis_available(), reason=f"no Redis at {TEST_REDIS_URL}")


def delete_redis_keys(url: str, prefix: str) -> int:
    """Delete the keys under ``prefix`` (and arq's keys of job ids under it); nothing else."""
    import redis

    client = redis.Redis.from_url(url)
    deleted = 0
    try:
        for pattern in (f"{prefix}*", f"arq:*:{prefix}*"):
            keys = list(client.scan_iter(match=pattern, count=500))
            if keys:
                deleted += client.unlink(*keys)
    finally:
        client.close()
    return deleted


@pytest.fixture(scope="session")
def redis_run_prefix() -> Iterator[str]:
    """This run's prefix; whatever a test left under it is deleted when the run ends."""
    yield RUN_REDIS_PREFIX
    if redis_available():
        delete_redis_keys(TEST_REDIS_URL, RUN_REDIS_PREFIX)


@pytest.fixture
def redis_prefix(redis_run_prefix: str) -> Iterator[str]:
    """A key prefix of this test's own (REDIS_KEY_PREFIX), its keys deleted afterwards."""
    prefix = f"{redis_run_prefix}{uuid.uuid4().hex[:8]}:"
    yield prefix
    if redis_available():
        delete_redis_keys(TEST_REDIS_URL, prefix)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class RedisServer:
    """A redis-server of the test's own on a free port, which the test may stop and restart
    (never the shared one)."""

    def __init__(self, directory: Path):
        self.directory = directory
        self.port = free_port()
        self.process: asyncio.subprocess.Process | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    async def start(self) -> None:
        self.process = await asyncio.create_subprocess_exec(
            *("redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", ""),
            *("--appendonly", "no", "--dir", str(self.directory)),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while not redis_available(self.url):
            assert self.process.returncode is None, "redis-server exited"
            assert time.monotonic() < deadline, "redis-server did not start"
            await asyncio.sleep(0.02)

    async def stop(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.terminate()
            await asyncio.wait_for(self.process.wait(), 10)
        self.process = None


@pytest.fixture
async def own_redis(tmp_path: Path) -> AsyncIterator[RedisServer]:
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed")
    server = RedisServer(tmp_path)
    await server.start()
    try:
        yield server
    finally:
        await server.stop()
