"""Which scope each tool needs, enforced where the tools run.

For a person signed in with OAuth, each tool call and resource read is checked against the
scopes they allowed, and runs as them (:mod:`booking_mcp.oauth.identity`). A tool missing from
:data:`TOOL_SCOPES` needs every scope (fail closed); tests/mcp/test_oauth.py checks that each
tool is listed.
"""

from __future__ import annotations

from typing import Any

from mcp.server.auth.middleware.bearer_auth import AuthenticatedUser
from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ResourceError, ToolError

from booking_common.oauth_scopes import ALL_SCOPES, BOOKINGS_READ, BOOKINGS_WRITE, CATALOGUE_READ

from ..api_client import ApiError
from .identity import Identities, signed_in
from .verifier import is_shared

TOOL_SCOPES: dict[str, frozenset[str]] = {
    **{
        name: frozenset({CATALOGUE_READ})
        for name in (
            "list_categories",
            "get_specialists",
            "get_specialist_services",
            "list_services",
            "get_available_slots",
            "get_available_days",
            "find_nearest_slots",
            "recognize_intent",
        )
    },
    **{
        name: frozenset({BOOKINGS_READ})
        for name in (
            "get_my_appointments",
            "get_my_waitlist",
            "get_appointment_ics",
            "get_calendar_feed",
            "get_specialist_calendar_feed",
        )
    },
    **{
        name: frozenset({BOOKINGS_WRITE})
        for name in (
            "register_client",
            "create_appointment",
            "cancel_appointment",
            "confirm_attendance",
            "reschedule_appointment",
            "join_waitlist",
            "leave_waitlist",
            "claim_waitlist_offer",
            "hold_slot",
            "confirm_hold",
            "release_hold",
            "rotate_calendar_feed",
            "rotate_specialist_calendar_feed",
        )
    },
    "process_message": frozenset(ALL_SCOPES),  # a conversation reads, books and cancels
}
RESOURCE_SCOPES = frozenset({CATALOGUE_READ})


def needed(tool: str) -> frozenset[str]:
    return TOOL_SCOPES.get(tool, frozenset(ALL_SCOPES))


def _oauth_user(context: Any) -> AuthenticatedUser | None:
    """The OAuth-signed-in caller of this MCP request; None for the shared token (or none)."""
    request = getattr(getattr(context, "request_context", None), "request", None)
    user = getattr(request, "scope", {}).get("user") if request is not None else None
    if isinstance(user, AuthenticatedUser) and not is_shared(user.access_token):
        return user
    return None


def _missing(user: AuthenticatedUser, wanted: frozenset[str]) -> str:
    return " ".join(sorted(wanted - set(user.scopes)))


def enforce(server: MCPServer, identities: Identities) -> None:
    """Wrap the server's tool calls and resource reads with the scope check and identity."""
    call_tool = server.call_tool
    read_resource = server.read_resource

    async def checked_call_tool(
        name: str, arguments: dict[str, Any], context: Any = None, *args: Any, **kwargs: Any
    ) -> Any:
        user = _oauth_user(context)
        if user is None:
            return await call_tool(name, arguments, context, *args, **kwargs)
        missing = _missing(user, needed(name))
        if missing:
            raise ToolError(
                f"Not allowed: {name} needs the scope {missing}, which was not granted to this "
                "assistant. Sign in again and allow it."
            )
        try:
            who = await identities.of(user.access_token)
        except ApiError as exc:
            raise ToolError(exc.message) from exc
        token = signed_in.set(who)
        try:
            return await call_tool(name, arguments, context, *args, **kwargs)
        finally:
            signed_in.reset(token)

    async def checked_read_resource(uri: Any, context: Any = None, *args: Any, **kw: Any) -> Any:
        user = _oauth_user(context)
        if user is not None and (missing := _missing(user, RESOURCE_SCOPES)):
            raise ResourceError(f"Not allowed: reading {uri} needs the scope {missing}.")
        return await read_resource(uri, context, *args, **kw)

    server.call_tool = checked_call_tool  # type: ignore[method-assign]
    server.read_resource = checked_read_resource  # type: ignore[method-assign]
