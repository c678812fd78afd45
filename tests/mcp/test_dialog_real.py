"""Conversations as real clients had them in ``booking chat`` (issue 12, the lead's tries and
ours): each one broke, each is replayed turn by turn through ``process_message`` against the
live API and judged by what the client reads and the rows it leaves."""

from __future__ import annotations

import datetime as dt

from booking_mcp.api_client import ClientAuth
from kit.mcp import known_client, next_weekday, options, say
from mcp import Client

BARBER, MARIA, ANNA = 5, 2, 1  # the demo catalogue's ids (booking_api.demo order)
MENS_HAIRCUT_DMITRY = 11


def picks(reply: dict, kind: str) -> list[str]:
    return [o["value"] for o in options(reply, kind) if o["value"].startswith("/pick")]


async def test_the_leads_new_english_client_books_a_mens_haircut_with_the_barber(
    mcp_server, live_api
) -> None:
    saturday = next_weekday(5, weeks=3)
    friday = saturday + dt.timedelta(days=6)
    now = dt.datetime.combine(saturday, dt.time(0, 30)).isoformat()
    user = "840001"
    async with Client(mcp_server) as client:
        reply = await say(client, user, "Hi! Do you do haircuts for men?", now)
        # men's haircuts only, and an offer to book one
        assert "Men's haircut" in reply["response"]
        assert "Women's haircut" not in reply["response"]
        assert "Shall I book you?" in reply["response"]

        reply = await say(client, user, "who is the barber?", now)
        # who he is (not a list and a "who should do it?"), and his services to book
        assert "Дмитрий Волков" in reply["response"] and "Barber" in reply["response"]
        assert "Who should" not in reply["response"]
        assert f"/pick service {MENS_HAIRCUT_DMITRY}" in picks(reply, "choose_service")

        reply = await say(client, user, "book me with him on Friday after work", now)
        # him = the barber just talked about; his men's haircut; Friday evening times
        context = reply["context"]
        assert (context["specialist_id"], context["service_id"]) == (BARBER, MENS_HAIRCUT_DMITRY)
        assert context["date"] == friday.isoformat()
        times = [v.split()[-1] for v in picks(reply, "choose_time")]
        assert times and all(t >= "17:00" for t in times), times

        reply = await say(client, user, "the first one", now)
        assert reply["context"]["time"] == times[0]
        assert "name and phone" in reply["response"]  # a new client: the contact first

        reply = await say(client, user, "John Smith, +44 7700 900123", now)
        assert reply["context"]["pending"] == "book", reply["response"]
        assert "John Smith" in reply["response"]

        reply = await say(client, user, "actually, make it Saturday same time", now)
        context = reply["context"]
        assert context["pending"] == "book" and context["date"] == saturday.isoformat()
        assert context["time"] == times[0]

        reply = await say(client, user, "yes", now)
        assert "Done" in reply["response"]
        booked = next(a for a in reply["actions"] if a["type"] == "booked")["payload"]
    row = await live_api.get(f"appointments/{booked['appointment']['id']}/")
    assert row["service_name"] == "Стрижка мужская" and row["specialist_name"] == "Дмитрий Волков"
    assert row["date"] == saturday.isoformat() and row["start_time"].startswith(times[0])
    profile = await mcp_server.booking_service.profile(ClientAuth(telegram_id=user))
    assert (profile.name, profile.phone) == ("John Smith", "+447700900123")


async def test_after_lunch_means_from_one_oclock(mcp_server) -> None:
    wednesday = next_weekday(2, weeks=3)
    now = dt.datetime.combine(wednesday - dt.timedelta(days=2), dt.time(10)).isoformat()
    user = "840002"
    await known_client(mcp_server, user)
    async with Client(mcp_server) as client:
        reply = await say(client, user, "запишите на маникюр в среду после обеда", now)
        times = [v.split()[-1] for v in picks(reply, "choose_time")]
        assert times and min(times) >= "13:00", times


