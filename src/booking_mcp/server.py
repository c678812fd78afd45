"""The MCP server: tools, resources and prompts over :class:`~booking_mcp.service.BookingService`.

Tools are thin: they validate nothing the API validates, call the service layer, and turn an
:class:`~booking_mcp.api_client.ApiError` into a tool error carrying the API's message.

Whose bookings? A personal assistant fixes the client with ``BOOKING_CLIENT_TOKEN`` or
``BOOKING_TELEGRAM_ID`` (then ``user_id`` is ignored); the Telegram bot passes the Telegram
user's id as ``user_id`` and the server acts for that client through the API's staff-only
token exchange, so the API still decides who owns what.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Awaitable, Callable
from typing import Annotated, Any, ParamSpec, TypeVar

from mcp.server.elicitation import AcceptedElicitation, ElicitationResult
from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.server.mcpserver.resolve import Elicit, Resolve
from mcp.types import ToolAnnotations
from pydantic import BaseModel, Field

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

from .api_client import ApiError
from .config import Settings
from .dialog import Dialog
from .nlu import recognize
from .schemas import Client, Intent
from .service import BookingService

P = ParamSpec("P")
R = TypeVar("R")

READ = ToolAnnotations(read_only_hint=True, open_world_hint=False)
WRITE = ToolAnnotations(
    read_only_hint=False, destructive_hint=False, idempotent_hint=False, open_world_hint=False
)
IDEMPOTENT_WRITE = ToolAnnotations(
    read_only_hint=False, destructive_hint=False, idempotent_hint=True, open_world_hint=False
)
DESTRUCTIVE = ToolAnnotations(
    read_only_hint=False, destructive_hint=True, idempotent_hint=False, open_world_hint=False
)

UserId = Annotated[
    str | None, Field(description="The client's Telegram id (not needed by a personal assistant)")
]
Date = Annotated[str, Field(description="YYYY-MM-DD", pattern=r"^\d{4}-\d{2}-\d{2}$")]
Time = Annotated[str, Field(description="HH:MM", pattern=r"^\d{1,2}:\d{2}$")]
Confirm = Annotated[
    bool,
    Field(description="Must be true, after the user explicitly agreed; otherwise nothing changes"),
]

INSTRUCTIONS = """Books appointments with specialists (salons, clinics, studios).
Typical flow: list_services / get_specialists → get_available_days → get_available_slots
(or find_nearest_slots) → create_appointment. Always confirm with the user before
cancel_appointment or reschedule_appointment and then pass confirm=true.
A reminder's "I'll be there" button is confirm_attendance. When a day is fully booked,
join_waitlist; a freed time is offered in Telegram and booked with claim_waitlist_offer.
process_message runs a whole conversation for chat front-ends."""


class ConfirmAction(BaseModel):
    """The answer to a confirmation question (elicitation)."""

    confirm: bool = Field(description="Yes, do it")


def api_errors(fn: Callable[P, Awaitable[R]]) -> Callable[P, Awaitable[R]]:
    """Report an :class:`ApiError` as a tool error with the API's message."""

    @functools.wraps(fn)
    async def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return await fn(*args, **kwargs)
        except ApiError as exc:
            raise ToolError(exc.message) from exc

    return wrapper


# --- confirmations -------------------------------------------------------------------------
# Cancel, reschedule and leave_waitlist need the user's "yes". A client that can ask its user
# (elicitation) is asked by the server itself, through the SDK's resolvers: on the current
# protocol the question travels in an InputRequiredResult and the client retries with the
# answer; on older ones it is a server-to-client request. Other clients (or confirm=true)
# skip the question; without a yes the tool answers "Needs confirmation", so the assistant
# asks the user and calls again with confirm=true. Resolvers live at module level: they are
# found through the tools' type hints.


def _can_ask(ctx: Context) -> bool:
    """Whether the client can show the user a form question (URL-only clients cannot)."""
    try:
        caps = ctx.client_capabilities
    except Exception:  # noqa: BLE001 - called outside a request: nobody to ask
        return False
    ask = caps.elicitation if caps is not None else None
    return ask is not None and (ask.form is not None or ask.url is None)


