"""An appointment's life through the API: confirm, complete, cancel (and the clients'
cut-off), and moving it. SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import datetime as dt

from booking_api.models import Appointment
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


# --- lifecycle -----------------------------------------------------------------------------------


async def test_transitions(client, env, cat):
    r = await client.post(
        "/api/appointments/",
        headers=env.auth(cat.alice),
        json=booking(cat, future_day(), "10:00", "11:00"),
    )
    pk = r.json()["id"]
    assert r.json()["status"] == "pending"
    r = await client.post(f"/api/appointments/{pk}/complete/", headers=env.auth(cat.staff))
    assert r.status_code == 400 and "error" in r.json()
    r = await client.post(f"/api/appointments/{pk}/confirm/", headers=env.auth(cat.spec_user))
    assert r.status_code == 200 and r.json()["status"] == "confirmed"
    r = await client.post(f"/api/appointments/{pk}/cancel/", headers=env.auth(cat.alice))
    assert r.status_code == 200 and r.json()["status"] == "cancelled"
    assert r.json()["cancelled_at"]
    r = await client.post(f"/api/appointments/{pk}/cancel/", headers=env.auth(cat.alice))
    assert r.status_code == 400
    async with env.db.read_sessions() as s:
        row = await s.get(Appointment, pk)
    assert row.cancelled_by_id == cat.alice.id


async def test_client_cut_off(client, env, cat, monkeypatch):
    monkeypatch.setattr(env.settings, "cancel_cutoff_minutes", 10 * 24 * 60)
    r = await client.post(
        "/api/appointments/",
        headers=env.auth(cat.alice),
        json=booking(cat, future_day(), "10:00", "11:00"),
    )
    pk = r.json()["id"]
    r = await client.post(f"/api/appointments/{pk}/cancel/", headers=env.auth(cat.alice))
    assert r.status_code == 400 and "мин. до начала" in r.json()["error"]
    r = await client.post(f"/api/appointments/{pk}/cancel/", headers=env.auth(cat.staff))
    assert r.status_code == 200


# --- reschedule ----------------------------------------------------------------------------------


async def test_reschedule_keeps_length_and_its_own_slot_does_not_block(client, env, cat):
    day = future_day()
    r = await client.post(
        "/api/appointments/", headers=env.auth(cat.alice), json=booking(cat, day, "10:00", "11:00")
    )
    pk = r.json()["id"]
    r = await client.post(
        f"/api/appointments/{pk}/reschedule/",
        headers=env.auth(cat.alice),
        json={"date": day.isoformat(), "start_time": "10:30"},
    )
    assert r.status_code == 200, r.text
    assert (r.json()["start_time"], r.json()["end_time"]) == ("10:30:00", "11:30:00")


async def test_failed_reschedule_leaves_the_original_untouched(client, env, cat):
    day = future_day()
    mine = (
        await client.post(
            "/api/appointments/",
            headers=env.auth(cat.alice),
            json=booking(cat, day, "10:00", "11:00"),
        )
    ).json()
    await client.post(
        "/api/appointments/", headers=env.auth(cat.bob), json=booking(cat, day, "14:00", "15:00")
    )
    r = await client.post(
        f"/api/appointments/{mine['id']}/reschedule/",
        headers=env.auth(cat.alice),
        json={"date": day.isoformat(), "start_time": "14:30"},
    )
    assert r.status_code == 400 and r.json() == {"non_field_errors": [TAKEN]}
    r = await client.get(f"/api/appointments/{mine['id']}/", headers=env.auth(cat.alice))
    assert r.json()["start_time"] == "10:00:00" and r.json()["date"] == day.isoformat()
    r = await client.post(
        f"/api/appointments/{mine['id']}/reschedule/",
        headers=env.auth(cat.bob),
        json={"date": day.isoformat(), "start_time": "16:00"},
    )
    assert r.status_code == 404  # not Bob's to see, let alone move


async def test_reschedule_race_for_one_slot(client, env, cat):
    day = future_day(4)
    a = (
        await client.post(
            "/api/appointments/",
            headers=env.auth(cat.alice),
            json=booking(cat, day, "09:00", "10:00"),
        )
    ).json()
    b = (
        await client.post(
            "/api/appointments/",
            headers=env.auth(cat.bob),
            json=booking(cat, day, "11:00", "12:00"),
        )
    ).json()
    results = await asyncio.gather(
        client.post(
            f"/api/appointments/{a['id']}/reschedule/",
            headers=env.auth(cat.alice),
            json={"date": day.isoformat(), "start_time": "15:00"},
        ),
        client.post(
            f"/api/appointments/{b['id']}/reschedule/",
            headers=env.auth(cat.bob),
            json={"date": day.isoformat(), "start_time": "15:30"},
        ),
    )
    assert sorted(r.status_code for r in results) == [200, 400]
