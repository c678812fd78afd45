"""Calendar tools: "add to calendar" for one booking, and the client's calendar feed link.

Registered by :func:`booking_mcp.server.build_server`. Both act for the client (the API's
token exchange, as the other booking tools), so the API decides what the client may see.
"""

from __future__ import annotations

from mcp.server.mcpserver import MCPServer
from pydantic import BaseModel, Field

from .server import IDEMPOTENT_WRITE, READ, UserId, api_errors
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
    @api_errors
    async def get_appointment_ics(appointment_id: int, user_id: UserId = None) -> CalendarFile:
        """One of the client's bookings as an .ics file: offer it ("add to calendar") after
        every booking is confirmed (create_appointment, reschedule_appointment)."""
        content = await service.api.request(
            "GET", f"appointments/{appointment_id}/ics/", auth=service.who(user_id)
        )
        return CalendarFile(filename=f"appointment-{appointment_id}.ics", content=str(content))

    @mcp.tool(annotations=IDEMPOTENT_WRITE)
    @api_errors
    async def get_calendar_feed(user_id: UserId = None) -> CalendarLink:
        """The client's calendar feed link (all their bookings; subscribe to it once in any
        calendar app). Anyone with the link can read it: share it only with the client."""
        data = await service.api.request("GET", "clients/me/calendar/", auth=service.who(user_id))
        return CalendarLink.model_validate(data)