def _service(ctx: Context) -> BookingService:
    return ctx.mcp_server.booking_service  # type: ignore[attr-defined]


async def _ask(
    ctx: Context, confirm: bool, question: Callable[[], Awaitable[str]]
) -> ConfirmAction | Elicit[ConfirmAction]:
    if confirm or not _can_ask(ctx):
        return ConfirmAction(confirm=confirm)
    try:
        return Elicit(await question(), ConfirmAction)
    except ApiError as exc:
        raise ToolError(exc.message) from exc


def _cancel_question(current: Appointment) -> str:
    return (
        f"Cancel appointment {current.id} "
        f"({current.service_name}, {current.date} {current.start_time})?"
    )


def _move_question(current: Appointment, date: str, start_time: str) -> str:
    return (
        f"Move appointment {current.id} "
        f"({current.service_name}, {current.date} {current.start_time}) "
        f"to {date} {start_time}?"
    )


def _leave_question(current: WaitlistEntry) -> str:
    return f"Stop waiting for {current.service_name} on {current.date} (entry {current.id})?"


async def ask_to_cancel(
    appointment_id: int, user_id: UserId, confirm: Confirm, ctx: Context
) -> ConfirmAction | Elicit[ConfirmAction]:
    async def question() -> str:
        service = _service(ctx)
        return _cancel_question(await service.appointment(service.who(user_id), appointment_id))

    return await _ask(ctx, confirm, question)


async def ask_to_move(
    appointment_id: int, date: Date, start_time: Time, user_id: UserId, confirm: Confirm,
    ctx: Context,
) -> ConfirmAction | Elicit[ConfirmAction]:  # fmt: skip
    async def question() -> str:
        service = _service(ctx)
        current = await service.appointment(service.who(user_id), appointment_id)
        return _move_question(current, date, start_time)

    return await _ask(ctx, confirm, question)


async def ask_to_leave(
    entry_id: int, user_id: UserId, confirm: Confirm, ctx: Context
) -> ConfirmAction | Elicit[ConfirmAction]:
    async def question() -> str:
        service = _service(ctx)
        return _leave_question(await service.waitlist_entry(service.who(user_id), entry_id))

    return await _ask(ctx, confirm, question)


def _require_yes(answer: ElicitationResult[ConfirmAction], question: str) -> None:
    """The user's (or the assistant's confirm=true) "yes", else the tool error."""
    if isinstance(answer, AcceptedElicitation) and answer.data.confirm:
        return
    raise ToolError(
        f"Needs confirmation: {question} Ask the user, then call again with confirm=true."
    )


