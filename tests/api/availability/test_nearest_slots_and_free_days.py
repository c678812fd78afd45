"""The nearest free slots across specialists, and the days of a month with room (new).
SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

from kit.api import future_day


def booking(cat, day: dt.date, start: str, end: str, **extra):
    return {
        "service": cat.manicure.id,
        "specialist": cat.anna.id,
        "date": day.isoformat(),
        "start_time": start,
        "end_time": end,
        **extra,
    }


async def test_nearest_slots_across_specialists(client, env, cat):
    r = await client.get("/api/slots/nearest/", params={"service_name": "маник", "limit": 3})
    assert r.status_code == 200, r.text
    found = r.json()
    assert len(found) == 3
    assert all(s["specialist"] == cat.anna.id and s["service_name"] == "Маникюр" for s in found)
    keys = [(s["date"], s["start_time"]) for s in found]
    assert keys == sorted(keys)
    r = await client.get(
        "/api/slots/nearest/",
        params={"category_id": cat.nails.id, "date_from": future_day(3).isoformat()},
    )
    assert r.json()[0]["date"] == future_day(3).isoformat()
    assert r.json()[0]["start_time"] == "09:00"
    r = await client.get("/api/slots/nearest/")
    assert r.status_code == 400


async def test_available_days_of_a_month(client, env, cat):
    day = future_day(10)
    month = day.strftime("%Y-%m")
    # Fill the whole day, so it disappears from the calendar.
    for hour in range(9, 18):
        r = await client.post(
            "/api/appointments/",
            headers=env.auth(cat.staff),
            json=booking(cat, day, f"{hour:02d}:00", f"{hour + 1:02d}:00", client=cat.client_a.id),
        )
        assert r.status_code == 201, r.text
    r = await client.get(
        f"/api/specialists/{cat.anna.id}/available_days/",
        params={"service": cat.manicure.id, "month": month},
    )
    assert r.status_code == 200, r.text
    days = r.json()
    assert day.isoformat() not in days
    assert (day - dt.timedelta(days=1)).isoformat() in days or day.day == 1
    r = await client.get(f"/api/specialists/{cat.anna.id}/available_days/?month=2026-13")
    assert r.status_code == 400
