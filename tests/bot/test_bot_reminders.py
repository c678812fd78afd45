"""Reminders and the waitlist end to end: the API's own job runner sends the messages (through
the Bot API, to FakeTelegram), the user presses their buttons, the bot acts through the MCP
server on the API.

This module runs its own API (and MCP server) whose ``TELEGRAM_API_URL`` is this module's
FakeTelegram and whose token is the bot's, so the messages the job runner sends land in the
same chats the bot serves. The API's in-process poller is off: the tests run due jobs with
the runner's own entry point (:func:`booking_api.jobs.runner.run_due`, exactly what the
poller and ``booking worker`` call) with a controllable clock, so a reminder "24 hours
before" can be sent now.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest

from booking_api.jobs.runner import RunReport
from booking_bot.formatting import day_in_words, today
from kit.bot import (
    BOT_TOKEN,
    MCP_TOKEN,
    book_manicure,
    known_client,
    new_user,
    open_calendar,
    press,
    press_day,
    start_chat,
)
from kit.live_api import LiveApi, serve_api
from kit.mcp import serve_mcp
from kit.servers import ServerThread
from kit.telegram import ChatMessage, FakeTelegram, User

# --------------------------------------------------------------------------- fixtures
# Module-scoped overrides of tests/bot/conftest.py's: one FakeTelegram shared by the API (as
# its Telegram, sending as the bot: the same token) and every bot started here.


@pytest.fixture(scope="module")
def tg() -> Iterator[FakeTelegram]:  # type: ignore[override]
    with FakeTelegram(bot_username="booking_bot") as fake:
        yield fake


@pytest.fixture(scope="module")
def live_api(tg: FakeTelegram, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveApi]:
    with serve_api(
        tmp_path_factory.mktemp("bot-jobs-api"),
        telegram_api_url=tg.base_url,
        telegram_bot_token=BOT_TOKEN,
        run_jobs_in_process=False,
    ) as api:
        yield api


@pytest.fixture(scope="module")
def mcp_http(live_api: LiveApi) -> Iterator[ServerThread]:
    with serve_mcp(live_api, mcp_auth_token=MCP_TOKEN) as server:
        yield server


# --------------------------------------------------------------------------- helpers


async def book_by_buttons(
    tg: FakeTelegram, user: User, api: LiveApi, after: dt.date | None = None
) -> dict[str, Any]:
    """Book a manicure through the bot's calendar and buttons; returns the appointment row."""
    day, time = await book_manicure(tg, user, api, after=after)
    done = await press(tg, user, "✅ Подтвердить")
    assert "Вы записаны" in done.text, done.text
    rows = [
        r
        for r in await api.appointments_of(user)
        if r["date"] == day.isoformat() and r["start_time"][:5] == time
    ]
    assert len(rows) == 1, rows
    return rows[0]


async def send_reminder(api: LiveApi, row: dict[str, Any]) -> RunReport:
    """Run the appointment's 24-hour reminder at its time (a minute after it is due)."""
    key = f"reminder:{row['id']}:24h:{row['date']}T{row['start_time'][:5]}"
    now = api.starts_at(row) - dt.timedelta(hours=24) + dt.timedelta(minutes=1)
    report = await api.run_jobs(now=now, dedupe_key=key)
    # Done in the order they finished: jobs run side by side (JOB_CONCURRENCY), so what the
    # reminder caused (webhook events, …) may finish first.
    assert key in [j.dedupe_key for j in report.done], report
    return report


async def reminder_for(tg: FakeTelegram, user: User, row: dict[str, Any]) -> ChatMessage:
    message = await tg.wait_for_message(user, contains="Напоминаем о записи")
    assert message.buttons == [
        ("✅ Подтверждаю", f"rem:confirm:{row['id']}"),
        ("❌ Отменить запись", f"rem:cancel:{row['id']}"),
    ]
    return message


async def press_on(
    tg: FakeTelegram, user: User, message: ChatMessage, data: str, contains: str
) -> ChatMessage:
    mark = tg.mark()
    tg.press(user, message, data)
    return await tg.wait_for_message(user, contains=contains, since=mark)


# --------------------------------------------------------------------------- units


