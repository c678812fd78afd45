"""The MCP server's tools the bot uses, as typed methods: :class:`McpGateway`.

Results are the shared models of :mod:`booking_common.conversation` (read by
:mod:`.results`); failures are :class:`~.session.AssistantUnavailable` and
:class:`~.session.ToolFailed`, raised by the session.
"""

from __future__ import annotations

from typing import Any

from booking_bot.gateway.results import items_of, one_of
from booking_bot.gateway.session import McpSession
from booking_common.conversation import (
    Appointment,
    Category,
    Reply,
    Service,
    Specialist,
    WaitlistEntry,
)


class McpGateway:
    """The tools over one :class:`~.session.McpSession`, shared by all handlers."""

    def __init__(self, session: McpSession) -> None:
        self.session = session

    async def close(self) -> None:
        await self.session.close()

    async def __aenter__(self) -> McpGateway:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    # ----------------------------------------------------------------- catalogue

    async def list_categories(self) -> list[Category]:
        return items_of(await self.session.call("list_categories"), Category, "categories")

    async def get_specialists(
        self, *, category_id: int | None = None, city: str | None = None, search: str | None = None
    ) -> list[Specialist]:
        data = await self.session.call(
            "get_specialists", category_id=category_id, city=city, search=search
        )
        return items_of(data, Specialist, "specialists")

    async def get_specialist_services(
        self, specialist_id: int, category_id: int | None = None
    ) -> list[Service]:
        data = await self.session.call(
            "get_specialist_services", specialist_id=specialist_id, category_id=category_id
        )
        return items_of(data, Service, "services")

    async def list_services(
        self, *, category_id: int | None = None, search: str | None = None, city: str | None = None
    ) -> list[Service]:
        data = await self.session.call(
            "list_services", category_id=category_id, search=search, city=city
        )
        return items_of(data, Service, "services")

    # ----------------------------------------------------------------- the client's bookings

    async def get_my_appointments(self, user_id: str) -> list[Appointment]:
        data = await self.session.call("get_my_appointments", user_id=user_id)
        return items_of(data, Appointment, "appointments")

    async def cancel_appointment(self, user_id: str, appointment_id: int, confirm: bool) -> Any:
        return await self.session.call(
            "cancel_appointment", user_id=user_id, appointment_id=appointment_id, confirm=confirm
        )

    async def confirm_attendance(self, user_id: str, appointment_id: int) -> Appointment:
        data = await self.session.call(
            "confirm_attendance", user_id=user_id, appointment_id=appointment_id
        )
        return one_of(data, Appointment, "appointment")

    # ----------------------------------------------------------------- the waitlist

    async def get_my_waitlist(self, user_id: str) -> list[WaitlistEntry]:
        data = await self.session.call("get_my_waitlist", user_id=user_id)
        return items_of(data, WaitlistEntry, "entries", "waitlist")

    async def leave_waitlist(self, user_id: str, entry_id: int, confirm: bool) -> Any:
        return await self.session.call(
            "leave_waitlist", user_id=user_id, entry_id=entry_id, confirm=confirm
        )

    async def claim_waitlist_offer(self, user_id: str, token: str) -> Appointment:
        data = await self.session.call("claim_waitlist_offer", user_id=user_id, token=token)
        return one_of(data, Appointment, "appointment")

    # ----------------------------------------------------------------- conversation

    async def process_message(
        self, user_id: str, message: str, now: str | None = None, language: str | None = None
    ) -> Reply:
        """One turn of the conversation the MCP server keeps; ``language`` is the user's as
        Telegram knows it (``language_code``), used by the server until the user chooses one."""
        data = await self.session.call(
            "process_message", user_id=user_id, message=message, now=now, language=language
        )
        if isinstance(data, str):
            return Reply(response=data)
        return one_of(data, Reply, "reply")
