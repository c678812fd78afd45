"""Who may do what (contract section 3), as one readable table per resource.

Each row is one route and method; the columns are the expected status for: anonymous,
client A (alice), client B (bob), the specialist's user (anna), a signed-in stranger (no
profile) and staff. Rows whose success changes state build a fresh object for every role.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from booking_api.models import (
    Appointment,
    Service,
    ServiceCategory,
    Specialist,
    SpecialistSchedule,
)
from testkit import future_day

ROLES = ("anon", "alice", "bob", "anna", "stranger", "staff")
DENIED = {"detail": "You do not have permission to perform this action."}
NO_CREDENTIALS = {"detail": "Authentication credentials were not provided."}


def user_of(cat, role: str):
    return None if role == "anon" else {"anna": cat.spec_user}.get(role, getattr(cat, role))


def expect(*codes: int) -> dict[str, int]:
    return dict(zip(ROLES, codes, strict=True))


async def check_row(
    client,
    env,
    cat,
    method: str,
    path: Callable[[], Awaitable[str]] | str,
    expected: dict[str, int],
    body: Any = None,
) -> None:
    seen = {}
    for role in ROLES:
        url = path if isinstance(path, str) else await path()
        kwargs = {"json": body() if callable(body) else body} if body is not None else {}
        r = await client.request(method, url, headers=env.auth(user_of(cat, role)), **kwargs)
        seen[role] = r.status_code
        if r.status_code == 401:
            assert r.json() == NO_CREDENTIALS
        if r.status_code == 403:
            assert r.json() == DENIED or "detail" in r.json()
    assert seen == expected


# --- catalogue: anyone reads, only staff write -------------------------------------------------

READ = expect(200, 200, 200, 200, 200, 200)
STAFF_CREATES = expect(401, 403, 403, 403, 403, 201)
STAFF_CHANGES = expect(401, 403, 403, 403, 403, 200)
STAFF_DELETES = expect(401, 403, 403, 403, 403, 204)


@pytest.mark.parametrize("route", ["categories", "specialists", "schedules", "services"])
async def test_catalogue_permissions(client, env, cat, route):
    days = iter(range(7))

    async def fresh() -> str:
        if route == "categories":
            obj = await env.add(ServiceCategory(name="Тест", description=""))
        elif route == "services":
            obj = await env.add(
                Service(
                    name="Тест", description="", price=1, duration=30, specialist_id=cat.maria.id
                )
            )
        elif route == "specialists":
            obj = await env.add(
                Specialist(name="Тест", specialization="x", description="", city="Казань")
            )
        else:
            obj = await env.add(
                SpecialistSchedule(
                    specialist_id=cat.maria.id,
                    day_of_week=next(days),
                    start_time=dt.time(9),
                    end_time=dt.time(17),
                )
            )
        return f"/api/{route}/{obj.id}/"

    create_days = iter(range(7))
    bodies = {
        "categories": lambda: {"name": "Новая категория"},
        "services": lambda: {
            "name": "Новая",
            "price": "10",
            "duration": 30,
            "specialist": cat.maria.id,
        },
        "specialists": lambda: {"name": "Новый", "specialization": "Массаж"},
        "schedules": lambda: {
            "specialist": cat.maria.id,
            "day_of_week": next(create_days),
            "start_time": "10:00",
            "end_time": "12:00",
        },
    }
    patch_bodies = {
        "categories": {"description": "x"},
        "services": {"duration": 45},
        "specialists": {"city": "Москва"},
        "schedules": {"end_time": "16:00"},
    }
    put_body = bodies[route]

    detail = await fresh()
    await check_row(client, env, cat, "GET", f"/api/{route}/", READ)
    await check_row(client, env, cat, "GET", detail, READ)
    await check_row(client, env, cat, "POST", f"/api/{route}/", STAFF_CREATES, body=bodies[route])
    if route == "schedules":  # PUT keeps its own weekday, so it does not clash
        put_body = lambda: {
            "specialist": cat.maria.id,
            "day_of_week": 6,  # noqa: E731
            "start_time": "10:00",
            "end_time": "12:00",
        }
        sunday = await env.add(
            SpecialistSchedule(
                specialist_id=cat.maria.id,
                day_of_week=6,
                start_time=dt.time(9),
                end_time=dt.time(17),
            )
        )
        detail = f"/api/schedules/{sunday.id}/"
    await check_row(client, env, cat, "PUT", detail, STAFF_CHANGES, body=put_body)
    await check_row(client, env, cat, "PATCH", detail, STAFF_CHANGES, body=patch_bodies[route])
    await check_row(client, env, cat, "DELETE", detail, STAFF_DELETES)


async def test_specialist_actions_are_public(client, env, cat):
    for action in ("services", "schedule", f"available_slots?date={future_day()}"):
        await check_row(
            client,
            env,
            cat,
            "GET",
            f"/api/specialists/{cat.anna.id}/{action}/"
            if "?" not in action
            else f"/api/specialists/{cat.anna.id}/{action.replace('?', '/?')}",
            READ,
        )


# --- clients -----------------------------------------------------------------------------------


async def test_client_list_visibility(client, env, cat):
    seen = {}
    for role in ROLES:
        r = await client.get("/api/clients/", headers=env.auth(user_of(cat, role)))
        seen[role] = r.status_code if r.status_code != 200 else [c["name"] for c in r.json()]
    assert seen == {
        "anon": 401,
        "alice": ["Алиса"],
        "bob": ["Борис"],
        "anna": [],
        "stranger": [],
        "staff": ["Алиса", "Борис"],
    }


@pytest.mark.parametrize(
    ("method", "body", "expected"),
    [
        ("GET", None, expect(401, 200, 404, 404, 404, 200)),
        ("PATCH", {"phone": "+79990000000"}, expect(401, 200, 404, 404, 404, 200)),
        ("PUT", {"name": "Алиса", "city": "Казань"}, expect(401, 200, 404, 404, 404, 200)),
        ("DELETE", None, expect(401, 403, 403, 403, 403, 204)),
    ],
)
async def test_client_detail_permissions(client, env, cat, method, body, expected):
    await check_row(
        client, env, cat, method, f"/api/clients/{cat.client_a.id}/", expected, body=body
    )


async def test_client_create_permissions(client, env, cat):
    # Alice and Bob already have a profile; the specialist's user and the stranger may make one.
    await check_row(
        client,
        env,
        cat,
        "POST",
        "/api/clients/",
        expect(401, 403, 403, 201, 201, 201),
        body={"name": "Новый клиент"},
    )


async def test_client_cannot_take_telegram_id_or_user(client, env, cat):
    r = await client.patch(
        f"/api/clients/{cat.client_a.id}/",
        headers=env.auth(cat.alice),
        json={"telegram_id": "999", "name": "Алиса Б."},
    )
    assert r.status_code == 200
    assert r.json()["telegram_id"] == "1001" and r.json()["name"] == "Алиса Б."


async def test_clients_me(client, env, cat):
    await check_row(
        client, env, cat, "GET", "/api/clients/me/", expect(401, 200, 200, 404, 404, 404)
    )
    r = await client.patch("/api/clients/me/", headers=env.auth(cat.alice), json={"city": "Москва"})
    assert r.status_code == 200 and r.json()["city"] == "Москва"
    assert r.json()["id"] == cat.client_a.id
    r = await client.patch("/api/clients/me/", json={"city": "Москва"})
    assert r.status_code == 401
    r = await client.patch("/api/clients/me/", headers=env.auth(cat.alice), json={"email": "bad"})
    assert r.json() == {"email": ["Enter a valid email address."]}


# --- appointments ------------------------------------------------------------------------------


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
    # Only staff delete; someone who cannot see the appointment is told it is not found.
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
