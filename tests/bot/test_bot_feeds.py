"""Calendar feeds in the bot: a client's link from "My appointments" (“Календарь”), a
specialist's work calendar with /feed, a new link on request (the old one stops working),
and a clear answer for someone who is not a specialist. Real bot, MCP server and API."""

from __future__ import annotations

import re

import httpx
import icalendar
from sqlalchemy import update

from booking_api.core.db import Database
from booking_api.models import Specialist
from kit.bot import new_user, press_and_wait, register
from kit.live_api import LiveApi
from kit.telegram import FakeTelegram, User

CYRILLIC = re.compile("[а-яА-ЯёЁ]")


def link_in(text: str) -> str:
    [url] = re.findall(r"https?://\S+\.ics", text)
    return url


async def fetch(url: str) -> httpx.Response:
    async with httpx.AsyncClient() as http:
        return await http.get(url)


async def make_specialist(live_api: LiveApi, user: User) -> dict:
    """The first specialist gets ``user``'s Telegram id (staff set it in the profile)."""
    specialist = (await live_api.items("specialists/"))[0]
    db = Database.from_settings(live_api.settings)
    try:
        async with db.write_sessions() as session:
            await session.execute(update(Specialist).values(telegram_id=None))
            await session.execute(
                update(Specialist)
                .where(Specialist.id == specialist["id"])
                .values(telegram_id=str(user.id))
            )
            await session.commit()
    finally:
        await db.dispose()
    return specialist


async def rotate(tg: FakeTelegram, user: User, ru: bool = True) -> str:
    await press_and_wait(
        tg, user, "Новая ссылка" if ru else "New link", "новую ссылку?" if ru else "a new link?"
    )
    text = await press_and_wait(
        tg,
        user,
        "Да, новая ссылка" if ru else "Yes, a new link",
        "старая больше не работает" if ru else "the old one no longer works",
    )
    return link_in(text)


async def test_a_client_gets_their_feed_from_my_appointments(
    tg: FakeTelegram, running_bot, live_api: LiveApi
) -> None:
    user = new_user("Ольга")
    await register(tg, user)
    tg.send_command(user, "/my")
    await tg.wait_for(lambda: any("Календарь" in b for b in tg.last_message(user).button_texts))
    text = await press_and_wait(tg, user, "Календарь", "Ваши записи в приложении календаря")
    assert "не передавайте её никому" in text.lower()
    old = link_in(text)
    feed = await fetch(old)
    assert feed.status_code == 200
    assert icalendar.Calendar.from_ical(feed.content) is not None

    new = await rotate(tg, user)
    assert new != old
    assert (await fetch(old)).status_code == 404
    assert (await fetch(new)).status_code == 200


async def test_an_english_client_reads_english(tg: FakeTelegram, running_bot, live_api) -> None:
    user = new_user("Kate", language_code="en")
    await register(tg, user)
    tg.send_command(user, "/my")
    await tg.wait_for(lambda: any("Calendar" in b for b in tg.last_message(user).button_texts))
    text = await press_and_wait(tg, user, "Calendar", "Your bookings in your calendar app")
    assert not CYRILLIC.search(text) and link_in(text)
    assert not any(CYRILLIC.search(b) for b in tg.last_message(user).button_texts)


async def test_a_specialist_gets_their_work_calendar_with_feed(
    tg: FakeTelegram, running_bot, live_api: LiveApi
) -> None:
    user = new_user("Анна")
    specialist = await make_specialist(live_api, user)
    mark = tg.mark()
    tg.send_command(user, "/feed")
    message = await tg.wait_for_message(user, contains="Ваш рабочий календарь", since=mark)
    old = link_in(message.text or "")
    feed = await fetch(old)
    assert feed.status_code == 200
    calendar = icalendar.Calendar.from_ical(feed.content)
    assert specialist["name"] in str(calendar.get("X-WR-CALNAME"))

    new = await rotate(tg, user)
    assert new != old
    assert (await fetch(old)).status_code == 404
    assert (await fetch(new)).status_code == 200


async def test_feed_for_someone_who_is_not_a_specialist(
    tg: FakeTelegram, running_bot, live_api: LiveApi
) -> None:
    user = new_user("Пётр")
    mark = tg.mark()
    tg.send_command(user, "/feed")
    message = await tg.wait_for_message(user, contains="для специалистов", since=mark)
    assert str(user.id) in (message.text or "")
    assert ".ics" not in (message.text or "")
