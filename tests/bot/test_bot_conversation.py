"""One owner of the conversation (issue 12): through the real bot, the MCP server and the API,
buttons and free text continue the same booking, a correction at the confirmation makes a new
one, "стоп" leaves without a row, a shared contact registers the client, and an English user
reads no Russian."""

from __future__ import annotations

import datetime as dt
import re

from kit.bot import (
    calendar_days,
    in_words,
    new_user,
    newest_id,
    next_reply,
    press,
    press_day,
    say,
    start_chat,
)
from kit.live_api import LiveApi
from kit.telegram import ChatMessage, FakeTelegram, User

CYRILLIC = re.compile(r"[А-Яа-яЁё]")


async def free_at(live_api: LiveApi, *times: str, after: dt.date | None = None) -> dt.date:
    """The first day (after ``after``) when Анна Иванова's manicure is free at all ``times``."""
    service = await live_api.service("Маникюр")
    day = after
    for _ in range(30):
        day, _time = await live_api.free_slot("Маникюр", wanted=times[0], after=day)
        slots = await live_api.get(
            f"specialists/{service['specialist']}/available_slots/",
            date=day.isoformat(),
            service=service["id"],
        )
        if set(times) <= {str(s["start_time"])[:5] for s in slots}:
            return day
    raise AssertionError(f"no day with {times} free")


async def until_calendar(
    tg: FakeTelegram, user: User, reply: ChatMessage, choices: list[str], **options: object
) -> ChatMessage:
    """Press the first of ``choices`` the reply offers until the calendar of days is shown."""
    for _ in range(6):
        if calendar_days(reply):
            return reply
        label = next((c for c in choices if any(c in t for t in reply.button_texts)), None)
        assert label is not None, (choices, reply.text, reply.button_texts)
        reply = await press(tg, user, label, **options)
    raise AssertionError(f"no calendar: {reply}")


def all_text_seen(tg: FakeTelegram, user: User) -> list[str]:
    """Every text and button label the user was shown, reply keyboards and captions included."""
    seen = []
    for message in tg.messages_to(user):
        seen.append(message.text or "")
        seen += message.button_texts
    for params in tg.calls_of("sendMessage") + tg.calls_of("sendDocument"):
        if str(params.get("chat_id")) == str(user.id):
            seen.append(str(params.get("caption") or ""))
            seen.append(str(params.get("reply_markup") or ""))
    return seen


# --------------------------------------------------------------------------- (a)


async def test_a_booking_mixes_buttons_and_free_text(tg, running_bot, live_api) -> None:
    user = new_user("Алиса")
    await start_chat(tg, user)
    day = await free_at(live_api, "15:00")
    categories = await press(tg, user, "Записаться")  # the menu's button: /book
    assert "Ногтевой сервис" in categories.button_texts, categories
    reply = await press(tg, user, "Ногтевой сервис")
    await until_calendar(tg, user, reply, ["Маникюр — 1 500 ₽", "Анна Иванова"])
    # typed in the middle of the button flow: the same booking goes on
    confirmation = await say(tg, user, f"{in_words(day)} в 15:00")
    assert "15:00" in confirmation.text and "Маникюр" in confirmation.text, confirmation.text
    assert "Анна Иванова" in confirmation.text, confirmation.text
    mark = newest_id(tg, user)
    done = await press(tg, user, "✅ Подтвердить")
    assert "Вы записаны" in done.text, done.text
    rows = await live_api.appointments_of(user)
    assert [
        (r["date"], r["start_time"][:5], r["service_name"], r["specialist_name"]) for r in rows
    ] == [(day.isoformat(), "15:00", "Маникюр", "Анна Иванова")]
    # the booking as a calendar file
    ics = await tg.wait_for(
        lambda: next(
            (m for m in tg.messages_to(user) if m.message_id > mark and m.kind == "document"), None
        )
    )
    assert ics.text == "📅 Добавить в календарь"
    [upload] = [
        p["document"] for p in tg.calls_of("sendDocument") if str(p["chat_id"]) == str(user.id)
    ]
    assert upload.filename.endswith(".ics") and b"BEGIN:VCALENDAR" in upload.data


# --------------------------------------------------------------------------- (b)


async def test_b_a_correction_at_the_confirmation(tg, running_bot, live_api) -> None:
    user = new_user("Борис")
    await start_chat(tg, user)
    day = await free_at(live_api, "15:00", "16:00")
    reply = await say(tg, user, f"запишите меня на маникюр к Анне Ивановой {in_words(day)} в 15:00")
    if "Маникюр — 1 500 ₽" in reply.button_texts:
        reply = await press(tg, user, "Маникюр — 1 500 ₽")
    assert "15:00" in reply.text and "✅ Подтвердить" in reply.button_texts, reply.text
    corrected = await say(tg, user, "а можно на час позже?")
    assert "16:00" in corrected.text and "✅ Подтвердить" in corrected.button_texts, corrected
    done = await press(tg, user, "✅ Подтвердить")
    assert "Вы записаны" in done.text, done.text
    rows = await live_api.appointments_of(user)
    assert [(r["date"], r["start_time"][:5], r["service_name"]) for r in rows] == [
        (day.isoformat(), "16:00", "Маникюр")
    ]


