"""The real bot (long polling) against FakeTelegram, the real MCP server over HTTP and the
real API on SQLite: what the user sees, and what ends up in the database."""

from __future__ import annotations

import asyncio
import datetime as dt

from booking_bot.formatting import day_in_words, today
from kit.bot import (
    RunningBot,
    book_manicure,
    new_user,
    pick_day_and_time,
    press_and_wait,
    register,
    text_of,
)
from kit.servers import ServerThread
from kit.telegram import FakeTelegram, User

MONTHS_GENITIVE = [
    "января",
    "февраля",
    "марта",
    "апреля",
    "мая",
    "июня",
    "июля",
    "августа",
    "сентября",
    "октября",
    "ноября",
    "декабря",
]


# --------------------------------------------------------------------------- flows


async def test_registration_and_booking_by_buttons(tg, running_bot, live_api) -> None:
    anna = new_user()
    await register(tg, anna)
    said = " ".join(m.text or "" for m in tg.messages_to(anna))
    assert "Спасибо, Анна" in said
    clients = [c for c in await live_api.items("clients/") if c["telegram_id"] == str(anna.id)]
    assert clients and clients[0]["name"] == "Анна" and clients[0]["phone"] == anna.phone

    day, time = await book_manicure(tg, anna, live_api)
    summary = text_of(tg, anna)
    for part in ("Маникюр", "Анна Иванова", day_in_words(day, "ru"), time, "1 500 ₽", "1 ч"):
        assert part in summary, (part, summary)
    confirm = tg.last_message(anna)
    data = next(d for t, d in confirm.buttons if "Подтвердить" in t)
    tg.press(anna, confirm, data)  # a double tap: both presses reach the bot
    tg.press(anna, confirm, data)
    await tg.wait_for(lambda: any("Уже готово" in (a.text or "") for a in tg.answered_callbacks))
    done = await tg.wait_for_message(anna, contains="Вы записаны")
    assert day_in_words(day, "ru") in done.text and "1 500 ₽" in done.text

    rows = await live_api.appointments_of(anna)
    assert len(rows) == 1, rows  # booked once
    row = rows[0]
    assert (row["date"], row["start_time"][:5], row["service_name"], row["specialist_name"]) == (
        day.isoformat(),
        time,
        "Маникюр",
        "Анна Иванова",
    )


async def test_any_specialist(tg, running_bot, live_api) -> None:
    user = new_user("Пётр")
    await register(tg, user)
    await press_and_wait(tg, user, "Записаться", "Выберите категорию")
    await press_and_wait(tg, user, "Волосы", "К кому")
    text = await press_and_wait(tg, user, "Любой специалист", "Выберите услугу")
    assert "Стрижка мужская · от 1 000 ₽ · 30 мин" in tg.last_message(user).button_texts, text
    await press_and_wait(tg, user, "Стрижка мужская", "выберите день")
    days = [d for _t, d in tg.last_message(user).buttons if d and d.startswith("cal:day:")]
    mark = tg.mark()
    tg.press(user, tg.last_message(user), days[0])
    await tg.wait_for_message(user, contains="Свободное время", since=mark)
    times = [t for t, d in tg.last_message(user).buttons if d and d.startswith("tm:")]
    await press_and_wait(tg, user, times[-1], "Проверьте")
    summary = text_of(tg, user)
    assert "Стрижка мужская" in summary
    assert ("Мария Петрова" in summary) or ("Дмитрий Волков" in summary)
    await press_and_wait(tg, user, "Подтвердить", "Вы записаны")
    rows = await live_api.appointments_of(user)
    assert len(rows) == 1 and rows[0]["service_name"] == "Стрижка мужская"
    assert rows[0]["start_time"][:5] == times[-1]


async def follow_assistant(tg: FakeTelegram, user: User, text: str, expect: str) -> str:
    mark = tg.mark()
    tg.send_text(user, text)
    message = await tg.wait_for_message(user, since=mark, timeout=20)
    assert expect in (message.text or ""), message.text
    return message.text or ""


