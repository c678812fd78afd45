"""The MCP server: tools, resources and prompts over :class:`~booking_mcp.service.BookingService`.

Tools are thin: they validate nothing the API validates and call the service layer. Every
tool declares its output schema (its result, or the error of :mod:`booking_mcp.errors`); a
failure is a tool error with a stable code, whether retrying helps and the next tool to call
(:func:`~booking_mcp.errors.tool_errors`). Write tools take an ``idempotency_key``
(:mod:`booking_mcp.idempotency`). Descriptions are written for a model choosing a tool: what
it does, and when to use it.

Whose bookings? A personal assistant fixes the client with ``BOOKING_CLIENT_TOKEN`` or
``BOOKING_TELEGRAM_ID`` (then ``user_id`` is ignored); the Telegram bot passes the Telegram
user's id as ``user_id`` and the server acts for that client through the API's staff-only
token exchange, so the API still decides who owns what.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any, TypeVar

from mcp.server.elicitation import ElicitationResult
from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.server.mcpserver.resolve import Resolve
from pydantic import Field

from booking_common.conversation import (
    Appointment,
    Category,
    NearestSlot,
    Reply,
    Service,
    Slot,
    Specialist,
    WaitlistEntry,
)

from . import errors
from .config import Settings
from .confirmations import (
    ConfirmAction,
    ask_to_cancel,
    ask_to_leave,
    ask_to_move,
    cancel_question,
    leave_question,
    move_question,
    require_yes,
)
from .dialog import Dialog
from .errors import tool_errors
from .idempotency import KeptResults
from .nlu import recognize
from .schemas import Client, Hold, Intent
from .service import BookingService
from .tool_types import (
    DESTRUCTIVE,
    IDEMPOTENT_WRITE,
    READ,
    WRITE,
    Confirm,
    Date,
    IdempotencyKey,
    Time,
    UserId,
)

R = TypeVar("R")

INSTRUCTIONS = """Books appointments with specialists (salons, clinics, studios).
Typical flow: list_services / get_specialists → get_available_days → get_available_slots
(or find_nearest_slots) → hold_slot → tell the user the price, date and time → confirm_hold
when they agree (release_hold when they do not). create_appointment books in one step.
Always confirm with the user before cancel_appointment or reschedule_appointment and then pass
confirm=true. When a day is fully booked, join_waitlist; a freed time is offered in Telegram
and booked with claim_waitlist_offer. A failed call says what to do: error.code, retryable
and error.next_step (codes: resource docs://errors). Business profile and cancellation
policy: resources business://profile and business://cancellation-policy."""


def build_server(settings: Settings, service: BookingService | None = None) -> MCPServer:
    """Create the MCP server with every tool, resource and prompt."""
    service = service or BookingService(settings)
    dialog = Dialog(service)
    mcp = MCPServer("booking-assistant", instructions=INSTRUCTIONS, version="1.0.0")
    mcp.booking_service = service  # type: ignore[attr-defined]  # for the HTTP app and tests
    mcp.dialog = dialog  # type: ignore[attr-defined]
    kept = KeptResults()

    async def once(
        tool: str,
        user_id: str | None,
        key: str | None,
        arguments: dict[str, Any],
        call: Callable[[], Awaitable[R]],
    ) -> R:
        """``call()`` once per ``idempotency_key`` (tools the API keeps no key for)."""
        caller = service.who(user_id).key if key else ""
        return await kept.run(tool, caller, key, arguments, call)

    # ------------------------------------------------------------------ catalogue

    @mcp.tool(annotations=READ)
    @tool_errors
    async def list_categories() -> list[Category]:
        """List the service categories. Use to show what kinds of services there are, or to
        get a category_id."""
        return await service.categories()

    @mcp.tool(annotations=READ)
    @tool_errors
    async def get_specialists(
        city: str | None = None, category_id: int | None = None, search: str | None = None
    ) -> list[Specialist]:
        """Find active specialists, by city, category or text. Use to choose who does the
        service; gives specialist_id."""
        return await service.specialists(city=city, category_id=category_id, search=search)

    @mcp.tool(annotations=READ)
    @tool_errors
    async def get_specialist_services(
        specialist_id: int, category_id: int | None = None
    ) -> list[Service]:
        """One specialist's services with price and duration (minutes). Use once the
        specialist is chosen; gives service_id."""
        return await service.specialist_services(specialist_id, category_id)

    @mcp.tool(annotations=READ)
    @tool_errors
    async def list_services(
        search: str | None = None, category_id: int | None = None, city: str | None = None
    ) -> list[Service]:
        """Search services of all specialists (text, category, city), with price and
        duration. Use when the user names a service but no specialist."""
        return await service.services(search=search, category_id=category_id, city=city)

    # ------------------------------------------------------------------ availability

    @mcp.tool(annotations=READ)
    @tool_errors
    async def get_available_slots(
        specialist_id: int, date: Date, service_id: int | None = None
    ) -> list[Slot]:
        """Free start times of a specialist on one day (fitting the service when given).
        Use before hold_slot or create_appointment, to offer times that are really free."""
        return await service.slots(specialist_id, date, service_id)

    @mcp.tool(annotations=READ)
    @tool_errors
    async def get_available_days(
        specialist_id: int,
        service_id: int,
        month: Annotated[str, Field(description="YYYY-MM", pattern=r"^\d{4}-\d{2}$")],
    ) -> list[str]:
        """Days (YYYY-MM-DD) of a month with room for the service. Use to suggest dates,
        then get_available_slots for the times."""
        return await service.available_days(specialist_id, service_id, month)

    @mcp.tool(annotations=READ)
    @tool_errors
    async def find_nearest_slots(
        service_id: int | None = None,
        category_id: int | None = None,
        service_name: str | None = None,
        city: str | None = None,
        specialist_id: int | None = None,
        date_from: Date | None = None,
        date_to: Date | None = None,
        limit: Annotated[int, Field(ge=1, le=50)] = 5,
    ) -> list[NearestSlot]:
        """The earliest free times across specialists for a service, category or service
        name. Use for "as soon as possible", or when the user has no specialist in mind."""
        if (
            service_id is None
            and category_id is None
            and not service_name
            and specialist_id is None
        ):
            raise ToolError("Give service_id, category_id, service_name or specialist_id.")
        return await service.nearest_slots(
            service_id, category_id, service_name, city, specialist_id, date_from, date_to, limit
        )

    # ------------------------------------------------------------------ the client

    @mcp.tool(annotations=WRITE)
    @tool_errors
    async def register_client(
        user_id: UserId = None,
        name: str | None = None,
        phone: str | None = None,
        email: str | None = None,
        city: str | None = None,
        language: str | None = None,
        idempotency_key: IdempotencyKey = None,
    ) -> Client:
        """Register the user as a client (found by Telegram id when known) or update their
        name, phone, email, city. Use for a new user, or after a not_registered error."""
        who = service.who(user_id, name=name, phone=phone, language=language)
        arguments = {"name": name, "phone": phone, "email": email, "city": city}
        return await once(
            "register_client",
            user_id,
            idempotency_key,
            arguments,
            lambda: service.register(who, name=name, phone=phone, email=email, city=city),
        )

    # ------------------------------------------------------------------ holds

    @mcp.tool(annotations=WRITE)
    @tool_errors
    async def hold_slot(
        specialist_id: int,
        service_id: int,
        date: Date,
        start_time: Time,
        user_id: UserId = None,
        idempotency_key: IdempotencyKey = None,
    ) -> Hold:
        """Keep a free time for the user for a few minutes (until expires_at): nobody else
        can book it meanwhile. Use before asking the user to agree; then confirm_hold, or
        release_hold. A new hold gives the user's last one back."""
        return await service.hold(
            service.who(user_id), specialist_id, service_id, date, start_time, idempotency_key
        )

    @mcp.tool(annotations=IDEMPOTENT_WRITE)
    @tool_errors
    async def confirm_hold(
        hold_id: int, user_id: UserId = None, idempotency_key: IdempotencyKey = None
    ) -> Appointment:
        """Book the time kept by hold_slot, once the user said yes. Safe to repeat: the same
        booking comes back. After expires_at it fails with hold_expired."""
        return await service.confirm_hold(service.who(user_id), hold_id, idempotency_key)

    @mcp.tool(annotations=IDEMPOTENT_WRITE)
    @tool_errors
    async def release_hold(
        hold_id: int, user_id: UserId = None, idempotency_key: IdempotencyKey = None
    ) -> Hold:
        """Give a held time back at once. Use when the user declines or wants another time.
        Safe to repeat."""
        return await once(
            "release_hold",
            user_id,
            idempotency_key,
            {"hold_id": hold_id},
            lambda: service.release_hold(service.who(user_id), hold_id),
        )

    # ------------------------------------------------------------------ bookings

    @mcp.tool(annotations=WRITE)
    @tool_errors
    async def create_appointment(
        specialist_id: int,
        service_id: int,
        date: Date,
        start_time: Time,
        user_id: UserId = None,
        idempotency_key: Annotated[
            str | None,
            Field(
                description="Any unique string: a repeated call with the same key never books "
                "twice. Without one, an identical call (same client, specialist, service, date "
                "and time) a few minutes after the first is taken as its repeat.",
                max_length=255,
            ),
        ] = None,
    ) -> Appointment:
        """Book a free time in one step. Prefer hold_slot then confirm_hold when the user has
        yet to agree. Safe to repeat when an answer was lost: the same booking comes back."""
        return await service.book(
            service.who(user_id), specialist_id, service_id, date, start_time, idempotency_key
        )

    @mcp.tool(annotations=READ)
    @tool_errors
    async def get_my_appointments(
        user_id: UserId = None,
        date_from: Date | None = None,
        status: str | None = None,
        active_only: bool = False,
    ) -> list[Appointment]:
        """The user's appointments, oldest first. Use to show their bookings or to find an
        appointment_id."""
        return await service.appointments(service.who(user_id), date_from, status, active_only)

    @mcp.tool(annotations=DESTRUCTIVE)
    @tool_errors
    async def cancel_appointment(
        appointment_id: int,
        answer: Annotated[ElicitationResult[ConfirmAction], Resolve(ask_to_cancel)],
        user_id: UserId = None,
        confirm: Confirm = False,
        idempotency_key: IdempotencyKey = None,
    ) -> Appointment:
        """Cancel one of the user's appointments. Needs confirm=true, after the user agreed."""
        who = service.who(user_id)

        async def cancel() -> Appointment:
            current = await service.appointment(who, appointment_id)
            require_yes("cancel_appointment", answer, cancel_question(current))
            return await service.cancel(who, appointment_id)

        arguments = {"appointment_id": appointment_id}
        return await once("cancel_appointment", user_id, idempotency_key, arguments, cancel)

    @mcp.tool(annotations=IDEMPOTENT_WRITE)
    @tool_errors
    async def confirm_attendance(
        appointment_id: int, user_id: UserId = None, idempotency_key: IdempotencyKey = None
    ) -> Appointment:
        """Record that the user will come to an active appointment (the reminder's "confirm"
        button); the status stays. Repeating it changes nothing."""
        return await once(
            "confirm_attendance",
            user_id,
            idempotency_key,
            {"appointment_id": appointment_id},
            lambda: service.confirm_attendance(service.who(user_id), appointment_id),
        )

    @mcp.tool(annotations=DESTRUCTIVE)
    @tool_errors
    async def reschedule_appointment(
        appointment_id: int,
        date: Date,
        start_time: Time,
        answer: Annotated[ElicitationResult[ConfirmAction], Resolve(ask_to_move)],
        user_id: UserId = None,
        confirm: Confirm = False,
        idempotency_key: IdempotencyKey = None,
    ) -> Appointment:
        """Move one of the user's appointments to another free time (see
        get_available_slots). Needs confirm=true, after the user agreed."""
        who = service.who(user_id)

        async def move() -> Appointment:
            current = await service.appointment(who, appointment_id)
            require_yes("reschedule_appointment", answer, move_question(current, date, start_time))
            return await service.reschedule(who, appointment_id, date, start_time)

        arguments = {"appointment_id": appointment_id, "date": date, "start_time": start_time}
        return await once("reschedule_appointment", user_id, idempotency_key, arguments, move)

    # ------------------------------------------------------------------ the waitlist

    @mcp.tool(annotations=WRITE)
    @tool_errors
    async def join_waitlist(
        service_id: int,
        date: Date,
        user_id: UserId = None,
        specialist_id: Annotated[int | None, Field(description="Null: any specialist")] = None,
        time_from: Time | None = None,
        time_to: Time | None = None,
        idempotency_key: IdempotencyKey = None,
    ) -> WaitlistEntry:
        """Put the user on the waitlist for a fully booked day: when a time frees up, they
        get a Telegram message with a "Book" button (see claim_waitlist_offer). Use when
        get_available_slots has nothing that suits."""
        arguments = {
            "service_id": service_id,
            "date": date,
            "specialist_id": specialist_id,
            "time_from": time_from,
            "time_to": time_to,
        }
        return await once(
            "join_waitlist",
            user_id,
            idempotency_key,
            arguments,
            lambda: service.join_waitlist(
                service.who(user_id), service_id, date, specialist_id, time_from, time_to
            ),
        )

    @mcp.tool(annotations=READ)
    @tool_errors
    async def get_my_waitlist(user_id: UserId = None) -> list[WaitlistEntry]:
        """The user's waitlist entries; an ``offered`` one carries the offer and its token."""
        return await service.waitlist(service.who(user_id))

    @mcp.tool(annotations=DESTRUCTIVE)
    @tool_errors
    async def leave_waitlist(
        entry_id: int,
        answer: Annotated[ElicitationResult[ConfirmAction], Resolve(ask_to_leave)],
        user_id: UserId = None,
        confirm: Confirm = False,
        idempotency_key: IdempotencyKey = None,
    ) -> WaitlistEntry:
        """Take the user off the waitlist (one entry). Needs confirm=true, after the user
        agreed."""
        who = service.who(user_id)

        async def leave() -> WaitlistEntry:
            current = await service.waitlist_entry(who, entry_id)
            require_yes("leave_waitlist", answer, leave_question(current))
            await service.leave_waitlist(who, entry_id)
            return current

        return await once("leave_waitlist", user_id, idempotency_key, {"entry_id": entry_id}, leave)

    @mcp.tool(annotations=WRITE)
    @tool_errors
    async def claim_waitlist_offer(
        token: Annotated[str, Field(description="The offer token (button wl:book:<token>)")],
        user_id: UserId = None,
        idempotency_key: IdempotencyKey = None,
    ) -> Appointment:
        """Book the freed time a waitlist offer is for (token from get_my_waitlist or the
        Telegram button). First come, first served: slot_taken when someone was faster (the
        user stays on the waitlist)."""
        return await once(
            "claim_waitlist_offer",
            user_id,
            idempotency_key,
            {"token": token},
            lambda: service.claim_waitlist_offer(service.who(user_id), token),
        )

    # ------------------------------------------------------------------ conversation

    @mcp.tool(annotations=READ)
    @tool_errors
    async def recognize_intent(
        text: str,
        now: Annotated[str | None, Field(description='ISO datetime that fixes "today"')] = None,
    ) -> Intent:
        """Understand a user's message (ru/en): intent, entities with ids from the live
        catalogue, confidence. Use to read free text before choosing a tool."""
        catalogue, _ = await service.catalogue()
        rec = recognize(text, catalogue, service.now(now).replace(tzinfo=None))
        return Intent(
            intent=rec.intent,
            entities=rec.entities,
            confidence=rec.confidence,
            language=rec.language if rec.language in ("ru", "en") else "ru",
        )

    @mcp.tool(annotations=WRITE)
    @tool_errors
    async def process_message(
        message: str,
        user_id: UserId = None,
        now: Annotated[str | None, Field(description='ISO datetime that fixes "today"')] = None,
        idempotency_key: IdempotencyKey = None,
        language: Annotated[
            str | None,
            Field(
                description="The user's language as the front-end knows it (Telegram's "
                'language_code, e.g. "en"); used until the user chooses one'
            ),
        ] = None,
    ) -> Reply:
        """Run one turn of the built-in booking conversation; the server keeps the context.
        Use only in chat front-ends that hand the whole dialog over. ``actions`` offer
        buttons: send an option's ``value`` back as the next message."""
        return await once(
            "process_message",
            user_id,
            idempotency_key,
            {"message": message, "now": now, "language": language},
            lambda: dialog.handle(user_id, message, now, language_code=language),
        )

    from .calendar_tools import register_calendar_tools  # it imports this module's helpers
    from .resources import register_resources_and_prompts

    register_calendar_tools(mcp, service, once)  # get_appointment_ics, get_calendar_feed
    register_resources_and_prompts(mcp, service)  # catalogue, business, error codes; prompts
    errors.declare_errors(mcp)
    return mcp


def tool_summaries(server: MCPServer) -> list[dict[str, Any]]:
    """Name, description and input schema of each tool (for ``GET /functions``)."""
    return [
        {"name": tool.name, "description": tool.description, "parameters": tool.parameters}
        for tool in server._tool_manager.list_tools()  # noqa: SLF001 - no public sync accessor
    ]
