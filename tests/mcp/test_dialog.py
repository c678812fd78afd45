"""Multi-turn conversations through ``process_message`` that end in the right database row."""

from __future__ import annotations

import datetime as dt

from booking_common.conversation import ActionType, Command, Reply
from booking_mcp.server import build_server
from kit.mcp import known_client, next_weekday, options, say
from mcp import Client


async def test_russian_booking_dialog(mcp_server, live_api) -> None:
    wednesday = next_weekday(2, weeks=3)
    now = dt.datetime.combine(wednesday - dt.timedelta(days=1), dt.time(10)).isoformat()
    user = "800001"
    await known_client(mcp_server, user)
    async with Client(mcp_server) as client:
        reply = await say(client, user, "Привет", now)
        assert "Здравствуйте" in reply["response"]
        reply = await say(client, user, "Хочу записаться на педикюр", now)
        # Only Анна offers pedicure: the assistant asks for the day, offering real free days.
        days = options(reply, "choose_date")
        assert any(o["value"] == f"/pick date {wednesday.isoformat()}" for o in days)
        reply = await say(client, user, "завтра", now)
        times = options(reply, "choose_time")
        assert times[0]["value"] == "/pick time 09:00"
        reply = await say(client, user, "/pick time 11:00", now)
        assert reply["context"]["pending"] == "book"
        assert "2 500 ₽" in reply["response"] and "11:00" in reply["response"]
        reply = await say(client, user, "да", now)
        assert "Готово" in reply["response"]
        booked = next(a for a in reply["actions"] if a["type"] == "booked")["payload"]
    row = await live_api.get(f"appointments/{booked['appointment']['id']}/")
    assert row["service_name"] == "Педикюр" and row["date"] == wednesday.isoformat()
    assert row["start_time"].startswith("11:00") and row["specialist_name"] == "Анна Иванова"


async def test_english_dialog_survives_restart_then_cancel(live_api) -> None:
    thursday = next_weekday(3, weeks=3)
    now = dt.datetime.combine(thursday - dt.timedelta(days=3), dt.time(9)).isoformat()
    user = "800002"
    server = build_server(live_api.mcp_settings())
    await known_client(server, user)
    async with Client(server) as client:
        reply = await say(
            client, user, f"I'd like a back massage on {thursday:%B} {thursday.day}", now
        )
        assert reply["context"]["flow"] == "book"
        # "back massage" is Елена's "Массаж спины" (of her two massages): the free times follow.
        assert reply["context"]["service_id"] is not None
        assert "free times" in reply["response"], reply
    await server.booking_service.aclose()

    # A new server object (a restart): the context comes back from the API.
    server = build_server(live_api.mcp_settings())
    try:
        async with Client(server) as client:
            reply = await say(client, user, "at 15:00", now)
            assert reply["context"]["pending"] == "book", reply
            assert "Please confirm" in reply["response"]
            reply = await say(client, user, "/yes", now)
            assert "Done" in reply["response"]
            appointment = next(a for a in reply["actions"] if a["type"] == "booked")
            appointment_id = appointment["payload"]["appointment"]["id"]
            row = await live_api.get(f"appointments/{appointment_id}/")
            assert row["service_name"] == "Массаж спины" and row["status"] == "pending"
            assert row["date"] == thursday.isoformat() and row["start_time"].startswith("15:00")

            reply = await say(client, user, "my appointments", now)
            assert str(appointment_id) in reply["response"]
            reply = await say(client, user, "cancel my appointment", now)
            assert reply["context"]["pending"] == "cancel"
            reply = await say(client, user, "yes", now)
            assert "cancelled" in reply["response"]
    finally:
        await server.booking_service.aclose()
    row = await live_api.get(f"appointments/{appointment_id}/")
    assert row["status"] == "cancelled"