async def test_the_same_question_is_not_asked_a_third_time_the_same_way(mcp_server) -> None:
    wednesday = next_weekday(2, weeks=3)
    now = dt.datetime.combine(wednesday - dt.timedelta(days=2), dt.time(10)).isoformat()
    user = "840003"
    await known_client(mcp_server, user)
    async with Client(mcp_server) as client:
        first = await say(client, user, "хочу к Марии Петровой", now)
        assert "Какая услуга" in first["response"]
        second = await say(client, user, "да", now)
        assert second["response"] == first["response"]
        third = await say(client, user, "да", now)
        assert third["response"] != first["response"]
        assert "1. " in third["response"] and "стоп" in third["response"]
        # the options stay, and a number picks one
        service = picks(third, "choose_service")[1].split()[-1]
        reply = await say(client, user, "2", now)
        assert str(reply["context"]["service_id"]) == service


async def test_nearest_times_name_no_raw_word_and_repeat_no_slot(mcp_server) -> None:
    saturday = next_weekday(5, weeks=3)
    now = dt.datetime.combine(saturday, dt.time(0, 30)).isoformat()
    user = "840004"
    async with Client(mcp_server) as client:
        reply = await say(client, user, "I need a haircut", now)
        assert '"haircut"' not in reply["response"]
        slots = options(reply, "choose_slot")
        seen = [(o["specialist_id"], o["date"], o["start_time"]) for o in slots]
        assert len(seen) == len(set(seen)), seen
        reply = await say(client, user, "a men's haircut, soonest please", now)
        slots = options(reply, "choose_slot")
        assert slots and {o["service_id"] for o in slots} <= {5, MENS_HAIRCUT_DMITRY}


async def test_russian_him_after_a_question_about_the_barber(mcp_server) -> None:
    friday = next_weekday(4, weeks=3)
    now = dt.datetime.combine(friday - dt.timedelta(days=1), dt.time(9)).isoformat()
    user = "840005"
    await known_client(mcp_server, user)
    async with Client(mcp_server) as client:
        reply = await say(client, user, "кто у вас барбер?", now)
        assert "Дмитрий Волков" in reply["response"]
        reply = await say(client, user, "запишите к нему на завтра", now)
        context = reply["context"]
        assert context["specialist_id"] == BARBER and context["date"] == friday.isoformat()


async def test_an_english_client_compares_books_by_hour_moves_and_cancels(
    mcp_server, live_api
) -> None:
    monday = next_weekday(0, weeks=3)
    now = dt.datetime.combine(monday - dt.timedelta(days=2), dt.time(0, 30)).isoformat()
    user = "840006"
    async with Client(mcp_server) as client:
        reply = await say(client, user, "hello, i want a massage", now)
        assert len(picks(reply, "choose_service")) == 2
        reply = await say(client, user, "what is the difference between them?", now)
        # both offered services side by side, then the same question
        assert "45 min" in reply["response"] and "90 min" in reply["response"]
        reply = await say(client, user, "full body one", now)
        reply = await say(client, user, f"{monday:%A}", now)
        assert "/pick time 11:00" in picks(reply, "choose_time")
        reply = await say(client, user, "11", now)  # an hour among the times: 11:00
        assert reply["context"]["time"] == "11:00", reply["response"]
        # a British number written the British way
        reply = await say(client, user, "My name is Kate Brown, 07911 123456", now)
        assert reply["context"]["pending"] == "book", reply["response"]
        reply = await say(client, user, "yes", now)
        booked = next(a for a in reply["actions"] if a["type"] == "booked")["payload"]
        reply = await say(client, user, "when is my next appointment?", now)
        reply = await say(client, user, "cancel it", now)  # no draft open: the booking
        assert reply["context"]["pending"] == "cancel", reply["response"]
        reply = await say(client, user, "yes", now)
    row = await live_api.get(f"appointments/{booked['appointment']['id']}/")
    assert row["status"] == "cancelled" and row["start_time"].startswith("11:00")
    profile = await mcp_server.booking_service.profile(ClientAuth(telegram_id=user))
    assert profile.phone == "+447911123456"


