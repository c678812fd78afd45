"""The number of appointments kept by the database (migration 0013_row_counts): always what
``count(*)`` says, through bookings, deletions, rollbacks, statements of many rows, concurrent
transactions and TRUNCATE; counted from the rows already there when the migration runs; and
what the staff's list answers as its ``count``, without reading the table."""

from __future__ import annotations

import asyncio
import datetime as dt
import importlib.util
from pathlib import Path

import pytest
from sqlalchemy import text

from booking_api.api import repository
from booking_api.core.db import Database
from booking_api.migrate import upgrade
from booking_api.models import Appointment, Client, Service, ServiceCategory, Specialist
from kit.api import _drop_pg_database, _fresh_pg_database, future_day, make_settings

ROOT = Path(__file__).resolve().parents[2]
KEPT = "SELECT coalesce(sum(n), 0) FROM booking_rowcount WHERE table_name = 'booking_appointment'"
COUNT = "SELECT count(*) FROM booking_appointment"


async def kept_and_counted(db: Database) -> tuple[int, int]:
    async with db.read_sessions() as session:
        return int(await session.scalar(text(KEPT))), int(await session.scalar(text(COUNT)))


def appointments(cat, n: int, *, first_hour: int = 9, days: int = 2) -> list[Appointment]:  # noqa: ANN001
    return [
        Appointment(
            client_id=cat.client_a.id,
            specialist_id=cat.maria.id,
            service_id=cat.haircut.id,
            date=future_day(days),
            start_time=dt.time(first_hour + i),
            end_time=dt.time(first_hour + i, 30),
            status="completed",
        )
        for i in range(n)
    ]


async def test_the_kept_count_follows_every_write(client, env, cat) -> None:
    assert await kept_and_counted(env.db) == (0, 0)
    await env.add(*appointments(cat, 3))  # one statement of three rows (insertmanyvalues)
    assert await kept_and_counted(env.db) == (3, 3)
    body = {
        "service": cat.manicure.id,
        "specialist": cat.anna.id,
        "date": str(future_day(3)),
        "start_time": "10:00",
        "end_time": "11:00",
    }
    r = await client.post("/api/appointments/", json=body, headers=env.auth(cat.alice))
    assert r.status_code == 201
    refused = await client.post("/api/appointments/", json=body, headers=env.auth(cat.alice))
    assert refused.status_code == 400  # a refused write counts nothing
    assert await kept_and_counted(env.db) == (4, 4)
    r = await client.delete(f"/api/appointments/{r.json()['id']}/", headers=env.auth(cat.staff))
    assert r.status_code == 204
    async with env.db.write_sessions() as session:
        await session.execute(text("DELETE FROM booking_appointment WHERE start_time < '10:00'"))
        await session.commit()
    assert await kept_and_counted(env.db) == (2, 2)
    async with env.db.write_sessions() as session:  # written, then rolled back
        session.add_all(appointments(cat, 2, first_hour=14))
        await session.flush()
        await session.execute(text("DELETE FROM booking_appointment"))
        await session.rollback()
    assert await kept_and_counted(env.db) == (2, 2)


async def test_the_staff_list_answers_the_kept_count(client, env, cat) -> None:
    await env.add(*appointments(cat, 5))
    staff = env.auth(cat.staff)
    for url in ("?page_size=2", "?page_size=2&page=3", "?page_size=2&ordering=-date"):
        r = await client.get("/api/appointments/" + url, headers=staff)
        assert r.status_code == 200 and r.json()["count"] == 5, url
    # Filtered lists count their rows as before.
    r = await client.get(
        f"/api/appointments/?specialist_id={cat.anna.id}&page_size=2", headers=staff
    )
    assert r.json()["count"] == 0
    # The count read is the kept one: make it differ from the table (never in real life).
    async with env.db.write_sessions() as session:
        await session.execute(
            text("INSERT INTO booking_rowcount VALUES ('booking_appointment', 999, 100)")
        )
        await session.commit()
    try:
        r = await client.get("/api/appointments/?page_size=2", headers=staff)
        assert r.json()["count"] == 105
    finally:
        async with env.db.write_sessions() as session:
            await session.execute(text("DELETE FROM booking_rowcount WHERE shard = 999"))
            await session.commit()


def test_only_a_whole_table_takes_the_kept_count() -> None:
    from sqlalchemy import select

    whole = repository.total_rows(select(Appointment).order_by(Appointment.id))
    assert "booking_rowcount" in str(whole)
    for partial in (
        select(Appointment).where(Appointment.status == "pending"),
        select(Appointment).join(Client),
        select(Appointment).distinct(),
        select(Appointment).group_by(Appointment.client_id),
        select(Appointment).limit(3),
        select(Appointment).fetch(3),
        select(Client),  # not a counted table
    ):
        assert "booking_rowcount" not in str(repository.total_rows(partial)), partial


