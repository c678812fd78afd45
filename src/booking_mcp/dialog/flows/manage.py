"""Cancelling and rescheduling a booking, carrying out what the user confirmed, listings.

Nothing is booked, cancelled or moved before the user's yes; a booking made or moved comes
with its calendar file (action ``calendar_file``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from booking_common.conversation import Action, ActionType, Appointment, Option, Pick, pick
from booking_mcp.api_client import ApiError, ApiUnavailable, ClientAuth
from booking_mcp.dialog.render import Turn, calendar_file, offer_confirm, offer_services
from booking_mcp.dialog.state import DialogState
from booking_mcp.errors import user_message
from booking_mcp.i18n import format_day, format_price, t
from booking_mcp.localized import city_in, name_in, service_name_in, specialization_in
from booking_mcp.service import BookingService


class ManageFlow:
    """Cancel, reschedule, execute and the listings, over :class:`BookingService`."""

    service: BookingService

    # ------------------------------------------------------------------ cancel / reschedule

    async def upcoming(self, who: ClientAuth, now: dt.datetime) -> list[Appointment]:
        return await self.service.appointments(
            who, date_from=now.date().isoformat(), active_only=True
        )

    @staticmethod
    def describe(a: Appointment, lang: str) -> dict[str, Any]:
        return dict(
            id=a.id,
            service=service_name_in(a, lang) or a.service,
            specialist=a.specialist_name or a.specialist,
            date=format_day(a.date, lang),
            time=a.start_time,
        )

    async def advance_change(
        self, state: DialogState, who: ClientAuth, now: dt.datetime, turn: Turn
    ) -> None:
        flow = state.flow
        upcoming = await self.upcoming(who, now)
        if not upcoming:
            state.clear()
            turn.say("no_appointments")
            return
        chosen = None
        wanted = state.appointment_id
        if wanted is not None:
            chosen = next((a for a in upcoming if a.id == wanted), None)
            if chosen is None:
                turn.say("appointment_not_found", id=wanted)
                state.appointment_id = None
        elif len(upcoming) == 1:
            chosen = upcoming[0]
        if chosen is None:
            turn.say("ask_appointment_cancel" if flow == "cancel" else "ask_appointment_reschedule")
            turn.offer(
                Action.of(
                    ActionType.CHOOSE_APPOINTMENT,
                    options=[
                        Option(
                            label=t(turn.lang, "appointment_line", **self.describe(a, turn.lang)),
                            value=pick(Pick.APPOINTMENT, a.id),
                            id=a.id,
                            service=a.service,
                            specialist=a.specialist,
                            date=a.date.isoformat(),
                            time=a.start_time,
                        )
                        for a in upcoming
                    ],
                )
            )
            return
        state.appointment_id = chosen.id
        if state.same_time and not state.time:
            state.time = chosen.start_time
        if flow == "cancel":
            state.pending = "cancel"
            values = self.describe(chosen, turn.lang)
            turn.say("confirm_cancel", **values)
            offer_confirm(turn, "cancel", values)
            return
        service = await self.service.service(chosen.service)
        await self.ask_when(  # type: ignore[attr-defined]
            state,
            now,
            turn,
            chosen.specialist,
            service,
            confirm="reschedule",
            intro="reschedule_ask_date",
            intro_values={"id": chosen.id, "service": name_in(service, turn.lang)},
        )

    # ------------------------------------------------------------------ doing it

    async def execute(
        self, state: DialogState, who: ClientAuth, now: dt.datetime, turn: Turn
    ) -> None:
        pending, state.pending = state.pending, None
        if pending == "book":
            try:
                booked = await self.service.book(
                    who,
                    int(state.specialist_id or 0),
                    int(state.service_id or 0),
                    str(state.date),
                    str(state.time),
                    idempotency_key=state.idem,
                )
            except ApiError as exc:
                if isinstance(exc, ApiUnavailable):
                    raise
                turn.say("book_failed", error=user_message(exc, turn.lang))
                state.time = None
                await self.advance_book(state, now, turn)  # type: ignore[attr-defined]
                return
            turn.say("booked", **self.describe(booked, turn.lang))
            state.last_time = booked.start_time
            turn.offer(Action.of(ActionType.BOOKED, appointment=booked.model_dump(mode="json")))
            await self.calendar_file(who, booked.id, turn)
            state.clear()
        elif pending == "cancel":
            try:
                done = await self.service.cancel(who, int(state.appointment_id or 0))
            except ApiError as exc:
                if isinstance(exc, ApiUnavailable):
                    raise
                turn.say("cancel_failed", error=user_message(exc, turn.lang))
                state.clear()
                return
            turn.say("cancelled", id=done.id)
            turn.offer(Action.of(ActionType.CANCELLED, appointment=done.model_dump(mode="json")))
            state.clear()
        elif pending == "reschedule":
            try:
                done = await self.service.reschedule(
                    who, int(state.appointment_id or 0), str(state.date), str(state.time)
                )
            except ApiError as exc:
                if isinstance(exc, ApiUnavailable):
                    raise
                turn.say("reschedule_failed", error=user_message(exc, turn.lang))
                state.time = None
                await self.advance_change(state, who, now, turn)
                return
            turn.say(
                "rescheduled",
                id=done.id,
                date=format_day(done.date, turn.lang),
                time=done.start_time,
            )
            turn.offer(Action.of(ActionType.RESCHEDULED, appointment=done.model_dump(mode="json")))
            await self.calendar_file(who, done.id, turn)
            state.clear()
        else:
            turn.say("unknown")

    async def calendar_file(self, who: ClientAuth, appointment_id: int, turn: Turn) -> None:
        """The booking as an iCalendar file to add to a calendar (none if the API fails)."""
        try:
            content = await self.service.appointment_ics(who, appointment_id)
        except ApiError as exc:
            if isinstance(exc, ApiUnavailable):
                raise
            return
        calendar_file(turn, appointment_id, content)

    # ------------------------------------------------------------------ listings

    async def my_appointments(
        self, who: ClientAuth, now: dt.datetime, turn: Turn, *, next_only: bool = False
    ) -> None:
        """The upcoming bookings; ``next_only``: "when is my next booking?"."""
        upcoming = await self.upcoming(who, now)
        if not upcoming:
            turn.say("no_appointments")
            return
        if next_only:
            upcoming = [min(upcoming, key=lambda a: (a.date, a.start_time))]
            turn.say("next_appointment", **self.describe(upcoming[0], turn.lang))
        else:
            self.list_appointments(upcoming, turn)
        turn.offer(
            Action.of(
                ActionType.APPOINTMENTS,
                appointments=[a.model_dump(mode="json") for a in upcoming],
            )
        )

    def list_appointments(self, upcoming: list[Appointment], turn: Turn) -> None:
        lines = [t(turn.lang, "appointment_line", **self.describe(a, turn.lang)) for a in upcoming]
        turn.say("my_appointments", items="\n".join(lines))

    async def list_specialists(self, state: DialogState, turn: Turn) -> None:
        _, index = await self.service.catalogue()
        people = [s for s in index["specialists"].values() if self.fits(s, state)]
        if state.category_id is not None:
            offering = {
                s.specialist for s in index["services"].values() if s.category == state.category_id
            }
            people = [p for p in people if p.id in offering]
        if len(people) == 1:
            state.last_specialist_id = people[0].id  # "book me with him"
        if people:
            turn.say(
                "specialists_found",
                items="\n".join(
                    t(
                        turn.lang,
                        "specialist_line",
                        name=p.name,
                        specialization=specialization_in(p, turn.lang),
                        city=city_in(p, turn.lang),
                    )
                    for p in people
                ),
            )

    async def list_services(self, state: DialogState, turn: Turn) -> None:
        _, index = await self.service.catalogue()
        found = self.service_candidates(state, index["services"], index["specialists"])
        asked = found is not None
        if found is None:
            found = list(index["services"].values())
        if not found:
            turn.say("nothing_found")
            return
        turn.say(
            "services_list",
            items="\n".join(
                t(
                    turn.lang,
                    "service_line",
                    name=name_in(s, turn.lang),
                    price=format_price(s.price, turn.lang),
                    duration=s.duration,
                    specialist=s.specialist_name or "",
                )
                for s in found
            ),
        )
        if asked:  # "do you do haircuts for men?": those, and an offer to book one
            turn.say("offer_to_book")
        offer_services(turn, found)