def test_callback_factories_match_what_the_api_sends() -> None:
    from booking_api.jobs import texts
    from booking_bot.callbacks import ReminderCb, WaitlistOfferCb

    _text, [[(_c, confirm), (_x, cancel)]] = texts.reminder(
        lang="ru",
        offset_minutes=1440,
        service="Маникюр",
        specialist="Анна",
        day=dt.date(2026, 11, 25),
        time=dt.time(10),
        appointment_id=42,
    )
    assert ReminderCb.unpack(confirm) == ReminderCb(action="confirm", id=42)
    assert ReminderCb(action="cancel", id=42).pack() == cancel
    token = "Ab-_" * 6
    _text, [[(_b, book)]] = texts.waitlist_offer(
        lang="en",
        service="Manicure",
        specialist="Anna",
        day=dt.date(2026, 11, 25),
        time=dt.time(10),
        until=dt.datetime(2026, 11, 24, 12, tzinfo=dt.UTC),
        token=token,
    )
    assert WaitlistOfferCb(action="book", token=token).pack() == book
    assert WaitlistOfferCb.unpack(book).token == token


def test_calendar_days_without_time_offer_the_waitlist() -> None:
    from booking_bot.callbacks import CalendarCb
    from booking_bot.i18n import default_i18n
    from booking_bot.keyboards import month_calendar

    i18n = default_i18n()
    with i18n.context(), i18n.use_locale("ru"):
        markup = month_calendar(2026, 11, [dt.date(2026, 11, 25)], today=dt.date(2026, 11, 10))
    data = {b.text + "|" + (b.callback_data or "") for row in markup.inline_keyboard for b in row}
    assert "25|" + CalendarCb(action="day", value="2026-11-25").pack() in data
    assert "·|" + CalendarCb(action="full", value="2026-11-26").pack() in data
    assert "·|" + CalendarCb(action="full", value="2026-11-10").pack() in data  # today
    assert not any("2026-11-09" in d for d in data)  # the past stays inert


# --------------------------------------------------------------------------- reminders


async def test_reminder_confirm(tg, running_bot, live_api: LiveApi) -> None:
    user = new_user("Вера")
    await start_chat(tg, user)
    row = await book_by_buttons(tg, user, live_api)
    assert row["client_confirmed_at"] is None

    await send_reminder(live_api, row)
    reminder = await reminder_for(tg, user, row)
    assert "«Маникюр», специалист Анна Иванова" in reminder.text

    edited = await press_on(tg, user, reminder, f"rem:confirm:{row['id']}", "Визит подтверждён")
    assert edited.message_id == reminder.message_id  # the reminder itself was edited
    day = dt.date.fromisoformat(row["date"])
    for part in ("Маникюр", "Анна Иванова", day_in_words(day, "ru"), row["start_time"][:5]):
        assert part in edited.text, (part, edited.text)
    assert not any(d and d.startswith("rem:") for _t, d in edited.buttons)
    stored = await live_api.get(f"appointments/{row['id']}/")
    assert stored["client_confirmed_at"] and stored["status"] == row["status"]
    await tg.wait_for(lambda: any("Подтверждено" in (a.text or "") for a in tg.answered_callbacks))


async def test_reminder_cancel_asks_first(tg, running_bot, live_api: LiveApi) -> None:
    user = new_user("Глеб")
    await start_chat(tg, user)
    row = await book_by_buttons(tg, user, live_api, after=today() + dt.timedelta(days=2))
    await send_reminder(live_api, row)
    reminder = await reminder_for(tg, user, row)

    question = await press_on(tg, user, reminder, f"rem:cancel:{row['id']}", "Отменить эту запись?")
    assert question.buttons == [
        ("Да, отменить", f"rem:cancel_yes:{row['id']}"),
        ("Нет, оставить", f"rem:keep:{row['id']}"),
    ]
    assert (await live_api.get(f"appointments/{row['id']}/"))["status"] != "cancelled"
    # "No" brings the reminder's choice back; then cancel for real.
    back = await press_on(tg, user, question, f"rem:keep:{row['id']}", "Вы придёте?")
    assert [d for _t, d in back.buttons] == [f"rem:confirm:{row['id']}", f"rem:cancel:{row['id']}"]
    await press_on(tg, user, back, f"rem:cancel:{row['id']}", "Отменить эту запись?")
    done = await press_on(tg, user, back, f"rem:cancel_yes:{row['id']}", "Запись отменена")
    assert day_in_words(dt.date.fromisoformat(row["date"]), "ru") in done.text
    assert (await live_api.get(f"appointments/{row['id']}/"))["status"] == "cancelled"

    # The old reminder's "confirm" now gets a polite answer, not an error.
    gone = await press_on(tg, user, done, f"rem:confirm:{row['id']}", "уже неактивна")
    assert "Что-то пошло не так" not in (gone.text or "")


