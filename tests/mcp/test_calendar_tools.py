"""The calendar tools ("add to calendar" after a booking, the client's feed link) through an
in-process ``mcp.Client(server)``, down to the real API."""

from __future__ import annotations

import httpx
import icalendar
from sqlalchemy import update

from booking_api.core.db import Database
from booking_api.models import Specialist
from kit.mcp import next_weekday
from mcp import Client

TG = "700301"


async def call(client: Client, tool: str, **args: object) -> object:
    result = await client.call_tool(tool, args)
    assert not result.is_error, result.content
    return result.structured_content


async def test_add_to_calendar_and_the_feed_link(mcp_server, live_api) -> None:
    friday = next_weekday(4, weeks=6)  # a day no other MCP test books
    async with Client(mcp_server) as client:
        tools = {t.name: t for t in (await client.list_tools()).tools}
        assert tools["get_appointment_ics"].annotations.read_only_hint is True
        await call(client, "register_client", user_id=TG, name="Календарь", phone="+79990003001")
        services = await client.call_tool("list_services", {"search": "Маникюр"})
        manicure = services.structured_content["result"][0]
        booked = await call(
            client,
            "create_appointment",
            user_id=TG,
            specialist_id=manicure["specialist"],
            service_id=manicure["id"],
            date=friday.isoformat(),
            start_time="15:00",
        )
        file = await call(client, "get_appointment_ics", user_id=TG, appointment_id=booked["id"])
        assert file["filename"] == f"appointment-{booked['id']}.ics"
        assert file["mime_type"] == "text/calendar"
        [event] = icalendar.Calendar.from_ical(file["content"]).events
        assert str(event["UID"]) == f"appointment-{booked['id']}@booking-assistant"
        assert (event.start.date(), event.start.strftime("%H:%M")) == (friday, "15:00")

        other = await client.call_tool(
            "get_appointment_ics", {"user_id": "700302", "appointment_id": booked["id"]}
        )
        assert other.is_error  # someone else's booking is not theirs to add

        link = await call(client, "get_calendar_feed", user_id=TG)
        assert link["url"].endswith(".ics") and link["webcal_url"].startswith("webcal://")
    async with httpx.AsyncClient() as http:
        feed = await http.get(link["url"])
    assert feed.status_code == 200
    uids = [str(e["UID"]) for e in icalendar.Calendar.from_ical(feed.content).events]
    assert uids == [f"appointment-{booked['id']}@booking-assistant"]


async def test_a_new_client_feed_link_replaces_the_old(mcp_server, live_api) -> None:
    async with Client(mcp_server) as client:
        await call(client, "register_client", user_id="700303", name="Ротация")
        old = await call(client, "get_calendar_feed", user_id="700303")
        new = await call(client, "rotate_calendar_feed", user_id="700303")
        assert new["url"] != old["url"]
        assert (await call(client, "get_calendar_feed", user_id="700303"))["url"] == new["url"]
    async with httpx.AsyncClient() as http:
        assert (await http.get(old["url"])).status_code == 404
        assert (await http.get(new["url"])).status_code == 200


async def test_a_specialist_gets_their_own_feed_by_telegram_id(mcp_server, live_api) -> None:
    specialist = (await live_api.items("specialists/"))[0]
    db = Database.from_settings(live_api.settings)
    try:
        async with db.write_sessions() as session:
            await session.execute(
                update(Specialist)
                .where(Specialist.id == specialist["id"])
                .values(telegram_id="700311")
            )
            await session.commit()
    finally:
        await db.dispose()
    async with Client(mcp_server) as client:
        link = await call(client, "get_specialist_calendar_feed", user_id="700311")
        new = await call(client, "rotate_specialist_calendar_feed", user_id="700311")
        assert new["url"] != link["url"]
        stranger = await client.call_tool("get_specialist_calendar_feed", {"user_id": "700312"})
        assert stranger.is_error
        assert stranger.structured_content["error"]["code"] == "not_found"
    async with httpx.AsyncClient() as http:
        assert (await http.get(link["url"])).status_code == 404
        feed = await http.get(new["url"])
    assert feed.status_code == 200
    calendar = icalendar.Calendar.from_ical(feed.content)
    assert specialist["name"] in str(calendar.get("X-WR-CALNAME"))