async def test_reschedule_dialog_and_taken_slot(mcp_server, live_api) -> None:
    monday = next_weekday(0, weeks=4)
    now = dt.datetime.combine(monday - dt.timedelta(days=2), dt.time(12)).isoformat()
    user, other = "800003", "800004"
    await known_client(mcp_server, user)
    async with Client(mcp_server) as client:
        # Someone else takes 10:00 with the dentist while our user is deciding.
        dentist = await client.call_tool("list_services", {"search": "Консультация"})
        consult = dentist.structured_content["result"][0]
        reply = await say(
            client,
            user,
            f"/pick slot {consult['specialist']} {consult['id']} {monday.isoformat()} 10:00",
            now,
        )
        assert reply["context"]["pending"] == "book"
        taken = await client.call_tool(
            "create_appointment",
            {
                "user_id": other,
                "specialist_id": consult["specialist"],
                "service_id": consult["id"],
                "date": monday.isoformat(),
                "start_time": "10:00",
            },
        )
        assert not taken.is_error
        reply = await say(client, user, "да", now)
        assert "Выбранное время уже занято." in reply["response"]
        times = options(reply, "choose_time")
        assert all(o["value"] != "/pick time 10:00" for o in times)
        reply = await say(client, user, "/pick time 11:00", now)
        reply = await say(client, user, "/yes", now)
        booked = next(a for a in reply["actions"] if a["type"] == "booked")["payload"]
        appointment_id = booked["appointment"]["id"]

        reply = await say(client, user, "перенеси мою запись", now)
        assert "choose_date" in {a["type"] for a in reply["actions"]}, reply
        reply = await say(client, user, f"/pick date {monday.isoformat()}", now)
        reply = await say(client, user, "/pick time 14:00", now)
        assert reply["context"]["pending"] == "reschedule"
        reply = await say(client, user, "нет", now)
        assert reply["context"].get("pending") is None
        row = await live_api.get(f"appointments/{appointment_id}/")
        assert row["start_time"].startswith("11:00")

        reply = await say(client, user, "перенеси запись", now)
        reply = await say(client, user, f"/pick date {monday.isoformat()}", now)
        reply = await say(client, user, "в 14:30", now)
        reply = await say(client, user, "/yes", now)
        assert "перенесена" in reply["response"], reply
    row = await live_api.get(f"appointments/{appointment_id}/")
    assert row["start_time"].startswith("14:30") and row["date"] == monday.isoformat()


async def test_rescheduling_may_overlap_the_appointments_own_time(mcp_server, live_api) -> None:
    """Moving 14:30 to 14:00 overlaps the booking itself (30 min + 5 min clean-up): allowed."""
    monday = next_weekday(0, weeks=5)
    now = dt.datetime.combine(monday - dt.timedelta(days=2), dt.time(12)).isoformat()
    user = "800005"
    await known_client(mcp_server, user)
    async with Client(mcp_server) as client:
        found = await client.call_tool("list_services", {"search": "Консультация"})
        consult = found.structured_content["result"][0]
        await say(
            client,
            user,
            f"/pick slot {consult['specialist']} {consult['id']} {monday.isoformat()} 14:30",
            now,
        )
        reply = await say(client, user, "/yes", now)
        booked = next(a for a in reply["actions"] if a["type"] == "booked")["payload"]
        appointment_id = booked["appointment"]["id"]

        await say(client, user, "перенеси мою запись", now)
        await say(client, user, f"/pick date {monday.isoformat()}", now)
        reply = await say(client, user, "/pick time 14:00", now)
        assert reply["context"]["pending"] == "reschedule", reply["response"]
        reply = await say(client, user, "/yes", now)
        assert "перенесена" in reply["response"], reply
    row = await live_api.get(f"appointments/{appointment_id}/")
    assert row["start_time"].startswith("14:00")


