"""Holds (``/api/holds/``): a held time is busy for everybody until it is confirmed, given back
or expires — with nothing running to clear it — and holds and bookings never overlap, also
when 50 requests race. Every test runs on SQLite and on PostgreSQL.

Time passing is a hold's ``expires_at`` moved into the past (the clock every check reads is the
real one; PostgreSQL's triggers read the database's)."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid

import httpx
from sqlalchemy import func, select, update

from booking_api.app import create_app
from booking_api.core.security import make_password
from booking_api.holds.service import HOLD_EXPIRED, HOLD_RELEASED, expiry
from booking_api.models import Appointment, Client, Hold, TimeOff, User
from kit.api import future_day

TAKEN = "Выбранное время уже занято."


def wanted(cat, day: dt.date, start: str = "12:00", end: str = "13:00", **extra):
    return {
        "service": cat.manicure.id,
        "specialist": cat.anna.id,
        "date": day.isoformat(),
        "start_time": start,
        "end_time": end,
        **extra,
    }


async def free_starts(client, cat, day: dt.date, headers=None) -> list[str]:
    r = await client.get(
        f"/api/specialists/{cat.anna.id}/available_slots/",
        params={"date": day.isoformat(), "service": cat.manicure.id},
        headers=headers or {},
    )
    assert r.status_code == 200, r.text
    return [s["start_time"] for s in r.json()]


async def expire(env, hold_id: int) -> None:
    """Time passes: the hold's end is behind us."""
    async with env.db.write_sessions() as s:
        await s.execute(
            update(Hold)
            .where(Hold.id == hold_id)
            .values(expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1))
        )
        await s.commit()


async def count(env, model, *where) -> int:
    async with env.db.read_sessions() as s:
        return await s.scalar(select(func.count()).select_from(model).where(*where))


async def clients(env, n: int) -> list[User]:
    """``n`` users, each with a client profile."""
    password = make_password("x", iterations=1000)
    users = [User(username=f"c{uuid.uuid4().hex[:10]}", password=password) for _ in range(n)]
    async with env.db.write_sessions() as s:
        s.add_all(users)
        await s.flush()
        s.add_all(Client(name=f"Клиент {i}", user_id=u.id) for i, u in enumerate(users))
        await s.commit()
    return users


# --- holding ---------------------------------------------------------------------------------


async def test_a_held_time_is_busy_for_everybody_until_it_expires(client, env, cat):
    day = future_day(5)
    before = dt.datetime.now(dt.UTC)
    r = await client.post("/api/holds/", headers=env.auth(cat.alice), json=wanted(cat, day))
    assert r.status_code == 201, r.text
    held = r.json()
    assert held["status"] == "held" and held["client"] == cat.client_a.id
    assert (held["start_time"], held["end_time"]) == ("12:00:00", "13:00:00")
    ends = dt.datetime.fromisoformat(held["expires_at"])
    assert ends.second == 0 and ends.microsecond == 0  # a whole minute
    assert dt.timedelta(minutes=5) <= ends - before <= dt.timedelta(minutes=6, seconds=5)

    # Gone from everybody's free times (the holder's too), refused to every booking.
    for who in (None, cat.bob, cat.alice):
        starts = await free_starts(client, cat, day, env.auth(who))
        assert "11:00" in starts and "17:00" in starts
        assert not {"11:30", "12:00", "12:30"} & set(starts)
    r = await client.post("/api/appointments/", headers=env.auth(cat.bob), json=wanted(cat, day))
    assert r.status_code == 400 and r.json() == {"non_field_errors": [TAKEN]}
    part = wanted(cat, day, "12:30", "13:30")
    r = await client.post("/api/holds/", headers=env.auth(cat.bob), json=part)
    assert r.json() == {"non_field_errors": [TAKEN]}
    nearest = await client.get(
        "/api/slots/nearest/",
        params={"service": cat.manicure.id, "date_from": day, "date_to": day, "limit": 20},
    )
    assert nearest.status_code == 200 and nearest.json()
    assert "12:00" not in [s["start_time"][:5] for s in nearest.json()]

    # Its time passes, and nothing runs: the time is free again, for anyone.
    await expire(env, held["id"])
    assert "12:00" in await free_starts(client, cat, day)
    r = await client.get(f"/api/holds/{held['id']}/", headers=env.auth(cat.alice))
    assert r.json()["status"] == "expired"
    assert (await client.get("/api/holds/", headers=env.auth(cat.alice))).json() == []
    r = await client.post("/api/appointments/", headers=env.auth(cat.bob), json=wanted(cat, day))
    assert r.status_code == 201, r.text


