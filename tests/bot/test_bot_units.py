"""Unit tests: formatting, i18n catalogues, keyboards, storage, Telegram retries."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from aiogram.fsm.storage.base import StorageKey
from babel.messages.extract import extract_from_dir

from booking_bot import formatting, render
from booking_bot.callbacks import AssistantCb, CalendarCb
from booking_bot.gateway.results import items_of, unwrap
from booking_bot.i18n import LOCALES_DIR, default_i18n, locale_for
from booking_bot.keyboards.calendar import free_days_in, month_calendar
from booking_bot.render import MAX_OPTIONS, build, reply_options
from booking_bot.storage import SQLiteStorage
from booking_common.conversation import Action, ActionType, Category, Option, Reply

i18n = default_i18n()


def test_dates_prices_durations_in_russian_and_english() -> None:
    day = dt.date(2026, 11, 25)
    with i18n.context(), i18n.use_locale("ru"):
        assert formatting.day_in_words(day) == "среда, 25 ноября" + (
            "" if day.year == dt.date.today().year else " 2026"
        )
        assert formatting.price("1500.00") == "1 500 ₽"
        assert formatting.price("1200.5") == "1 200,50 ₽"
        assert formatting.duration(90) == "1 ч 30 мин"
        assert formatting.duration(45) == "45 мин"
        assert formatting.month_title(2026, 11) == "Ноябрь 2026"
    with i18n.context(), i18n.use_locale("en"):
        assert formatting.day_in_words(day, year=True) == "Wednesday, 25 November 2026"
        assert formatting.price(1500) == "1,500 ₽"
        assert formatting.duration(120) == "2 h"


def test_locale_choice() -> None:
    assert locale_for("en") == "en" and locale_for("en-GB") == "en"
    assert locale_for("ru") == "ru" and locale_for("de") == "ru" and locale_for(None) == "ru"


def test_every_text_has_a_russian_translation() -> None:
    src = Path(__file__).parents[2] / "src" / "booking_bot"
    ids = {
        m[2]
        for m in extract_from_dir(str(src), method_map=[("**.py", "python")], keywords={"_": None})
    }
    ru = i18n.locales["ru"]
    missing = [
        m
        for m in ids
        if ru.gettext(m) == m and not m.startswith(("💅 {", "👤 {", "📅 {d", "⏱", "💰"))
    ]
    assert not missing
    assert (LOCALES_DIR / "en" / "LC_MESSAGES" / "messages.po").exists()


def test_calendar_only_free_days_are_buttons() -> None:
    today = dt.date(2026, 11, 10)
    free = [dt.date(2026, 11, 9), dt.date(2026, 11, 25), dt.date(2026, 11, 26)]
    with i18n.context(), i18n.use_locale("ru"):
        markup = month_calendar(2026, 11, free, today=today)
    assert free_days_in(markup) == ["2026-11-25", "2026-11-26"]  # the past day is not pressable
    header = markup.inline_keyboard[0]
    assert header[1].text == "Ноябрь 2026"
    assert header[0].callback_data == CalendarCb(action="noop").pack()  # no going back
    assert header[2].callback_data == CalendarCb(action="nav", value="2026-12").pack()
    assert [b.text for b in markup.inline_keyboard[1]] == ["Пн", "Вт", "Ср", "Чт", "Пт", "Сб", "Вс"]
    for row in markup.inline_keyboard:
        for button in row:
            assert len(button.callback_data.encode()) <= 64


def test_callback_data_fits() -> None:
    """Buttons carry (turn, index), never the option's value, however long it is."""
    value = "/pick slot 123456 654321 2026-11-25 14:30 " + "x" * 100
    reply = Reply(
        response="",
        actions=[Action.of(ActionType.CHOOSE_SLOT, options=[Option(label="a", value=value)])],
    )
    screen, markup = build(reply)
    [[button]] = markup.inline_keyboard
    assert len(button.callback_data.encode()) <= 64
    assert AssistantCb.unpack(button.callback_data) == AssistantCb(turn=screen.turn, index=0)
    assert screen.values == [value]


