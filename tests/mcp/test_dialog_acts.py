"""Dialog acts through ``process_message`` (issue 12), judged by the replies a user reads and
the rows they leave: the menu's commands (``/book``, ``/page``, ``/contact``, ``/lang``),
registration before the first booking, the calendar file, choosing from what was offered,
corrections, leaving, parts of the day, "the nearest", questions and small talk."""

from __future__ import annotations

import datetime as dt
from typing import Any

from booking_mcp.api_client import ClientAuth
from kit.mcp import next_weekday
from mcp import Client


class Chat:
    """One user talking to the MCP server's dialog, on a fixed "now"."""

    def __init__(self, client: Client, user: str, now: dt.datetime) -> None:
        self.client, self.user, self.now = client, user, now.isoformat()
        self.reply: dict[str, Any] = {}

    async def say(self, text: str, language: str | None = None) -> dict[str, Any]:
        args = {"user_id": self.user, "message": text, "now": self.now}
        if language:
            args["language"] = language
        result = await self.client.call_tool("process_message", args)
        assert not result.is_error, result.content
        self.reply = result.structured_content
        return self.reply

    @property
    def text(self) -> str:
        return self.reply["response"]

    @property
    def context(self) -> dict[str, Any]:
        return self.reply["context"]

    def action(self, kind: str) -> dict[str, Any]:
        for action in self.reply["actions"]:
            if action["type"] == kind:
                return action["payload"]
        raise AssertionError(f"no {kind} action in {self.reply}")

    def values(self, kind: str) -> list[str]:
        return [o["value"] for o in self.action(kind)["options"]]

    def kinds(self) -> list[str]:
        return [a["type"] for a in self.reply["actions"]]


def monday(weeks: int) -> dt.datetime:
    """A Monday 10:00 ``weeks`` weeks ahead (each test its own week: no shared times)."""
    return dt.datetime.combine(next_weekday(0, weeks=weeks), dt.time(10))


async def known(server: Any, user: str) -> ClientAuth:
    who = ClientAuth(telegram_id=user)
    await server.booking_service.register(who, name=f"Клиент {user}", phone="+79001112233")
    return who


async def client_row(live_api: Any, user: str) -> dict[str, Any]:
    rows = await live_api.items("clients/")
    return next(c for c in rows if str(c.get("telegram_id")) == user)


async def test_book_offers_categories_then_their_services_and_long_lists_are_paged(
    mcp_server,
) -> None:
    async with Client(mcp_server) as client:
        chat = Chat(client, "810001", monday(9))
        await chat.say("/book")
        categories = chat.action("choose_category")["options"]
        assert len(categories) == 5 and all(
            o["value"].startswith("/pick category") for o in categories
        )
        hair = next(o for o in categories if o["label"] == "Волосы")
        await chat.say(hair["value"])
        services = chat.action("choose_service")["options"]
        assert {o["label"].split(" — ")[0] for o in services} == {
            "Стрижка женская", "Стрижка мужская", "Окрашивание", "Оформление бороды",
        }  # fmt: skip

        await chat.say("какие есть услуги?")  # 14 services: 8 on a page, then "more"
        first = chat.values("choose_service")
        assert len(first) == 9 and first[-1] == "/page 2"
        await chat.say("/page 2")
        second = chat.values("choose_service")
        assert len(second) == 7 and second[-1] == "/page 1"
        assert not set(first[:8]) & set(second[:6])
        await chat.say("первую")  # the first of the page shown
        assert chat.context["service_id"] == int(second[0].split()[-1])


async def test_first_booking_asks_for_name_and_phone(mcp_server, live_api) -> None:
    now = monday(10)
    async with Client(mcp_server) as client:
        chat = Chat(client, "810002", now)
        await chat.say("маникюр в среду в 11")
        assert chat.action("ask_contact")["need"] == ["name", "phone"]
        assert "confirm" not in chat.kinds() and chat.context["pending"] is None
        await chat.say("да")
        assert "booked" not in chat.kinds()
        await chat.say("Анна Петрова 12345")  # the name is kept, the number asked again
        assert "номер" in chat.text and chat.action("ask_contact")["need"] == ["phone"]
        await chat.say("да")  # no name
        assert "ask_contact" in chat.kinds() and "booked" not in chat.kinds()
        await chat.say("+7 900 123-45-67")
        assert chat.context["pending"] == "book" and "11:00" in chat.text
        await chat.say("да")
        assert "booked" in chat.kinds()
    row = await client_row(live_api, "810002")
    assert (row["name"], row["phone"]) == ("Анна Петрова", "+79001234567")


