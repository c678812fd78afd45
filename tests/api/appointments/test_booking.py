"""The scheduling engine through the API: slots, booking rules, concurrency, idempotency,
rescheduling, lifecycle. Every test runs on SQLite and on PostgreSQL."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid

import pytest
from sqlalchemy import func, select

from booking_api.models import Appointment, Break, Service, SpecialistSchedule, TimeOff
from testkit import future_day

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


async def slots(client, cat, day, **params):
    r = await client.get(
        f"/api/specialists/{cat.anna.id}/available_slots/",
        params={"date": day.isoformat(), **params},
    )
    assert r.status_code == 200, r.text
    return [(s["start_time"], s["end_time"]) for s in r.json()]


async def count_rows(env) -> int:
    async with env.db.read_sessions() as s:
        return await s.scalar(select(func.count()).select_from(Appointment))


# --- available_slots -----------------------------------------------------------------------------


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
    result = (await client.get(f"/api/specialists/{cat.anna.id}/available_slots/")).json()
    for slot in result:
        start = dt.datetime.combine(
            now.date(), dt.time.fromisoformat(slot["start_time"]), env.settings.tz
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


# --- booking rules -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end", "day_offset", "message"),
    [
        ("08:00", "09:00", 7, "Время записи не соответствует графику работы специалиста."),
        ("17:30", "18:30", 7, "Время записи не соответствует графику работы специалиста."),
        ("11:00", "10:00", 7, "Время окончания должно быть позже времени начала."),
        ("10:00", "11:00", -2, "Нельзя записаться на прошедшее время."),
    ],
)
async def test_booking_rules(client, env, cat, start, end, day_offset, message):
    r = await client.post(
        "/api/appointments/",
        headers=env.auth(cat.alice),
        json=booking(cat, future_day(day_offset), start, end),
    )
    assert r.status_code == 400
    assert r.json() == {"non_field_errors": [message]}


async def test_day_without_schedule_and_foreign_service(client, env, cat):
    day = future_day()
    async with env.db.write_sessions() as s:
        await s.execute(
            SpecialistSchedule.__table__.delete().where(
                SpecialistSchedule.day_of_week == day.weekday()
            )
        )
        await s.commit()
    r = await client.post(
        "/api/appointments/", headers=env.auth(cat.alice), json=booking(cat, day, "10:00", "11:00")
    )
    assert r.json() == {"non_field_errors": ["Специалист не работает в выбранный день."]}
    r = await client.post(
        "/api/appointments/",
        headers=env.auth(cat.alice),
        json=booking(cat, future_day(8), "10:00", "11:00", service=cat.haircut.id),
    )
    assert r.json() == {"non_field_errors": ["Выбранная услуга не оказывается этим специалистом."]}


async def test_overlap_is_refused_and_cancelled_rows_do_not_block(client, env, cat):
    day = future_day()
    first = await client.post(
        "/api/appointments/", headers=env.auth(cat.alice), json=booking(cat, day, "10:00", "11:00")
    )
    assert first.status_code == 201
    r = await client.post(
        "/api/appointments/", headers=env.auth(cat.bob), json=booking(cat, day, "10:30", "11:30")
    )
    assert r.status_code == 400 and r.json() == {"non_field_errors": [TAKEN]}
    await client.post(
        f"/api/appointments/{first.json()['id']}/cancel/", headers=env.auth(cat.alice)
    )
    r = await client.post(
        "/api/appointments/", headers=env.auth(cat.bob), json=booking(cat, day, "10:30", "11:30")
    )
    assert r.status_code == 201, r.text


# --- concurrency ---------------------------------------------------------------------------------


async def test_fifty_clients_racing_for_one_slot_get_one_booking(client, env, cat):
    day = future_day(5)
    headers = [env.auth(cat.alice), env.auth(cat.bob)]
    results = await asyncio.gather(
        *(
            client.post(
                "/api/appointments/",
                headers=headers[i % 2],
                json=booking(cat, day, "12:00", "13:00"),
            )
            for i in range(50)
        )
    )
    codes = sorted(r.status_code for r in results)
    assert codes.count(201) == 1, codes
    assert codes.count(400) == 49, codes
    assert all(r.json() == {"non_field_errors": [TAKEN]} for r in results if r.status_code == 400)
    assert await count_rows(env) == 1


async def test_overlapping_but_different_slots_race(client, env, cat):
    """Bookings that overlap only partly are refused by the database as well."""
    day = future_day(6)
    starts = ["10:00", "10:15", "10:30", "10:45", "11:00"]
    results = await asyncio.gather(
        *(
            client.post(
                "/api/appointments/",
                headers=env.auth(cat.alice),
                json=booking(cat, day, s, f"{int(s[:2]) + 1:02d}:{s[3:]}"),
            )
            for s in starts
            for _ in range(4)
        )
    )
    assert all(r.status_code in (201, 400) for r in results)
    async with env.db.read_sessions() as s:
        rows = (
            await s.execute(
                select(Appointment.start_time, Appointment.end_time).order_by(
                    Appointment.start_time
                )
            )
        ).all()
    for (a_start, a_end), (b_start, _) in zip(rows, rows[1:], strict=False):
        assert a_end <= b_start, rows


# --- idempotency ---------------------------------------------------------------------------------


async def test_idempotent_retry_returns_the_first_answer(client, env, cat):
    key = {"Idempotency-Key": str(uuid.uuid4()), **env.auth(cat.alice)}
    body = booking(cat, future_day(), "15:00", "16:00")
    first = await client.post("/api/appointments/", headers=key, json=body)
    again = await client.post("/api/appointments/", headers=key, json=body)
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert await count_rows(env) == 1
    other = await client.post(
        "/api/appointments/", headers=key, json=booking(cat, future_day(), "16:00", "17:00")
    )
    assert other.status_code == 422


async def test_an_expired_key_books_afresh(client, env, cat):
    """After IDEMPOTENCY_TTL_HOURS a key is forgotten, on both databases alike: the same key
    with another body books (no 422), and the old answer is not replayed."""
    from sqlalchemy import update

    from booking_api.models import IdempotencyKey

    key = {"Idempotency-Key": "kept-too-long", **env.auth(cat.alice)}
    first = await client.post(
        "/api/appointments/", headers=key, json=booking(cat, future_day(), "10:00", "11:00")
    )
    assert first.status_code == 201
    async with env.db.write_sessions() as session:
        old = dt.datetime.now(dt.UTC) - dt.timedelta(hours=env.settings.idempotency_ttl_hours + 1)
        await session.execute(update(IdempotencyKey).values(created_at=old))
        await session.commit()
    other = await client.post(
        "/api/appointments/", headers=key, json=booking(cat, future_day(), "12:00", "13:00")
    )
    assert other.status_code == 201, other.text
    assert "Idempotent-Replayed" not in other.headers and other.json()["id"] != first.json()["id"]
    assert await count_rows(env) == 2


async def test_concurrent_retries_with_one_key_book_once(client, env, cat):
    key = {"Idempotency-Key": "retry-storm", **env.auth(cat.alice)}
    body = booking(cat, future_day(9), "11:00", "12:00")
    results = await asyncio.gather(
        *(client.post("/api/appointments/", headers=key, json=body) for _ in range(10))
    )
    assert {r.status_code for r in results} == {201}
    assert len({r.json()["id"] for r in results}) == 1
    assert await count_rows(env) == 1


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


# --- nearest slots and free days -----------------------------------------------------------------


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


# --- time zones ----------------------------------------------------------------------------------


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


# --- deleting (Django's on_delete rules) ---------------------------------------------------------


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
