"""Categories, specialists and services on the wire: shapes, search, ordering, filters,
active rows."""

from __future__ import annotations

from decimal import Decimal

import pytest

from booking_api.models import Service, Specialist


async def test_service_representation(client, cat):
    r = await client.get(f"/api/services/{cat.haircut.id}/")
    body = r.json()
    assert body["price"] == "1200.50"
    assert body["specialist_name"] == "Мария Петрова"
    assert body["category"] is None and "category_name" not in body
    keys = list(body)
    assert keys[:8] == [
        "id",
        "name",
        "description",
        "price",
        "duration",
        "specialist",
        "specialist_name",
        "category",
    ]
    r = await client.get(f"/api/services/{cat.manicure.id}/")
    assert list(r.json())[:10] == [
        "id",
        "name",
        "description",
        "price",
        "duration",
        "specialist",
        "specialist_name",
        "category",
        "category_name",
        "is_active",
    ]


async def test_search(client, env, cat):
    r = await client.get("/api/specialists/?search=анна")
    assert [s["name"] for s in r.json()] == ["Анна Иванова"]
    r = await client.get("/api/specialists/?search=АННА")
    assert [s["name"] for s in r.json()] == ["Анна Иванова"]
    r = await client.get("/api/specialists/?search=анна москва")
    assert r.json() == []
    r = await client.get("/api/specialists/?search=мария москва")
    assert [s["name"] for s in r.json()] == ["Мария Петрова"]
    r = await client.get("/api/services/?search=ногтевой")  # by category name
    assert [s["name"] for s in r.json()] == ["Маникюр"]
    r = await client.get("/api/services/?search=петрова")  # by specialist name
    assert [s["name"] for s in r.json()] == ["Стрижка"]
    r = await client.get("/api/categories/?search=100%")
    assert r.json() == []


async def test_ordering(client, env, cat):
    r = await client.get("/api/services/?ordering=-price")
    assert [s["name"] for s in r.json()] == ["Маникюр", "Стрижка"]
    r = await client.get("/api/services/?ordering=price")
    assert [s["name"] for s in r.json()] == ["Стрижка", "Маникюр"]
    r = await client.get("/api/services/?ordering=nonsense")
    assert [s["name"] for s in r.json()] == ["Маникюр", "Стрижка"]
    r = await client.get("/api/specialists/?ordering=-city")
    assert [s["city"] for s in r.json()] == ["Москва", "Казань"]


async def test_filters(client, env, cat):
    r = await client.get(f"/api/services/?category_id={cat.nails.id}")
    assert [s["name"] for s in r.json()] == ["Маникюр"]
    r = await client.get(f"/api/services/?specialist_id={cat.maria.id}")
    assert [s["name"] for s in r.json()] == ["Стрижка"]
    r = await client.get("/api/services/?city=москва")
    assert [s["name"] for s in r.json()] == ["Стрижка"]
    r = await client.get("/api/specialists/?city=КАЗАНЬ")
    assert [s["name"] for s in r.json()] == ["Анна Иванова"]
    r = await client.get(f"/api/specialists/?category_id={cat.nails.id}")
    assert [s["name"] for s in r.json()] == ["Анна Иванова"]
    r = await client.get(f"/api/schedules/?specialist_id={cat.anna.id}&day_of_week=3")
    assert [(s["specialist"], s["day_of_week"]) for s in r.json()] == [(cat.anna.id, 3)]
    r = await client.get(f"/api/specialists/{cat.anna.id}/services/?category_id={cat.hair.id}")
    assert r.json() == []


async def test_lists_show_only_active_rows(client, env, cat):
    await env.add(
        Specialist(
            name="Уволена", specialization="x", description="", city="Казань", is_active=False
        )
    )
    await env.add(
        Service(
            name="Старая",
            description="",
            price=Decimal(1),
            duration=30,
            specialist_id=cat.anna.id,
            is_active=False,
        )
    )
    r = await client.get("/api/specialists/")
    assert "Уволена" not in [s["name"] for s in r.json()]
    r = await client.get("/api/services/")
    assert "Старая" not in [s["name"] for s in r.json()]
    r = await client.get(f"/api/specialists/{cat.anna.id}/services/")
    assert [s["name"] for s in r.json()] == ["Маникюр"]