async def test_someone_elses_reminder_button_changes_nothing(
    tg, running_bot, live_api: LiveApi
) -> None:
    owner, intruder = new_user("Ира"), new_user("Олег")
    await start_chat(tg, owner)
    await start_chat(tg, intruder)
    row = await book_by_buttons(tg, owner, live_api, after=today() + dt.timedelta(days=3))
    # A forged press under one of the intruder's own messages.
    last = tg.last_message(intruder)
    await press_on(tg, intruder, last, f"rem:confirm:{row['id']}", "уже неактивна")
    await press_on(
        tg, intruder, tg.last_message(intruder), f"rem:cancel:{row['id']}", "уже неактивна"
    )
    stored = await live_api.get(f"appointments/{row['id']}/")
    assert stored["client_confirmed_at"] is None and stored["status"] != "cancelled"


# --------------------------------------------------------------------------- the waitlist


async def fill_day(api: LiveApi, client_id: int, day: dt.date) -> list[dict[str, Any]]:
    """Book every free manicure time of ``day`` for the client (as staff)."""
    service = await api.service("Маникюр")
    booked = []
    for _ in range(30):
        slots = await api.get(
            f"specialists/{service['specialist']}/available_slots/",
            date=day.isoformat(),
            service=service["id"],
        )
        if not slots:
            return booked
        first = slots[0]
        booked.append(
            await api.post(
                "appointments/",
                {
                    "client": client_id,
                    "service": service["id"],
                    "specialist": service["specialist"],
                    "date": day.isoformat(),
                    "start_time": str(first["start_time"])[:5],
                    "end_time": str(first["end_time"])[:5],
                },
            )
        )
    raise AssertionError("the day did not fill up")


async def join_waitlist_by_buttons(tg: FakeTelegram, user: User, day: dt.date) -> None:
    """The fully booked ``day`` pressed on the calendar ("·"), then "notify me"."""
    calendar = await open_calendar(tg, user)
    assert day.isoformat() not in str(calendar.buttons) or f"cal:full:{day}" in str(
        calendar.buttons
    )  # fully booked: not a free day
    full = await press_day(tg, user, day, kind="full")
    assert "нет свободного времени" in full.text, full.text
    joined = await press(tg, user, "Сообщить, если время освободится")
    assert "Сообщу" in joined.text and "Анна Иванова" in joined.text, joined.text


async def cancel_by_buttons(tg: FakeTelegram, user: User, appointment_id: int) -> None:
    mark = tg.mark()
    tg.send_command(user, "/my")
    await tg.wait_for(
        lambda: any(
            f"ap:cancel:{appointment_id}" in [d for _t, d in m.buttons]
            for m in tg.messages_to(user)
            if m.revision > mark
        )
    )
    message = next(
        m
        for m in tg.messages_to(user)
        if f"ap:cancel:{appointment_id}" in [d for _t, d in m.buttons]
    )
    await press_on(tg, user, message, f"ap:cancel:{appointment_id}", "Отменить эту запись?")
    await press_on(tg, user, message, f"ap:cancel_yes:{appointment_id}", "Запись отменена")


async def offer_for(tg: FakeTelegram, user: User) -> tuple[ChatMessage, str]:
    offer = await tg.wait_for_message(user, contains="Освободилось время")
    [(label, data)] = offer.buttons
    assert label == "📅 Записаться" and data and data.startswith("wl:book:")
    return offer, data


