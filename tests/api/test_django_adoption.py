"""Adopting a database that Django's migrations made (contract section 6).

The tables are made as ``kit.django_db`` builds them (Django's DDL and storage formats),
then our migration runs (twice), and the API serves the old rows.
"""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from booking_api.app import create_app
from booking_api.core.db import Database
from booking_api.migrate import upgrade
from kit.api import make_settings
from kit.django_db import DAY, build_django_database, drop_django_database


async def snapshot(url: str) -> dict[str, list[tuple]]:
    engine = create_async_engine(url)
    tables = [
        "auth_user",
        "booking_servicecategory",
        "booking_specialist",
        "booking_specialistschedule",
        "booking_service",
        "booking_client",
        "booking_appointment",
    ]
    result = {}
    async with engine.connect() as conn:
        for table in tables:
            result[table] = [
                dict(r)
                for r in (await conn.execute(text(f"SELECT * FROM {table} ORDER BY id")))
                .mappings()
                .all()
            ]
    await engine.dispose()
    return result


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
async def test_adopt_django_database(backend, tmp_path):
    url = await build_django_database(backend, tmp_path)
    before = await snapshot(url)

    await upgrade(url)
    after = await snapshot(url)
    for table, old_rows in before.items():
        for old, new in zip(old_rows, after[table], strict=True):
            assert {k: new[k] for k in old} == old, table  # Django's columns untouched
    assert after["booking_service"][0]["buffer_before"] == 0
    assert after["booking_service"][0]["buffer_after"] == 0
    assert after["booking_client"][0]["language"] == "ru"
    assert after["booking_appointment"][0]["buffer_before"] == 0
    assert after["booking_appointment"][0]["cancelled_at"] is None
    assert after["booking_specialist"][0]["telegram_id"] is None
    assert after["booking_specialist"][0]["city_en"] == ""
    assert after["booking_servicecategory"][0]["name_en"] == ""

    await upgrade(url)  # a second run changes nothing
    assert await snapshot(url) == after

    settings = make_settings(url, tmp_path)
    db = Database.from_settings(settings)
    app = create_app(settings, db)
    try:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            r = await c.post("/api/token/", json={"username": "olga", "password": "django-pass"})
            assert r.status_code == 200, r.text
            headers = {"Authorization": f"Bearer {r.json()['access']}"}
            services = (await c.get("/api/services/")).json()
            assert services == [
                {
                    "id": 1,
                    "name": "Массаж спины",
                    "description": "",
                    "price": "2000.00",
                    "duration": 60,
                    "specialist": 1,
                    "specialist_name": "Олег",
                    "category": 1,
                    "category_name": "Массаж",
                    "is_active": True,
                    "buffer_before": 0,
                    "buffer_after": 0,
                    # New (0009): no English texts yet, the server default.
                    "name_en": "",
                    "description_en": "",
                    "category_name_en": "",
                }
            ]
            specialist = (await c.get("/api/specialists/1/")).json()
            assert specialist["photo"] == "http://testserver/media/specialists/oleg.jpg"
            assert specialist["schedules"][0]["start_time"] == "10:00:00"
            appointments = (await c.get("/api/appointments/", headers=headers)).json()
            assert len(appointments) == 1
            a = appointments[0]
            assert (a["date"], a["start_time"], a["end_time"], a["status"]) == (
                DAY,
                "10:00:00",
                "11:00:00",
                "confirmed",
            )
            assert a["created_at"] == "2026-11-20T10:30:00+03:00"
            assert a["client_name"] == "Ольга" and a["category_name"] == "Массаж"
            # New rows go on after Django's ids, and the old slot is still taken.
            r = await c.post(
                "/api/appointments/",
                headers=headers,
                json={
                    "service": 1,
                    "specialist": 1,
                    "date": DAY,
                    "start_time": "10:30",
                    "end_time": "11:30",
                },
            )
            assert r.status_code == 400
            assert r.json() == {"non_field_errors": ["Выбранное время уже занято."]}
            r = await c.post(
                "/api/appointments/",
                headers=headers,
                json={
                    "service": 1,
                    "specialist": 1,
                    "date": DAY,
                    "start_time": "12:00",
                    "end_time": "13:00",
                },
            )
            assert r.status_code == 201, r.text
            # Right after Django's id 1: the refused booking above took no id.
            assert r.json()["id"] == 2 and r.json()["client"] == 1
            r = await c.get("/api/clients/me/", headers=headers)
            assert r.json()["telegram_id"] == "424242" and r.json()["language"] == "ru"
    finally:
        await db.dispose()
        await drop_django_database(backend)
