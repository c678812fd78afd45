"""No-shows through the API: ``POST /api/appointments/{id}/no_show/`` keeps the four DRF
statuses (a no-show reads as ``cancelled``, with ``no_show: true``), and staff see each
client's count. SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from booking_api.models import Appointment, Job, WaitlistEntry
from kit.api import future_day


async def _appointment(env, cat, day: dt.date, hour: int, status: str = "confirmed", client=None):
    return await env.add(
        Appointment(
            date=day,
            start_time=dt.time(hour),
            end_time=dt.time(hour + 1),
            status=status,
            client_id=(client or cat.client_a).id,
            service_id=cat.manicure.id,
            specialist_id=cat.anna.id,
        )
    )


def _yesterday() -> dt.date:
    return future_day(-1)


async def test_no_show_is_a_cancellation_with_a_flag(client, env, cat):
    past = await _appointment(env, cat, _yesterday(), 10)
    r = await client.get(f"/api/appointments/{past.id}/", headers=env.auth(cat.staff))
    assert r.status_code == 200 and r.json()["no_show"] is False

    r = await client.post(f"/api/appointments/{past.id}/no_show/", headers=env.auth(cat.staff))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["status"] == "cancelled" and body["no_show"] is True
    assert body["cancelled_at"]
    # Old clients filter by the four statuses: the no-show is among the cancelled ones.
    r = await client.get("/api/appointments/?status=cancelled", headers=env.auth(cat.staff))
    assert [a["id"] for a in r.json()] == [past.id]
    # The lists show the flag too (plain or paged, the staff's hot path and a client's own).
    for url, who in [
        ("/api/appointments/", cat.staff),
        ("/api/appointments/?page_size=5", cat.staff),
        ("/api/appointments/?status=cancelled", cat.staff),
        ("/api/appointments/", cat.alice),
    ]:
        r = await client.get(url, headers=env.auth(who))
        listed = r.json() if isinstance(r.json(), list) else r.json()["results"]
        assert [a["no_show"] for a in listed if a["id"] == past.id] == [True], (url, who)
    async with env.db.read_sessions() as s:
        row = await s.get(Appointment, past.id)
    assert row.no_show is True and row.status == "cancelled"
    assert row.cancelled_by_id == cat.staff.id

    # Once cancelled, it cannot be marked again (the transitions' 400).
    r = await client.post(f"/api/appointments/{past.id}/no_show/", headers=env.auth(cat.staff))
    assert r.status_code == 400
    assert r.json() == {"error": "Нельзя отметить неявкой запись, которая отменена."}


async def test_no_show_only_once_it_has_started(client, env, cat):
    ahead = await _appointment(env, cat, future_day(3), 10)
    r = await client.post(f"/api/appointments/{ahead.id}/no_show/", headers=env.auth(cat.staff))
    assert r.status_code == 400
    assert r.json() == {"error": "Отметить неявку можно только после начала записи."}
    async with env.db.read_sessions() as s:
        row = await s.get(Appointment, ahead.id)
    assert row.status == "confirmed" and row.no_show is False


async def test_who_marks_a_no_show(client, env, cat):
    past = await _appointment(env, cat, _yesterday(), 11, status="pending")
    # The client cannot, nor a stranger (who does not even see it).
    r = await client.post(f"/api/appointments/{past.id}/no_show/", headers=env.auth(cat.alice))
    assert r.status_code == 403
    r = await client.post(f"/api/appointments/{past.id}/no_show/", headers=env.auth(cat.stranger))
    assert r.status_code == 404
    # The appointment's specialist can.
    r = await client.post(f"/api/appointments/{past.id}/no_show/", headers=env.auth(cat.spec_user))
    assert r.status_code == 200 and r.json()["no_show"] is True


async def test_a_new_status_ends_a_no_show(client, env, cat):
    past = await _appointment(env, cat, _yesterday(), 12)
    await client.post(f"/api/appointments/{past.id}/no_show/", headers=env.auth(cat.staff))
    r = await client.patch(
        f"/api/appointments/{past.id}/",
        json={"status": "completed"},
        headers=env.auth(cat.staff),
    )
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "completed" and r.json()["no_show"] is False


async def test_new_and_listed_appointments_show_no_show_false(client, env, cat):
    r = await client.post(
        "/api/appointments/",
        json={
            "service": cat.manicure.id,
            "specialist": cat.anna.id,
            "date": future_day(2).isoformat(),
            "start_time": "10:00",
            "end_time": "11:00",
        },
        headers=env.auth(cat.alice),
    )
    assert r.status_code == 201 and r.json()["no_show"] is False
    r = await client.get("/api/appointments/", headers=env.auth(cat.alice))
    assert [a["no_show"] for a in r.json()] == [False]


async def test_no_show_sends_no_cancellation_notice_ahead(client, env, cat):
    """The no-show's time has passed: nothing is offered to the waitlist, and the
    specialist's notice (queued like any cancellation's) is skipped by its handler."""
    past = await _appointment(env, cat, _yesterday(), 13)
    await env.add(
        WaitlistEntry(
            client_id=cat.client_b.id, service_id=cat.manicure.id, date=past.date, status="active"
        )
    )
    r = await client.post(f"/api/appointments/{past.id}/no_show/", headers=env.auth(cat.staff))
    assert r.status_code == 200
    async with env.db.read_sessions() as s:
        kinds = (await s.scalars(select(Job.kind))).all()
    assert "waitlist_offer" not in kinds


async def test_staff_see_each_clients_no_show_count(client, env, cat):
    for hour in (10, 12):
        past = await _appointment(env, cat, _yesterday(), hour)
        r = await client.post(f"/api/appointments/{past.id}/no_show/", headers=env.auth(cat.staff))
        assert r.status_code == 200
    await _appointment(env, cat, _yesterday(), 15, status="cancelled")

    r = await client.get("/api/clients/", headers=env.auth(cat.staff))
    counts = {c["id"]: c["no_show_count"] for c in r.json()}
    assert counts == {cat.client_a.id: 2, cat.client_b.id: 0}
    r = await client.get(f"/api/clients/{cat.client_a.id}/", headers=env.auth(cat.staff))
    assert r.json()["no_show_count"] == 2
    r = await client.patch(
        f"/api/clients/{cat.client_a.id}/", json={"city": "Москва"}, headers=env.auth(cat.staff)
    )
    assert r.status_code == 200 and r.json()["no_show_count"] == 2

    # A client does not see the count, on their own profile either.
    r = await client.get(f"/api/clients/{cat.client_a.id}/", headers=env.auth(cat.alice))
    assert r.status_code == 200 and "no_show_count" not in r.json()
    r = await client.get("/api/clients/me/", headers=env.auth(cat.alice))
    assert "no_show_count" not in r.json()
