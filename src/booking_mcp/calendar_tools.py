"""Calendar tools: "add to calendar" for one booking, and the client's calendar feed link.

Registered by :func:`booking_mcp.server.build_server`. Both act for the client (the API's
token exchange, as the other booking tools), so the API decides what the client may see.
"""

from __future__ import annotations

from mcp.server.mcpserver import MCPServer
from pydantic import BaseModel, Field

from .errors import tool_errors
from .server import READ, UserId
from .service import BookingService


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


def register_calendar_tools(mcp: MCPServer, service: BookingService) -> None:
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
