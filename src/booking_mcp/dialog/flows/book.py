"""The booking flow: what, with whom, which day and time, asking only for what is missing.

:class:`BookFlow` advances a :class:`~booking_mcp.dialog.state.DialogState` of ``flow ==
"book"`` one step: a category offers its services, a service offers who does it (with the
nearest free times), a specialist offers their services, then the free days and times
(narrowed to a part of the day when one was said) and finally the confirmation.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from booking_common.conversation import Action, ActionType, Service, Specialist
from booking_mcp.api_client import ApiError, ApiUnavailable, ClientAuth
from booking_mcp.dialog.render import (
    Turn,
    offer_categories,
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
from booking_mcp.i18n import after_colon, format_day, format_price, join_list, sentence_start, t
from booking_mcp.localized import (
    has_specialization,
    name_in,
    russian_city,
    same_city,
    service_name_in,
    service_names,
)
from booking_mcp.service import BookingService

#: The parts of the day ("утром", "after work") as [from, to) in minutes.
PARTS_OF_DAY = {
    "morning": (0, 12 * 60),
    "afternoon": (12 * 60, 17 * 60),
    "evening": (17 * 60, 24 * 60),
}


def minutes(hhmm: str) -> int:
    hours, mins = hhmm.split(":")[:2]
    return int(hours) * 60 + int(mins)


def hhmm(total: int) -> str:
    return f"{total // 60:02d}:{total % 60:02d}"


class BookFlow:
    """The booking flow over :class:`BookingService`."""

    service: BookingService

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
        if state.nearest and candidates and not state.date:
            if spec_id is not None and any(c.specialist == spec_id for c in candidates):
                candidates = [c for c in candidates if c.specialist == spec_id]
            if await self.offer_nearest(state, turn, candidates, now, alone=True):
                return
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
            if candidates and svc_id is None and not state.service_name and state.category_id:
                category = index["categories"].get(state.category_id)
                turn.say(
                    "ask_service_in", category=name_in(category, turn.lang) if category else ""
                )
                offer_services(turn, candidates)
                return
            if candidates:
                people = sorted({s.specialist for s in candidates})
                if len(people) == 1:
                    spec_id = people[0]
                    own = [s for s in candidates if s.specialist == spec_id]
                    state.specialist_id = spec_id
                    state.service_id = own[0].id if len(own) == 1 else svc_id
                    await self.advance_book(state, now, turn)
                    return
                # the catalogue's name when the candidates share one, never the user's word
                names = {name_in(s, turn.lang) for s in candidates}
                name = names.pop() if len(names) == 1 else ""
                turn.say("ask_specialist_for", service=name) if name else turn.say("ask_specialist")
                offer_specialists(turn, [specialists[p] for p in people])
                await self.offer_nearest(state, turn, candidates, now)
                return
            people = [s for s in specialists.values() if self.fits(s, state)]
            if candidates is not None and not candidates:
                turn.say("nothing_found")
            if state.date and candidates is None:  # "есть место в пятницу?"
                await self.room_on_day(state, turn, people or list(specialists.values()))
                return
            if not people or (not state.specialization and not state.city):
                turn.say("ask_category")
                offer_categories(turn, list(index["categories"].values()))
                return
            turn.say("ask_specialist")
            offer_specialists(turn, people)
            return

        state.specialist_id, state.service_id = spec_id, svc_id
        assert svc_id is not None
        await self.ask_when(state, now, turn, spec_id, services[svc_id], confirm="book")

    async def room_on_day(self, state: DialogState, turn: Turn, people: list[Specialist]) -> None:
        """Who has free time on the day asked about (then: choose one of them)."""
        date = str(state.date)
        free = [
            p for p in people if date in await self.service.available_days(p.id, None, date[:7])
        ]
        day = sentence_start(format_day(date, turn.lang))
        if not free:
            turn.say("no_room_on_day", date=day)
            state.date = None
            return
        turn.say("room_on_day", date=day, names=join_list([p.name for p in free], turn.lang, 8))
        offer_specialists(turn, free)

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
            if not named:  # "мужской" for "Стрижка мужская": the words' stems
                stems = [w[:5] for w in term.split() if len(w) >= 4]
                named = [s for s in found if stems and all(x in s.name.lower() for x in stems)]
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
        self,
        state: DialogState,
        turn: Turn,
        candidates: list[Service],
        now: dt.datetime,
        *,
        alone: bool = False,
    ) -> bool:
        """Add the scheduling engine's nearest free slots for the wanted service (from
        ``now``, whoever does it); ``alone``: they are the whole answer. True if any."""
        one_name = len({c.name.lower() for c in candidates}) == 1
        people = {c.specialist for c in candidates}
        try:
            slots = await self.service.nearest_slots(
                service_id=candidates[0].id if one_name and len(people) == 1 else None,
                category_id=None if one_name else state.category_id,
                service_name=candidates[0].name if one_name else state.service_name,
                city=russian_city(
                    state.city, (await self.service.catalogue())[1]["specialists"].values()
                ),
                specialist_id=next(iter(people)) if len(people) == 1 else None,
                date_from=state.date or now.date().isoformat(),
                limit=12,
            )
        except ApiError:
            return False
        allowed = {(c.specialist, c.id) for c in candidates}
        later = now.strftime("%H:%M")
        today = now.date()
        seen: set[tuple[int, Any, str]] = set()
        unique = []
        for s in slots:  # one line per specialist and time, whichever of their services
            key = (s.specialist_id, s.date, s.start_time)
            if key not in seen:
                seen.add(key)
                unique.append(s)
        slots = [
            s
            for s in unique
            if (s.specialist_id, s.service_id) in allowed
            and (s.date > today or (s.date == today and s.start_time > later))
            and self.in_part_of_day(state, s.start_time)
        ][:5]
        if not slots:
            return False
        if alone:
            state.nearest = False
        offer_nearest(turn, slots)
        return True

    @staticmethod
    def in_part_of_day(state: DialogState, start: str) -> bool:
        if state.time_of_day not in PARTS_OF_DAY:
            return True
        low, high = PARTS_OF_DAY[state.time_of_day]
        if state.time_from:  # "после обеда": after lunch, not from noon
            low = max(low, minutes(state.time_from))
        return low <= minutes(start) < high

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
                "day_off",
                date=sentence_start(format_day(date, turn.lang)),
                reason=after_colon(user_message(exc, turn.lang)),
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
            state.date = None  # the time wished stays for the next day chosen
            days = await self.service.upcoming_days(spec_id, service.id, today)
            if days:
                turn.say(
                    "ask_date",
                    days=join_list([format_day(d, turn.lang) for d in days[:5]], turn.lang, 5),
                )
                offer_days(turn, days)
            return False
        if date == today.isoformat():  # the times already past today are not offered
            slots = [s for s in slots if s.start_time > now.strftime("%H:%M")] or slots
        if not state.time and state.time_of_day in PARTS_OF_DAY:
            narrowed = [s for s in slots if self.in_part_of_day(state, s.start_time)]
            if narrowed:
                slots = narrowed
            else:
                turn.say("no_part_of_day", part=t(turn.lang, f"part_{state.time_of_day}"))
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
            price=format_price(service.price, turn.lang),
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
