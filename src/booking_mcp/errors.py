"""Tool errors an agent can act on: every failure of a tool carries a stable code, whether
repeating the same call can help, and the tool to call next — besides the human text.

A failed call is the SDK's tool error (``isError: true``): ``content`` holds the human text
(the API's own message, shown to people as it is), ``structuredContent`` the error::

    {"error": {"code": "slot_taken", "message": "Выбранное время уже занято.",
               "retryable": false,
               "next_step": {"tool": "get_available_slots", "why": "..."}}}

Every tool's output schema declares this shape beside its result (:func:`declare_errors`):
clients that check ``structuredContent`` against ``outputSchema`` on errors too (the
TypeScript SDK does) accept it.

The codes (:data:`CODES`) are the contract; messages may change. The API's refusals are
recognised by status, by the ``code`` the API's newer routes send (holds) and, for the
contract's 400s, by their texts (fixed by the Django contract).
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import Any, Literal, ParamSpec, TypeVar

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import CallToolResult, TextContent
from pydantic import BaseModel, Field

from .api_client import ApiError, ApiUnavailable
from .error_texts import in_language

P = ParamSpec("P")
R = TypeVar("R")

#: code → (whether repeating the same call may help, what it means).
CODES: dict[str, tuple[bool, str]] = {
    "slot_taken": (False, "The time is booked or held by someone else."),
    "time_unavailable": (
        False,
        "Nobody can book that time: outside working hours, on a break or time off, a day "
        "off, in the past, too soon or too far ahead, or the service is not this specialist's.",
    ),
    "hold_expired": (False, "The hold was not confirmed in time; its time was given back."),
    "hold_released": (False, "The hold was given back."),
    "hold_confirmed": (False, "The hold is a booking already."),
    "needs_confirmation": (False, "The user has not agreed yet to this change."),
    "not_found": (False, "No such object, or it is not this client's."),
    "not_registered": (False, "The user is not registered as a client yet."),
    "not_allowed": (False, "This client may not do that."),
    "too_late": (False, "Too close to the start to cancel or move (the cut-off)."),
    "invalid_state": (False, "Not possible in the object's current state."),
    "validation_error": (False, "An argument is missing or wrong; the message says which."),
    "idempotency_conflict": (False, "This idempotency_key was used for another request."),
    "not_authenticated": (False, "The server's access to the booking service is refused."),
    "rate_limited": (True, "Too many requests; wait a little."),
    "api_unavailable": (True, "The booking service cannot be reached right now."),
}
Code = Literal[
    "slot_taken",
    "time_unavailable",
    "hold_expired",
    "hold_released",
    "hold_confirmed",
    "needs_confirmation",
    "not_found",
    "not_registered",
    "not_allowed",
    "too_late",
    "invalid_state",
    "validation_error",
    "idempotency_conflict",
    "not_authenticated",
    "rate_limited",
    "api_unavailable",
]

# The contract's refusals, as the API words them (booking_api/appointments/service.py).
TAKEN = "Выбранное время уже занято."
TIME_REFUSALS = (
    "Специалист не работает в выбранный день.",
    "Время записи не соответствует графику работы специалиста.",
    "Время окончания должно быть позже времени начала.",
    "Выбранная услуга не оказывается этим специалистом.",
    "Нельзя записаться на прошедшее время.",
    "Запись возможна не более чем на",
    "Выбранное время попадает на перерыв специалиста.",
    "Специалист не принимает в выбранное время.",
    "Специалист не работает в этот день недели",
    "Услуга не найдена у этого специалиста",
)
NOT_A_CLIENT = "Сначала зарегистрируйтесь как клиент."
CUT_OFF = "можно не позднее чем за"


class NextStep(BaseModel):
    tool: str = Field(description="The tool to call next")
    why: str = Field(description="What calling it achieves")


class ErrorDetail(BaseModel):
    code: Code = Field(description="Stable, machine-readable (see the resource docs://errors)")
    message: str = Field(description="The human explanation, fit to show the user")
    message_en: str = Field(
        "", description="The same in English (the API words its refusals in Russian)"
    )
    retryable: bool = Field(description="Whether repeating the same call later may succeed")
    next_step: NextStep | None = Field(description="What to do instead; null: nothing to call")


class ToolErrorOut(BaseModel):
    """What a failed tool call carries in ``structuredContent``."""

    error: ErrorDetail


class ToolFailure(Exception):
    """A tool's failure with its code; raised by tools, answered as a tool error."""

    def __init__(self, code: Code, message: str, next_step: NextStep | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.next_step = next_step

    @property
    def retryable(self) -> bool:
        return CODES[self.code][0]

    def result(self) -> CallToolResult:
        detail = ErrorDetail(
            code=self.code,
            message=self.message,
            message_en=in_language(self.message, "en", CODES[self.code][1]),
            retryable=self.retryable,
            next_step=self.next_step,
        )
        return CallToolResult(
            content=[TextContent(type="text", text=self.message)],
            structured_content=ToolErrorOut(error=detail).model_dump(mode="json"),
            is_error=True,
        )


# Where to look again when something is not found, by the tool that did not find it.
_FIND_AGAIN = {
    "cancel_appointment": "get_my_appointments",
    "reschedule_appointment": "get_my_appointments",
    "confirm_attendance": "get_my_appointments",
    "leave_waitlist": "get_my_waitlist",
    "claim_waitlist_offer": "get_my_waitlist",
    "confirm_hold": "hold_slot",
    "release_hold": "hold_slot",
    "get_specialist_services": "get_specialists",
    "get_available_slots": "get_specialists",
    "get_available_days": "get_specialists",
}


def next_step(code: str, tool: str) -> NextStep | None:
    """The suggested next call after ``tool`` failed with ``code``."""
    if code in ("slot_taken", "time_unavailable"):
        return NextStep(
            tool="get_available_slots",
            why="See which times are free (get_available_days for days with room), then "
            "offer the user one of them.",
        )
    if code in ("hold_expired", "hold_released"):
        return NextStep(
            tool="hold_slot", why="Hold the time again (if still free), then confirm_hold."
        )
    if code in ("hold_confirmed", "invalid_state"):
        return NextStep(tool="get_my_appointments", why="See the client's bookings as they are.")
    if code == "not_registered":
        return NextStep(tool="register_client", why="Register the user, then call again.")
    if code == "needs_confirmation":
        return NextStep(tool=tool, why="Ask the user; after a clear yes call with confirm=true.")
    if code == "idempotency_conflict":
        return NextStep(tool=tool, why="Call again with a new idempotency_key.")
    if code in ("rate_limited", "api_unavailable"):
        return NextStep(tool=tool, why="Call again in a little while.")
    if code == "not_found" and tool in _FIND_AGAIN:
        return NextStep(tool=_FIND_AGAIN[tool], why="Find the right id.")
    return None


def code_of(exc: ApiError) -> Code:
    """The code of the API's refusal."""
    if isinstance(exc, ApiUnavailable) or exc.status >= 500:
        return "api_unavailable"
    text = exc.message
    if isinstance(exc.data, dict) and exc.data.get("code") in CODES and exc.status == 400:
        return exc.data["code"]
    if exc.status == 429:
        return "rate_limited"
    if exc.status == 401:
        return "not_authenticated"
    if exc.status == 403:
        return "not_registered" if NOT_A_CLIENT in text else "not_allowed"
    if exc.status == 404:
        return "not_found"
    if exc.status == 422:
        return "idempotency_conflict"
    if TAKEN in text:
        return "slot_taken"
    if any(refusal in text for refusal in TIME_REFUSALS):
        return "time_unavailable"
    if CUT_OFF in text:
        return "too_late"
    if isinstance(exc.data, dict) and isinstance(exc.data.get("error"), str):
        return "invalid_state"  # the lifecycle's {"error": "Нельзя ..."}
    return "validation_error"


def user_message(exc: ApiError, lang: str) -> str:
    """The API's refusal for a user speaking ``lang`` (the meaning of its code when a text has
    no English rendering)."""
    return in_language(exc.message, lang, CODES[code_of(exc)][1])


def failure(exc: ApiError, tool: str) -> ToolFailure:
    code = code_of(exc)
    return ToolFailure(code, exc.message, next_step(code, tool))


def needs_confirmation(tool: str, message: str) -> ToolFailure:
    return ToolFailure("needs_confirmation", message, next_step("needs_confirmation", tool))


def tool_errors(fn: Callable[P, Awaitable[R]]) -> Callable[P, Awaitable[R]]:
    """Answer a refusal of the API, a :class:`ToolFailure`, or a tool's own ``ToolError``
    (wrong arguments) as a tool error with its code."""
    tool = fn.__name__

    @functools.wraps(fn)
    async def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return await fn(*args, **kwargs)
        except ApiError as exc:
            return failure(exc, tool).result()  # type: ignore[return-value]
        except ToolFailure as exc:
            return exc.result()  # type: ignore[return-value]
        except ToolError as exc:
            return ToolFailure("validation_error", str(exc)).result()  # type: ignore[return-value]

    return wrapper


def declare_errors(server: MCPServer) -> None:
    """Make every tool's output schema say: its result, or :class:`ToolErrorOut`."""
    error = ToolErrorOut.model_json_schema(ref_template="#/$defs/{model}")
    error_defs = error.pop("$defs", {})
    for tool in server._tool_manager.list_tools():  # noqa: SLF001 - no public accessor
        schema = tool.fn_metadata.output_schema
        if schema is None or "anyOf" in schema:
            continue
        result = {k: v for k, v in schema.items() if k != "$defs"}
        tool.fn_metadata.output_schema = {
            "type": "object",
            "anyOf": [result, {"$ref": "#/$defs/ToolErrorOut"}],
            "$defs": {**schema.get("$defs", {}), **error_defs, "ToolErrorOut": error},
        }


def documentation() -> list[dict[str, Any]]:
    """Every code, for the ``docs://errors`` resource."""
    return [
        {"code": code, "retryable": retryable, "meaning": meaning}
        for code, (retryable, meaning) in CODES.items()
    ]