async def test_contact_button_and_registration_in_words(mcp_server, live_api) -> None:
    now = monday(11)
    async with Client(mcp_server) as client:
        chat = Chat(client, "810003", now)
        await chat.say("please register me: John Smith, phone +7 900 123-45-67")
        assert "John Smith" in chat.text
        other = Chat(client, "810004", now)
        await other.say("педикюр в четверг в 10")
        assert "ask_contact" in other.kinds()
        await other.say("/contact +79161112233 Пётр Сидоров")
        assert other.context["pending"] == "book"
    john, peter = await client_row(live_api, "810003"), await client_row(live_api, "810004")
    assert (john["name"], john["phone"]) == ("John Smith", "+79001234567")
    assert (peter["name"], peter["phone"]) == ("Пётр Сидоров", "+79161112233")


async def test_a_chosen_language_wins_over_the_front_ends(mcp_server) -> None:
    async with Client(mcp_server) as client:
        chat = Chat(client, "810005", monday(9))
        await chat.say("/language", language="ru")
        assert chat.values("choose_language") == ["/lang ru", "/lang en"]
        await chat.say("/lang en", language="ru")
        await chat.say("хочу на маникюр", language="ru")
        assert "Which day" in chat.text and chat.context["lang"] == "en"
        await chat.say("по-русски, пожалуйста", language="en")
        await chat.say("хочу на маникюр", language="en")
        assert "На какой день" in chat.text


async def test_a_booking_and_a_move_come_with_a_calendar_file(mcp_server) -> None:
    now = monday(12)
    async with Client(mcp_server) as client:
        await known(mcp_server, "810006")
        chat = Chat(client, "810006", now)
        await chat.say("маникюр во вторник в 10")
        await chat.say("да")
        booked = chat.action("booked")["appointment"]
        ics = chat.action("calendar_file")
        assert ics["appointment_id"] == booked["id"] and "BEGIN:VEVENT" in ics["content"]
        await chat.say("перенесите запись на среду")
        await chat.say("в 12")
        await chat.say("да")
        assert chat.action("calendar_file")["filename"] == f"appointment-{booked['id']}.ics"


async def test_a_booking_is_chosen_to_cancel_by_its_service(mcp_server, live_api) -> None:
    now = monday(9)
    tuesday = (now + dt.timedelta(days=1)).date().isoformat()
    async with Client(mcp_server) as client:
        for user, words in (("810007", "маникюр"), ("810008", "the manicure one")):
            who = await known(mcp_server, user)
            service = mcp_server.booking_service
            manicure = await service.book(
                who, 1, 1, tuesday, "11:00" if user[-1] == "7" else "14:00"
            )
            pedicure = await service.book(
                who, 1, 3, tuesday, "09:00" if user[-1] == "7" else "16:00"
            )
            chat = Chat(client, user, now)
            await chat.say("отмените запись" if user[-1] == "7" else "cancel my appointment")
            assert "choose_appointment" in chat.kinds()
            await chat.say(words)
            assert chat.context["pending"] == "cancel" and chat.context["flow"] == "cancel"
            await chat.say("да" if user[-1] == "7" else "yes")
            assert (await live_api.get(f"appointments/{manicure.id}/"))["status"] == "cancelled"
            assert (await live_api.get(f"appointments/{pedicure.id}/"))["status"] == "pending"


async def test_corrections_at_the_confirmation_keep_the_rest_of_the_draft(
    mcp_server, live_api
) -> None:
    now = monday(10)
    async with Client(mcp_server) as client:
        await known(mcp_server, "810009")
        chat = Chat(client, "810009", now)
        await chat.say("мужская стрижка в среду в 12 у Марии")
        assert chat.context["pending"] == "book", chat.text
        await chat.say("давайте к Дмитрию")
        assert chat.context["pending"] == "book" and "Дмитрий" in chat.text and "12:00" in chat.text
        await chat.say("make it Friday")
        assert chat.context["pending"] == "book" and "12:00" in chat.text, chat.text
        await chat.say("а можно на час позже?")  # 13:00 is the break: nearby times offered
        assert "choose_time" in chat.kinds()
        await chat.say("в 14")
        await chat.say("да")
        row = chat.action("booked")["appointment"]
    saved = await live_api.get(f"appointments/{row['id']}/")
    friday = (now + dt.timedelta(days=4)).date().isoformat()
    assert (saved["specialist_name"], saved["date"], saved["start_time"][:5]) == (
        "Дмитрий Волков", friday, "14:00",
    )  # fmt: skip


async def test_leaving_never_touches_a_booking(mcp_server, live_api) -> None:
    now = monday(11)
    async with Client(mcp_server) as client:
        who = await known(mcp_server, "810010")
        day = (now + dt.timedelta(days=1)).date().isoformat()
        kept = await mcp_server.booking_service.book(who, 1, 1, day, "11:00")
        chat = Chat(client, "810010", now)
        for leave in ("отмена", "стоп", "передумал", "never mind", "cancel", "нет, стоп"):
            await chat.say("педикюр в четверг в 10")
            assert chat.context["pending"] == "book"
            await chat.say(leave)
            assert chat.context["flow"] is None and chat.context["pending"] is None, leave
    assert (await live_api.get(f"appointments/{kept.id}/"))["status"] == "pending"
    mine = await live_api.items("appointments/", client_id=kept.client)
    assert [a["id"] for a in mine if a["status"] == "pending"] == [kept.id]


