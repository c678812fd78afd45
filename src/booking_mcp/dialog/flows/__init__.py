"""The flows: booking (:mod:`.book`), cancelling and rescheduling (:mod:`.manage`).

:class:`Flows` advances a :class:`~booking_mcp.dialog.state.DialogState` one step (asking
the next question, or asking for confirmation when everything is known) and carries out what
the user confirmed. Nothing is booked, cancelled or moved before the user's yes.
"""

from __future__ import annotations

import datetime as dt

from booking_mcp.api_client import ClientAuth
from booking_mcp.dialog.flows.book import PARTS_OF_DAY, BookFlow, hhmm, minutes
from booking_mcp.dialog.flows.manage import ManageFlow
from booking_mcp.dialog.render import Turn
from booking_mcp.dialog.state import DialogState
from booking_mcp.service import BookingService

__all__ = ["PARTS_OF_DAY", "Flows", "hhmm", "minutes"]


class Flows(BookFlow, ManageFlow):
    """The booking, cancel and reschedule flows over :class:`BookingService`."""

    def __init__(self, service: BookingService) -> None:
        self.service = service

    async def advance(
        self, state: DialogState, who: ClientAuth, now: dt.datetime, turn: Turn
    ) -> None:
        if state.flow == "book":
            await self.advance_book(state, now, turn)
        elif state.flow in ("cancel", "reschedule"):
            await self.advance_change(state, who, now, turn)
        elif not turn.lines:
            turn.say("unknown")
