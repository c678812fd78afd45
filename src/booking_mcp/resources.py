"""The MCP server's resources (the catalogue, the business profile, the cancellation policy,
the error codes) and its prompts. Registered by :func:`booking_mcp.server.build_server`."""

from __future__ import annotations

import asyncio
import json

from mcp.server.mcpserver import MCPServer
from pydantic import BaseModel

from . import errors
from .schemas import BusinessProfile
from .service import BookingService


def register_resources_and_prompts(mcp: MCPServer, service: BookingService) -> None:
    # ------------------------------------------------------------------ resources

    @mcp.resource(
        "catalogue://categories", mime_type="application/json", description="Service categories"
    )
    async def categories_resource() -> str:
        return _dump(await service.categories())

    @mcp.resource(
        "catalogue://specialists", mime_type="application/json", description="Active specialists"
    )
    async def specialists_resource() -> str:
        return _dump(await service.specialists())

    @mcp.resource(
        "catalogue://services",
        mime_type="application/json",
        description="Active services with prices and durations",
    )
    async def services_resource() -> str:
        return _dump(await service.services())

    @mcp.resource(
        "business://profile",
        mime_type="application/json",
        description="Who the assistant books for: name, address, phone, opening hours, "
        "answers to common questions (each with its English twin, *_en), time zone, cities, "
        "categories and specialists",
    )
    async def business_profile() -> str:
        return (await _profile(service)).model_dump_json(indent=1)

    @mcp.resource(
        "business://cancellation-policy",
        mime_type="application/json",
        description="How long a hold lasts, until when a booking may be cancelled or moved, "
        "how far ahead bookings are made",
    )
    async def cancellation_policy() -> str:
        return (await service.policy()).model_dump_json(indent=1)

    @mcp.resource(
        "docs://errors",
        mime_type="application/json",
        description="Every error code a tool answers with: what it means, whether retrying "
        "can help",
    )
    def error_codes() -> str:
        return json.dumps(errors.documentation(), ensure_ascii=False, indent=1)

    # ------------------------------------------------------------------ prompts

    @mcp.prompt(title="Book an appointment")
    def book_appointment(service: str = "", city: str = "", when: str = "") -> str:
        """Guide the assistant through booking."""
        wish = ", ".join(x for x in (service, city and f"in {city}", when) if x) or "something"
        return (
            f"The user wants to book {wish}. Use list_services or get_specialists to find the "
            "service and specialist, get_available_days and get_available_slots (or "
            "find_nearest_slots) to find a free time, then hold_slot to keep it while you tell "
            "the user the price and the exact date and time. Call confirm_hold only after they "
            "agree, release_hold if they do not (create_appointment books in one step, when "
            "the user already agreed to that exact time)."
        )

    @mcp.prompt(title="Manage my bookings")
    def manage_bookings() -> str:
        """Guide the assistant through showing, moving and cancelling bookings."""
        return (
            "Show the user's upcoming appointments with get_my_appointments(active_only=true). "
            "To move one, find a free time with get_available_slots for the same specialist "
            "and service, then reschedule_appointment; to cancel, cancel_appointment. Both "
            "change the booking: ask the user first and pass confirm=true only after a clear yes."
        )


async def _profile(service: BookingService) -> BusinessProfile:
    """The business profile: the API's (``/api/business/``; the settings ``BUSINESS_NAME`` and
    ``BUSINESS_CONTACTS`` stand in for what it leaves empty) and the public catalogue."""
    info, specialists, services, categories = await asyncio.gather(
        service.business(), service.specialists(), service.services(), service.categories()
    )
    settings = service.settings
    contacts = settings.business_contacts or ", ".join(x for x in (info.address, info.phone) if x)
    return BusinessProfile(
        name=info.name,
        name_en=info.name_en,
        contacts=contacts,
        address=info.address,
        address_en=info.address_en,
        phone=info.phone,
        opening_hours=info.opening_hours,
        opening_hours_en=info.opening_hours_en,
        faq=info.faq,
        time_zone=settings.time_zone,
        languages=["ru", "en"],
        cities=sorted({s.city for s in specialists if s.city}),
        categories=[c.name for c in categories],
        specialists=[
            {"id": s.id, "name": s.name, "specialization": s.specialization, "city": s.city}
            for s in specialists
        ],
        services=len(services),
    )


def _dump(items: list[BaseModel]) -> str:
    return json.dumps([i.model_dump(mode="json") for i in items], ensure_ascii=False, indent=1)
