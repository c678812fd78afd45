"""Every tool through an in-process ``mcp.Client(server)``, down to the real API."""

from __future__ import annotations

import json

import pytest

from kit.mcp import next_weekday
from mcp import Client

TG = "700001"


async def call(client: Client, tool: str, **args: object) -> object:
    result = await client.call_tool(tool, args)
    assert not result.is_error, result.content
    data = result.structured_content
    return data["result"] if isinstance(data, dict) and set(data) == {"result"} else data


async def error(client: Client, tool: str, **args: object) -> str:
    result = await client.call_tool(tool, args)
    assert result.is_error, result.structured_content
    return result.content[0].text


async def test_tool_list_and_annotations(mcp_server) -> None:
    async with Client(mcp_server) as client:
        tools = {t.name: t for t in (await client.list_tools()).tools}
    expected = {
        "get_specialists",
        "get_specialist_services",
        "list_categories",
        "list_services",
        "get_available_slots",
        "get_available_days",
        "find_nearest_slots",
        "register_client",
        "create_appointment",
        "get_my_appointments",
        "cancel_appointment",
        "reschedule_appointment",
        "recognize_intent",
        "process_message",
    }
    assert expected <= set(tools)
    assert tools["get_specialists"].annotations.read_only_hint is True
    assert tools["cancel_appointment"].annotations.destructive_hint is True
    assert tools["reschedule_appointment"].annotations.destructive_hint is True
    assert tools["create_appointment"].annotations.read_only_hint is False
    assert tools["get_specialists"].output_schema is not None
    assert "confirm" in tools["cancel_appointment"].input_schema["properties"]
    for name in ("cancel_appointment", "reschedule_appointment", "leave_waitlist"):
        assert "answer" not in tools[name].input_schema["properties"]  # the server asks it


async def test_catalogue_tools(mcp_server) -> None:
    async with Client(mcp_server) as client:
        categories = await call(client, "list_categories")
        assert {c["name"] for c in categories} >= {"Ногтевой сервис", "Волосы"}
        moscow = await call(client, "get_specialists", city="Москва")
        assert moscow and all(s["city"] == "Москва" for s in moscow)
        nails = next(c["id"] for c in categories if c["name"] == "Ногтевой сервис")
        anna = (await call(client, "get_specialists", category_id=nails))[0]
        assert anna["name"] == "Анна Иванова"
        services = await call(client, "get_specialist_services", specialist_id=anna["id"])
        assert {s["name"] for s in services} >= {"Маникюр", "Педикюр"}
        found = await call(client, "list_services", search="маникюр")
        assert all("аникюр" in s["name"] for s in found)
        assert await call(client, "list_services", city="Москва")


async def test_slots_days_nearest(mcp_server) -> None:
    monday = next_weekday(0)
    async with Client(mcp_server) as client:
        manicure = (await call(client, "list_services", search="Маникюр"))[0]
        slots = await call(
            client,
            "get_available_slots",
            specialist_id=manicure["specialist"],
            date=monday.isoformat(),
            service_id=manicure["id"],
        )
        assert slots[0]["start_time"] == "09:00"
        days = await call(
            client,
            "get_available_days",
            specialist_id=manicure["specialist"],
            service_id=manicure["id"],
            month=monday.strftime("%Y-%m"),
        )
        assert monday.isoformat() in days
        nearest = await call(client, "find_nearest_slots", service_name="маникюр", limit=3)
        assert len(nearest) == 3 and nearest[0]["specialist_name"] == "Анна Иванова"
        # A day off comes back as the API's message, as a tool error.
        sunday = next_weekday(6)
        text = await error(
            client,
            "get_available_slots",
            specialist_id=manicure["specialist"],
            date=sunday.isoformat(),
        )
        assert "не работает" in text