async def test_waitlist_offer_is_booked_by_the_button(tg, running_bot, live_api: LiveApi) -> None:
    alice, bob = new_user("Алла"), new_user("Борис")
    await start_chat(tg, alice)
    await start_chat(tg, bob)
    day, _time = await live_api.free_slot("Маникюр", after=today() + dt.timedelta(days=12))
    filled = await fill_day(live_api, (await known_client(live_api, alice))["id"], day)
    assert filled

    # Bob finds the day full and asks to be told when a time frees up.
    await join_waitlist_by_buttons(tg, bob, day)
    bob_client = (await live_api.client_of(bob))["id"]
    [entry] = await live_api.items("waitlist/", client_id=bob_client)
    assert (entry["date"], entry["status"], entry["service_name"]) == (
        day.isoformat(),
        "active",
        "Маникюр",
    )
    # "My appointments" lists the entry with a "leave" button.
    mark = tg.mark()
    tg.send_command(bob, "/my")
    listed = await tg.wait_for_message(bob, contains="Вы в листе ожидания", since=mark)
    await tg.wait_for(
        lambda: any(
            f"wj:leave:{entry['id']}" in [d for _t, d in m.buttons] for m in tg.messages_to(bob)
        )
    )
    assert listed

    # Alice cancels one of her appointments that day; the job runner offers it to Bob.
    freed = filled[2]
    await cancel_by_buttons(tg, alice, freed["id"])
    report = await live_api.run_jobs()
    assert {j.kind for j in report.done} >= {"waitlist_offer", "waitlist_notify"}, report
    offer, data = await offer_for(tg, bob)
    assert freed["start_time"][:5] in offer.text and "Анна Иванова" in offer.text

    booked = await press_on(tg, bob, offer, data, "Вы записаны")
    assert booked.message_id == offer.message_id
    assert day_in_words(day, "ru") in booked.text and freed["start_time"][:5] in booked.text
    rows = [r for r in await live_api.appointments_of(bob) if r["status"] != "cancelled"]
    assert [(r["date"], r["start_time"][:5]) for r in rows] == [
        (day.isoformat(), freed["start_time"][:5])
    ]
    [entry] = await live_api.items("waitlist/", client_id=bob_client)
    assert entry["status"] == "booked" and entry["appointment"] == rows[0]["id"]

    # The same button again: a polite answer, nothing booked twice.
    answers = len(tg.answered_callbacks)
    tg.press(bob, offer, data)
    await tg.wait_for(lambda: len(tg.answered_callbacks) > answers)
    assert "Уже готово" in (tg.answered_callbacks[-1].text or "")
    assert len([r for r in await live_api.appointments_of(bob) if r["status"] != "cancelled"]) == 1


async def test_waitlist_offer_taken_by_someone_faster(tg, running_bot, live_api: LiveApi) -> None:
    alice, bob, carol = new_user("Анфиса"), new_user("Богдан"), new_user("Вика")
    for user in (alice, bob, carol):
        await start_chat(tg, user)
    day, _time = await live_api.free_slot("Маникюр", after=today() + dt.timedelta(days=14))
    filled = await fill_day(live_api, (await known_client(live_api, alice))["id"], day)
    await join_waitlist_by_buttons(tg, bob, day)

    freed = filled[1]
    await cancel_by_buttons(tg, alice, freed["id"])
    await live_api.run_jobs()
    offer, data = await offer_for(tg, bob)
    # Carol books the freed time before Bob presses the button.
    service = await live_api.service("Маникюр")
    await live_api.post(
        "appointments/",
        {
            "client": (await known_client(live_api, carol))["id"],
            "service": service["id"],
            "specialist": service["specialist"],
            "date": day.isoformat(),
            "start_time": freed["start_time"][:5],
            "end_time": freed["end_time"][:5],
        },
    )

    sorry = await press_on(tg, bob, offer, data, "уже занято")
    assert "остаётесь в листе ожидания" in sorry.text
    assert "Что-то пошло не так" not in sorry.text
    assert [r for r in await live_api.appointments_of(bob) if r["status"] != "cancelled"] == []
    [entry] = await live_api.items("waitlist/", client_id=(await live_api.client_of(bob))["id"])
    assert entry["status"] == "active"  # still waiting

    # Bob leaves the waitlist from "My appointments" (asked first).
    mark = tg.mark()
    tg.send_command(bob, "/my")
    await tg.wait_for(
        lambda: any(
            f"wj:leave:{entry['id']}" in [d for _t, d in m.buttons]
            for m in tg.messages_to(bob)
            if m.revision > mark
        )
    )
    message = next(
        m for m in tg.messages_to(bob) if f"wj:leave:{entry['id']}" in [d for _t, d in m.buttons]
    )
    await press_on(tg, bob, message, f"wj:leave:{entry['id']}", "Больше не ждать")
    await press_on(tg, bob, message, f"wj:leave_yes:{entry['id']}", "Вы вышли из листа ожидания")
    remaining = await live_api.items("waitlist/", client_id=(await live_api.client_of(bob))["id"])
    assert [e for e in remaining if e["status"] in ("active", "offered")] == []
