"""The waitlist: joining through the API, the offer sent when a time frees up, claiming it
first come first served (never double booking). SQLite and PostgreSQL, FakeTelegram."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import select, update

from booking_api.jobs.runner import run_due
from booking_api.jobs.telegram import TelegramSender
from booking_api.models import Client, Specialist, User, WaitlistEntry
from kit.telegram import FakeTelegram

TAKEN = {"non_field_errors": ["Выбранное время уже занято."]}


def future_day(days: int = 7) -> dt.date:
    return (dt.datetime.now(dt.UTC) + dt.timedelta(days=days)).date()


@pytest.fixture
async def tg() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram() as fake:
        yield fake


@pytest.fixture
async def run(env, tg):  # type: ignore[no-untyped-def]
    settings = env.settings.model_copy(update={"telegram_api_url": tg.base_url})
    sender = TelegramSender(settings, backoff=0.01)

    async def _run(now: dt.datetime | None = None, worker: str = "w1") -> Any:
        return await run_due(env.db, settings, sender, worker_id=worker, now=now)

    yield _run
    await sender.close()


@pytest.fixture
async def people(env, cat):  # type: ignore[no-untyped-def]
    """Telegram ids for the specialist and both clients, and a third client, Carol."""
    async with env.db.write_sessions() as session:
        await session.execute(
            update(Specialist).where(Specialist.id == cat.anna.id).values(telegram_id="2001")
        )
        await session.execute(
            update(Client)
            .where(Client.id == cat.client_b.id)
            .values(telegram_id="1002", language="en")
        )
        carol = User(username="carol", password=cat.alice.password, email="c@example.com")
        session.add(carol)
        await session.flush()
        client_c = Client(
            name="Карина",
            phone="+79000000003",
            email="c@example.com",
            city="Казань",
            user_id=carol.id,
            telegram_id="1003",
        )
        session.add(client_c)
        await session.commit()
    cat.carol, cat.client_c = carol, client_c
    return cat


async def join(http, env, user, cat, day, **extra) -> Any:  # type: ignore[no-untyped-def]
    body = {"service": cat.manicure.id, "date": day.isoformat(), **extra}
    return await http.post("/api/waitlist/", headers=env.auth(user), json=body)


async def book(client, env, user, cat, day, start="10:00", end="11:00") -> Any:  # type: ignore[no-untyped-def]
    return await client.post(
        "/api/appointments/",
        headers=env.auth(user),
        json={
            "service": cat.manicure.id,
            "specialist": cat.anna.id,
            "date": day.isoformat(),
            "start_time": start,
            "end_time": end,
        },
    )


async def entry(env, entry_id: int) -> WaitlistEntry:
    async with env.db.read_sessions() as session:
        return await session.scalar(select(WaitlistEntry).where(WaitlistEntry.id == entry_id))


async def test_join_list_leave_and_permissions(client, env, cat):
    day = future_day(5)
    r = await join(
        client, env, cat.alice, cat, day, specialist=cat.anna.id, time_from="09:00", time_to="13:00"
    )
    assert r.status_code == 201, r.text
    mine = r.json()
    assert {
        k: mine[k]
        for k in (
            "client",
            "specialist",
            "service",
            "date",
            "time_from",
            "time_to",
            "status",
            "offer",
        )
    } == {
        "client": cat.client_a.id,
        "specialist": cat.anna.id,
        "service": cat.manicure.id,
        "date": day.isoformat(),
        "time_from": "09:00:00",
        "time_to": "13:00:00",
        "status": "active",
        "offer": None,
    }
    r = await join(client, env, cat.alice, cat, day)
    assert r.status_code == 400 and r.json() == {
        "non_field_errors": ["Вы уже в листе ожидания на этот день."]
    }
    r = await join(client, env, cat.alice, cat, day - dt.timedelta(days=10))
    assert r.status_code == 400 and "date" in r.json()
    r = await join(client, env, cat.alice, cat, day, service=cat.haircut.id, specialist=cat.anna.id)
    assert r.status_code == 400
    r = await join(client, env, cat.bob, cat, day, client=cat.client_a.id)
    assert r.status_code == 403
    r = await join(client, env, cat.stranger, cat, day)
    assert r.status_code == 403
    r = await join(client, env, cat.staff, cat, day)
    assert r.status_code == 400 and r.json() == {"client": ["This field is required."]}
    r = await join(client, env, cat.staff, cat, day, client=cat.client_b.id)
    assert r.status_code == 201
    bobs = r.json()["id"]

    r = await client.get("/api/waitlist/", headers=env.auth(cat.alice))
    assert [e["id"] for e in r.json()] == [mine["id"]]
    r = await client.get("/api/waitlist/", headers=env.auth(cat.staff))
    assert [e["id"] for e in r.json()] == [mine["id"], bobs]
    r = await client.get("/api/waitlist/", headers=env.auth(None))
    assert r.status_code == 401
    r = await client.delete(f"/api/waitlist/{bobs}/", headers=env.auth(cat.alice))
    assert r.status_code == 404
    r = await client.patch(
        f"/api/waitlist/{mine['id']}/", headers=env.auth(cat.alice), json={"date": day.isoformat()}
    )
    assert r.status_code == 405
    r = await client.delete(f"/api/waitlist/{mine['id']}/", headers=env.auth(cat.alice))
    assert r.status_code == 204
    r = await client.get("/api/waitlist/", headers=env.auth(cat.alice))
    assert r.json() == []


async def test_cancel_notifies_and_offers_the_slot_to_the_first_in_line(
    client, env, people, run, tg
):
    cat = people
    day = future_day(6)
    appt = (await book(client, env, cat.alice, cat, day)).json()
    bob = (await join(client, env, cat.bob, cat, day)).json()  # first in line
    carol = (await join(client, env, cat.carol, cat, day, time_from="09:00")).json()
    await run()
    assert tg.messages_to(2001)[-1].text.startswith("Новая запись: Алиса")

    r = await client.post(f"/api/appointments/{appt['id']}/cancel/", headers=env.auth(cat.alice))
    assert r.status_code == 200
    await run()
    assert tg.messages_to(2001)[-1].text.startswith("Запись отменена: Алиса, «Маникюр»")
    [offer] = tg.messages_to(1002)
    assert offer.text.startswith("A time has freed up: “Маникюр” with Анна Иванова")
    assert "at 10:00" in offer.text
    [(label, data)] = offer.buttons
    assert label == "📅 Book" and data.startswith("wl:book:")
    assert len(data.encode()) <= 64
    assert tg.messages_to(1003) == []
    token = data.removeprefix("wl:book:")
    listed = (await client.get("/api/waitlist/", headers=env.auth(cat.bob))).json()
    assert listed[0]["status"] == "offered" and listed[0]["offer"]["token"] == token

    # Only the entry's client (or staff) may claim it.
    r = await client.post(
        "/api/waitlist/claim/", headers=env.auth(cat.carol), json={"token": token}
    )
    assert r.status_code == 403
    r = await client.post("/api/waitlist/claim/", headers=env.auth(cat.bob), json={"token": token})
    assert r.status_code == 201, r.text
    booked = r.json()
    assert (
        booked["client"],
        booked["date"],
        booked["start_time"],
        booked["end_time"],
        booked["status"],
    ) == (cat.client_b.id, day.isoformat(), "10:00:00", "11:00:00", "pending")
    e = await entry(env, bob["id"])
    assert (e.status, e.appointment_id) == ("booked", booked["id"])
    assert (await entry(env, carol["id"])).status == "active"
    # The offer is used: claiming again is a 400, and the time is not booked twice.
    r = await client.post("/api/waitlist/claim/", headers=env.auth(cat.bob), json={"token": token})
    assert r.status_code == 400
    await run()
    assert tg.messages_to(2001)[-1].text.startswith("Новая запись: Борис")


async def test_a_claim_after_the_time_was_taken_gets_the_400(client, env, people, run, tg):
    cat = people
    day = future_day(6)
    appt = (await book(client, env, cat.alice, cat, day)).json()
    bob = (await join(client, env, cat.bob, cat, day)).json()
    await client.post(f"/api/appointments/{appt['id']}/cancel/", headers=env.auth(cat.alice))
    await run()
    token = tg.messages_to(1002)[-1].buttons[0][1].removeprefix("wl:book:")
    # Someone else books the freed time first.
    r = await book(client, env, cat.alice, cat, day)
    assert r.status_code == 201
    r = await client.post(
        "/api/waitlist/claim/", headers=env.auth(cat.staff), json={"token": token}
    )
    assert r.status_code == 400 and r.json() == TAKEN
    e = await entry(env, bob["id"])
    assert (e.status, e.offer_token) == ("active", None)  # waits for the next time
    r = await client.get(
        f"/api/appointments/?date_from={day}&date_to={day}", headers=env.auth(cat.staff)
    )
    assert [a["client"] for a in r.json() if a["status"] != "cancelled"] == [cat.client_a.id]


async def test_an_unanswered_offer_goes_to_the_next_in_line(client, env, people, run, tg):
    cat = people
    day = future_day(6)
    appt = (await book(client, env, cat.alice, cat, day)).json()
    bob = (await join(client, env, cat.bob, cat, day)).json()
    await join(client, env, cat.carol, cat, day)
    await client.post(f"/api/appointments/{appt['id']}/cancel/", headers=env.auth(cat.alice))
    await run()
    token = tg.messages_to(1002)[-1].buttons[0][1].removeprefix("wl:book:")
    later = dt.datetime.now(dt.UTC) + dt.timedelta(
        minutes=env.settings.waitlist_offer_minutes, seconds=5
    )
    await run(later)
    assert (await entry(env, bob["id"])).status == "active"
    [offer] = tg.messages_to(1003)
    assert offer.text.startswith("Освободилось время: «Маникюр», специалист Анна Иванова")
    assert offer.button_texts == ["📅 Записаться"]
    r = await client.post("/api/waitlist/claim/", headers=env.auth(cat.bob), json={"token": token})
    assert r.status_code == 400  # Bob's offer has expired
    carol_token = offer.buttons[0][1].removeprefix("wl:book:")
    r = await client.post(
        "/api/waitlist/claim/", headers=env.auth(cat.carol), json={"token": carol_token}
    )
    assert r.status_code == 201, r.text


async def test_reschedule_frees_the_old_time_for_the_waitlist(client, env, people, run, tg):
    cat = people
    day = future_day(6)
    appt = (await book(client, env, cat.alice, cat, day)).json()
    await join(client, env, cat.bob, cat, day, time_to="12:00")
    r = await client.post(
        f"/api/appointments/{appt['id']}/reschedule/",
        headers=env.auth(cat.alice),
        json={"date": day.isoformat(), "start_time": "15:00"},
    )
    assert r.status_code == 200
    await run()
    assert tg.messages_to(2001)[-1].text.startswith("Запись перенесена")
    [offer] = tg.messages_to(1002)
    assert "at 10:00" in offer.text


async def test_mcp_waitlist_tools(env, people, run, tg, client):
    """join_waitlist → the offer → claim_waitlist_offer, through the MCP tools and the API."""
    import httpx

    from booking_mcp.api_client import ApiClient
    from booking_mcp.config import Settings as McpSettings
    from booking_mcp.server import build_server
    from booking_mcp.service import BookingService
    from mcp import Client as McpClient

    cat = people
    day = future_day(6)
    appt = (await book(client, env, cat.alice, cat, day)).json()
    settings = McpSettings(
        _env_file=None,
        api_url="http://testserver/api",  # type: ignore[call-arg]
        api_username="staff",
        api_password="pass12345",
    )
    api = ApiClient(settings, transport=httpx.ASGITransport(app=env.app))
    server = build_server(settings, BookingService(settings, api))

    async def call(mcp: Any, tool: str, **args: Any) -> Any:
        result = await mcp.call_tool(tool, args)
        assert not result.is_error, result.content
        data = result.structured_content
        return data["result"] if isinstance(data, dict) and set(data) == {"result"} else data

    try:
        async with McpClient(server) as mcp:
            entry_ = await call(
                mcp,
                "join_waitlist",
                user_id="1002",
                service_id=cat.manicure.id,
                date=day.isoformat(),
                time_from="09:00",
            )
            assert (entry_["status"], entry_["time_from"]) == ("active", "09:00")
            other = await call(
                mcp,
                "join_waitlist",
                user_id="1002",
                service_id=cat.manicure.id,
                date=(day + dt.timedelta(days=1)).isoformat(),
            )
            await client.post(
                f"/api/appointments/{appt['id']}/cancel/", headers=env.auth(cat.alice)
            )
            await run()
            [mine, _] = await call(mcp, "get_my_waitlist", user_id="1002")
            assert mine["status"] == "offered"
            assert mine["offer"]["start_time"] == "10:00"
            token = mine["offer"]["token"]
            assert tg.messages_to(1002)[-1].buttons[0][1] == f"wl:book:{token}"
            booked = await call(mcp, "claim_waitlist_offer", user_id="1002", token=token)
            assert (booked["date"], booked["start_time"], booked["status"]) == (
                day.isoformat(),
                "10:00",
                "pending",
            )
            again = await mcp.call_tool("claim_waitlist_offer", {"user_id": "1002", "token": token})
            assert again.is_error
            refused = await mcp.call_tool(
                "leave_waitlist", {"user_id": "1002", "entry_id": other["id"]}
            )
            assert refused.is_error and "confirm" in refused.content[0].text
            await call(mcp, "leave_waitlist", user_id="1002", entry_id=other["id"], confirm=True)
            assert [e["status"] for e in await call(mcp, "get_my_waitlist", user_id="1002")] == [
                "booked"
            ]
    finally:
        await api.aclose()