async def test_book_list_reschedule_cancel(mcp_server, live_api) -> None:
    tuesday = next_weekday(1, weeks=2)
    async with Client(mcp_server) as client:
        client_row = await call(
            client, "register_client", user_id=TG, name="Тест Клиент", phone="+79990000001"
        )
        assert client_row["name"] == "Тест Клиент" and client_row["telegram_id"] == TG
        manicure = (await call(client, "list_services", search="Маникюр"))[0]
        booked = await call(
            client,
            "create_appointment",
            user_id=TG,
            specialist_id=manicure["specialist"],
            service_id=manicure["id"],
            date=tuesday.isoformat(),
            start_time="10:00",
        )
        assert booked["start_time"] == "10:00" and booked["end_time"] == "11:00"
        # The same slot again: the API's message comes back as a tool error.
        text = await error(
            client,
            "create_appointment",
            user_id="700002",
            specialist_id=manicure["specialist"],
            service_id=manicure["id"],
            date=tuesday.isoformat(),
            start_time="10:00",
        )
        assert "Выбранное время уже занято." in text
        mine = await call(client, "get_my_appointments", user_id=TG, active_only=True)
        assert [a["id"] for a in mine] == [booked["id"]]
        # Another client sees none of it and cannot cancel it.
        assert await call(client, "get_my_appointments", user_id="700002") == []
        assert await error(
            client,
            "cancel_appointment",
            user_id="700002",
            appointment_id=booked["id"],
            confirm=True,
        )

        # Destructive calls need confirmation.
        text = await error(client, "cancel_appointment", user_id=TG, appointment_id=booked["id"])
        assert "Needs confirmation" in text
        text = await error(
            client,
            "reschedule_appointment",
            user_id=TG,
            appointment_id=booked["id"],
            date=tuesday.isoformat(),
            start_time="12:00",
        )
        assert "Needs confirmation" in text
        moved = await call(
            client,
            "reschedule_appointment",
            user_id=TG,
            appointment_id=booked["id"],
            date=tuesday.isoformat(),
            start_time="12:00",
            confirm=True,
        )
        assert moved["start_time"] == "12:00"
        cancelled = await call(
            client, "cancel_appointment", user_id=TG, appointment_id=booked["id"], confirm=True
        )
        assert cancelled["status"] == "cancelled"
    row = await live_api.get(f"appointments/{booked['id']}/")
    assert row["status"] == "cancelled" and row["start_time"].startswith("12:00")


async def test_client_id_required_and_bad_input(mcp_server) -> None:
    async with Client(mcp_server) as client:
        assert "user_id" in await error(client, "get_my_appointments")
        assert await error(client, "get_available_slots", specialist_id=1, date="tomorrow")
        assert "No Specialist" in await error(client, "get_specialist_services", specialist_id=999)


async def test_recognize_intent(mcp_server) -> None:
    async with Client(mcp_server) as client:
        result = await call(
            client,
            "recognize_intent",
            text="Запишите меня на маникюр завтра в 15:30",
            now="2026-11-24T10:00:00+03:00",
        )
    assert result["intent"] == "book_appointment"
    assert result["entities"]["date"] == "2026-11-25" and result["entities"]["time"] == "15:30"
    assert set(result["entities"]) >= {"specialist_id", "service_id", "appointment_id"}


async def test_resources_and_prompts(mcp_server) -> None:
    async with Client(mcp_server) as client:
        uris = {str(r.uri) for r in (await client.list_resources()).resources}
        assert uris >= {"catalogue://categories", "catalogue://specialists", "catalogue://services"}
        content = await client.read_resource("catalogue://services")
        services = json.loads(content.contents[0].text)
        assert any(s["name"] == "Маникюр" for s in services)
        prompts = {p.name for p in (await client.list_prompts()).prompts}
        assert prompts >= {"book_appointment", "manage_bookings"}
        prompt = await client.get_prompt("book_appointment", {"service": "маникюр"})
        assert "create_appointment" in prompt.messages[0].content.text


@pytest.mark.parametrize("personal", ["telegram", "token"])
async def test_personal_assistant_identity(live_api, personal: str) -> None:
    from booking_mcp.server import build_server

    if personal == "telegram":
        settings = live_api.mcp_settings(booking_telegram_id="700050")
    else:
        import httpx

        async with httpx.AsyncClient(base_url=live_api.url + "/") as http:
            tokens = (
                await http.post("token/", json={"username": "client1", "password": "demo12345"})
            ).json()
        settings = live_api.mcp_settings(booking_client_token=tokens["refresh"])
    server = build_server(settings)
    try:
        async with Client(server) as client:
            # user_id is neither needed nor able to switch the person.
            mine = await call(client, "get_my_appointments", user_id="somebody-else")
            assert isinstance(mine, list)
            me = await call(client, "register_client")
            if personal == "token":
                assert me["name"] == "Светлана Орлова"
            else:
                assert me["telegram_id"] == "700050"
    finally:
        await server.booking_service.aclose()


