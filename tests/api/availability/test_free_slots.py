"""A specialist's free slots on a day (contract): the grid, the contract's texts, services'
durations and buffers, breaks, time off, time zones, and moving an appointment. SQLite and
PostgreSQL."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from booking_api.models import Break, Service, SpecialistSchedule, TimeOff
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


async def slots(client, cat, day, **params):
    r = await client.get(
        f"/api/specialists/{cat.anna.id}/available_slots/",
        params={"date": day.isoformat(), **params},
    )
    assert r.status_code == 200, r.text
    return [(s["start_time"], s["end_time"]) for s in r.json()]


async def test_plain_day_is_a_30_minute_grid_that_ends_at_closing(client, cat):
    result = await slots(client, cat, future_day())
    assert result[0] == ("09:00", "09:30") and result[-1] == ("17:30", "18:00")
    assert len(result) == 18


async def test_contract_error_texts(client, cat, env):
    r = await client.get(f"/api/specialists/{cat.anna.id}/available_slots/?date=25-11-2026")
    assert r.status_code == 400
    assert r.json() == {"error": "Неверный формат даты. Используйте YYYY-MM-DD"}
    day = future_day()
    r = await client.get(f"/api/specialists/{cat.maria.id}/available_slots/?date={day}")
    assert r.json() == {"error": "Специалист не работает в этот день недели"}
    r = await client.get("/api/specialists/999/available_slots/")
    assert r.status_code == 404 and r.json() == {"detail": "No Specialist matches the given query."}


async def test_date_defaults_to_today_and_started_slots_are_not_offered(client, cat, env):
    now = dt.datetime.now(env.settings.tz)
    # Answers hold for a whole minute: "today" is the day of the next minute (at 23:59 the
    # next day's slots are the ones still to come).
    today = (now + dt.timedelta(minutes=1)).date()
    result = (await client.get(f"/api/specialists/{cat.anna.id}/available_slots/")).json()
    for slot in result:
        start = dt.datetime.combine(
            today, dt.time.fromisoformat(slot["start_time"]), env.settings.tz
        )
        assert start >= now


async def test_service_duration_break_time_off_and_buffers(client, cat, env):
    day = future_day()
    await env.add(
        Break(
            specialist_id=cat.anna.id,
            day_of_week=day.weekday(),
            start_time=dt.time(13),
            end_time=dt.time(14),
        )
    )
    tz = env.settings.tz
    await env.add(
        TimeOff(
            specialist_id=cat.anna.id,
            start=dt.datetime.combine(day, dt.time(16), tz),
            end=dt.datetime.combine(day + dt.timedelta(days=3), dt.time(0), tz),
        )
    )
    async with env.db.write_sessions() as s:
        service = await s.get(Service, cat.manicure.id)
        service.buffer_after = 15
        await s.commit()
    r = await client.post(
        "/api/appointments/", headers=env.auth(cat.alice), json=booking(cat, day, "10:00", "11:00")
    )
    assert r.status_code == 201, r.text
    result = await slots(client, cat, day, service=cat.manicure.id)
    starts = [s for s, _ in result]
    # 60-minute service: 09:00 would end at 10:00 but its 15-min clean-up hits the 10:00 booking;
    # the booking's own clean-up blocks until 11:15, so 11:30 is the first start after it.
    assert "09:00" not in starts and "10:30" not in starts and "11:00" not in starts
    assert "11:30" in starts
    assert all(not ("12:30" <= s < "14:00") for s in starts)  # would overlap the break
    assert all(e <= "16:00" for _, e in result)  # time off from 16:00
    r = await client.get(
        f"/api/specialists/{cat.anna.id}/available_slots/",
        params={"date": day.isoformat(), "service": cat.haircut.id},
    )
    assert r.status_code == 400  # not this specialist's service


async def test_slots_across_a_dst_change(client, env, cat, monkeypatch):
    """Berlin springs forward at 02:00 on 2027-03-28: 02:xx does not exist that night."""
    monkeypatch.setattr(env.settings, "time_zone", "Europe/Berlin")
    monkeypatch.setattr(env.settings, "booking_horizon_days", 400)
    day = dt.date(2027, 3, 28)
    async with env.db.write_sessions() as s:
        row = (
            await s.execute(
                select(SpecialistSchedule).where(
                    SpecialistSchedule.specialist_id == cat.anna.id,
                    SpecialistSchedule.day_of_week == day.weekday(),
                )
            )
        ).scalar_one()
        row.start_time, row.end_time = dt.time(1), dt.time(5)
        await s.commit()
    result = await slots(client, cat, day)
    starts = [s for s, _ in result]
    assert starts == ["01:00", "01:30", "03:00", "03:30", "04:00", "04:30"]
    # 01:30 + 30 real minutes is 03:00 local time.
    assert result[1] == ("01:30", "03:00")


async def test_slots_for_moving_an_appointment_do_not_count_its_own_time(client, env, cat):
    day = future_day()
    mine = (
        await client.post(
            "/api/appointments/",
            headers=env.auth(cat.alice),
            json=booking(cat, day, "10:00", "11:00"),
        )
    ).json()
    url = f"/api/specialists/{cat.anna.id}/available_slots/"
    params = {"date": day.isoformat(), "service": cat.manicure.id}
    starts = [s["start_time"] for s in (await client.get(url, params=params)).json()]
    assert "10:30" not in starts  # overlaps the booking itself
    r = await client.get(
        url,
        params={"date": day.isoformat(), "appointment": mine["id"]},
        headers=env.auth(cat.alice),
    )
    assert r.status_code == 200, r.text
    assert "10:30" in [s["start_time"] for s in r.json()]  # its own time no longer blocks
    r = await client.get(
        url, params={**params, "appointment": mine["id"]}, headers=env.auth(cat.bob)
    )
    assert r.status_code == 404  # not Bob's appointment
    r = await client.get(url, params={**params, "appointment": mine["id"]})
    assert r.status_code == 401