async def test_replies_speak_the_shared_protocol(mcp_server, live_api) -> None:
    """What the bot relies on: every reply reads as a ``conversation.Reply``, every option it
    offers is a command the dialog takes back, and the news of a booking carries it."""
    friday = next_weekday(4, weeks=6)
    now = dt.datetime.combine(friday - dt.timedelta(days=1), dt.time(8)).isoformat()
    user = "800006"
    await known_client(mcp_server, user)
    async with Client(mcp_server) as client:
        reply = Reply.model_validate(await say(client, user, "Запишите на стрижку мужскую", now))
        kinds = [action.type for action in reply.actions]
        assert kinds == [ActionType.CHOOSE_SPECIALIST, ActionType.CHOOSE_SLOT], reply
        for option in reply.options:
            command = Command.parse(option.value)
            assert command is not None and command.name == "pick", option
        slot = reply.actions[1].options[0]
        assert slot.value.split()[1:] == [
            "slot",
            str(slot.specialist_id),
            str(slot.service_id),
            slot.date,
            slot.start_time,
        ]

        reply = Reply.model_validate(await say(client, user, slot.value, now))
        (confirm,) = reply.actions
        assert confirm.type == ActionType.CONFIRM
        assert [o.value for o in confirm.options] == ["/yes", "/no"]

        reply = Reply.model_validate(await say(client, user, confirm.options[0].value, now))
        news, ics = reply.actions
        assert news.type == ActionType.BOOKED and news.appointment is not None
        # the booking as a file to add to a calendar
        assert ics.type == ActionType.CALENDAR_FILE
        assert ics.payload["appointment_id"] == news.appointment.id
        assert ics.payload["filename"] == f"appointment-{news.appointment.id}.ics"
        assert "BEGIN:VCALENDAR" in ics.payload["content"]
        assert news.appointment.date == dt.date.fromisoformat(slot.date)
        assert news.appointment.start_time == slot.start_time
    row = await live_api.get(f"appointments/{news.appointment.id}/")
    assert row["service_name"] == "Стрижка мужская" and row["status"] == "pending"


async def test_a_correction_at_the_confirmation_changes_the_draft(mcp_server, live_api) -> None:
    """'no wait, make it 11' at the confirmation moves the drafted time and asks again; it is
    never answered by confirming the old time (the user's 'yes' would book what they undid)."""
    tuesday = next_weekday(1, weeks=8)
    now = dt.datetime.combine(tuesday - dt.timedelta(days=1), dt.time(10)).isoformat()
    user = "800007"
    await known_client(mcp_server, user)
    async with Client(mcp_server) as client:
        reply = await say(client, user, "manicure tomorrow at 10", now)
        assert reply["context"]["pending"] == "book" and "10:00" in reply["response"]
        reply = await say(client, user, "no wait, make it 11", now)
        assert reply["context"]["pending"] == "book" and "11:00" in reply["response"], reply
        reply = await say(client, user, "hmm, change it", now)
        assert reply["context"]["pending"] is None, reply
        reply = await say(client, user, "yes", now)
        assert not any(a["type"] == "booked" for a in reply["actions"]), reply


def test_a_day_at_the_start_of_a_sentence_keeps_its_month_capital() -> None:
    from booking_mcp.i18n import format_day, sentence_start

    assert sentence_start(format_day("2026-12-08", "en")) == "Tuesday, 8 December"
    assert sentence_start(format_day("2026-12-08", "ru")) == "Вторник, 8 декабря"


async def test_the_front_ends_language_starts_the_conversation(mcp_server) -> None:
    """Telegram's language_code decides the language of a reply to a message with no words."""
    now = dt.datetime.combine(next_weekday(0, weeks=2), dt.time(10)).isoformat()
    async with Client(mcp_server) as client:
        result = await client.call_tool(
            "process_message",
            {"user_id": "730001", "message": "/help", "now": now, "language": "en-GB"},
        )
        english = Reply.model_validate(result.structured_content)
        result = await client.call_tool(
            "process_message", {"user_id": "730002", "message": "/help", "now": now}
        )
        russian = Reply.model_validate(result.structured_content)
    assert "I can" in english.response or "book" in english.response.lower()
    assert not any("а" <= ch.lower() <= "я" for ch in english.response)
    assert any("а" <= ch.lower() <= "я" for ch in russian.response)
