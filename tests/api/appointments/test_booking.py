"""Booking through the API: the rules' answers, overlaps, races for one slot, idempotent
retries. Every test runs on SQLite and on PostgreSQL (each with its booking store; the stores'
own contract is test_booking_contract.py)."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid

import pytest
from sqlalchemy import func, select

from booking_api.models import Appointment, SpecialistSchedule
from kit.api import future_day

TAKEN = "Выбранное время уже занято."


def booking(cat, day: dt.date, start: str, end: str, **extra):
    return {
        "service": cat.manicure.id,
        "specialist": cat.anna.id,
        "date": day.isoformat(),
        "start_time": start,
        "end_time": end,
        **extra,
    }


async def count_rows(env) -> int:
    async with env.db.read_sessions() as s:
        return await s.scalar(select(func.count()).select_from(Appointment))


# --- booking rules -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end", "day_offset", "message"),
    [
        ("08:00", "09:00", 7, "Время записи не соответствует графику работы специалиста."),
        ("17:30", "18:30", 7, "Время записи не соответствует графику работы специалиста."),
        ("11:00", "10:00", 7, "Время окончания должно быть позже времени начала."),
        ("10:00", "11:00", -2, "Нельзя записаться на прошедшее время."),
    ],
)
async def test_booking_rules(client, env, cat, start, end, day_offset, message):
    r = await client.post(
        "/api/appointments/",
        headers=env.auth(cat.alice),
        json=booking(cat, future_day(day_offset), start, end),
    )
    assert r.status_code == 400
    assert r.json() == {"non_field_errors": [message]}


async def test_day_without_schedule_and_foreign_service(client, env, cat):
    day = future_day()
    async with env.db.write_sessions() as s:
        await s.execute(
            SpecialistSchedule.__table__.delete().where(
                SpecialistSchedule.day_of_week == day.weekday()
            )
        )
        await s.commit()
    r = await client.post(
        "/api/appointments/", headers=env.auth(cat.alice), json=booking(cat, day, "10:00", "11:00")
    )
    assert r.json() == {"non_field_errors": ["Специалист не работает в выбранный день."]}
    r = await client.post(
        "/api/appointments/",
        headers=env.auth(cat.alice),
        json=booking(cat, future_day(8), "10:00", "11:00", service=cat.haircut.id),
    )
    assert r.json() == {"non_field_errors": ["Выбранная услуга не оказывается этим специалистом."]}


async def test_overlap_is_refused_and_cancelled_rows_do_not_block(client, env, cat):
    day = future_day()
    first = await client.post(
        "/api/appointments/", headers=env.auth(cat.alice), json=booking(cat, day, "10:00", "11:00")
    )
    assert first.status_code == 201
    r = await client.post(
        "/api/appointments/", headers=env.auth(cat.bob), json=booking(cat, day, "10:30", "11:30")
    )
    assert r.status_code == 400 and r.json() == {"non_field_errors": [TAKEN]}
    await client.post(
        f"/api/appointments/{first.json()['id']}/cancel/", headers=env.auth(cat.alice)
    )
    r = await client.post(
        "/api/appointments/", headers=env.auth(cat.bob), json=booking(cat, day, "10:30", "11:30")
    )
    assert r.status_code == 201, r.text


# --- concurrency ---------------------------------------------------------------------------------


async def test_fifty_clients_racing_for_one_slot_get_one_booking(client, env, cat):
    day = future_day(5)
    headers = [env.auth(cat.alice), env.auth(cat.bob)]
    results = await asyncio.gather(
        *(
            client.post(
                "/api/appointments/",
                headers=headers[i % 2],
                json=booking(cat, day, "12:00", "13:00"),
            )
            for i in range(50)
        )
    )
    codes = sorted(r.status_code for r in results)
    assert codes.count(201) == 1, codes
    assert codes.count(400) == 49, codes
    assert all(r.json() == {"non_field_errors": [TAKEN]} for r in results if r.status_code == 400)
    assert await count_rows(env) == 1


async def test_overlapping_but_different_slots_race(client, env, cat):
    """Bookings that overlap only partly are refused by the database as well."""
    day = future_day(6)
    starts = ["10:00", "10:15", "10:30", "10:45", "11:00"]
    results = await asyncio.gather(
        *(
            client.post(
                "/api/appointments/",
                headers=env.auth(cat.alice),
                json=booking(cat, day, s, f"{int(s[:2]) + 1:02d}:{s[3:]}"),
            )
            for s in starts
            for _ in range(4)
        )
    )
    assert all(r.status_code in (201, 400) for r in results)
    async with env.db.read_sessions() as s:
        rows = (
            await s.execute(
                select(Appointment.start_time, Appointment.end_time).order_by(
                    Appointment.start_time
                )
            )
        ).all()
    for (_, a_end), (b_start, _) in zip(rows, rows[1:], strict=False):
        assert a_end <= b_start, rows


# --- idempotency ---------------------------------------------------------------------------------


async def test_idempotent_retry_returns_the_first_answer(client, env, cat):
    key = {"Idempotency-Key": str(uuid.uuid4()), **env.auth(cat.alice)}
    body = booking(cat, future_day(), "15:00", "16:00")
    first = await client.post("/api/appointments/", headers=key, json=body)
    again = await client.post("/api/appointments/", headers=key, json=body)
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert await count_rows(env) == 1
    other = await client.post(
        "/api/appointments/", headers=key, json=booking(cat, future_day(), "16:00", "17:00")
    )
    assert other.status_code == 422


async def test_an_expired_key_books_afresh(client, env, cat):
    """After IDEMPOTENCY_TTL_HOURS a key is forgotten, on both databases alike: the same key
    with another body books (no 422), and the old answer is not replayed."""
    from sqlalchemy import update

    from booking_api.models import IdempotencyKey

    key = {"Idempotency-Key": "kept-too-long", **env.auth(cat.alice)}
    first = await client.post(
        "/api/appointments/", headers=key, json=booking(cat, future_day(), "10:00", "11:00")
    )
    assert first.status_code == 201
    async with env.db.write_sessions() as session:
        old = dt.datetime.now(dt.UTC) - dt.timedelta(hours=env.settings.idempotency_ttl_hours + 1)
        await session.execute(update(IdempotencyKey).values(created_at=old))
        await session.commit()
    other = await client.post(
        "/api/appointments/", headers=key, json=booking(cat, future_day(), "12:00", "13:00")
    )
    assert other.status_code == 201, other.text
    assert "Idempotent-Replayed" not in other.headers and other.json()["id"] != first.json()["id"]
    assert await count_rows(env) == 2


async def test_concurrent_retries_with_one_key_book_once(client, env, cat):
    key = {"Idempotency-Key": "retry-storm", **env.auth(cat.alice)}
    body = booking(cat, future_day(9), "11:00", "12:00")
    results = await asyncio.gather(
        *(client.post("/api/appointments/", headers=key, json=body) for _ in range(10))
    )
    assert {r.status_code for r in results} == {201}
    assert len({r.json()["id"] for r in results}) == 1
    assert await count_rows(env) == 1