async def test_specialist_and_client_shapes(client, env, cat):
    r = await client.get(f"/api/specialists/{cat.anna.id}/")
    body = r.json()
    assert list(body)[:9] == [
        "id",
        "user",
        "name",
        "specialization",
        "description",
        "photo",
        "city",
        "is_active",
        "schedules",
    ]
    assert body["user"] == {
        "id": cat.spec_user.id,
        "username": "anna",
        "email": "anna@example.com",
        "first_name": "",
        "last_name": "",
    }
    assert body["schedules"][0] == {
        "id": body["schedules"][0]["id"],
        "specialist": cat.anna.id,
        "day_of_week": 0,
        "day_name": "Понедельник",
        "start_time": "09:00:00",
        "end_time": "18:00:00",
    }
    assert (await client.get(f"/api/specialists/{cat.maria.id}/")).json()["user"] is None
    r = await client.get(f"/api/clients/{cat.client_a.id}/", headers=env.auth(cat.alice))
    assert list(r.json())[:6] == ["id", "user", "name", "phone", "email", "city"]
    assert r.json()["user"]["username"] == "alice"


# --- inactive rows are not found, as in DRF (its queryset shows active rows only) -------------


async def _retire(env, cat) -> tuple[Service, Specialist]:
    service = await env.add(
        Service(
            name="Снята",
            description="",
            price=Decimal(1),
            duration=30,
            specialist_id=cat.anna.id,
            is_active=False,
        )
    )
    specialist = await env.add(
        Specialist(
            name="Уволена", specialization="x", description="", city="Казань", is_active=False
        )
    )
    return service, specialist


@pytest.mark.parametrize("who", ["anon", "staff"])
async def test_inactive_rows_are_not_found(client, env, cat, who):
    service, specialist = await _retire(env, cat)
    headers = env.auth(cat.staff if who == "staff" else None)
    r = await client.get(f"/api/services/{service.id}/", headers=headers)
    assert r.status_code == 404
    assert r.json() == {"detail": "No Service matches the given query."}
    r = await client.get(f"/api/specialists/{specialist.id}/", headers=headers)
    assert r.status_code == 404
    assert r.json() == {"detail": "No Specialist matches the given query."}
    for action in ("services", "schedule"):
        r = await client.get(f"/api/specialists/{specialist.id}/{action}/", headers=headers)
        assert r.status_code == 404, action
        assert r.json() == {"detail": "No Specialist matches the given query."}


async def test_staff_still_change_inactive_rows(client, env, cat):
    """Writes are staff's; they may bring a row back (the detail GET finds it again)."""
    service, specialist = await _retire(env, cat)
    staff = env.auth(cat.staff)
    r = await client.patch(f"/api/services/{service.id}/", headers=staff, json={"name": "Снова"})
    assert r.status_code == 200 and r.json()["is_active"] is False
    r = await client.patch(
        f"/api/specialists/{specialist.id}/", headers=staff, json={"is_active": True}
    )
    assert r.status_code == 200 and r.json()["is_active"] is True
    assert (await client.get(f"/api/specialists/{specialist.id}/")).status_code == 200


# --- the answer to a write shows the new relations ----------------------------------------------


async def test_update_shows_the_new_category_and_specialist(client, env, cat):
    staff = env.auth(cat.staff)
    body = {
        "name": "Маникюр",
        "price": "1500",
        "duration": 60,
        "specialist": cat.maria.id,
        "category": cat.hair.id,
    }
    r = await client.put(f"/api/services/{cat.manicure.id}/", headers=staff, json=body)
    assert r.status_code == 200, r.text
    assert r.json()["category_name"] == "Волосы"
    assert r.json()["specialist_name"] == "Мария Петрова"
    r = await client.patch(
        f"/api/services/{cat.manicure.id}/", headers=staff, json={"category": cat.nails.id}
    )
    assert r.json()["category_name"] == "Ногтевой сервис"
    r = await client.patch(
        f"/api/services/{cat.manicure.id}/", headers=staff, json={"category": None}
    )
    assert r.json()["category"] is None and "category_name" not in r.json()


async def test_update_shows_the_new_schedules_of_a_specialist(client, env, cat):
    staff = env.auth(cat.staff)
    before = (await client.get(f"/api/specialists/{cat.maria.id}/")).json()["schedules"]
    assert before == []
    r = await client.post(
        "/api/schedules/",
        headers=staff,
        json={
            "specialist": cat.maria.id,
            "day_of_week": 1,
            "start_time": "10:00",
            "end_time": "12:00",
        },
    )
    assert r.status_code == 201
    r = await client.patch(
        f"/api/specialists/{cat.maria.id}/", headers=staff, json={"city": "Казань"}
    )
    assert [s["day_of_week"] for s in r.json()["schedules"]] == [1]
