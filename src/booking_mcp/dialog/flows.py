"""The flows: booking, cancelling and rescheduling, each asking only for what is missing.

:class:`Flows` advances a :class:`~booking_mcp.dialog.state.DialogState` one step (asking
the next question, or asking for confirmation when everything is known) and carries out what
the user confirmed. Nothing is booked, cancelled or moved before the user's yes.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from booking_common.conversation import (
    Action,
    ActionType,
    Appointment,
    Option,
    Pick,
    Service,
    Specialist,
    pick,
)
from booking_mcp.api_client import ApiError, ApiUnavailable, ClientAuth
from booking_mcp.dialog.render import (
    Turn,
    offer_confirm,
    offer_days,
    offer_nearest,
    offer_services,
    offer_specialists,
    offer_times,
    offer_waitlist,
)
from booking_mcp.dialog.state import DialogState, WaitlistWish
from booking_mcp.errors import user_message
from booking_mcp.i18n import format_day, format_price, join_list, sentence_start, t
from booking_mcp.localized import (
    city_in,
    has_specialization,
    name_in,
    russian_city,
    same_city,
    service_name_in,
    service_names,
    specialization_in,
)
from booking_mcp.service import BookingService


def minutes(hhmm: str) -> int:
    hours, mins = hhmm.split(":")[:2]
    return int(hours) * 60 + int(mins)


class Flows:
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

    # ------------------------------------------------------------------ booking

    async def advance_book(self, state: DialogState, now: dt.datetime, turn: Turn) -> None:
        _, index = await self.service.catalogue()
        services: dict[int, Service] = index["services"]
        specialists: dict[int, Specialist] = index["specialists"]
        if state.specialist_id not in specialists:
            state.specialist_id = None
        if state.service_id not in services:
            state.service_id = None
        spec_id, svc_id = state.specialist_id, state.service_id

        candidates = self.service_candidates(state, services, specialists)
        if spec_id is not None:
            mine = [s for s in services.values() if s.specialist == spec_id]
            if svc_id is not None and services[svc_id].specialist != spec_id:
                svc_id = None  # the chosen service belongs to someone else: find theirs
            if svc_id is None:
                matching = [s for s in candidates or [] if s.specialist == spec_id]
                options = matching if matching else mine
                if len(options) == 1:
                    svc_id = options[0].id
                else:
                    state.service_id = None
                    turn.say("ask_service", specialist=specialists[spec_id].name)
                    offer_services(turn, options)
                    return
        else:
            if candidates:
                people = sorted({s.specialist for s in candidates})
                if len(people) == 1:
                    spec_id = people[0]
                    own = [s for s in candidates if s.specialist == spec_id]
                    state.specialist_id = spec_id
                    state.service_id = own[0].id if len(own) == 1 else svc_id
                    await self.advance_book(state, now, turn)
                    return
                name = (
                    name_in(services[svc_id], turn.lang) if svc_id else (state.service_name or "")
                )
                turn.say("ask_specialist_for", service=name) if name else turn.say("ask_specialist")
                offer_specialists(turn, [specialists[p] for p in people])
                await self.offer_nearest(state, turn, candidates, now)
                return
            people = [s for s in specialists.values() if self.fits(s, state)]
            if candidates is not None and not candidates:
                turn.say("nothing_found")
            if not people:
                people = list(specialists.values())
            turn.say("ask_service_any" if not state.specialization else "ask_specialist")
            offer_specialists(turn, people)
            return

        state.specialist_id, state.service_id = spec_id, svc_id
        assert svc_id is not None
        await self.ask_when(state, now, turn, spec_id, services[svc_id], confirm="book")

    def service_candidates(
        self,
        state: DialogState,
        services: dict[int, Service],
        specialists: dict[int, Specialist],
    ) -> list[Service] | None:
        """Services matching what was said, or None when no service criterion was given."""
        svc_id, name, category = state.service_id, state.service_name, state.category_id
        if svc_id is None and not name and category is None:
            return None
        found = list(services.values())
        if svc_id is not None:
            wanted = services[svc_id].name.lower()
            found = [s for s in found if s.name.lower() == wanted]
        elif name:
            term = name.lower()
            named = [s for s in found if any(term in n for n in service_names(s))]
            # A name in another language ("massage") may not match; the category still may.
            found = named if named or category is None else found
        if category is not None:
            found = [s for s in found if s.category == category]
        if state.city:
            city = state.city
            in_city = [
                s
                for s in found
                if specialists.get(s.specialist) and same_city(specialists[s.specialist], city)
            ]
            found = in_city or found
        return found

    @staticmethod
    def fits(specialist: Specialist, state: DialogState) -> bool:
        city, spec = state.city, state.specialization
        if city and not same_city(specialist, city):
            return False
        return not (spec and not has_specialization(specialist, spec))

    async def offer_nearest(
        self, state: DialogState, turn: Turn, candidates: list[Service], now: dt.datetime
    ) -> None:
        """Add the scheduling engine's nearest free slots for the wanted service."""
        one_name = len({c.name.lower() for c in candidates}) == 1
        try:
            slots = await self.service.nearest_slots(
                service_id=candidates[0].id if one_name else None,
                category_id=None if one_name else state.category_id,
                service_name=None if one_name else state.service_name,
                city=russian_city(
                    state.city, (await self.service.catalogue())[1]["specialists"].values()
                ),
                date_from=state.date or now.date().isoformat(),
                limit=5,
            )
        except ApiError:
            return
        allowed = {(c.specialist, c.id) for c in candidates}
        slots = [s for s in slots if (s.specialist_id, s.service_id) in allowed]
        if slots:
            offer_nearest(turn, slots)

    async def ask_when(
        self,
        state: DialogState,
        now: dt.datetime,
        turn: Turn,
        spec_id: int,
        service: Service,
        *,
        confirm: str,
        intro: str | None = None,
        intro_values: dict[str, Any] | None = None,
    ) -> bool:
        """Ask for the date and time that are missing; True once both are valid (then it
        asks for confirmation of ``confirm``)."""
        today = now.date()
        _, index = await self.service.catalogue()
        specialist = index["specialists"].get(spec_id)
        spec_name = specialist.name if specialist else str(spec_id)
        date = state.date
        if date and date < today.isoformat():
            turn.say("past_date")
            state.date = date = None
        if not date:
            days = await self.service.upcoming_days(spec_id, service.id, today)
            if not days:
                turn.say("no_days", specialist=spec_name)
                return False
            words = join_list([format_day(d, turn.lang) for d in days[:5]], turn.lang, 5)
            if intro:
                turn.say(intro, days=words, **(intro_values or {}))
            else:
                turn.say("ask_date", days=words)
            offer_days(turn, days)
            return False
        try:
            moving = state.appointment_id if confirm == "reschedule" else None
            slots = await self.service.slots(spec_id, date, service.id, moving=moving)
        except ApiError as exc:
            if isinstance(exc, ApiUnavailable):
                raise
            turn.say(
                "day_off", date=format_day(date, turn.lang), reason=user_message(exc, turn.lang)
            )
            slots = []
        else:
            if not slots:
                turn.say("no_slots_day", date=format_day(date, turn.lang), specialist=spec_name)
                if confirm == "book":
                    state.waitlist = WaitlistWish(
                        specialist_id=spec_id, service_id=service.id, date=date
                    )
                    offer_waitlist(turn, spec_id, service.id, date)
        if not slots:
            state.date = state.time = None
            days = await self.service.upcoming_days(spec_id, service.id, today)
            if days:
                turn.say(
                    "ask_date",
                    days=join_list([format_day(d, turn.lang) for d in days[:5]], turn.lang, 5),
                )
                offer_days(turn, days)
            return False
        starts = [s.start_time for s in slots]
        wanted = state.time
        if wanted and wanted not in starts:
            state.time = None
            nearby = sorted(starts, key=lambda s: abs(minutes(s) - minutes(wanted)))[:6]
            turn.say("time_taken", time=wanted, times=", ".join(sorted(nearby)))
            offer_times(turn, date, [s for s in slots if s.start_time in nearby])
            return False
        if not wanted:
            turn.say(
                "ask_time",
                date=sentence_start(format_day(date, turn.lang)),
                times=join_list(starts, turn.lang, 10),
            )
            offer_times(turn, date, slots)
            return False
        state.pending = confirm  # type: ignore[assignment]
        state.idem = str(uuid.uuid4())
        values = dict(
            date=format_day(date, turn.lang),
            time=wanted,
            service=name_in(service, turn.lang),
            specialist=spec_name,
            price=format_price(service.price),
        )
        if confirm == "book":
            turn.say("confirm_book", **values)
        else:
            turn.say("confirm_reschedule", id=state.appointment_id, **values)
        offer_confirm(turn, confirm, values)
        return True

    async def join_waitlist(self, state: DialogState, who: ClientAuth, turn: Turn) -> None:
        wanted, state.waitlist = state.waitlist, None
        if not wanted:
            turn.say("waitlist_nothing")
            return
        try:
            entry = await self.service.join_waitlist(
                who, wanted.service_id, wanted.date, wanted.specialist_id
            )
        except ApiError as exc:
            if isinstance(exc, ApiUnavailable):
                raise
            turn.say("waitlist_failed", error=user_message(exc, turn.lang))
            return
        _, index = await self.service.catalogue()
        specialist = index["specialists"].get(entry.specialist)
        turn.say(
            "waitlist_joined",
            date=format_day(entry.date, turn.lang),
            service=service_name_in(entry, turn.lang),
            specialist=entry.specialist_name or (specialist.name if specialist else ""),
        )
        turn.offer(Action.of(ActionType.WAITLIST_JOINED, entry=entry.model_dump(mode="json")))

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
                        )
                        for a in upcoming
                    ],
                )
            )
            return
        state.appointment_id = chosen.id
        if flow == "cancel":
            state.pending = "cancel"
            values = self.describe(chosen, turn.lang)
            turn.say("confirm_cancel", **values)
            offer_confirm(turn, "cancel", values)
            return
        service = await self.service.service(chosen.service)
        await self.ask_when(
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
                await self.advance_book(state, now, turn)
                return
            turn.say("booked", **self.describe(booked, turn.lang))
            state.last_time = booked.start_time
            turn.offer(Action.of(ActionType.BOOKED, appointment=booked.model_dump(mode="json")))
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
            state.clear()
        else:
            turn.say("unknown")

    # ------------------------------------------------------------------ listings

    async def my_appointments(self, who: ClientAuth, now: dt.datetime, turn: Turn) -> None:
        upcoming = await self.upcoming(who, now)
        if not upcoming:
            turn.say("no_appointments")
            return
        lines = [t(turn.lang, "appointment_line", **self.describe(a, turn.lang)) for a in upcoming]
        turn.say("my_appointments", items="\n".join(lines))
        turn.offer(
            Action.of(
                ActionType.APPOINTMENTS,
                appointments=[a.model_dump(mode="json") for a in upcoming],
            )
        )

    async def list_specialists(self, state: DialogState, turn: Turn) -> None:
        _, index = await self.service.catalogue()
        people = [s for s in index["specialists"].values() if self.fits(s, state)]
        if state.category_id is not None:
            offering = {
                s.specialist for s in index["services"].values() if s.category == state.category_id
            }
            people = [p for p in people if p.id in offering]
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
                    price=format_price(s.price),
                    duration=s.duration,
                    specialist=s.specialist_name or "",
                )
                for s in found
            ),
        )
        offer_services(turn, found)