async def test_a_hold_is_judged_by_the_booking_rules(client, env, cat):
    day = future_day(5)
    for body, text in (
        (
            wanted(cat, day, "08:00", "09:00"),
            "Время записи не соответствует графику работы специалиста.",
        ),
        (wanted(cat, day, "11:00", "10:00"), "Время окончания должно быть позже времени начала."),
        (wanted(cat, future_day(-2)), "Нельзя записаться на прошедшее время."),
        (
            wanted(cat, day, service=cat.haircut.id),
            "Выбранная услуга не оказывается этим специалистом.",
        ),
    ):
        r = await client.post("/api/holds/", headers=env.auth(cat.alice), json=body)
        assert r.status_code == 400 and r.json() == {"non_field_errors": [text]}, r.text
    r = await client.post("/api/holds/", headers=env.auth(cat.alice), json={"date": "x"})
    assert r.status_code == 400 and "service" in r.json()
    booked = await client.post(
        "/api/appointments/", headers=env.auth(cat.bob), json=wanted(cat, day)
    )
    assert booked.status_code == 201
    r = await client.post("/api/holds/", headers=env.auth(cat.alice), json=wanted(cat, day))
    assert r.json() == {"non_field_errors": [TAKEN]}
    # Who may hold: a client for themselves, staff for anyone, nobody anonymous.
    other = wanted(cat, day, "15:00", "16:00", client=cat.client_b.id)
    assert (
        await client.post("/api/holds/", headers=env.auth(cat.alice), json=other)
    ).status_code == 403
    assert (await client.post("/api/holds/", json=other)).status_code == 401
    r = await client.post("/api/holds/", headers=env.auth(cat.staff), json=other)
    assert r.status_code == 201 and r.json()["client"] == cat.client_b.id


async def test_one_hold_per_client(client, env, cat):
    day = future_day(5)
    alice = env.auth(cat.alice)
    first = (await client.post("/api/holds/", headers=alice, json=wanted(cat, day))).json()
    # Their own live hold keeps its time from them too.
    r = await client.post("/api/holds/", headers=alice, json=wanted(cat, day, "12:30", "13:30"))
    assert r.json() == {"non_field_errors": [TAKEN]}
    # Another time: the last hold is given back.
    r = await client.post("/api/holds/", headers=alice, json=wanted(cat, day, "15:00", "16:00"))
    assert r.status_code == 201
    assert "12:00" in await free_starts(client, cat, day)
    assert "15:00" not in await free_starts(client, cat, day)
    assert (await client.get(f"/api/holds/{first['id']}/", headers=alice)).status_code == 404
    assert [h["id"] for h in (await client.get("/api/holds/", headers=alice)).json()] == [
        r.json()["id"]
    ]
    assert await count(env, Hold) == 1


async def test_retries_with_one_key_hold_once(client, env, cat):
    day = future_day(5)
    headers = {**env.auth(cat.alice), "Idempotency-Key": "hold-1"}
    first = await client.post("/api/holds/", headers=headers, json=wanted(cat, day))
    again = await client.post("/api/holds/", headers=headers, json=wanted(cat, day))
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again.headers["Idempotent-Replayed"] == "true"
    other = await client.post(
        "/api/holds/", headers=headers, json=wanted(cat, day, "15:00", "16:00")
    )
    assert other.status_code == 422
    # A key of a booking request is not a hold's.
    r = await client.post("/api/appointments/", headers=headers, json=wanted(cat, day))
    assert r.status_code == 422


# --- giving back, booking --------------------------------------------------------------------


async def test_confirm_books_the_held_time_once(client, env, cat):
    day = future_day(5)
    alice = env.auth(cat.alice)
    held = (await client.post("/api/holds/", headers=alice, json=wanted(cat, day))).json()
    r = await client.post(f"/api/holds/{held['id']}/confirm/", headers=alice)
    assert r.status_code == 201, r.text
    booking = r.json()
    assert booking["status"] == "pending" and booking["client"] == cat.client_a.id
    assert (booking["date"], booking["start_time"]) == (day.isoformat(), "12:00:00")
    again = await client.post(f"/api/holds/{held['id']}/confirm/", headers=alice)
    assert again.status_code == 200 and again.json()["id"] == booking["id"]
    assert again.headers["Idempotent-Replayed"] == "true"
    shown = (await client.get(f"/api/holds/{held['id']}/", headers=alice)).json()
    assert shown["status"] == "booked" and shown["appointment"] == booking["id"]
    assert await count(env, Appointment) == 1
    # The booking keeps the time now; old clients see an ordinary appointment.
    assert "12:00" not in await free_starts(client, cat, day)
    listed = (await client.get("/api/appointments/", headers=alice)).json()
    assert [a["status"] for a in listed] == ["pending"]
    r = await client.delete(f"/api/holds/{held['id']}/", headers=alice)
    assert r.status_code == 400 and r.json()["code"] == "hold_confirmed"