def build_server(settings: Settings, service: BookingService | None = None) -> MCPServer:
    """Create the MCP server with every tool, resource and prompt."""
    service = service or BookingService(settings)
    dialog = Dialog(service)
    mcp = MCPServer("booking-assistant", instructions=INSTRUCTIONS, version="1.0.0")
    mcp.booking_service = service  # type: ignore[attr-defined]  # for the HTTP app and tests
    mcp.dialog = dialog  # type: ignore[attr-defined]

    # ------------------------------------------------------------------ catalogue

    @mcp.tool(annotations=READ)
    @api_errors
    async def list_categories() -> list[Category]:
        """All service categories."""
        return await service.categories()

    @mcp.tool(annotations=READ)
    @api_errors
    async def get_specialists(
        city: str | None = None, category_id: int | None = None, search: str | None = None
    ) -> list[Specialist]:
        """Active specialists, optionally in a city, offering a category, or matching text."""
        return await service.specialists(city=city, category_id=category_id, search=search)

    @mcp.tool(annotations=READ)
    @api_errors
    async def get_specialist_services(
        specialist_id: int, category_id: int | None = None
    ) -> list[Service]:
        """A specialist's active services (price, duration in minutes)."""
        return await service.specialist_services(specialist_id, category_id)

    @mcp.tool(annotations=READ)
    @api_errors
    async def list_services(
        search: str | None = None, category_id: int | None = None, city: str | None = None
    ) -> list[Service]:
        """Active services, optionally matching text, in a category, or in a city."""
        return await service.services(search=search, category_id=category_id, city=city)

    # ------------------------------------------------------------------ availability

    @mcp.tool(annotations=READ)
    @api_errors
    async def get_available_slots(
        specialist_id: int, date: Date, service_id: int | None = None
    ) -> list[Slot]:
        """Free start times of a specialist on a day (fitting the service when given)."""
        return await service.slots(specialist_id, date, service_id)

    @mcp.tool(annotations=READ)
    @api_errors
    async def get_available_days(
        specialist_id: int,
        service_id: int,
        month: Annotated[str, Field(description="YYYY-MM", pattern=r"^\d{4}-\d{2}$")],
    ) -> list[str]:
        """Days (YYYY-MM-DD) of a month on which the specialist has room for the service."""
        return await service.available_days(specialist_id, service_id, month)

    @mcp.tool(annotations=READ)
    @api_errors
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
        """The earliest free slots across specialists for a service, category or service name."""
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

    # ------------------------------------------------------------------ the client's bookings

    @mcp.tool(annotations=WRITE)
    @api_errors
    async def register_client(
        user_id: UserId = None,
        name: str | None = None,
        phone: str | None = None,
        email: str | None = None,
        city: str | None = None,
        language: str | None = None,
    ) -> Client:
        """Register the client (found by Telegram id when known) and update their profile."""
        who = service.who(user_id, name=name, phone=phone, language=language)
        return await service.register(who, name=name, phone=phone, email=email, city=city)

    @mcp.tool(annotations=WRITE)
    @api_errors
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
                "and time) a few minutes after the first is taken as its repeat."
            ),
        ] = None,
    ) -> Appointment:
        """Book a free slot (see get_available_slots) for the client. Safe to repeat when an
        answer was lost: the repeat returns the same booking."""
        return await service.book(
            service.who(user_id), specialist_id, service_id, date, start_time, idempotency_key
        )

    @mcp.tool(annotations=READ)
    @api_errors
    async def get_my_appointments(
        user_id: UserId = None,
        date_from: Date | None = None,
        status: str | None = None,
        active_only: bool = False,
    ) -> list[Appointment]:
        """The client's appointments, oldest first."""
        return await service.appointments(service.who(user_id), date_from, status, active_only)

    @mcp.tool(annotations=DESTRUCTIVE)
    @api_errors
    async def cancel_appointment(
        appointment_id: int,
        answer: Annotated[ElicitationResult[ConfirmAction], Resolve(ask_to_cancel)],
        user_id: UserId = None,
        confirm: Confirm = False,
    ) -> Appointment:
        """Cancel one of the client's appointments. Needs confirm=true (after asking the user)."""
        who = service.who(user_id)
        current = await service.appointment(who, appointment_id)
        _require_yes(answer, _cancel_question(current))
        return await service.cancel(who, appointment_id)

    @mcp.tool(annotations=IDEMPOTENT_WRITE)
    @api_errors
    async def confirm_attendance(appointment_id: int, user_id: UserId = None) -> Appointment:
        """The client confirms they will come to one of their active appointments (the
        reminder's "confirm" button). Sets ``client_confirmed_at``; the status is unchanged.
        Repeating it changes nothing."""
        return await service.confirm_attendance(service.who(user_id), appointment_id)

    @mcp.tool(annotations=DESTRUCTIVE)
    @api_errors
    async def reschedule_appointment(
        appointment_id: int,
        date: Date,
        start_time: Time,
        answer: Annotated[ElicitationResult[ConfirmAction], Resolve(ask_to_move)],
        user_id: UserId = None,
        confirm: Confirm = False,
    ) -> Appointment:
        """Move one of the client's appointments. Needs confirm=true (after asking the user)."""
        who = service.who(user_id)
        current = await service.appointment(who, appointment_id)
        _require_yes(answer, _move_question(current, date, start_time))
        return await service.reschedule(who, appointment_id, date, start_time)

    # ------------------------------------------------------------------ the waitlist

    @mcp.tool(annotations=WRITE)
    @api_errors
    async def join_waitlist(
        service_id: int,
        date: Date,
        user_id: UserId = None,
        specialist_id: Annotated[int | None, Field(description="Null: any specialist")] = None,
        time_from: Time | None = None,
        time_to: Time | None = None,
    ) -> WaitlistEntry:
        """Ask to be told (in Telegram) when a time frees up for a service on a day.

        When someone cancels or moves a booking, the first client in line gets a message with
        a "Book" button; see claim_waitlist_offer.
        """
        return await service.join_waitlist(
            service.who(user_id), service_id, date, specialist_id, time_from, time_to
        )

    @mcp.tool(annotations=READ)
    @api_errors
    async def get_my_waitlist(user_id: UserId = None) -> list[WaitlistEntry]:
        """The client's waitlist entries; an ``offered`` one carries the offer and its token."""
        return await service.waitlist(service.who(user_id))

    @mcp.tool(annotations=DESTRUCTIVE)
    @api_errors
    async def leave_waitlist(
        entry_id: int,
        answer: Annotated[ElicitationResult[ConfirmAction], Resolve(ask_to_leave)],
        user_id: UserId = None,
        confirm: Confirm = False,
    ) -> WaitlistEntry:
        """Leave the waitlist (one entry). Needs confirm=true (after asking the user)."""
        who = service.who(user_id)
        current = await service.waitlist_entry(who, entry_id)
        _require_yes(answer, _leave_question(current))
        await service.leave_waitlist(who, entry_id)
        return current

    @mcp.tool(annotations=WRITE)
    @api_errors
    async def claim_waitlist_offer(
        token: Annotated[str, Field(description="The offer token (button wl:book:<token>)")],
        user_id: UserId = None,
    ) -> Appointment:
        """Book the freed time a waitlist offer is for. First come, first served: when the
        time was taken meanwhile this fails with "Выбранное время уже занято." and the client
        stays on the waitlist."""
        return await service.claim_waitlist_offer(service.who(user_id), token)

    # ------------------------------------------------------------------ conversation

    @mcp.tool(annotations=READ)
    @api_errors
    async def recognize_intent(
        text: str,
        now: Annotated[str | None, Field(description='ISO datetime that fixes "today"')] = None,
    ) -> Intent:
        """Understand a message: intent, entities (ids from the live catalogue) and confidence."""
        catalogue, _ = await service.catalogue()
        rec = recognize(text, catalogue, service.now(now).replace(tzinfo=None))
        return Intent(
            intent=rec.intent,
            entities=rec.entities,
            confidence=rec.confidence,
            language=rec.language if rec.language in ("ru", "en") else "ru",
        )

    @mcp.tool(annotations=WRITE)
    @api_errors
    async def process_message(
        message: str,
        user_id: UserId = None,
        now: Annotated[str | None, Field(description='ISO datetime that fixes "today"')] = None,
    ) -> Reply:
        """One turn of a booking conversation; the context is kept by the server.

        ``actions`` offer buttons: send an option's ``value`` back as the next message.
        """
        return await dialog.handle(user_id, message, now)

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

    # ------------------------------------------------------------------ prompts

    @mcp.prompt(title="Book an appointment")
    def book_appointment(service: str = "", city: str = "", when: str = "") -> str:
        """Guide the assistant through booking."""
        wish = ", ".join(x for x in (service, city and f"in {city}", when) if x) or "something"
        return (
            f"The user wants to book {wish}. Use list_services or get_specialists to find the "
            "service and specialist, get_available_days and get_available_slots (or "
            "find_nearest_slots) to find a free time, tell the user the price and the exact "
            "date and time, and call create_appointment only after they agree."
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

    from .calendar_tools import register_calendar_tools  # it imports this module's helpers

    register_calendar_tools(mcp, service)  # get_appointment_ics, get_calendar_feed
    return mcp


def _dump(items: list[BaseModel]) -> str:
    return json.dumps([i.model_dump(mode="json") for i in items], ensure_ascii=False, indent=1)


def tool_summaries(server: MCPServer) -> list[dict[str, Any]]:
    """Name, description and input schema of each tool (for ``GET /functions``)."""
    return [
        {"name": tool.name, "description": tool.description, "parameters": tool.parameters}
        for tool in server._tool_manager.list_tools()  # noqa: SLF001 - no public sync accessor
    ]