# --------------------------------------------------------------------------- (c)


async def test_c_backing_out_books_nothing(tg, running_bot, live_api) -> None:
    user = new_user("Вика")
    await start_chat(tg, user)
    day, time = await live_api.free_slot("Маникюр")
    reply = await say(tg, user, "хочу записаться на маникюр к Анне Ивановой")
    reply = await until_calendar(tg, user, reply, ["Маникюр — 1 500 ₽"])
    await press_day(tg, user, day)
    confirmation = await press(tg, user, time)
    assert "✅ Подтвердить" in confirmation.button_texts, confirmation
    stopped = await say(tg, user, "стоп")
    assert not stopped.button_texts, stopped  # nothing left to press
    # the old confirmation's "yes" no longer books
    answered = len(tg.answered_callbacks)
    tg.press(user, confirmation, next(d for t, d in confirmation.buttons if "Подтвердить" in t))
    await tg.wait_for(lambda: len(tg.answered_callbacks) > answered)
    assert "устарела" in (tg.answered_callbacks[-1].text or "")
    # "передумал" in the middle of another booking
    reply = await say(tg, user, "хочу на маникюр к Анне Ивановой")
    await until_calendar(tg, user, reply, ["Маникюр — 1 500 ₽"])
    changed_mind = await say(tg, user, "передумал")
    assert not calendar_days(changed_mind), changed_mind
    assert await live_api.appointments_of(user) == []


# --------------------------------------------------------------------------- (d)


async def test_d_registration_with_a_shared_contact(tg, running_bot, live_api) -> None:
    user = new_user("Дарья", last_name="Смирнова")
    await start_chat(tg, user)
    assert [c for c in await live_api.items("clients/") if c["telegram_id"] == str(user.id)] == []
    day, time = await live_api.free_slot("Маникюр")
    asked = False
    reply = await press(tg, user, "Записаться", share_contact=False)
    for _ in range(10):
        if "request_contact" in str(tg.calls_of("sendMessage")[-1].get("reply_markup")):
            asked = True
            assert "📱 Поделиться номером" in str(tg.reply_keyboard(user))
            mark = newest_id(tg, user)
            tg.tap_reply_button(user, "📱")
            reply = await next_reply(tg, user, mark, share_contact=False)
        elif "✅ Подтвердить" in reply.button_texts:
            reply = await press(tg, user, "✅ Подтвердить", share_contact=False)
        elif "Вы записаны" in (reply.text or ""):
            break
        elif day.isoformat() in calendar_days(reply) or calendar_days(reply, "full"):
            reply = await press_day(tg, user, day, share_contact=False)
        elif time in reply.button_texts:
            reply = await press(tg, user, time, share_contact=False)
        else:
            label = next(
                (
                    c
                    for c in ("Ногтевой сервис", "Маникюр — 1 500 ₽", "Анна Иванова")
                    if any(c in t for t in reply.button_texts)
                ),
                None,
            )
            assert label is not None, (reply.text, reply.button_texts)
            reply = await press(tg, user, label, share_contact=False)
    assert asked and "Вы записаны" in (reply.text or ""), reply
    client = await live_api.client_of(user)
    assert (client["name"], client["phone"]) == ("Дарья Смирнова", user.phone)
    rows = await live_api.appointments_of(user)
    assert [(r["date"], r["start_time"][:5]) for r in rows] == [(day.isoformat(), time)]


# --------------------------------------------------------------------------- (e)


async def test_e_an_english_user_reads_no_russian(tg, running_bot, live_api) -> None:
    john = new_user("John", "en")
    await start_chat(tg, john)
    reply = await press(tg, john, "Book an appointment")
    for _ in range(6):  # category, service, specialist: the first offered, whatever it is
        if calendar_days(reply):
            break
        options = [t for t, d in reply.buttons if d and d.startswith("as:")]
        assert options, (reply.text, reply.button_texts)
        reply = await press(tg, john, options[0])
    day = dt.date.fromisoformat(calendar_days(reply)[0])
    times = await press_day(tg, john, day)
    confirmation = await press(tg, john, times.button_texts[0])
    assert confirmation.button_texts == ["✅ Confirm", "✖️ No"], confirmation
    done = await press(tg, john, "✅ Confirm")
    assert "You're booked" in done.text, done.text
    await say(tg, john, "/my")
    await say(tg, john, "what's your address?")
    names = [s["name"] for s in await live_api.items("specialists/")]
    for text in all_text_seen(tg, john):
        for name in names:
            text = text.replace(name, "")
        assert not CYRILLIC.search(text), text
    assert len(await live_api.appointments_of(john)) == 1


async def test_the_language_can_be_changed_from_the_menu(tg, running_bot) -> None:
    user = new_user("Ольга")
    await start_chat(tg, user)
    choice = await press(tg, user, "🌐 Язык")  # /language
    assert "English" in str(choice.button_texts), choice
    switched = await press(tg, user, "English")  # /lang en
    assert not CYRILLIC.search(switched.text or ""), switched.text
    menu = await say(tg, user, "/menu")
    assert "📅 Book an appointment" in menu.button_texts, menu  # the bot's own texts too