async def test_confirm_after_expiry_is_refused_with_its_code(client, env, cat):
    day = future_day(5)
    alice = env.auth(cat.alice)
    held = (await client.post("/api/holds/", headers=alice, json=wanted(cat, day))).json()
    await expire(env, held["id"])
    r = await client.post(f"/api/holds/{held['id']}/confirm/", headers=alice)
    assert r.status_code == 400
    assert r.json() == {"error": HOLD_EXPIRED, "code": "hold_expired"}
    assert await count(env, Appointment) == 0


async def test_release_frees_the_time_at_once(client, env, cat):
    day = future_day(5)
    alice = env.auth(cat.alice)
    held = (await client.post("/api/holds/", headers=alice, json=wanted(cat, day))).json()
    assert (await client.delete(f"/api/holds/{held['id']}/", headers=alice)).status_code == 204
    assert (await client.delete(f"/api/holds/{held['id']}/", headers=alice)).status_code == 204
    assert "12:00" in await free_starts(client, cat, day)
    r = await client.post(f"/api/holds/{held['id']}/confirm/", headers=alice)
    assert r.json() == {"error": HOLD_RELEASED, "code": "hold_released"}
    r = await client.post("/api/appointments/", headers=env.auth(cat.bob), json=wanted(cat, day))
    assert r.status_code == 201


async def test_a_hold_is_its_clients_and_staffs_only(client, env, cat):
    day = future_day(5)
    held = (
        await client.post("/api/holds/", headers=env.auth(cat.alice), json=wanted(cat, day))
    ).json()
    for who in (cat.bob, cat.spec_user, cat.stranger):
        headers = env.auth(who)
        assert (await client.get(f"/api/holds/{held['id']}/", headers=headers)).status_code == 404
        r = await client.post(f"/api/holds/{held['id']}/confirm/", headers=headers)
        assert r.status_code == 404
        assert (
            await client.delete(f"/api/holds/{held['id']}/", headers=headers)
        ).status_code == 404
        assert (await client.get("/api/holds/", headers=headers)).json() == []
    staff = env.auth(cat.staff)
    assert [h["id"] for h in (await client.get("/api/holds/", headers=staff)).json()] == [
        held["id"]
    ]
    r = await client.post(f"/api/holds/{held['id']}/confirm/", headers=staff)
    assert r.status_code == 201 and r.json()["client"] == cat.client_a.id


async def test_confirm_is_judged_again(client, env, cat):
    """The schedule changed while the hold was kept: the booking rules still decide."""
    day = future_day(5)
    alice = env.auth(cat.alice)
    held = (await client.post("/api/holds/", headers=alice, json=wanted(cat, day))).json()
    start = dt.datetime.fromisoformat(f"{day}T11:00:00").replace(tzinfo=env.settings.tz)
    await env.add(
        TimeOff(specialist_id=cat.anna.id, start=start, end=start + dt.timedelta(hours=3))
    )
    r = await client.post(f"/api/holds/{held['id']}/confirm/", headers=alice)
    assert r.json() == {"non_field_errors": ["Специалист не принимает в выбранное время."]}
    shown = (await client.get(f"/api/holds/{held['id']}/", headers=alice)).json()
    assert shown["status"] == "held"  # nothing changed


async def test_a_held_time_cannot_be_moved_into(client, env, cat):
    day = future_day(5)
    booked = (
        await client.post(
            "/api/appointments/", headers=env.auth(cat.bob), json=wanted(cat, day, "09:00", "10:00")
        )
    ).json()
    await client.post("/api/holds/", headers=env.auth(cat.alice), json=wanted(cat, day))
    r = await client.post(
        f"/api/appointments/{booked['id']}/reschedule/",
        headers=env.auth(cat.bob),
        json={"date": day.isoformat(), "start_time": "12:00"},
    )
    assert r.status_code == 400 and r.json() == {"non_field_errors": [TAKEN]}


# --- races -----------------------------------------------------------------------------------


async def test_fifty_agents_holding_one_slot_get_one_hold(client, env, cat):
    day = future_day(5)
    users = await clients(env, 50)
    results = await asyncio.gather(
        *(client.post("/api/holds/", headers=env.auth(u), json=wanted(cat, day)) for u in users)
    )
    codes = [r.status_code for r in results]
    assert codes.count(201) == 1, codes
    assert all(r.json() == {"non_field_errors": [TAKEN]} for r in results if r.status_code != 201)
    assert await count(env, Hold, Hold.status == "held") == 1