async def test_a_russian_client_asks_mid_booking_and_moves_to_a_day_off(mcp_server) -> None:
    saturday = next_weekday(5, weeks=3)
    tuesday = saturday + dt.timedelta(days=3)
    now = dt.datetime.combine(saturday - dt.timedelta(days=1), dt.time(20)).isoformat()
    user = "840007"
    async with Client(mcp_server) as client:
        reply = await say(client, user, "добрый вечер! сколько стоит стрижка мужская?", now)
        assert "1 000 ₽" in reply["response"] and "1 500 ₽" in reply["response"]
        reply = await say(client, user, "а к барберу можно в субботу?", now)
        reply = await say(client, user, "а во сколько он работает?", now)
        # answered, and the booking under way goes on (its day kept)
        assert "10:00–19:00" in reply["response"]
        assert reply["context"]["flow"] == "book"
        assert reply["context"]["date"] == saturday.isoformat()
        reply = await say(client, user, "стрижку", now)
        reply = await say(client, user, "давайте в 12", now)
        reply = await say(client, user, "Максим", now)
        reply = await say(client, user, "+7 912 345 67 89", now)
        assert reply["context"]["pending"] == "book"
        reply = await say(client, user, "ой нет, лучше в воскресенье", now)  # his day off
        reply = await say(client, user, "тогда во вторник", now)
        # the 12:00 wished stays: straight to the confirmation
        context = reply["context"]
        assert context["pending"] == "book", reply["response"]
        assert (context["date"], context["time"]) == (tuesday.isoformat(), "12:00")


async def test_who_is_this_asked_the_russian_way_mid_booking(mcp_server) -> None:
    monday = next_weekday(0, weeks=3)
    now = dt.datetime.combine(monday - dt.timedelta(days=2), dt.time(0, 30)).isoformat()
    user = "840008"
    await known_client(mcp_server, user)
    async with Client(mcp_server) as client:
        reply = await say(client, user, "хочу почистить зубы", now)
        reply = await say(client, user, "а Олег это кто?", now)
        assert "Олег Смирнов" in reply["response"] and "Стоматолог" in reply["response"]
        assert reply["context"]["flow"] == "book"  # and the booking goes on
        reply = await say(client, user, "запишите к нему на понедельник в 10", now)
        context = reply["context"]
        assert context["pending"] == "book", reply["response"]
        assert (context["date"], context["time"]) == (monday.isoformat(), "10:00")


async def test_who_does_it_and_is_she_any_good_mid_booking(mcp_server) -> None:
    monday = next_weekday(0, weeks=3)
    now = dt.datetime.combine(monday - dt.timedelta(days=2), dt.time(0, 30)).isoformat()
    user = "840009"
    await known_client(mcp_server, user)
    async with Client(mcp_server) as client:
        reply = await say(client, user, "i need a facial", now)
        assert reply["context"]["service_id"] is not None
        reply = await say(client, user, "who does it?", now)
        assert "Ольга Соколова" in reply["response"] and "Cosmetologist" in reply["response"]
        reply = await say(client, user, "is she any good? how long has she worked here", now)
        assert "Ольга Соколова" in reply["response"]
        assert reply["context"]["flow"] == "book" and "Which day?" in reply["response"]


async def test_another_specialist_for_a_service_only_one_does_or_several_do(mcp_server) -> None:
    tuesday = next_weekday(1, weeks=3)
    now = dt.datetime.combine(tuesday - dt.timedelta(days=1), dt.time(9)).isoformat()
    user = "840010"
    await known_client(mcp_server, user)
    async with Client(mcp_server) as client:
        reply = await say(client, user, "мне бы маникюр с гель лаком завтра", now)
        reply = await say(client, user, "а можно к другому мастеру?", now)
        assert "только Анна Иванова" in reply["response"]
        assert reply["context"]["date"] == tuesday.isoformat()  # the booking goes on
        reply = await say(client, user, "мужская стрижка у Марии завтра", now)
        assert reply["context"]["specialist_id"] == MARIA
        reply = await say(client, user, "а можно к другому мастеру?", now)
        assert reply["context"]["specialist_id"] == BARBER, reply["response"]
