"""Who may see, book, change and move appointments (contract section 3)."""

from __future__ import annotations

import datetime as dt

import pytest

from booking_api.models import Appointment
from kit.api import future_day
from kit.roles import DENIED, NO_CREDENTIALS, ROLES, check_row, expect, user_of


async def book(env, cat, who: str = "a", status: str = "pending", hour: int = 10) -> Appointment:
    """An appointment of client A with anna, or of client B with maria."""
    client_id, specialist_id, service_id = (
        (cat.client_a.id, cat.anna.id, cat.manicure.id)
        if who == "a"
        else (cat.client_b.id, cat.maria.id, cat.haircut.id)
    )
    return await env.add(
        Appointment(
            client_id=client_id,
            specialist_id=specialist_id,
            service_id=service_id,
            date=future_day(),
            start_time=dt.time(hour),
            end_time=dt.time(hour, 30),
            status=status,
        )
    )


async def test_appointment_list_visibility(client, env, cat):
    a = await book(env, cat, "a")
    b = await book(env, cat, "b")
    seen = {}
    for role in ROLES:
        r = await client.get("/api/appointments/", headers=env.auth(user_of(cat, role)))
        seen[role] = r.status_code if r.status_code != 200 else [x["id"] for x in r.json()]
    assert seen == {
        "anon": 401,
        "alice": [a.id],
        "bob": [b.id],
        "anna": [a.id],
        "stranger": [],
        "staff": [a.id, b.id],
    }


APPOINTMENT_ROWS = [
    # action, status of the fresh appointment, body, anon, alice, bob, anna, stranger, staff
    ("GET", "", "pending", None, expect(401, 200, 404, 200, 404, 200)),
    (
        "PATCH",
        "",
        "pending",
        lambda n: {"date": str(future_day(8 + n))},
        expect(401, 200, 404, 403, 404, 200),
    ),
    ("DELETE", "", "pending", None, expect(401, 403, 404, 403, 404, 204)),
    ("POST", "confirm/", "pending", None, expect(401, 403, 404, 200, 404, 200)),
    ("POST", "complete/", "confirmed", None, expect(401, 403, 404, 200, 404, 200)),
    ("POST", "cancel/", "pending", None, expect(401, 200, 404, 200, 404, 200)),
    (
        "POST",
        "reschedule/",
        "pending",
        lambda n: {"date": str(future_day(8 + n)), "start_time": "14:00"},
        expect(401, 200, 404, 403, 404, 200),
    ),
]


@pytest.mark.parametrize(
    ("method", "action", "status", "body", "expected"),
    APPOINTMENT_ROWS,
    ids=[f"{r[0]} {r[1] or 'detail'}" for r in APPOINTMENT_ROWS],
)
async def test_appointment_permissions(client, env, cat, method, action, status, body, expected):
    hours = iter(range(9, 17))
    moves = iter(range(10))  # every role moves its own appointment to a day of its own

    async def fresh() -> str:
        return f"/api/appointments/{(await book(env, cat, 'a', status, next(hours))).id}/{action}"

    await check_row(
        client,
        env,
        cat,
        method,
        fresh,
        expected,
        body=(lambda: body(next(moves))) if callable(body) else body,
    )


async def test_client_books_only_for_themselves(client, env, cat):
    base = {
        "service": cat.manicure.id,
        "specialist": cat.anna.id,
        "date": str(future_day()),
        "start_time": "10:00",
        "end_time": "11:00",
    }
    alice = env.auth(cat.alice)
    r = await client.post(
        "/api/appointments/", json={**base, "client": cat.client_b.id}, headers=alice
    )
    assert r.status_code == 403 and r.json() == DENIED
    r = await client.post("/api/appointments/", json={**base, "status": "confirmed"}, headers=alice)
    assert r.status_code == 403
    r = await client.post("/api/appointments/", json=base, headers=alice)
    assert r.status_code == 201 and r.json()["client"] == cat.client_a.id
    assert r.json()["status"] == "pending"
    r = await client.patch(
        f"/api/appointments/{r.json()['id']}/", json={"status": "confirmed"}, headers=alice
    )
    assert r.status_code == 403
    r = await client.post(
        "/api/appointments/",
        json={**base, "start_time": "12:00", "end_time": "13:00"},
        headers=env.auth(cat.stranger),
    )
    assert r.status_code == 403
    r = await client.post("/api/appointments/", json=base)
    assert r.status_code == 401 and r.json() == NO_CREDENTIALS


async def test_appointment_put(client, env, cat):
    appt = await book(env, cat, "a")
    body = {
        "service": cat.manicure.id,
        "specialist": cat.anna.id,
        "date": str(future_day(9)),
        "start_time": "15:00",
        "end_time": "16:00",
    }
    r = await client.put(f"/api/appointments/{appt.id}/", json=body, headers=env.auth(cat.alice))
    assert r.status_code == 200 and r.json()["start_time"] == "15:00:00"
    r = await client.put(f"/api/appointments/{appt.id}/", json=body, headers=env.auth(cat.bob))
    assert r.status_code == 404
    r = await client.put(
        f"/api/appointments/{appt.id}/",
        json={**body, "client": cat.client_a.id, "start_time": "16:00", "end_time": "17:00"},
        headers=env.auth(cat.staff),
    )
    assert r.status_code == 200 and r.json()["start_time"] == "16:00:00"


async def test_staff_must_name_the_client(client, env, cat):
    r = await client.post(
        "/api/appointments/",
        headers=env.auth(cat.staff),
        json={
            "service": cat.manicure.id,
            "specialist": cat.anna.id,
            "date": str(future_day()),
            "start_time": "10:00",
            "end_time": "11:00",
        },
    )
    assert r.status_code == 400 and r.json() == {"client": ["This field is required."]}
