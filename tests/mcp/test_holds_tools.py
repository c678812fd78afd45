"""hold_slot, confirm_hold and release_hold through an in-process ``mcp.Client(server)``, down
to the real API; the resources of the business profile and the cancellation policy."""

from __future__ import annotations

import asyncio
import datetime as dt
import json

from sqlalchemy import update

from booking_api.core.db import Database
from booking_api.models import Hold
from kit.free_time import free_day, free_starts
from mcp import Client

TAKEN = "Выбранное время уже занято."


async def call(client: Client, tool: str, **args: object) -> dict:
    result = await client.call_tool(tool, args)
    assert not result.is_error, result.content
    return result.structured_content


async def failure(client: Client, tool: str, **args: object) -> dict:
    """The structured error of a failed call (its text is the human message)."""
    result = await client.call_tool(tool, args)
    assert result.is_error, result.structured_content
    error = result.structured_content["error"]
    assert result.content[0].text == error["message"]
    return error


async def expire(live_api, hold_id: int) -> None:
    """Time passes: the hold's end is behind us."""
    db = Database.from_settings(live_api.settings)
    try:
        async with db.write_sessions() as s:
            await s.execute(
                update(Hold)
                .where(Hold.id == hold_id)
                .values(expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1))
            )
            await s.commit()
    finally:
        await db.dispose()


async def manicure(client: Client) -> dict:
    services = (await call(client, "list_services", search="Маникюр"))["result"]
    return services[0]


async def test_hold_confirm_and_the_codes_of_refusals(mcp_server) -> None:
    async with Client(mcp_server) as client:
        service = await manicure(client)
        day, starts = await free_day(client, service, 3)
        slot = {
            "specialist_id": service["specialist"],
            "service_id": service["id"],
            "date": day.isoformat(),
            "start_time": starts[0],
        }
        held = await call(client, "hold_slot", user_id="710001", **slot)
        assert held["status"] == "held" and held["start_time"] == starts[0]
        assert dt.datetime.fromisoformat(held["expires_at"]) > dt.datetime.now(dt.UTC)
        assert starts[0] not in await free_starts(client, service, day)

        error = await failure(client, "hold_slot", user_id="710002", **slot)
        assert error == {
            "code": "slot_taken",
            "message": TAKEN,
            "message_en": "That time is already booked.",
            "retryable": False,
            "next_step": {"tool": "get_available_slots", "why": error["next_step"]["why"]},
        }
        error = await failure(client, "create_appointment", user_id="710002", **slot)
        assert error["code"] == "slot_taken"

        booked = await call(client, "confirm_hold", user_id="710001", hold_id=held["id"])
        assert booked["start_time"] == starts[0] and booked["status"] == "pending"
        again = await call(client, "confirm_hold", user_id="710001", hold_id=held["id"])
        assert again["id"] == booked["id"]
        error = await failure(client, "release_hold", user_id="710001", hold_id=held["id"])
        assert error["code"] == "hold_confirmed"
        assert error["next_step"]["tool"] == "get_my_appointments"
        # Somebody else's hold is nobody's business.
        error = await failure(client, "confirm_hold", user_id="710002", hold_id=held["id"])
        assert error["code"] == "not_found" and error["next_step"]["tool"] == "hold_slot"


async def test_confirm_after_expiry_is_refused_with_its_code(mcp_server, live_api) -> None:
    async with Client(mcp_server) as client:
        service = await manicure(client)
        day, starts = await free_day(client, service, 4)
        held = await call(
            client,
            "hold_slot",
            user_id="710011",
            specialist_id=service["specialist"],
            service_id=service["id"],
            date=day.isoformat(),
            start_time=starts[0],
        )
        await expire(live_api, held["id"])
        assert starts[0] in await free_starts(client, service, day)
        error = await failure(client, "confirm_hold", user_id="710011", hold_id=held["id"])
        assert error["code"] == "hold_expired" and error["retryable"] is False
        assert error["next_step"]["tool"] == "hold_slot"


