"""The Mini App from the bot (WEBAPP_URL): the menu button, and the calendar's button that
opens the page at the service being booked."""

from __future__ import annotations

from pathlib import Path

from booking_bot.config import BotSettings
from booking_bot.i18n import default_i18n
from booking_bot.main import create_bot
from booking_bot.webapp import calendar_rows, configure, set_menu_button
from kit.bot import RunningBot, bot_settings, new_user, open_calendar, start_chat
from kit.live_api import LiveApi
from kit.telegram import FakeTelegram

URL = "https://booking.example.com/app/"


async def test_the_menu_button_opens_the_mini_app(tg: FakeTelegram) -> None:
    bot = create_bot(
        BotSettings(_env_file=None, telegram_bot_token="123:ABC", telegram_api_url=tg.base_url)
    )
    try:
        await set_menu_button(bot, None)  # no WEBAPP_URL: Telegram's own menu button stays
        assert tg.menu_buttons == {}
        await set_menu_button(bot, URL)
    finally:
        await bot.session.close()
    assert tg.menu_buttons == {
        None: {"type": "web_app", "text": "Записаться", "web_app": {"url": URL}}
    }


def test_the_calendar_button_names_the_service() -> None:
    i18n = default_i18n()
    try:
        configure(None)
        assert calendar_rows(11) == []
        configure(URL)
        assert calendar_rows(None) == []  # no service known: no button
        with i18n.context(), i18n.use_locale("en"):
            [[button]] = calendar_rows(11)
        assert button.text == "🗓 Choose a time on a calendar"
        assert button.web_app is not None
        assert button.web_app.url == f"{URL}?startapp=service-11"
        configure("https://booking.example.com/app/?from=bot")
        with i18n.context(), i18n.use_locale("ru"):
            [[one]] = calendar_rows(11)
        assert one.text == "🗓 Выбрать время в календаре"
        assert one.web_app is not None
        assert one.web_app.url == "https://booking.example.com/app/?from=bot&startapp=service-11"
    finally:
        configure(None)


async def test_the_calendar_opens_the_mini_app_at_the_service(
    tg: FakeTelegram, mcp_url: str, live_api: LiveApi, tmp_path: Path
) -> None:
    bot = RunningBot(bot_settings(tg, mcp_url, tmp_path / "state.sqlite3", webapp_url=URL), tg)
    await bot.start()
    try:
        user = new_user()
        await start_chat(tg, user)
        calendar = await open_calendar(tg, user)
        keyboard = calendar.raw["reply_markup"]["inline_keyboard"]
    finally:
        await bot.stop()
        configure(None)
    [manicure] = [
        s["id"]
        for s in await live_api.get("services/")
        if s["name"] == "Маникюр" and s["specialist_name"] == "Анна Иванова"
    ]
    assert keyboard[0] == [
        {
            "text": "🗓 Выбрать время в календаре",
            "web_app": {"url": f"{URL}?startapp=service-{manicure}"},
        }
    ]
    days = [b for row in keyboard[1:] for b in row if b.get("callback_data", "").startswith("cal:")]
    assert days, keyboard  # the bot's own calendar follows