async def test_free_text_booking_in_russian(tg, running_bot, live_api) -> None:
    user = new_user("Ольга")
    await register(tg, user)
    tomorrow = today() + dt.timedelta(days=1)
    day, _time = await live_api.free_slot("Маникюр", wanted="15:00")
    when = "завтра" if day == tomorrow else f"{day.day} {MONTHS_GENITIVE[day.month - 1]}"
    reply = await follow_assistant(tg, user, f"запишите меня на маникюр {when} в 15:00", "15:00")
    buttons = tg.last_message(user).button_texts
    if "Маникюр" in str(buttons) and not any(b in ("Да", "да") for b in buttons):
        # two manicures: the assistant asks which one
        await press_and_wait(tg, user, "Маникюр — 1 500 ₽", "15:00")
    assert "1 500 ₽" in text_of(tg, user), reply
    yes = tg.last_message(user)
    data = next(d for t, d in yes.buttons if t.lower().startswith("да"))
    tg.press(user, yes, data)  # a double tap on "yes" books once
    tg.press(user, yes, data)
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
    await register(tg, john)
    day, _time = await live_api.free_slot("Педикюр", wanted="11:00")
    await follow_assistant(tg, john, f"I'd like a pedicure on {day:%B} {day.day} at 11:00", "11:00")
    assert "500 ₽" in text_of(tg, john)
    done = await press_and_wait(tg, john, "Yes", "You're booked", timeout=20)
    assert day_in_words(day, "en") in done and "1 h 30 min" in done and "2,500 ₽" in done
    rows = await live_api.appointments_of(john)
    assert [(r["date"], r["start_time"][:5], r["service_name"]) for r in rows] == [
        (day.isoformat(), "11:00", "Педикюр")
    ]


async def test_cancel_with_confirmation(tg, running_bot, live_api) -> None:
    user = new_user("Ирина")
    await register(tg, user)
    day, _ = await book_manicure(tg, user, live_api)
    await press_and_wait(tg, user, "Подтвердить", "Вы записаны")
    mark = tg.mark()
    tg.send_command(user, "/my")
    listed = await tg.wait_for_message(user, contains="1 500 ₽", since=mark)
    assert day_in_words(day, "ru") in listed.text and "Отменить" in str(listed.button_texts)
    await press_and_wait(tg, user, "Отменить", "Отменить эту запись?")
    assert (await live_api.appointments_of(user))[0]["status"] != "cancelled"
    await press_and_wait(tg, user, "Да, отменить", "Запись отменена")
    assert (await live_api.appointments_of(user))[0]["status"] == "cancelled"


async def test_reschedule(tg, running_bot, live_api) -> None:
    user = new_user("Вера")
    await register(tg, user)
    day, time = await book_manicure(tg, user, live_api)
    await press_and_wait(tg, user, "Подтвердить", "Вы записаны")
    new_day, new_time = await live_api.free_slot("Маникюр", after=day)
    mark = tg.mark()
    tg.send_command(user, "/my")
    await tg.wait_for_message(user, contains="1 500 ₽", since=mark)
    await press_and_wait(tg, user, "Перенести", "выберите день")
    if f"cal:day:{new_day}" not in str(tg.last_message(user).buttons):
        await press_and_wait(tg, user, "›", "выберите день")
    await pick_day_and_time(tg, user, new_day, new_time, expect="Перенести запись?")
    assert day_in_words(new_day, "ru") in text_of(tg, user)
    await press_and_wait(tg, user, "Подтвердить", "перенесена")
    rows = await live_api.appointments_of(user)
    assert len(rows) == 1
    assert (rows[0]["date"], rows[0]["start_time"][:5]) == (new_day.isoformat(), new_time)


async def test_stale_and_forged_callbacks(tg, running_bot, live_api) -> None:
    user = new_user()
    await register(tg, user)
    menu = tg.last_message(user)
    for data in (
        "ok:deadbeefdeadbeef",
        "garbage-from-nowhere",
        "cal:day:2020-01-01",
        "tm:1:1:1000",
        "as:abcdef12:0",
    ):
        tg.press(user, menu, data)
    await tg.wait_for(lambda: len(tg.answered_callbacks) >= 5)
    assert all("устарела" in (a.text or "") for a in tg.answered_callbacks[-5:])
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
    await register(tg, user)
    await asyncio.to_thread(mcp_http.stop)
    try:
        tg.send_text(user, "хочу на маникюр")
        await tg.wait_for_message(user, contains="сервис записи сейчас недоступен", timeout=20)
        tg.press_button(user, "Записаться")  # the bot keeps running
        await tg.wait_for(
            lambda: sum("недоступен" in (m.text or "") for m in tg.messages_to(user)) >= 2,
            timeout=20,
        )
    finally:
        await asyncio.to_thread(mcp_http.start)
    tg.press_button(user, "Попробовать ещё раз")
    await tg.wait_for(lambda: "Ногтевой сервис" in tg.last_message(user).button_texts, timeout=20)


async def test_restart_mid_booking_loses_nothing(tg, running_bot: RunningBot, live_api) -> None:
    user = new_user()
    await register(tg, user)
    day, time = await book_manicure(tg, user, live_api)
    await running_bot.stop()
    await running_bot.start()
    await press_and_wait(tg, user, "Подтвердить", "Вы записаны")
    rows = await live_api.appointments_of(user)
    assert [(r["date"], r["start_time"][:5]) for r in rows] == [(day.isoformat(), time)]
