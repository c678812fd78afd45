"""Free times seen through the MCP server's tools, for tests sharing one live API (whatever
the tests before them booked)."""

from __future__ import annotations

import datetime as dt

from kit.mcp import next_weekday
from mcp import Client


async def free_day(client: Client, service: dict, weeks: int) -> tuple[dt.date, list[str]]:
    """A day ``weeks`` weeks ahead or later with a few free times (other tests share the API),
    and its free times."""
    day = next_weekday(0, weeks=weeks)
    while len(starts := await free_starts(client, service, day)) < 4:
        day += dt.timedelta(days=1)
    return day, starts


async def free_starts(client: Client, service: dict, day: dt.date) -> list[str]:
    result = await client.call_tool(
        "get_available_slots",
        {
            "specialist_id": service["specialist"],
            "date": day.isoformat(),
            "service_id": service["id"],
        },
    )
    if result.is_error:  # a day off
        return []
    return [s["start_time"] for s in result.structured_content["result"]]
