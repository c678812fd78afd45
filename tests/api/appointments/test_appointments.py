"""Appointments through the API: what a booking answers, which ids it takes, and what a
stranger may learn about someone else's appointment. SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest

from booking_api.models import Appointment
from kit.api import future_day

NOT_FOUND = {"detail": "No Appointment matches the given query."}


def booking(cat, start: str, end: str, **extra):
    return {
        "service": cat.manicure.id,
        "specialist": cat.anna.id,
        "date": future_day().isoformat(),
        "start_time": start,
        "end_time": end,
        **extra,
    }


async def test_a_refused_booking_takes_no_id(client, env, cat):
    """Ids are taken only by rows that are written: after refusals (a rule, an overlap, a
    missing service, another client's name) the next booking gets the next id, as under DRF
    (issue 11, item 5)."""
    alice = env.auth(cat.alice)
    first = await client.post(
        "/api/appointments/", headers=alice, json=booking(cat, "10:00", "11:00")
    )
    assert first.status_code == 201, first.text
    refused = [
        booking(cat, "08:00", "09:00"),  # outside the working hours
        booking(cat, "10:30", "11:30"),  # overlaps the first
        booking(cat, "12:00", "13:00", service=999),  # no such service
        booking(cat, "12:00", "13:00", client=cat.client_b.id),  # for someone else: 403
    ]
    for body in refused:
        r = await client.post("/api/appointments/", headers=alice, json=body)
        assert r.status_code in (400, 403), r.text
    second = await client.post(
        "/api/appointments/", headers=alice, json=booking(cat, "12:00", "13:00")
    )
    assert second.status_code == 201, second.text
    assert second.json()["id"] == first.json()["id"] + 1


ROUTES = [
    ("GET", ""),
    ("PUT", ""),
    ("PATCH", ""),
    ("DELETE", ""),
    ("POST", "cancel/"),
    ("POST", "confirm/"),
    ("POST", "complete/"),
    ("POST", "attend/"),
    ("POST", "reschedule/"),
]


@pytest.mark.parametrize(
    ("method", "action"), ROUTES, ids=[f"{m} {a or 'detail'}" for m, a in ROUTES]
)
async def test_someone_elses_appointment_is_not_found(client, env, cat, method, action):
    """Contract section 3: a client sees only their own appointments, so another client's (or
    a signed-in stranger's) request about one is DRF's 404, never a 403 that tells them the id
    exists (issue 11, item 6)."""
    appt = await env.add(
        Appointment(
            client_id=cat.client_a.id,
            specialist_id=cat.anna.id,
            service_id=cat.manicure.id,
            date=future_day(),
            start_time=dt.time(10),
            end_time=dt.time(11),
            status="confirmed",
        )
    )
    body = booking(cat, "14:00", "15:00") if method in ("PUT", "PATCH") else None
    if action == "reschedule/":
        body = {"date": future_day().isoformat(), "start_time": "15:00"}
    for user in (cat.bob, cat.stranger):
        r = await client.request(
            method, f"/api/appointments/{appt.id}/{action}", headers=env.auth(user), json=body
        )
        assert (r.status_code, r.json()) == (404, NOT_FOUND), (user.username, r.text)
    async with env.db.read_sessions() as session:
        row = await session.get(Appointment, appt.id)
    assert row is not None and row.status == "confirmed" and row.start_time == dt.time(10)