async def _confirm_attendance(client: Client, live_api) -> None:  # type: ignore[no-untyped-def]
    wednesday = next_weekday(2, weeks=3)
    owner, other = TG, "700002"
    tools = {t.name: t for t in (await client.list_tools()).tools}
    assert tools["confirm_attendance"].annotations.read_only_hint is False
    assert tools["confirm_attendance"].annotations.destructive_hint is False
    assert tools["confirm_attendance"].output_schema is not None
    await call(client, "register_client", user_id=owner)
    await call(client, "register_client", user_id=other)
    manicure = (await call(client, "list_services", search="Маникюр"))[0]
    booked = await call(
        client,
        "create_appointment",
        user_id=owner,
        specialist_id=manicure["specialist"],
        service_id=manicure["id"],
        date=wednesday.isoformat(),
        start_time="16:00",
    )
    assert booked["client_confirmed_at"] is None
    # Someone else's appointment: a tool error, nothing stored.
    assert await error(client, "confirm_attendance", user_id=other, appointment_id=booked["id"])
    row = await live_api.get(f"appointments/{booked['id']}/")
    assert row["client_confirmed_at"] is None
    # The owner's: confirmed, the status unchanged; a repeat keeps the first moment.
    done = await call(client, "confirm_attendance", user_id=owner, appointment_id=booked["id"])
    assert done["id"] == booked["id"] and done["client_confirmed_at"]
    assert done["status"] == booked["status"]
    again = await call(client, "confirm_attendance", user_id=owner, appointment_id=booked["id"])
    assert again["client_confirmed_at"] == done["client_confirmed_at"]
    row = await live_api.get(f"appointments/{booked['id']}/")
    assert row["client_confirmed_at"] == done["client_confirmed_at"]
    # A cancelled appointment cannot be confirmed.
    await call(
        client, "cancel_appointment", user_id=owner, appointment_id=booked["id"], confirm=True
    )
    assert "Нельзя подтвердить" in await error(
        client, "confirm_attendance", user_id=owner, appointment_id=booked["id"]
    )


async def _dialog_offers_the_waitlist(client: Client) -> None:
    """A day without free time: the dialog offers "/waitlist join", which joins it."""
    thursday = next_weekday(3, weeks=4)
    filler, waiter = TG, "700002"
    await call(client, "register_client", user_id=filler)
    await call(client, "register_client", user_id=waiter)
    manicure = (await call(client, "list_services", search="Маникюр"))[0]
    spec, svc = manicure["specialist"], manicure["id"]
    for _ in range(30):  # book the whole day
        slots = await call(
            client,
            "get_available_slots",
            specialist_id=spec,
            date=thursday.isoformat(),
            service_id=svc,
        )
        if not slots:
            break
        await call(
            client,
            "create_appointment",
            user_id=filler,
            specialist_id=spec,
            service_id=svc,
            date=thursday.isoformat(),
            start_time=slots[0]["start_time"],
        )
    assert not slots

    async def say(text: str) -> dict:
        return await call(client, "process_message", user_id=waiter, message=text)

    await say("/reset")
    await say(f"/pick specialist {spec}")
    await say(f"/pick service {svc}")
    reply = await say(f"/pick date {thursday.isoformat()}")
    assert "нет свободного времени" in reply["response"]
    [join] = [a for a in reply["actions"] if a["type"] == "join_waitlist"]
    assert join["payload"]["date"] == thursday.isoformat()
    assert join["payload"]["options"] == [
        {"label": "Сообщить, если время освободится", "value": "/waitlist join"}
    ]
    reply = await say("/waitlist join")
    assert "Сообщу" in reply["response"] and "Маникюр" in reply["response"]
    assert [a["type"] for a in reply["actions"]] == ["waitlist_joined"]
    [entry] = await call(client, "get_my_waitlist", user_id=waiter)
    assert (entry["date"], entry["service"], entry["specialist"], entry["status"]) == (
        thursday.isoformat(),
        svc,
        spec,
        "active",
    )
    # Pressing it again: nothing left to join.
    assert "Сначала выберите день" in (await say("/waitlist join"))["response"]


async def test_confirm_attendance_and_the_dialogs_waitlist(mcp_server, live_api) -> None:
    """One server for both (each server signs in afresh, and sign-ins are throttled)."""
    async with Client(mcp_server) as client:
        await _confirm_attendance(client, live_api)
        await _dialog_offers_the_waitlist(client)


