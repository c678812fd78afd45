"""The real bot (long polling) against FakeTelegram and a stand-in MCP server over HTTP."""

from __future__ import annotations

import asyncio

from support.fake_telegram import FakeTelegram, User

ANNA = User(id=501, first_name="Анна", language_code="ru", phone="+79001112233")
JOHN = User(id=502, first_name="John", language_code="en")


async def register(tg: FakeTelegram, user: User) -> None:
    tg.send_command(user, "/start")
    await tg.wait_for_message(user, contains="Как к вам обращаться" if user.language_code == "ru"
                              else "How should we address you")
    tg.tap_reply_button(user, user.first_name)
    await tg.wait_for(lambda: tg.reply_keyboard(user) and any(
        "📱" in b for row in tg.reply_keyboard(user) for b in row))
    tg.tap_reply_button(user, "📱")
    await tg.wait_for(lambda: tg.last_message(user) and tg.last_message(user).inline_keyboard)


async def book_by_buttons(tg: FakeTelegram, user: User) -> str:
    tg.press_button(user, "Записаться")
    await tg.wait_for(lambda: "Ногтевой сервис" in tg.last_message(user).button_texts)
    tg.press_button(user, "Ногтевой сервис")
    await tg.wait_for(lambda: any("Анна Иванова" in b for b in tg.last_message(user).button_texts))
    tg.press_button(user, "Анна Иванова")
    await tg.wait_for(lambda: any("Маникюр" in b for b in tg.last_message(user).button_texts))
    assert "Маникюр · 1 500 ₽ · 1 ч 30 мин" in tg.last_message(user).button_texts
    tg.press_button(user, "Маникюр")
    await tg.wait_for(lambda: "выберите день" in (tg.last_message(user).text or ""))
    days = [d for t, d in tg.last_message(user).buttons if d and d.startswith("cal:day:")]
    assert days
    tg.press(user, tg.last_message(user), days[0])
    await tg.wait_for(lambda: "Свободное время" in (tg.last_message(user).text or ""))
    tg.press_button(user, "11:30")
    await tg.wait_for(lambda: "Проверьте" in (tg.last_message(user).text or ""))
    return days[0].split(":", 2)[2]


async def test_registration_and_booking_by_buttons(tg, running_bot, mcp_server) -> None:
    await register(tg, ANNA)
    assert mcp_server.data.clients["501"] == {"name": "Анна", "phone": "+79001112233",
                                              "language": "ru"}
    assert "Спасибо, Анна" in " ".join(m.text or "" for m in tg.messages_to(ANNA))
    day = await book_by_buttons(tg, ANNA)
    summary = tg.last_message(ANNA).text
    assert "Маникюр" in summary and "Анна Иванова" in summary and "1 500 ₽" in summary
    assert "1 ч 30 мин" in summary and "11:30" in summary
    confirm = tg.last_message(ANNA)
    data = next(d for t, d in confirm.buttons if "Подтвердить" in t)
    tg.press(ANNA, confirm, data)  # a double tap
    tg.press(ANNA, confirm, data)
    await tg.wait_for(lambda: len(tg.answered_callbacks) >= 2 and any(
        "Уже готово" in (a.text or "") for a in tg.answered_callbacks))
    await tg.wait_for(lambda: "Вы записаны" in (tg.messages_to(ANNA)[-1].text or ""))
    assert len(mcp_server.data.appointments) == 1
    row = mcp_server.data.appointments[0]
    assert (row["date"], row["start_time"], row["user_id"]) == (day, "11:30", "501")