async def test_fifty_holds_of_one_client_get_one_hold(client, env, cat):
    day = future_day(5)
    results = await asyncio.gather(
        *(
            client.post("/api/holds/", headers=env.auth(cat.alice), json=wanted(cat, day))
            for _ in range(50)
        )
    )
    codes = [r.status_code for r in results]
    assert codes.count(201) == 1 and codes.count(400) == 49, codes


async def test_holds_and_bookings_racing_never_overlap(client, env, cat):
    """25 holds and 25 bookings of one time, partly overlapping, at once: one wins."""
    day = future_day(5)
    users = await clients(env, 50)
    starts = ["11:30", "12:00", "12:15"]  # an hour each: every two overlap

    def request(i: int, user: User):  # type: ignore[no-untyped-def]
        start = starts[i % 3]
        body = wanted(cat, day, start, f"{int(start[:2]) + 1:02d}:{start[3:]}")
        path = "/api/holds/" if i % 2 else "/api/appointments/"
        return client.post(path, headers=env.auth(user), json=body)

    results = await asyncio.gather(*(request(i, u) for i, u in enumerate(users)))
    codes = [r.status_code for r in results]
    assert codes.count(201) == 1, codes
    assert all(r.json() == {"non_field_errors": [TAKEN]} for r in results if r.status_code != 201)
    live = await count(env, Hold, Hold.status == "held")
    active = await count(env, Appointment, Appointment.status.in_(("pending", "confirmed")))
    assert live + active == 1


async def test_confirm_and_booking_racing_never_overlap(client, env, cat):
    day = future_day(5)
    alice = env.auth(cat.alice)
    users = await clients(env, 20)
    held = (await client.post("/api/holds/", headers=alice, json=wanted(cat, day))).json()
    await expire(env, held["id"])  # others may book it now; the holder's confirm is refused
    bookings = (
        client.post("/api/appointments/", headers=env.auth(u), json=wanted(cat, day)) for u in users
    )
    results = await asyncio.gather(
        client.post(f"/api/holds/{held['id']}/confirm/", headers=alice), *bookings
    )
    assert results[0].json()["code"] == "hold_expired"
    assert [r.status_code for r in results[1:]].count(201) == 1
    assert await count(env, Appointment) == 1


# --- the clock, the cache, the policy --------------------------------------------------------


def test_a_hold_ends_on_a_whole_minute_at_least_hold_minutes_ahead(env):
    settings = env.settings
    now = dt.datetime(2026, 5, 1, 10, 0, 0, tzinfo=dt.UTC)
    assert expiry(settings, now) == dt.datetime(2026, 5, 1, 10, 5, tzinfo=dt.UTC)
    later = now + dt.timedelta(seconds=1)
    assert expiry(settings, later) == dt.datetime(2026, 5, 1, 10, 6, tzinfo=dt.UTC)


async def test_cached_free_times_follow_holds(env, cat):
    settings = env.settings.model_copy(update={"cache_backend": "local"})
    app = create_app(settings, env.db)
    day = future_day(5)
    alice = env.auth(cat.alice)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        assert "12:00" in await free_starts(c, cat, day)
        held = (await c.post("/api/holds/", headers=alice, json=wanted(cat, day))).json()
        assert "12:00" not in await free_starts(c, cat, day)
        assert (await c.delete(f"/api/holds/{held['id']}/", headers=alice)).status_code == 204
        assert "12:00" in await free_starts(c, cat, day)
        # Holds change free times only: the catalogue stays cached through a new hold that
        # replaces the client's last one.
        await c.get("/api/categories/")
        hits = app.state.cache.hits
        later = wanted(cat, day, "15:00", "16:00")
        assert (await c.post("/api/holds/", headers=alice, json=later)).status_code == 201
        assert "15:00" not in await free_starts(c, cat, day)
        await c.get("/api/categories/")
        assert app.state.cache.hits == hits + 1
    await app.state.redis.close()


async def test_policy_is_public(client, env):
    r = await client.get("/api/policy/")
    assert r.status_code == 200
    assert r.json() == {
        "time_zone": "Europe/Moscow",
        "cancel_cutoff_minutes": env.settings.cancel_cutoff_minutes,
        "hold_minutes": 5,
        "min_notice_minutes": env.settings.min_notice_minutes,
        "booking_horizon_days": env.settings.booking_horizon_days,
        "slot_step_minutes": env.settings.slot_step_minutes,
    }


async def test_openapi_documents_holds(client):
    schema = (await client.get("/api/schema/")).json()
    assert {"/api/holds/", "/api/holds/{pk}/", "/api/holds/{pk}/confirm/", "/api/policy/"} <= set(
        schema["paths"]
    )
    assert "HoldWrite" in schema["components"]["schemas"]
    assert schema["paths"]["/api/holds/"]["post"]["responses"]["201"]
