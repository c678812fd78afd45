"""The real bot (long polling) against FakeTelegram, the real MCP server over HTTP and the
real API on SQLite: what the user sees, and what ends up in the database."""

from __future__ import annotations

import asyncio

from booking_bot.formatting import day_in_words
from kit.bot import (
    RunningBot,
    book_manicure,
    calendar_days,
    in_words,
    new_user,
    next_reply,
    press,
    press_day,
    say,
    start_chat,
    text_of,
)
from kit.servers import ServerThread

# --------------------------------------------------------------------------- flows


async def test_free_text_booking_in_russian(tg, running_bot, live_api) -> None:
    user = new_user("Ольга")
    await start_chat(tg, user)
    day, _time = await live_api.free_slot("Маникюр", wanted="15:00")
    reply = await say(tg, user, f"запишите меня на маникюр {in_words(day)} в 15:00")
    if "Маникюр — 1 500 ₽" in reply.button_texts:  # two manicures: the assistant asks which
        reply = await press(tg, user, "Маникюр — 1 500 ₽")
    assert "15:00" in (reply.text or "") and "1 500 ₽" in (reply.text or ""), reply.text
    yes = next(d for t, d in reply.buttons if t == "✅ Подтвердить")
    tg.press(user, reply, yes)  # a double tap on "yes" books once
    tg.press(user, reply, yes)
    done = await tg.wait_for_message(user, contains="Вы записаны", timeout=20)
    assert day_in_words(day, "ru") in done.text and "Анна Иванова" in done.text
    assert "1 500 ₽" in done.text and "1 ч" in done.text
    await tg.wait_for(lambda: any("Уже готово" in (a.text or "") for a in tg.answered_callbacks))
    rows = await live_api.appointments_of(user)
    assert [(r["date"], r["start_time"][:5], r["service_name"]) for r in rows] == [
        (day.isoformat(), "15:00", "Маникюр")
    ]


async def test_free_text_booking_in_english(tg, running_bot, live_api) -> None:
    john = new_user("John", "en")
    await start_chat(tg, john)
    day, _time = await live_api.free_slot("Педикюр", wanted="11:00")
    reply = await say(tg, john, f"I'd like a pedicure on {day:%B} {day.day} at 11:00")
    assert "11:00" in (reply.text or "") and "500 ₽" in (reply.text or ""), reply.text
    assert reply.button_texts == ["✅ Confirm", "✖️ No"]
    done = await press(tg, john, "✅ Confirm")
    assert "You're booked" in done.text, done.text
    assert day_in_words(day, "en") in done.text and "1 h 30 min" in done.text
    assert "2,500 ₽" in done.text
    rows = await live_api.appointments_of(john)
    assert [(r["date"], r["start_time"][:5], r["service_name"]) for r in rows] == [
        (day.isoformat(), "11:00", "Педикюр")
    ]


async def test_calendar_buttons_then_a_time_button(tg, running_bot, live_api) -> None:
    user = new_user("Нина")
    await start_chat(tg, user)
    day, time = await book_manicure(tg, user, live_api)
    summary = text_of(tg, user)
    assert time in summary and "Анна Иванова" in summary, summary
    done = await press(tg, user, "✅ Подтвердить")
    assert "Вы записаны" in done.text and day_in_words(day, "ru") in done.text, done.text
    rows = await live_api.appointments_of(user)
    assert [(r["date"], r["start_time"][:5], r["service_name"]) for r in rows] == [
        (day.isoformat(), time, "Маникюр")
    ]


async def test_cancel_with_confirmation(tg, running_bot, live_api) -> None:
    user = new_user("Ирина")
    await start_chat(tg, user)
    day, _ = await book_manicure(tg, user, live_api)
    await press(tg, user, "✅ Подтвердить")
    listed = await say(tg, user, "/my")
    if "Отменить" not in str(listed.button_texts):  # a heading first, then each appointment
        listed = await next_reply(tg, user, listed.message_id)
    assert day_in_words(day, "ru") in listed.text and "Отменить" in str(listed.button_texts)
    assert "1 500 ₽" in listed.text, listed.text
    mark = tg.mark()
    tg.press_button(user, "Отменить")
    await tg.wait_for_message(user, contains="Отменить эту запись?", since=mark)
    assert (await live_api.appointments_of(user))[0]["status"] != "cancelled"
    mark = tg.mark()
    tg.press_button(user, "Да, отменить")
    await tg.wait_for_message(user, contains="Запись отменена", since=mark)
    assert (await live_api.appointments_of(user))[0]["status"] == "cancelled"