def test_a_reply_becomes_a_screen(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(render, "today", lambda: dt.date(2026, 11, 20))
    days = ["2026-11-25", "2026-11-27"]
    reply = Reply(
        response="На какой день?",
        context={"service_id": 11},
        actions=[
            Action.of(
                ActionType.CHOOSE_DATE,
                days=days,
                options=[
                    *(Option(label=d, value=f"/pick date {d}", date=d) for d in days),
                    Option(label="Ещё ›", value="/page 2"),
                ],
            ),
            Action.of(
                ActionType.JOIN_WAITLIST,
                options=[Option(label="🔔 Сообщить", value="/waitlist join")],
            ),
        ],
    )
    with i18n.context(), i18n.use_locale("ru"):
        screen, markup = build(reply)
    assert free_days_in(markup) == days  # the days are a calendar, not a list of buttons
    assert screen.days == {d: f"/pick date {d}" for d in days}
    assert screen.value_of_day(dt.date(2026, 11, 26)) == "/pick date 2026-11-26"  # a "·" day
    assert screen.values == ["/page 2", "/waitlist join"]  # a long list's "more" stays
    assert [row[0].text for row in markup.inline_keyboard[-2:]] == ["Ещё ›", "🔔 Сообщить"]
    assert screen.service_id == 11

    confirm = Reply(
        response="Записать?",
        actions=[
            Action.of(
                ActionType.CONFIRM,
                options=[Option(label="Да", value="/yes"), Option(label="Нет", value="/no")],
            )
        ],
    )
    for locale, labels in (("ru", ["✅ Подтвердить", "✖️ Нет"]), ("en", ["✅ Confirm", "✖️ No"])):
        with i18n.context(), i18n.use_locale(locale):
            screen, markup = build(confirm)
        assert [b.text for b in markup.inline_keyboard[0]] == labels
        assert screen.values == ["/yes", "/no"]


def test_ask_contact_is_telegrams_share_contact_button() -> None:
    reply = Reply(
        response="Как вас зовут и какой у вас телефон?",
        actions=[Action.of(ActionType.ASK_CONTACT, need=["name", "phone"])],
    )
    with i18n.context(), i18n.use_locale("en"):
        screen, markup = build(reply)
    [[button]] = markup.keyboard
    assert button.request_contact and button.text == "📱 Share my phone number"
    assert screen.contact
    # the next reply without buttons takes the contact keyboard away
    _screen, after = build(Reply(response="Спасибо!"), had_contact=True)
    assert after.remove_keyboard


def test_unwrap_structured_content() -> None:
    assert unwrap({"result": [1, 2]}) == [1, 2]
    assert unwrap({"services": [1]}, "services") == [1]
    assert unwrap({"id": 1, "name": "x"}) == {"id": 1, "name": "x"}


def test_tool_results_read_into_the_shared_models() -> None:
    data = {"result": [{"id": 1, "name": "Волосы"}, {"name": "no id"}, {"id": 2, "name": "Ногти"}]}
    assert [c.name for c in items_of(data, Category)] == ["Волосы", "Ногти"]
    assert items_of({"result": "not a list"}, Category) == []


def test_reply_options_become_buttons() -> None:
    long = "Маникюр с покрытием гель-лак и дизайном на все ногти — 2 200 ₽ — Анна Иванова"
    reply = Reply(
        response="",
        actions=[
            Action.of(
                ActionType.CHOOSE_SERVICE, options=[Option(label=long, value="/pick service 2")]
            ),
            Action.of(ActionType.BOOKED, appointment={"id": 1}),
            Action.of(
                ActionType.CHOOSE_TIME,
                options=[Option(label="", value=f"/pick time {h:02d}:00") for h in range(30)],
            ),
        ],
    )
    buttons = reply_options(reply)
    assert len(buttons) == MAX_OPTIONS
    assert buttons[0] == {"label": long[:60], "value": "/pick service 2"}
    assert buttons[1] == {"label": "/pick time 00:00", "value": "/pick time 00:00"}


async def test_sqlite_storage_survives_restart(tmp_path: Path) -> None:
    key = StorageKey(bot_id=1, chat_id=5, user_id=5)
    first = SQLiteStorage(tmp_path / "s.sqlite3")
    await first.set_state(key, "Screen:menu")
    await first.set_data(key, {"screen": {"turn": "abc", "values": ["/pick date 2026-11-25"]}})
    await first.close()
    second = SQLiteStorage(tmp_path / "s.sqlite3")
    assert await second.get_state(key) == "Screen:menu"
    assert (await second.get_data(key))["screen"]["values"] == ["/pick date 2026-11-25"]
    await second.set_state(key, None)
    assert await second.get_state(key) is None
    assert await second.get_data(StorageKey(bot_id=1, chat_id=6, user_id=6)) == {}
    await second.close()
    json.dumps({})


async def test_retry_middleware_on_429_and_5xx(tg) -> None:  # type: ignore[no-untyped-def]
    from aiogram.exceptions import TelegramServerError

    from booking_bot.config import BotSettings
    from booking_bot.main import create_bot

    bot = create_bot(
        BotSettings(
            _env_file=None,
            telegram_bot_token="123:ABC",
            telegram_api_url=tg.base_url,
            telegram_backoff_base=0.01,
        )
    )
    waits: list[float] = []
    middleware = bot.session.middleware.__self__._middlewares[0] if False else None  # noqa
    for m in bot.session.middleware._middlewares:  # type: ignore[attr-defined]

        async def fake_sleep(delay: float) -> None:
            waits.append(delay)

        m.sleep = fake_sleep
    try:
        tg.fail_next("sendMessage", status=429, retry_after=3)
        tg.fail_next("sendMessage", status=502, times=2)
        sent = await bot.send_message(1, "hello")
        assert sent.text == "hello"
        assert waits[0] == 3 and len(waits) == 3
        assert len(tg.calls_of("sendMessage")) == 4
        tg.fail_next("sendMessage", status=500, times=10)
        with pytest.raises(TelegramServerError):
            await bot.send_message(1, "never")
    finally:
        await bot.session.close()
