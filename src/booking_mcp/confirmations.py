"""Confirmations: cancel, reschedule and leave_waitlist need the user's "yes".

A client that can ask its user (elicitation) is asked by the server itself, through the SDK's
resolvers: on the current protocol the question travels in an InputRequiredResult and the
client retries with the answer; on older ones it is a server-to-client request. Other clients
(or confirm=true) skip the question; without a yes the tool answers "Needs confirmation", so
the assistant asks the user and calls again with confirm=true. Resolvers live at module level:
the SDK finds them through the tools' type hints (evaluated in this module for theirs).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from mcp.server.elicitation import AcceptedElicitation, ElicitationResult
from mcp.server.mcpserver import Context
from mcp.server.mcpserver.resolve import Elicit
from pydantic import BaseModel, Field

from booking_common.conversation import Appointment, WaitlistEntry

from . import errors
from .api_client import ApiError
from .service import BookingService
from .tool_types import Confirm, Date, Time, UserId


class ConfirmAction(BaseModel):
    """The answer to a confirmation question (elicitation)."""

    confirm: bool = Field(description="Yes, do it")


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
    except ApiError:
        # Nothing to ask about (not found, the API down...): the tool meets the same
        # refusal and answers it with its code.
        return ConfirmAction(confirm=False)


def cancel_question(current: Appointment) -> str:
    return (
        f"Cancel appointment {current.id} "
        f"({current.service_name}, {current.date} {current.start_time})?"
    )


def move_question(current: Appointment, date: str, start_time: str) -> str:
    return (
        f"Move appointment {current.id} "
        f"({current.service_name}, {current.date} {current.start_time}) "
        f"to {date} {start_time}?"
    )


def leave_question(current: WaitlistEntry) -> str:
    return f"Stop waiting for {current.service_name} on {current.date} (entry {current.id})?"


async def ask_to_cancel(
    appointment_id: int, user_id: UserId, confirm: Confirm, ctx: Context
) -> ConfirmAction | Elicit[ConfirmAction]:
    async def question() -> str:
        service = _service(ctx)
        return cancel_question(await service.appointment(service.who(user_id), appointment_id))

    return await _ask(ctx, confirm, question)


async def ask_to_move(
    appointment_id: int, date: Date, start_time: Time, user_id: UserId, confirm: Confirm,
    ctx: Context,
) -> ConfirmAction | Elicit[ConfirmAction]:  # fmt: skip
    async def question() -> str:
        service = _service(ctx)
        current = await service.appointment(service.who(user_id), appointment_id)
        return move_question(current, date, start_time)

    return await _ask(ctx, confirm, question)


async def ask_to_leave(
    entry_id: int, user_id: UserId, confirm: Confirm, ctx: Context
) -> ConfirmAction | Elicit[ConfirmAction]:
    async def question() -> str:
        service = _service(ctx)
        return leave_question(await service.waitlist_entry(service.who(user_id), entry_id))

    return await _ask(ctx, confirm, question)


def require_yes(tool: str, answer: ElicitationResult[ConfirmAction], question: str) -> None:
    """The user's (or the assistant's confirm=true) "yes", else the tool error."""
    if isinstance(answer, AcceptedElicitation) and answer.data.confirm:
        return
    raise errors.needs_confirmation(
        tool, f"Needs confirmation: {question} Ask the user, then call again with confirm=true."
    )