async def test_reschedule_from_my_appointments(tg, running_bot, live_api) -> None:
    user = new_user("Вера")
    await start_chat(tg, user)
    day, time = await book_manicure(tg, user, live_api)
    await press(tg, user, "✅ Подтвердить")
    new_day, new_time = await live_api.free_slot("Маникюр", after=day)
    listed = await say(tg, user, "/my")
    if "Перенести" not in str(listed.button_texts):
        await next_reply(tg, user, listed.message_id)
    calendar = await press(tg, user, "Перенести")
    assert calendar_days(calendar), calendar  # the conversation's calendar of free days
    await press_day(tg, user, new_day)
    confirmation = await press(tg, user, new_time)
    assert day_in_words(new_day, "ru").split(", ")[1] in confirmation.text, confirmation.text
    done = await press(tg, user, "✅ Подтвердить")
    assert "перенесена" in done.text, done.text
    rows = await live_api.appointments_of(user)
    assert len(rows) == 1
    assert (rows[0]["date"], rows[0]["start_time"][:5]) == (new_day.isoformat(), new_time)


async def test_stale_and_forged_callbacks(tg, running_bot, live_api) -> None:
    user = new_user()
    await start_chat(tg, user)
    menu = tg.last_message(user)
    for data in (
        "garbage-from-nowhere",
        "cal:day:2020-01-01",
        "cal:day:2099-01-01",
        "as:abcdef12:0",
    ):
        tg.press(user, menu, data)
    await tg.wait_for(lambda: len(tg.answered_callbacks) >= 4)
    assert all("устарела" in (a.text or "") for a in tg.answered_callbacks[-4:])
    # an old reply's button, once a newer reply is shown, is stale too
    first = await say(tg, user, "хочу записаться на маникюр к Анне Ивановой")
    await say(tg, user, "/start")
    old = next(d for _t, d in first.buttons if d and d.startswith(("as:", "cal:day:")))
    tg.press(user, first, old)
    await tg.wait_for(lambda: len(tg.answered_callbacks) >= 5)
    assert "устарела" in (tg.answered_callbacks[-1].text or "")
    assert await live_api.appointments_of(user) == []


async def test_sticker_voice_photo_get_helpful_replies(tg, running_bot) -> None:
    anna, john = new_user(), new_user("John", "en")
    tg.send_sticker(anna)
    await tg.wait_for_message(anna, contains="стикер")
    tg.send_voice(john)
    await tg.wait_for_message(john, contains="voice messages")
    tg.send_photo(anna)
    await tg.wait_for_message(anna, contains="картинки")


async def test_mcp_down_apology_then_back(tg, running_bot, mcp_http: ServerThread) -> None:
    user = new_user()
    await start_chat(tg, user)
    await asyncio.to_thread(mcp_http.stop)
    try:
        tg.press_button(user, "Записаться")
        await tg.wait_for_message(user, contains="сервис записи сейчас недоступен", timeout=20)
        tg.send_text(user, "хочу записаться на маникюр к Анне Ивановой")  # the bot keeps running
        await tg.wait_for(
            lambda: sum("недоступен" in (m.text or "") for m in tg.messages_to(user)) >= 2,
            timeout=20,
        )
    finally:
        await asyncio.to_thread(mcp_http.start)
    reply = await press(tg, user, "Попробовать ещё раз")  # the request is sent again
    assert calendar_days(reply), reply


async def test_restart_mid_booking_loses_nothing(tg, running_bot: RunningBot, live_api) -> None:
    user = new_user()
    await start_chat(tg, user)
    day, time = await book_manicure(tg, user, live_api)
    await running_bot.stop()
    await running_bot.start()
    done = await press(tg, user, "✅ Подтвердить")
    assert "Вы записаны" in done.text, done.text
    rows = await live_api.appointments_of(user)
    assert [(r["date"], r["start_time"][:5]) for r in rows] == [(day.isoformat(), time)]