async def test_release_gives_the_time_back(mcp_server) -> None:
    async with Client(mcp_server) as client:
        service = await manicure(client)
        day, starts = await free_day(client, service, 5)
        held = await call(
            client,
            "hold_slot",
            user_id="710021",
            specialist_id=service["specialist"],
            service_id=service["id"],
            date=day.isoformat(),
            start_time=starts[0],
        )
        released = await call(
            client, "release_hold", user_id="710021", hold_id=held["id"], idempotency_key="r-1"
        )
        assert released["status"] == "released"
        repeated = await call(
            client, "release_hold", user_id="710021", hold_id=held["id"], idempotency_key="r-1"
        )
        assert repeated == released
        assert starts[0] in await free_starts(client, service, day)
        error = await failure(client, "confirm_hold", user_id="710021", hold_id=held["id"])
        assert error["code"] == "hold_released"


async def test_a_repeated_hold_answers_the_same_hold(mcp_server) -> None:
    async with Client(mcp_server) as client:
        service = await manicure(client)
        day, starts = await free_day(client, service, 6)
        slot = {
            "user_id": "710031",
            "specialist_id": service["specialist"],
            "service_id": service["id"],
            "date": day.isoformat(),
            "start_time": starts[0],
        }
        first = await call(client, "hold_slot", **slot)
        assert (await call(client, "hold_slot", **slot))["id"] == first["id"]
        keyed = await call(
            client, "hold_slot", **{**slot, "start_time": starts[-1]}, idempotency_key="h"
        )
        again = await call(
            client, "hold_slot", **{**slot, "start_time": starts[-1]}, idempotency_key="h"
        )
        assert again["id"] == keyed["id"]
        error = await failure(client, "hold_slot", **slot, idempotency_key="h")
        assert error["code"] == "idempotency_conflict" and error["next_step"]["tool"] == "hold_slot"


async def test_fifty_agents_holding_one_slot_get_one_hold(mcp_server) -> None:
    async with Client(mcp_server) as client:
        service = await manicure(client)
        day, starts = await free_day(client, service, 7)
        results = await asyncio.gather(
            *(
                client.call_tool(
                    "hold_slot",
                    {
                        "user_id": str(720000 + i),
                        "specialist_id": service["specialist"],
                        "service_id": service["id"],
                        "date": day.isoformat(),
                        "start_time": starts[0],
                    },
                )
                for i in range(50)
            )
        )
        held = [r for r in results if not r.is_error]
        assert len(held) == 1, [r.content[0].text for r in results if r.is_error][:3]
        codes = {r.structured_content["error"]["code"] for r in results if r.is_error}
        assert codes == {"slot_taken"}
        assert starts[0] not in await free_starts(client, service, day)


async def test_business_resources(mcp_server) -> None:
    async with Client(mcp_server) as client:
        uris = {str(r.uri) for r in (await client.list_resources()).resources}
        assert {
            "business://profile",
            "business://cancellation-policy",
            "docs://errors",
        } <= uris
        profile = json.loads((await client.read_resource("business://profile")).contents[0].text)
        assert profile["name"] == "Booking Assistant" and profile["time_zone"] == "Europe/Moscow"
        assert {"Казань", "Москва"} <= set(profile["cities"])
        assert profile["services"] > 0 and profile["specialists"][0]["name"]
        # The API's profile (the demo's), in both languages.
        assert "Баумана" in profile["address"] and "Baumana" in profile["address_en"]
        assert profile["phone"] and profile["phone"] in profile["contacts"]
        assert any("parking" in item["question_en"].lower() for item in profile["faq"])
        policy = json.loads(
            (await client.read_resource("business://cancellation-policy")).contents[0].text
        )
        assert policy["hold_minutes"] == 5 and policy["cancel_cutoff_minutes"] == 0
        assert any("5 min" in rule for rule in policy["rules"])
        codes = json.loads((await client.read_resource("docs://errors")).contents[0].text)
        assert {"slot_taken", "hold_expired", "api_unavailable"} <= {c["code"] for c in codes}