async def test_cancel_asks_the_user_through_elicitation(mcp_server, live_api) -> None:
    """A client that can ask its user (elicitation) gets the question; "no" leaves the booking
    as it is, "yes" cancels it — without the assistant passing confirm=true."""
    import mcp.types as types

    answers: list[bool] = []
    questions: list[str] = []

    async def ask_user(_context, params):  # type: ignore[no-untyped-def]
        questions.append(params.message)
        assert "confirm" in params.requested_schema["properties"]
        return types.ElicitResult(action="accept", content={"confirm": answers.pop(0)})

    tuesday = next_weekday(1, weeks=3)
    async with Client(mcp_server, elicitation_callback=ask_user) as client:
        await call(client, "register_client", user_id=TG, name="Тест Клиент", phone="+79990000003")
        manicure = (await call(client, "list_services", search="Маникюр"))[0]
        booked = await call(
            client,
            "create_appointment",
            user_id=TG,
            specialist_id=manicure["specialist"],
            service_id=manicure["id"],
            date=tuesday.isoformat(),
            start_time="15:00",
        )
        answers.append(False)
        text = await error(client, "cancel_appointment", user_id=TG, appointment_id=booked["id"])
        assert "Needs confirmation" in text and len(questions) == 1
        mine = await call(client, "get_my_appointments", user_id=TG, active_only=True)
        assert booked["id"] in [a["id"] for a in mine]

        answers.append(True)
        moved = await call(
            client,
            "reschedule_appointment",
            user_id=TG,
            appointment_id=booked["id"],
            date=tuesday.isoformat(),
            start_time="16:00",
        )
        assert moved["start_time"] == "16:00" and questions[1].startswith("Move appointment")

        answers.append(True)
        cancelled = await call(
            client, "cancel_appointment", user_id=TG, appointment_id=booked["id"]
        )
        assert cancelled["status"] == "cancelled" and len(questions) == 3
        mine = await call(client, "get_my_appointments", user_id=TG, active_only=True)
        assert booked["id"] not in [a["id"] for a in mine]


async def test_a_repeated_create_appointment_books_once(mcp_server, live_api) -> None:
    """An assistant that lost the answer and repeats the call gets the same booking; a
    different booking (another time, or the same time after cancelling) still books."""
    friday = next_weekday(4, weeks=3).isoformat()
    owner = "700021"
    async with Client(mcp_server) as client:
        await call(client, "register_client", user_id=owner)
        manicure = (await call(client, "list_services", search="Маникюр"))[0]
        slot = {
            "user_id": owner,
            "specialist_id": manicure["specialist"],
            "service_id": manicure["id"],
            "date": friday,
        }
        first = await call(client, "create_appointment", **slot, start_time="10:00")
        again = await call(client, "create_appointment", **slot, start_time="10:00")
        assert again["id"] == first["id"]
        later = await call(client, "create_appointment", **slot, start_time="14:00")
        assert later["id"] != first["id"]
        mine = await call(client, "get_my_appointments", user_id=owner, active_only=True)
        assert sorted(a["id"] for a in mine) == sorted([first["id"], later["id"]])

        # A key the caller chose: the same key never books twice, another key is another call.
        keyed = await call(
            client, "create_appointment", **slot, start_time="16:00", idempotency_key="k-1"
        )
        assert (
            await call(
                client, "create_appointment", **slot, start_time="16:00", idempotency_key="k-1"
            )
        )["id"] == keyed["id"]
        assert "Выбранное время уже занято." in await error(
            client, "create_appointment", **slot, start_time="16:00", idempotency_key="k-2"
        )

        # Cancelled, then booked again at the same time: a new booking, not the old answer.
        await call(
            client, "cancel_appointment", user_id=owner, appointment_id=first["id"], confirm=True
        )
        rebooked = await call(client, "create_appointment", **slot, start_time="10:00")
        assert rebooked["id"] != first["id"] and rebooked["status"] in ("pending", "confirmed")
        assert (await call(client, "create_appointment", **slot, start_time="10:00"))[
            "id"
        ] == rebooked["id"]
    rows = await live_api.items("appointments/", date_from=friday)
    active = [r for r in rows if r["date"] == friday and r["status"] != "cancelled"]
    assert sorted(r["start_time"][:5] for r in active if r["client"] == first["client"]) == [
        "10:00",
        "14:00",
        "16:00",
    ]


def test_repeat_keys_last_one_window(monkeypatch) -> None:
    from booking_mcp import service as service_module

    clock = [1_000_000.0]
    monkeypatch.setattr(service_module.time, "time", lambda: clock[0])
    keys = service_module.RepeatKeys(window=300)
    first = keys.key("tg:1", 3, 5, "2030-01-02", "10:00")
    clock[0] += 299
    assert keys.key("tg:1", 3, 5, "2030-01-02", "10:00") == first  # a repeat
    assert keys.key("tg:1", 3, 5, "2030-01-02", "11:00") != first  # another time
    assert keys.key("tg:2", 3, 5, "2030-01-02", "10:00") != first  # another client
    clock[0] += 2
    assert keys.key("tg:1", 3, 5, "2030-01-02", "10:00") != first  # too late to be a repeat
    # Derived, not random: another server process (a restart) in the same window agrees.
    clock[0] = 1_000_000.0 - 1_000_000.0 % 300
    a = service_module.RepeatKeys(window=300).key("tg:1", 3, 5, "2030-01-02", "10:00")
    clock[0] += 100
    assert service_module.RepeatKeys(window=300).key("tg:1", 3, 5, "2030-01-02", "10:00") == a
