"""Clients on a database the Django service made, where ``booking_client.telegram_id`` is
NOT NULL (a model's ``CharField(blank=True)``): a client without a Telegram id is written
with '' there, as Django writes it, never a 500."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from booking_api.app import create_app
from booking_api.core.db import Database
from booking_api.migrate import upgrade
from kit.api import make_settings
from kit.django_db import build_django_database, drop_django_database


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
async def test_client_without_telegram_id_on_a_not_null_column(backend, tmp_path):
    url = await build_django_database(backend, tmp_path, client_telegram_id_null=False)
    await upgrade(url)
    engine = create_async_engine(url)
    async with engine.begin() as conn:  # olga is staff here
        await conn.execute(text("UPDATE auth_user SET is_staff = :yes"), {"yes": True})
    settings = make_settings(url, tmp_path)
    db = Database.from_settings(settings)
    transport = httpx.ASGITransport(app=create_app(settings, db), raise_app_exceptions=False)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            r = await c.post("/api/token/", json={"username": "olga", "password": "django-pass"})
            staff = {"Authorization": f"Bearer {r.json()['access']}"}
            r = await c.post("/api/clients/", headers=staff, json={"name": "Без Телеграма"})
            assert r.status_code == 201, r.text
            assert r.json()["telegram_id"] == ""
            created = r.json()["id"]
            r = await c.post(
                "/api/clients/", headers=staff, json={"name": "Тоже", "telegram_id": None}
            )
            assert r.status_code == 201, r.text
            assert r.json()["telegram_id"] == ""
            r = await c.patch(
                f"/api/clients/{created}/", headers=staff, json={"telegram_id": "777"}
            )
            assert r.status_code == 200 and r.json()["telegram_id"] == "777"
            r = await c.patch(f"/api/clients/{created}/", headers=staff, json={"telegram_id": None})
            assert r.status_code == 200 and r.json()["telegram_id"] == ""
            # A client with a linked user reads their own profile.
            r = await c.post(
                "/api/clients/",
                headers=staff,
                json={"name": "Пётр", "username": "petr", "password": "pass-petr-1"},
            )
            assert r.status_code == 201, r.text
            r = await c.post("/api/token/", json={"username": "petr", "password": "pass-petr-1"})
            petr = {"Authorization": f"Bearer {r.json()['access']}"}
            r = await c.get("/api/clients/me/", headers=petr)
            assert r.status_code == 200 and r.json()["telegram_id"] == ""
        async with engine.connect() as conn:
            stored = (
                (await conn.execute(text("SELECT telegram_id FROM booking_client ORDER BY id")))
                .scalars()
                .all()
            )
        assert stored == ["424242", "", "", ""]
    finally:
        await engine.dispose()
        await db.dispose()
        await drop_django_database(backend)