async def test_parts_of_the_day_narrow_the_times_offered(mcp_server) -> None:
    async with Client(mcp_server) as client:
        chat = Chat(client, "810011", monday(12))
        await chat.say("маникюр в среду после обеда")
        times = [v.split()[-1] for v in chat.values("choose_time")]
        assert times and all("12:00" <= t < "17:00" for t in times)
        await chat.say("а лучше вечером")
        times = [v.split()[-1] for v in chat.values("choose_time")]
        assert times and all(t >= "17:00" for t in times)


async def test_the_nearest_is_never_an_old_date(mcp_server) -> None:
    now = monday(11)
    async with Client(mcp_server) as client:
        await known(mcp_server, "810012")
        chat = Chat(client, "810012", now)
        await chat.say("что свободно у Анны в пятницу?")
        await chat.say("ладно, ближайшее свободное время у барбера на бороду")
        slots = chat.action("choose_slot")["options"]
        tuesday = (now + dt.timedelta(days=1)).date().isoformat()
        assert slots[0]["date"] == tuesday and slots[0]["specialist_name"] == "Дмитрий Волков"
        await chat.say("в 10:30")  # chosen by its time
        assert chat.context["pending"] == "book"
        assert (chat.context["date"], chat.context["time"]) == (tuesday, "10:30")


async def test_questions_are_answered_then_a_booking_is_offered(mcp_server) -> None:
    now = monday(12)
    async with Client(mcp_server) as client:
        await known(mcp_server, "810013")
        chat = Chat(client, "810013", now)
        await chat.say("сколько стоит педикюр?")
        assert "2 500 ₽" in chat.text and chat.context["flow"] is None
        await chat.say("а записаться можно на завтра?")
        assert "choose_time" in chat.kinds() and chat.context["service_id"] == 3
        await chat.say("в какие дни работает Олег?")
        assert "пн" in chat.text and "ср" in chat.text and "вт" not in chat.text
        await chat.say("кто такая Мария?")
        assert "Парикмахер" in chat.text
        await chat.say("/reset")
        await chat.say("есть место в пятницу?")  # Анна, Мария, Олег, Елена, Дмитрий, Ольга
        friday = (now + dt.timedelta(days=4)).date().isoformat()
        people = chat.action("choose_specialist")["options"]
        assert len(people) == 6 and "Олег Смирнов" in chat.text
        await chat.say(people[0]["value"])  # Анна: which service, then the times of that day
        await chat.say("маникюр")
        assert "choose_time" in chat.kinds() and chat.action("choose_time")["date"] == friday
        await chat.say("спасибо")
        assert "Пожалуйста" in chat.text
        await chat.say("пока")
        assert "До свидания" in chat.text


async def test_the_same_time_and_choosing_by_ordinal_or_number(mcp_server) -> None:
    now = monday(10)
    async with Client(mcp_server) as client:
        await known(mcp_server, "810014")
        chat = Chat(client, "810014", now)
        await chat.say("маникюр во вторник в 15:00")
        await chat.say("да")
        await chat.say("и на педикюр в четверг на то же время")
        assert chat.context["pending"] == "book" and chat.context["time"] == "15:00"
        await chat.say("нет, стоп")
        await chat.say("хочу к Анне")
        await chat.say("the second one")
        assert chat.context["service_id"] == 2, chat.reply
        await chat.say("/reset")
        await chat.say("хочу к Анне")
        await chat.say("3")
        assert chat.context["service_id"] == 3


async def test_a_question_mid_booking_keeps_the_draft_and_a_move_keeps_its_time(
    mcp_server, live_api
) -> None:
    now = monday(12)
    async with Client(mcp_server) as client:
        await known(mcp_server, "810015")
        chat = Chat(client, "810015", now)
        await chat.say("массаж спины в четверг")
        await chat.say("а сколько он стоит?")
        assert "2 000 ₽" in chat.text and "choose_time" in chat.kinds()
        await chat.say("в 15")
        await chat.say("да")
        booked = chat.action("booked")["appointment"]
        await chat.say("когда моя следующая запись?")
        assert chat.text.startswith("Ваша следующая запись: Массаж спины") and "15:00" in chat.text
        await chat.say("перенесите запись на пятницу на то же время")
        assert chat.context["pending"] == "reschedule" and "15:00" in chat.text
        await chat.say("да")
    row = await live_api.get(f"appointments/{booked['id']}/")
    friday = (now + dt.timedelta(days=4)).date().isoformat()
    assert (row["date"], row["start_time"][:5]) == (friday, "15:00")
