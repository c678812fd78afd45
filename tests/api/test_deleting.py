"""Deleting follows Django's on_delete rules: a specialist takes their services, schedule and
bookings along; a category leaves its services without one. SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from booking_api.models import Appointment, Break
from kit.api import future_day


def booking(cat, day: dt.date, start: str, end: str):
    return {
        "service": cat.manicure.id,
        "specialist": cat.anna.id,
        "date": day.isoformat(),
        "start_time": start,
        "end_time": end,
    }


async def count_rows(env) -> int:
    async with env.db.read_sessions() as s:
        return await s.scalar(select(func.count()).select_from(Appointment))


async def test_deleting_a_specialist_takes_their_services_schedule_and_bookings(client, env, cat):
    r = await client.post(
        "/api/appointments/",
        headers=env.auth(cat.alice),
        json=booking(cat, future_day(), "10:00", "11:00"),
    )
    assert r.status_code == 201
    await env.add(
        Break(
            specialist_id=cat.anna.id,
            day_of_week=None,
            start_time=dt.time(13),
            end_time=dt.time(14),
        )
    )
    r = await client.delete(f"/api/specialists/{cat.anna.id}/", headers=env.auth(cat.staff))
    assert r.status_code == 204, r.text
    assert (await client.get(f"/api/services/{cat.manicure.id}/")).status_code == 404
    assert await count_rows(env) == 0
    r = await client.delete(f"/api/categories/{cat.hair.id}/", headers=env.auth(cat.staff))
    assert r.status_code == 204
    r = await client.delete(f"/api/clients/{cat.client_b.id}/", headers=env.auth(cat.staff))
    assert r.status_code == 204


async def test_deleting_a_category_keeps_its_services(client, env, cat):
    r = await client.delete(f"/api/categories/{cat.nails.id}/", headers=env.auth(cat.staff))
    assert r.status_code == 204
    service = (await client.get(f"/api/services/{cat.manicure.id}/")).json()
    assert service["category"] is None and "category_name" not in service
