"""Calendar tools: "add to calendar" for one booking, the client's calendar feed link (and a
new one), and a specialist's own feed link.

Registered by :func:`booking_mcp.server.build_server`. The client's tools act for the client
(the API's token exchange, as the other booking tools), so the API decides what the client
may see. The specialist's act for the person signed in (OAuth, or a fixed token), or, for a
Telegram user (the bot), look the specialist up by that Telegram id with the service account:
the API answers only staff there, and only with the feed of the specialist whose booking
notices go to that Telegram chat.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from mcp.server.mcpserver import MCPServer
from pydantic import BaseModel, Field

from .api_client import SERVICE, ClientAuth
from .errors import tool_errors
from .service import BookingService
from .tool_types import READ, WRITE, IdempotencyKey, UserId


class CalendarFile(BaseModel):
    """An iCalendar file to hand to the user ("add to calendar")."""

    filename: str = Field(examples=["appointment-42.ics"])
    mime_type: str = "text/calendar"
    content: str = Field(description="The .ics file (RFC 5545), times in the business time zone")


class CalendarLink(BaseModel):
    """A calendar feed to subscribe to: every booking, kept up to date by the calendar app."""

    url: str
    webcal_url: str = Field(description="The same link for calendar apps (webcal://)")
    created_at: str


#: The server's ``once``: runs a write once per ``idempotency_key``.
Once = Callable[
    [str, str | None, str | None, dict[str, Any], Callable[[], Awaitable[Any]]], Awaitable[Any]
]


def register_calendar_tools(mcp: MCPServer, service: BookingService, once: Once) -> None:
    @mcp.tool(annotations=READ)
    @tool_errors
    async def get_appointment_ics(appointment_id: int, user_id: UserId = None) -> CalendarFile:
        """One booking as an .ics file. Use right after a booking is made or moved, to offer
        "add to calendar"."""
        content = await service.appointment_ics(service.who(user_id), appointment_id)
        return CalendarFile(filename=f"appointment-{appointment_id}.ics", content=content)

    @mcp.tool(annotations=READ)  # the link is made on first read, then always the same
    @tool_errors
    async def get_calendar_feed(user_id: UserId = None) -> CalendarLink:
        """The client's calendar feed link (every booking, kept up to date). Use when the user
        wants their bookings in a calendar app; share the link with that user only."""
        data = await service.api.request("GET", "clients/me/calendar/", auth=service.who(user_id))
        return CalendarLink.model_validate(data)

    @mcp.tool(annotations=WRITE)
    @tool_errors
    async def rotate_calendar_feed(
        user_id: UserId = None, idempotency_key: IdempotencyKey = None
    ) -> CalendarLink:
        """A new calendar feed link for the client: the old one stops working at once. Use
        when the user says their link leaked or asks for a new one."""

        async def rotate() -> CalendarLink:
            data = await service.api.request(
                "POST", "clients/me/calendar/rotate/", auth=service.who(user_id)
            )
            return CalendarLink.model_validate(data)

        return await once("rotate_calendar_feed", user_id, idempotency_key, {}, rotate)

    def specialist_feed(user_id: str | None) -> tuple[str, ClientAuth | str]:
        who = service.who(user_id)
        if who.token is None and who.telegram_id:  # a Telegram user: found by that id
            return f"specialists/telegram/{who.telegram_id}/calendar/", SERVICE
        return "specialists/me/calendar/", who

    @mcp.tool(annotations=READ)  # the link is made on first read, then always the same
    @tool_errors
    async def get_specialist_calendar_feed(user_id: UserId = None) -> CalendarLink:
        """The calendar feed link of the specialist who is this user (their bookings, kept up
        to date); not found when the user is not a specialist. Share it with that user only."""
        path, auth = specialist_feed(user_id)
        return CalendarLink.model_validate(await service.api.request("GET", path, auth=auth))

    @mcp.tool(annotations=WRITE)
    @tool_errors
    async def rotate_specialist_calendar_feed(
        user_id: UserId = None, idempotency_key: IdempotencyKey = None
    ) -> CalendarLink:
        """A new calendar feed link for the specialist who is this user: the old one stops
        working at once."""
        path, auth = specialist_feed(user_id)

        async def rotate() -> CalendarLink:
            data = await service.api.request("POST", path + "rotate/", auth=auth)
            return CalendarLink.model_validate(data)

        return await once("rotate_specialist_calendar_feed", user_id, idempotency_key, {}, rotate)