async def test_cancel_with_confirmation(tg, running_bot, mcp_server) -> None:
    await register(tg, ANNA)
    await book_by_buttons(tg, ANNA)
    tg.press_button(ANNA, "Подтвердить")
    await tg.wait_for(lambda: "Вы записаны" in (tg.last_message(ANNA).text or ""))
    tg.send_command(ANNA, "/my")
    await tg.wait_for(lambda: "Отменить" in tg.last_message(ANNA).button_texts[-1])
    tg.press_button(ANNA, "Отменить")
    await tg.wait_for(lambda: "Отменить эту запись?" in (tg.last_message(ANNA).text or ""))
    assert mcp_server.data.appointments[0]["status"] == "pending"
    tg.press_button(ANNA, "Да, отменить")
    await tg.wait_for(lambda: "Запись отменена" in (tg.last_message(ANNA).text or ""))
    assert mcp_server.data.appointments[0]["status"] == "cancelled"


async def test_stale_and_forged_callbacks(tg, running_bot, mcp_server) -> None:
    await register(tg, ANNA)
    menu = tg.last_message(ANNA)
    tg.press(ANNA, menu, "ok:deadbeefdeadbeef")
    tg.press(ANNA, menu, "garbage-from-nowhere")
    tg.press(ANNA, menu, "cal:day:2020-01-01")
    await tg.wait_for(lambda: len(tg.answered_callbacks) >= 3)
    assert all("устарела" in (a.text or "") for a in tg.answered_callbacks[-3:])
    assert mcp_server.data.appointments == []


async def test_sticker_voice_photo_get_helpful_replies(tg, running_bot) -> None:
    tg.send_sticker(ANNA)
    await tg.wait_for_message(ANNA, contains="стикер")
    tg.send_voice(JOHN)
    await tg.wait_for_message(JOHN, contains="voice messages")
    tg.send_photo(ANNA)
    await tg.wait_for_message(ANNA, contains="картинки")


async def test_free_text_actions_become_buttons(tg, running_bot, mcp_server) -> None:
    await register(tg, JOHN)
    day = next(iter(__import__("tests.bot.conftest", fromlist=["free_days"]).free_days(
        __import__("datetime").date.today().strftime("%Y-%m")) or ["2099-01-05"]))
    mcp_server.data.response = "Manicure with Anna, 11:30 — shall I book it?"
    mcp_server.data.actions = [{"type": "confirm_booking", "payload": {
        "specialist_id": 7, "service_id": 11, "date": day, "start_time": "11:30",
        "service_name": "Manicure", "specialist_name": "Anna Ivanova", "price": "1500",
        "duration": 90, "label": "✅ Book 11:30"}}]
    tg.send_text(JOHN, "manicure tomorrow at 11:30")
    await tg.wait_for_message(JOHN, contains="shall I book it")
    assert tg.last_message(JOHN).button_texts == ["✅ Book 11:30"]
    tg.press_button(JOHN, "Book 11:30")
    await tg.wait_for(lambda: "Please check your booking" in (tg.last_message(JOHN).text or ""))
    assert "1 h 30 min" in tg.last_message(JOHN).text
    tg.press_button(JOHN, "Confirm")
    await tg.wait_for(lambda: "You're booked" in (tg.last_message(JOHN).text or ""))
    assert mcp_server.data.appointments[0]["user_id"] == "502"


async def test_mcp_down_apology_then_back(tg, running_bot, mcp_server) -> None:
    await register(tg, ANNA)
    await asyncio.to_thread(mcp_server.server.stop)
    tg.press_button(ANNA, "Записаться")
    await tg.wait_for_message(ANNA, contains="сервис записи сейчас недоступен", timeout=20)
    await asyncio.to_thread(mcp_server.restart)
    tg.press_button(ANNA, "Попробовать ещё раз")
    await tg.wait_for(lambda: "Ногтевой сервис" in tg.last_message(ANNA).button_texts,
                      timeout=20)


async def test_restart_mid_booking_loses_nothing(tg, running_bot, mcp_server) -> None:
    await register(tg, ANNA)
    await book_by_buttons(tg, ANNA)
    await running_bot.stop()
    await running_bot.start()
    tg.press_button(ANNA, "Подтвердить")
    await tg.wait_for(lambda: "Вы записаны" in (tg.last_message(ANNA).text or ""))
    assert len(mcp_server.data.appointments) == 1