def test_the_counted_tables_are_the_migrations() -> None:
    path = ROOT / "migrations" / "versions" / "0013_row_counts.py"
    spec = importlib.util.spec_from_file_location("row_counts", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert set(module.COUNTED) == repository.COUNTED_TABLES


async def test_concurrent_transactions_and_truncate_on_postgresql(env, cat) -> None:
    if env.backend != "postgresql":
        pytest.skip("SQLite has one writer at a time and no TRUNCATE")
    engine = env.db.write_engine
    async with engine.connect() as one, engine.connect() as two:
        await one.begin()
        await two.begin()
        await one.execute(text(_insert(cat, 9)))
        await two.execute(text(_insert(cat, 11)))
        await two.execute(text(_insert(cat, 12)))
        assert await kept_and_counted(env.db) == (0, 0)  # neither committed yet
        await one.commit()
        await two.rollback()
    assert await kept_and_counted(env.db) == (1, 1)
    # Many bookings at once on many connections: each lands on its backend's shard.
    await asyncio.gather(*(_insert_alone(env, cat, hour) for hour in range(8, 20)))
    assert await kept_and_counted(env.db) == (13, 13)
    async with engine.begin() as conn:
        await conn.execute(text("TRUNCATE booking_appointment CASCADE"))
    assert await kept_and_counted(env.db) == (0, 0)
    await env.add(*appointments(cat, 2))
    assert await kept_and_counted(env.db) == (2, 2)


async def test_the_counter_never_makes_a_writer_wait_on_postgresql(env, cat) -> None:
    """Another transaction holding every shard row (as 32 writers still at work would): an
    insert and a delete go on at once (a lock timeout would fail them) and the count stays
    exact once all commit. Before, two backends whose ids met modulo 32 shared a row, and
    the second waited for the first to commit (a deadlock with a lock taken the other way)."""
    if env.backend != "postgresql":
        pytest.skip("SQLite has one writer at a time")
    engine = env.db.write_engine
    async with engine.connect() as holder, engine.connect() as writer:
        await holder.begin()
        held = await holder.execute(text("SELECT shard FROM booking_rowcount FOR UPDATE"))
        assert len(held.all()) >= 32
        await writer.begin()
        await writer.execute(text("SET LOCAL lock_timeout = '2s'"))
        await writer.execute(text(_insert(cat, 9)))
        await writer.execute(text(_insert(cat, 11)))
        await writer.execute(text("DELETE FROM booking_appointment WHERE start_time = '11:00'"))
        await writer.commit()
        await holder.commit()
    assert await kept_and_counted(env.db) == (1, 1)
    await env.add(*appointments(cat, 2))  # and the shards take writes again
    assert await kept_and_counted(env.db) == (3, 3)


def _insert(cat, hour: int, minute: int = 0) -> str:  # noqa: ANN001
    return (
        "INSERT INTO booking_appointment (date, start_time, end_time, status, created_at, "
        "updated_at, client_id, service_id, specialist_id) VALUES "
        f"('{future_day(4)}', '{hour:02d}:{minute:02d}', '{hour:02d}:{minute + 20:02d}', "
        f"'completed', now(), now(), {cat.client_a.id}, {cat.haircut.id}, {cat.maria.id})"
    )


async def _insert_alone(env, cat, hour: int) -> None:  # noqa: ANN001
    async with env.db.write_engine.begin() as conn:
        await conn.execute(text(_insert(cat, hour, 30)))


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
async def test_the_migration_counts_the_rows_already_there(backend, tmp_path) -> None:
    name = f"booking_rowcount_{tmp_path.name[-20:]}".replace("-", "_")
    if backend == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'before.sqlite3'}"
    else:
        url = await _fresh_pg_database(name)
    db = Database.from_settings(make_settings(url, tmp_path))
    try:
        await upgrade(url, "0012_no_shows")
        async with db.write_sessions() as session:
            category = ServiceCategory(name="Волосы", description="")
            specialist = Specialist(name="Мария", specialization="", description="", city="")
            client = Client(name="Алиса", phone="+79990000000")
            session.add_all([category, specialist, client])
            await session.flush()
            service = Service(
                name="Стрижка",
                category_id=category.id,
                specialist_id=specialist.id,
                price=1000,
                duration=60,
            )
            session.add(service)
            await session.flush()
            session.add_all(
                Appointment(
                    client_id=client.id,
                    specialist_id=specialist.id,
                    service_id=service.id,
                    date=dt.date(2026, 1, 1 + i),
                    start_time=dt.time(10),
                    end_time=dt.time(11),
                    status="completed",
                )
                for i in range(7)
            )
            await session.commit()
        await upgrade(url)
        assert await kept_and_counted(db) == (7, 7)
    finally:
        await db.dispose()
        if backend == "postgresql":
            await _drop_pg_database(name)


async def test_recount_mends_a_count_that_writes_went_around(client, env, cat) -> None:  # noqa: ANN001
    """Rows written with the triggers off (a restore with --disable-triggers, replica role)
    leave the kept count wrong; ``booking recount`` (``repository.recount_rows``) mends it, and
    the list answers the right number again, and keeps following writes after it."""
    async with env.db.write_sessions() as session:
        session.add_all(appointments(cat, 3))
        await session.commit()
        await session.execute(text("UPDATE booking_rowcount SET n = n + 40 WHERE shard = 0"))
        if env.backend == "postgresql":  # spread over other shards too
            await session.execute(text("UPDATE booking_rowcount SET n = n + 5 WHERE shard = 7"))
        await session.commit()
    wrong = 48 if env.backend == "postgresql" else 43
    assert await kept_and_counted(env.db) == (wrong, 3)

    async with env.db.write_sessions() as session:
        assert await repository.recount_rows(session) == {"booking_appointment": (wrong, 3)}
        await session.commit()
    assert await kept_and_counted(env.db) == (3, 3)
    async with env.db.read_sessions() as session:
        holding = (
            await session.execute(text("SELECT shard FROM booking_rowcount WHERE n <> 0"))
        ).all()
    assert holding == [(0,)]  # the count on shard 0, every other shard back to 0
    r = await client.get("/api/appointments/?page_size=2", headers=env.auth(cat.staff))
    assert r.json()["count"] == 3

    async with env.db.write_sessions() as session:  # the triggers go on counting
        session.add_all(appointments(cat, 2, first_hour=15))
        await session.commit()
        assert await repository.recount_rows(session) == {"booking_appointment": (5, 5)}
        await session.commit()
    assert await kept_and_counted(env.db) == (5, 5)
