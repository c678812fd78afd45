"""Every path that changes a booking emits its event: the API's booking, lifecycle actions,
edits and reschedule (the bot and the MCP server go through these), the admin's actions,
jobs and other ORM writers; new clients; and nothing for a change that rolled back."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, bindparam, select, text

from booking_api.jobs.outbox import appointment_changed
from booking_api.models import Appointment, Client, Job
from booking_api.webhooks import events
from booking_api.webhooks.models import WebhookEndpoint
from kit.api import future_day
from kit.webhook_receiver import Receiver
from kit.webhooks import Hooks, book

ALL = list(events.EVENT_TYPES)


async def _listen(hooks: Hooks, receiver: Receiver) -> None:
    endpoint = await hooks.register(receiver.url, ALL)
    receiver.secret = endpoint["secret"]


def _received(receiver: Receiver) -> list[tuple[str, int, str | None]]:
    """(type, object id, status) of each verified request, in the order sent."""
    out = []
    for r in receiver.requests():
        assert r.verified and r.body is not None
        out.append((r.body["type"], r.body["data"]["id"], r.body["data"].get("status")))
    return out


async def test_the_api_lifecycle_emits_each_event(
    hooks: Hooks, cat: Any, receiver: Receiver
) -> None:
    await _listen(hooks, receiver)
    day = future_day(5)
    staff = hooks.env.auth(cat.staff)
    first = await book(hooks, cat.alice, cat, day, "10:00", "11:00")
    second = await book(hooks, cat.alice, cat, day, "12:00", "13:00")
    await hooks.run()
    for path in (f"{first['id']}/confirm/", f"{second['id']}/cancel/"):
        assert (await hooks.client.post(f"/api/appointments/{path}", headers=staff)).is_success
    await hooks.run()
    r = await hooks.client.post(
        f"/api/appointments/{first['id']}/reschedule/",
        headers=staff,
        json={"date": day.isoformat(), "start_time": "15:00"},
    )
    assert r.status_code == 200, r.text
    await hooks.run()
    assert (
        await hooks.client.post(f"/api/appointments/{first['id']}/complete/", headers=staff)
    ).is_success
    await hooks.run()

    received = _received(receiver)
    # One run's events may arrive in any order (a worker delivers them side by side).
    assert sorted(received[:2]) == [
        ("appointment.created", first["id"], "pending"),
        ("appointment.created", second["id"], "pending"),
    ]
    assert sorted(received[2:4]) == [
        ("appointment.cancelled", second["id"], "cancelled"),
        ("appointment.confirmed", first["id"], "confirmed"),
    ]
    assert received[4:] == [
        ("appointment.rescheduled", first["id"], "confirmed"),
        ("appointment.completed", first["id"], "completed"),
    ]
    moved = receiver.requests()[4].body
    assert moved is not None
    assert moved["data"]["start_time"] == "15:00:00"
    assert moved["previous"] == {
        "specialist": cat.anna.id,
        "date": day.isoformat(),
        "start_time": "10:00:00",
        "end_time": "11:00:00",
    }
    assert len({r.msg_id for r in receiver.requests()}) == 6


async def test_staff_edits_emit_status_and_time_events(
    hooks: Hooks, cat: Any, receiver: Receiver
) -> None:
    await _listen(hooks, receiver)
    day = future_day(5)
    booked = await book(hooks, cat.alice, cat, day)
    await hooks.run()
    r = await hooks.client.patch(
        f"/api/appointments/{booked['id']}/",
        headers=hooks.env.auth(cat.staff),
        json={"status": "confirmed", "start_time": "14:00", "end_time": "15:00"},
    )
    assert r.status_code == 200, r.text
    r = await hooks.client.patch(
        f"/api/appointments/{booked['id']}/",
        headers=hooks.env.auth(cat.staff),
        json={"end_time": "15:00"},  # no change: no event
    )
    assert r.status_code == 200, r.text
    await hooks.run()
    received = [t for t, _, _ in _received(receiver)]
    assert received[0] == "appointment.created"
    assert sorted(received[1:]) == ["appointment.confirmed", "appointment.rescheduled"]


async def test_admin_actions_emit_events(hooks: Hooks, cat: Any, receiver: Receiver) -> None:
    await _listen(hooks, receiver)
    day = future_day(5)
    first = await book(hooks, cat.alice, cat, day, "10:00", "11:00")
    second = await book(hooks, cat.alice, cat, day, "12:00", "13:00")
    await hooks.run()
    signed_in = await hooks.client.post(
        "/admin/login", data={"username": "staff", "password": "pass12345"}
    )
    assert signed_in.status_code == 302
    for action, pk in (("confirm", first["id"]), ("cancel", second["id"])):
        r = await hooks.client.get(f"/admin/appointment/action/{action}?pks={pk}")
        assert r.status_code == 302
    await hooks.run()
    assert sorted(_received(receiver)[2:]) == [  # one run's: in any order
        ("appointment.cancelled", second["id"], "cancelled"),
        ("appointment.confirmed", first["id"], "confirmed"),
    ]


async def test_jobs_and_other_orm_writers_emit_events_no_show_included(
    hooks: Hooks, cat: Any, receiver: Receiver
) -> None:
    """Whatever changes a row through the ORM (a job, the waitlist, a future no-show action)
    emits the event of the new status: ``no_show`` needs nothing more than setting it."""
    await _listen(hooks, receiver)
    booked = await book(hooks, cat.alice, cat, future_day(5))
    await hooks.run()
    async with hooks.db.write_sessions() as session:
        appointment = await session.get(Appointment, booked["id"])
        assert appointment is not None
        appointment.status = "no_show"
        await session.commit()
    await hooks.run()
    assert _received(receiver)[-1] == ("appointment.no_show", booked["id"], "no_show")


async def test_bookings_made_through_the_outbox_hook_emit_created(
    hooks: Hooks, cat: Any, receiver: Receiver
) -> None:
    """The waitlist (and the SQLite booking path) book through ``appointment_changed``."""
    await _listen(hooks, receiver)
    async with hooks.db.write_sessions() as session:
        appointment = Appointment(
            date=future_day(6),
            start_time=dt.time(10),
            end_time=dt.time(11),
            status="pending",
            client_id=cat.client_a.id,
            service_id=cat.manicure.id,
            specialist_id=cat.anna.id,
        )
        session.add(appointment)
        await session.flush()
        await appointment_changed(session, hooks.settings, appointment, None)
        await session.commit()
    await hooks.run()
    assert _received(receiver) == [("appointment.created", appointment.id, "pending")]


async def test_a_new_client_emits_client_created(
    hooks: Hooks, cat: Any, receiver: Receiver
) -> None:
    await _listen(hooks, receiver)
    r = await hooks.client.post(
        "/api/clients/",
        headers=hooks.env.auth(cat.staff),
        json={"name": "Вера", "phone": "+79000000003", "city": "Казань"},
    )
    assert r.status_code == 201, r.text
    await hooks.run()
    [request] = receiver.requests()
    assert request.body is not None and request.body["type"] == "client.created"
    assert request.body["data"] == r.json()


async def test_a_change_that_rolls_back_emits_nothing(
    hooks: Hooks, cat: Any, receiver: Receiver
) -> None:
    await _listen(hooks, receiver)
    day = future_day(5)
    first = await book(hooks, cat.alice, cat, day, "10:00", "11:00")
    await book(hooks, cat.alice, cat, day, "12:00", "13:00")
    await hooks.run()
    refused = await hooks.client.post(
        f"/api/appointments/{first['id']}/reschedule/",
        headers=hooks.env.auth(cat.staff),
        json={"date": day.isoformat(), "start_time": "12:00"},
    )
    assert refused.status_code == 400
    async with hooks.db.write_sessions() as session:
        appointment = await session.get(Appointment, first["id"])
        assert appointment is not None
        appointment.status = "cancelled"
        await session.flush()  # the hook wrote its job row…
        await session.rollback()  # …and it goes with the change
    await hooks.run()
    assert [t for t, _, _ in _received(receiver)] == ["appointment.created"] * 2
    async with hooks.db.read_sessions() as session:
        kinds = (await session.scalars(select(Job.dedupe_key))).all()
    assert not any(":appointment.cancelled:" in key for key in kinds)


async def test_with_webhooks_off_no_event_is_queued(env: Any, client: Any, cat: Any) -> None:
    """WEBHOOKS_ENABLED=false (the other tests' app): bookings and clients queue no event."""
    assert env.settings.webhooks_enabled is False
    day = future_day(5)
    r = await client.post(
        "/api/appointments/",
        headers=env.auth(cat.alice),
        json={
            "service": cat.manicure.id,
            "specialist": cat.anna.id,
            "date": day.isoformat(),
            "start_time": "10:00",
            "end_time": "11:00",
        },
    )
    assert r.status_code == 201
    cancel = await client.post(
        f"/api/appointments/{r.json()['id']}/cancel/", headers=env.auth(cat.alice)
    )
    assert cancel.status_code == 200
    async with env.db.write_sessions() as session:
        session.add(Client(name="Вера", city="Казань"))
        await session.commit()
        kinds = set((await session.scalars(select(Job.kind))).all())
    assert events.JOB_KIND not in kinds and kinds


async def test_a_booking_queues_its_event_only_for_a_subscriber(
    hooks: Hooks, cat: Any, receiver: Receiver
) -> None:
    """Most salons subscribe nothing: a new booking then writes no event job (on PostgreSQL in
    the booking's own statement). An endpoint that is paused, wants other events or holds
    JSON null in ``events`` (written around the API) does not subscribe; an active one for
    ``appointment.created`` does, from the next booking on."""
    day = future_day(5)
    await hooks.register(f"{receiver.url}?a", ["appointment.cancelled"])
    paused = await hooks.register(f"{receiver.url}?b", ["appointment.created"])
    nulled = await hooks.register(f"{receiver.url}?c", ["appointment.created"])
    async with hooks.db.write_sessions() as session:
        (await session.get(WebhookEndpoint, paused["id"])).is_active = False
        (await session.get(WebhookEndpoint, nulled["id"])).events = None
        await session.commit()
    unheard = await book(hooks, cat.alice, cat, day, "10:00", "11:00")
    assert [j.kind for j in await hooks.jobs(events.JOB_KIND)] == []
    notices = await hooks.jobs("specialist_notice")
    assert [j.payload["appointment_id"] for j in notices] == [unheard["id"]]  # the rest stays

    await hooks.register(f"{receiver.url}?d", ["appointment.created"])
    heard = await book(hooks, cat.alice, cat, day, "12:00", "13:00")
    queued = await hooks.jobs(events.JOB_KIND)
    assert [(j.payload["type"], j.payload["object_id"]) for j in queued] == [
        ("appointment.created", heard["id"])
    ]


async def test_a_list_written_by_hand_never_fails_a_booking(hooks: Hooks, cat: Any) -> None:
    """``events`` written around the API: a JSON value PostgreSQL's jsonb cannot hold (a NUL
    escape) or a string instead of a list. Bookings still succeed; the event is queued when the
    fan-out's own check would deliver it (a string naming the type)."""
    day = future_day(5)
    async with hooks.db.write_sessions() as session:
        await session.execute(
            text(
                "INSERT INTO booking_webhookendpoint (url, description, events, secret, "
                "is_active, created_at, updated_at) VALUES ('https://a.example/h', '', "
                ":events, 'whsec_x', true, :now, :now)"
            ).bindparams(bindparam("events", type_=JSON)),
            {"events": ["\u0000"], "now": dt.datetime.now(dt.UTC)},
        )
        await session.commit()
    first = await book(hooks, cat.alice, cat, day, "10:00", "11:00")
    async with hooks.db.write_sessions() as session:
        await session.execute(
            text("UPDATE booking_webhookendpoint SET events = :events").bindparams(
                bindparam("events", type_=JSON)
            ),
            {"events": "appointment.created,appointment.cancelled"},
        )
        await session.commit()
    second = await book(hooks, cat.alice, cat, day, "12:00", "13:00")
    queued = [j.payload["object_id"] for j in await hooks.jobs(events.JOB_KIND)]
    assert second["id"] in queued and first["id"]
