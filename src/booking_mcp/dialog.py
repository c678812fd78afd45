"""The multi-turn booking conversation behind ``process_message`` (and ``POST /process``).

Each call takes one user message, loads the conversation's context (stored in the API's
``dialog-contexts`` for the service account, so it survives restarts and expires after
``DIALOG_TTL_SECONDS``), understands the message, asks only for what is still missing, and
saves the context again. Flows: ``book`` (also entered by finding specialists, listing
services and asking for free time), ``cancel``, ``reschedule``; "my appointments" and help
are answered at once. Nothing is booked, cancelled or moved before the user confirms.

The reply protocol (the actions and their options, the ``/pick …``, ``/yes``, ``/no`` values
the buttons send back) is :mod:`booking_common.conversation`, which the Telegram bot reads too.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import uuid
from typing import Any

from booking_common.conversation import (
    JOIN_WAITLIST,
    NO,
    YES,
    Action,
    ActionType,
    Appointment,
    Command,
    Option,
    Pick,
    Reply,
    Service,
    pick,
)
from booking_mcp.oauth.identity import signed_in

from .api_client import ApiError, ApiUnavailable, ClientAuth
from .i18n import format_day, format_price, format_short_day, join_list, language, t
from .nlu import detect_language, recognize
from .service import BookingService

log = logging.getLogger("booking_mcp.dialog")

FLOW_INTENTS = {"book_appointment", "available_slots", "find_specialist", "list_services"}
YES_WORDS = {
    "да",
    "ага",
    "конечно",
    "подтверждаю",
    "верно",
    "ок",
    "окей",
    "хорошо",
    "давай",
    "записывай",
    "записывайте",
    "yes",
    "yep",
    "yeah",
    "sure",
    "ok",
    "okay",
    "confirm",
    "y",
    "correct",
    "go",
    "sounds",
}
NO_WORDS = {"нет", "неа", "не", "отмена", "стоп", "no", "nope", "cancel", "stop", "n"}
STATE_KEYS = (
    "flow",
    "specialist_id",
    "service_id",
    "service_name",
    "category_id",
    "specialization",
    "city",
    "date",
    "time",
    "appointment_id",
    "pending",
    "idem",
    "waitlist",
)


def _words(text: str) -> list[str]:
    return re.findall(r"[\wё]+", text.lower())


class Turn:
    """What one reply is made of, collected while the dialog advances."""

    def __init__(self, lang: str) -> None:
        self.lang = lang
        self.lines: list[str] = []
        self.actions: list[Action] = []

    def say(self, key: str, **values: Any) -> None:
        self.lines.append(t(self.lang, key, **values))

    def offer(self, action: Action) -> None:
        self.actions.append(action)


class Dialog:
    """The conversation state machine; see the module docstring."""

    def __init__(self, service: BookingService) -> None:
        self.service = service

    # ------------------------------------------------------------------ entry point

    async def handle(
        self,
        user_id: str | int | None,
        message: str,
        now: str | dt.datetime | None = None,
        context: dict[str, Any] | None = None,
    ) -> Reply:
        """Answer one message of ``user_id`` (a Telegram id; ignored by a personal assistant)."""
        who = self.service.who(user_id)
        key = self._key(user_id)
        stored = await self.service.load_context(key)
        state: dict[str, Any] = stored if stored is not None else dict(context or {})
        moment = self.service.now(now)
        turn = Turn(language(state.get("lang")))
        try:
            await self._step(state, who, message.strip(), moment, turn)
        except ApiUnavailable:
            log.exception("API unavailable during dialog")
            turn.say("error")
        state["lang"] = turn.lang
        await self.service.save_context(key, state)
        return Reply(response="\n".join(turn.lines), context=state, actions=turn.actions)

    def _key(self, user_id: str | int | None) -> str:
        acting = signed_in.get()
        if acting is not None:  # signed in with OAuth: their own conversation
            return acting.key
        if self.service.settings.fixed_identity or user_id in (None, ""):
            return "personal"
        return f"tg:{str(user_id).strip()[:60]}"

    # ------------------------------------------------------------------ one step

    async def _step(
        self, state: dict[str, Any], who: ClientAuth, text: str, now: dt.datetime, turn: Turn
    ) -> None:
        command = Command.parse(text)
        if command:
            if not await self._command(state, command.name, command.args, who, now, turn):
                return
        else:
            if sum(ch.isalpha() for ch in text) >= 4 or "lang" not in state:
                turn.lang = language(detect_language(text))
            words = _words(text)
            if (
                state.get("pending")
                and words
                and (words[0] in YES_WORDS or set(words) <= YES_WORDS)
            ):
                await self._execute(state, who, now, turn)
                return
            if state.get("pending") and words and (words[0] in NO_WORDS or set(words) <= NO_WORDS):
                self._clear(state)
                turn.say("declined")
                return
            catalogue, _ = await self.service.catalogue()
            rec = recognize(text, catalogue, now.replace(tzinfo=None))
            if not await self._route(state, rec.intent, rec.entities, who, now, turn):
                return
        await self._advance(state, who, now, turn)

    async def _command(
        self,
        state: dict[str, Any],
        name: str,
        args: list[str],
        who: ClientAuth,
        now: dt.datetime,
        turn: Turn,
    ) -> bool:
        """Apply a button's command; False when the reply is already complete."""
        if name == "yes":
            if state.get("pending"):
                await self._execute(state, who, now, turn)
            else:
                turn.say("unknown")
            return False
        if name == "no":
            self._clear(state)
            turn.say("declined")
            return False
        if name in ("reset", "start"):
            self._clear(state)
            turn.say("reset")
            return False
        if name == "help":
            turn.say("help")
            return False
        if name == "my":
            await self._my_appointments(state, who, now, turn)
            return False
        if name == "waitlist" and args[:1] == ["join"]:
            await self._join_waitlist(state, who, turn)
            return False
        if name == "pick" and len(args) >= 2:
            what, value = args[0].lower(), args[1]
            state["pending"] = None
            try:
                if what == "specialist":
                    state.setdefault("flow", "book")
                    if state.get("specialist_id") != int(value):
                        state.update(specialist_id=int(value), service_id=None, time=None)
                elif what == "service":
                    state["service_id"] = int(value)
                    state["flow"] = state.get("flow") or "book"
                elif what == "date":
                    state.update(date=dt.date.fromisoformat(value).isoformat(), time=None)
                elif what == "time":
                    state["time"] = dt.time.fromisoformat(value).strftime("%H:%M")
                elif what == "appointment":
                    state["appointment_id"] = int(value)
                elif what == "slot" and len(args) >= 5:
                    state.update(
                        flow="book",
                        specialist_id=int(args[1]),
                        service_id=int(args[2]),
                        date=dt.date.fromisoformat(args[3]).isoformat(),
                        time=dt.time.fromisoformat(args[4]).strftime("%H:%M"),
                    )
                else:
                    raise ValueError(what)
            except ValueError:
                turn.say("unknown")
                return False
            if not state.get("flow"):
                state["flow"] = "book"
            return True
        turn.say("unknown")
        return False

    async def _route(
        self,
        state: dict[str, Any],
        intent: str,
        entities: dict[str, Any],
        who: ClientAuth,
        now: dt.datetime,
        turn: Turn,
    ) -> bool:
        """Update the state from an understood message; False when the reply is complete."""
        flow = state.get("flow")
        if intent == "greeting" and not flow:
            turn.say("greeting")
            turn.say("help")
            return False
        if intent == "help":
            turn.say("help")
            return False
        if intent == "my_appointments":
            self._clear(state)
            await self._my_appointments(state, who, now, turn)
            return False
        if intent == "register":
            profile = await self.service.register(who)
            turn.say("registered", name=profile.name or "—")
            return False
        if intent in ("cancel_appointment", "reschedule_appointment"):
            new_flow = "cancel" if intent == "cancel_appointment" else "reschedule"
            if flow != new_flow:
                self._clear(state)
            state["flow"] = new_flow
            state["pending"] = None
            for key in ("appointment_id", "date", "time"):
                if entities.get(key) is not None:
                    state[key] = entities[key]
            return True
        if intent in FLOW_INTENTS or (flow and any(v is not None for v in entities.values())):
            if flow not in ("book", "reschedule") or (
                flow == "reschedule"
                and intent in ("book_appointment", "find_specialist", "list_services")
            ):
                self._clear(state)
                state["flow"] = "book"
            self._merge(state, entities)
            if intent == "find_specialist" and not state.get("specialist_id"):
                await self._list_specialists(state, turn)
            elif (
                intent == "list_services"
                and not state.get("service_id")
                and not state.get("specialist_id")
            ):
                await self._list_services(state, turn)
                return False
            return True
        if flow:
            return True  # re-ask the current question
        turn.say("unknown")
        return False

    def _merge(self, state: dict[str, Any], entities: dict[str, Any]) -> None:
        state["pending"] = None
        spec = entities.get("specialist_id")
        if spec is not None and spec != state.get("specialist_id"):
            state.update(specialist_id=spec, time=None)
        if entities.get("service_id") is not None:
            state.update(service_id=entities["service_id"], service_name=None)
        elif entities.get("service_name"):
            state.update(service_name=entities["service_name"], service_id=None)
        for key in ("category_id", "specialization", "city"):
            if entities.get(key) is not None:
                state[key] = entities[key]
        if entities.get("date"):
            state.update(date=entities["date"], time=None)
        if entities.get("time"):
            state["time"] = entities["time"]
        if entities.get("appointment_id") is not None and state.get("flow") == "reschedule":
            state["appointment_id"] = entities["appointment_id"]

    @staticmethod
    def _clear(state: dict[str, Any]) -> None:
        for key in STATE_KEYS:
            state.pop(key, None)

    # ------------------------------------------------------------------ advancing a flow

    async def _advance(
        self, state: dict[str, Any], who: ClientAuth, now: dt.datetime, turn: Turn
    ) -> None:
        flow = state.get("flow")
        if flow == "book":
            await self._advance_book(state, now, turn)
        elif flow in ("cancel", "reschedule"):
            await self._advance_change(state, who, now, turn)
        elif not turn.lines:
            turn.say("unknown")

    async def _advance_book(self, state: dict[str, Any], now: dt.datetime, turn: Turn) -> None:
        _, index = await self.service.catalogue()
        services: dict[int, Service] = index["services"]
        specialists = index["specialists"]
        if state.get("specialist_id") not in specialists:
            state["specialist_id"] = None
        if state.get("service_id") not in services:
            state["service_id"] = None
        spec_id, svc_id = state.get("specialist_id"), state.get("service_id")

        candidates = self._service_candidates(state, services, specialists)
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
                    state["service_id"] = None
                    turn.say("ask_service", specialist=specialists[spec_id].name)
                    self._offer_services(turn, options)
                    return
        else:
            if candidates is not None and candidates:
                people = sorted({s.specialist for s in candidates})
                if len(people) == 1:
                    spec_id = people[0]
                    own = [s for s in candidates if s.specialist == spec_id]
                    if len(own) == 1:
                        svc_id = own[0].id
                    state["specialist_id"] = spec_id
                    state["service_id"] = svc_id
                    await self._advance_book(state, now, turn)
                    return
                name = services[svc_id].name if svc_id else (state.get("service_name") or "")
                turn.say("ask_specialist_for", service=name) if name else turn.say("ask_specialist")
                turn.offer(
                    Action.of(
                        ActionType.CHOOSE_SPECIALIST,
                        options=[
                            Option(
                                label=f"{specialists[p].name} ({specialists[p].specialization})",
                                value=pick(Pick.SPECIALIST, p),
                                id=p,
                            )
                            for p in people
                        ],
                    )
                )
                await self._offer_nearest(state, turn, candidates, now)
                return
            people = [s for s in specialists.values() if self._fits(s, state)]
            if candidates is not None and not candidates:
                turn.say("nothing_found")
            if not people:
                people = list(specialists.values())
            turn.say("ask_service_any" if not state.get("specialization") else "ask_specialist")
            turn.offer(
                Action.of(
                    ActionType.CHOOSE_SPECIALIST,
                    options=[
                        Option(
                            label=f"{s.name} ({s.specialization})",
                            value=pick(Pick.SPECIALIST, s.id),
                            id=s.id,
                        )
                        for s in people
                    ],
                )
            )
            return

        state["specialist_id"], state["service_id"] = spec_id, svc_id
        await self._ask_when(state, now, turn, spec_id, services[svc_id], confirm="book")

    def _service_candidates(
        self, state: dict[str, Any], services: dict[int, Service], specialists: dict[int, Any]
    ) -> list[Service] | None:
        """Services matching what was said, or None when no service criterion was given."""
        svc_id, name = state.get("service_id"), state.get("service_name")
        category = state.get("category_id")
        if svc_id is None and not name and category is None:
            return None
        found = list(services.values())
        if svc_id is not None:
            wanted = services[svc_id].name.lower()
            found = [s for s in found if s.name.lower() == wanted]
        elif name:
            term = name.lower()
            named = [
                s
                for s in found
                if term in s.name.lower() or term in (s.category_name or "").lower()
            ]
            # A name in another language ("massage") may not match; the category still may.
            found = named if named or category is None else found
        if category is not None:
            found = [s for s in found if s.category == category]
        city = state.get("city")
        if city:
            in_city = [
                s
                for s in found
                if (
                    specialists.get(s.specialist)
                    and specialists[s.specialist].city.lower() == city.lower()
                )
            ]
            found = in_city or found
        return found

    @staticmethod
    def _fits(specialist: Any, state: dict[str, Any]) -> bool:
        city, spec = state.get("city"), state.get("specialization")
        if city and specialist.city.lower() != city.lower():
            return False
        return not (spec and spec.lower() not in specialist.specialization.lower())

    def _offer_services(self, turn: Turn, options: list[Service]) -> None:
        turn.offer(
            Action.of(
                ActionType.CHOOSE_SERVICE,
                options=[
                    Option(
                        label=f"{s.name} — {format_price(s.price)}",
                        value=pick(Pick.SERVICE, s.id),
                        id=s.id,
                    )
                    for s in options
                ],
            )
        )

    async def _offer_nearest(
        self, state: dict[str, Any], turn: Turn, candidates: list[Service], now: dt.datetime
    ) -> None:
        """Add the scheduling engine's nearest free slots for the wanted service."""
        first = candidates[0]
        try:
            slots = await self.service.nearest_slots(
                service_id=first.id if len({c.name.lower() for c in candidates}) == 1 else None,
                category_id=None
                if len({c.name.lower() for c in candidates}) == 1
                else state.get("category_id"),
                service_name=None
                if len({c.name.lower() for c in candidates}) == 1
                else state.get("service_name"),
                city=state.get("city"),
                date_from=state.get("date") or now.date().isoformat(),
                limit=5,
            )
        except ApiError:
            return
        allowed = {(c.specialist, c.id) for c in candidates}
        slots = [s for s in slots if (s.specialist_id, s.service_id) in allowed]
        if not slots:
            return
        items = [
            t(
                turn.lang,
                "nearest_line",
                date=format_short_day(s.date, turn.lang),
                time=s.start_time,
                specialist=s.specialist_name,
            )
            for s in slots
        ]
        turn.say("nearest", items="; ".join(items))
        turn.offer(
            Action.of(
                ActionType.CHOOSE_SLOT,
                options=[
                    Option(
                        label=f"{format_short_day(s.date, turn.lang)} {s.start_time}"
                        f" — {s.specialist_name}",
                        value=pick(Pick.SLOT, s.specialist_id, s.service_id, s.date, s.start_time),
                        **s.model_dump(mode="json"),
                    )
                    for s in slots
                ],
            )
        )

    async def _ask_when(
        self,
        state: dict[str, Any],
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
        date = state.get("date")
        if date and date < today.isoformat():
            turn.say("past_date")
            state["date"] = date = None
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
            self._offer_days(turn, days)
            return False
        try:
            moving = state.get("appointment_id") if confirm == "reschedule" else None
            slots = await self.service.slots(spec_id, date, service.id, moving=moving)
        except ApiError as exc:
            if isinstance(exc, ApiUnavailable):
                raise
            turn.say("day_off", date=format_day(date, turn.lang), reason=exc.message)
            slots = []
        else:
            if not slots:
                turn.say("no_slots_day", date=format_day(date, turn.lang), specialist=spec_name)
                if confirm == "book":
                    self._offer_waitlist(state, turn, spec_id, service, date)
        if not slots:
            state["date"] = state["time"] = None
            days = await self.service.upcoming_days(spec_id, service.id, today)
            if days:
                turn.say(
                    "ask_date",
                    days=join_list([format_day(d, turn.lang) for d in days[:5]], turn.lang, 5),
                )
                self._offer_days(turn, days)
            return False
        starts = [s.start_time for s in slots]
        wanted = state.get("time")
        if wanted and wanted not in starts:
            state["time"] = None
            minutes = _minutes(wanted)
            nearby = sorted(starts, key=lambda s: abs(_minutes(s) - minutes))[:6]
            turn.say("time_taken", time=wanted, times=", ".join(sorted(nearby)))
            self._offer_times(turn, date, [s for s in slots if s.start_time in nearby])
            return False
        if not wanted:
            turn.say(
                "ask_time",
                date=format_day(date, turn.lang).capitalize(),
                times=join_list(starts, turn.lang, 10),
            )
            self._offer_times(turn, date, slots)
            return False
        state["pending"] = confirm
        state["idem"] = str(uuid.uuid4())
        values = dict(
            date=format_day(date, turn.lang),
            time=wanted,
            service=service.name,
            specialist=spec_name,
            price=format_price(service.price),
        )
        if confirm == "book":
            turn.say("confirm_book", **values)
        else:
            turn.say("confirm_reschedule", id=state.get("appointment_id"), **values)
        self._offer_confirm(turn, confirm, values)
        return True

    def _offer_waitlist(
        self, state: dict[str, Any], turn: Turn, spec_id: int, service: Service, date: str
    ) -> None:
        """A fully booked day: offer to be told when a time frees up (``/waitlist join``)."""
        state["waitlist"] = {"specialist_id": spec_id, "service_id": service.id, "date": date}
        turn.say("waitlist_hint")
        turn.offer(
            Action.of(
                ActionType.JOIN_WAITLIST,
                specialist_id=spec_id,
                service_id=service.id,
                date=date,
                options=[Option(label=t(turn.lang, "waitlist_button"), value=JOIN_WAITLIST)],
            )
        )

    async def _join_waitlist(self, state: dict[str, Any], who: ClientAuth, turn: Turn) -> None:
        wanted = state.pop("waitlist", None)
        if not wanted:
            turn.say("waitlist_nothing")
            return
        try:
            entry = await self.service.join_waitlist(
                who, int(wanted["service_id"]), wanted["date"], int(wanted["specialist_id"])
            )
        except ApiError as exc:
            if isinstance(exc, ApiUnavailable):
                raise
            turn.say("waitlist_failed", error=exc.message)
            return
        _, index = await self.service.catalogue()
        specialist = index["specialists"].get(entry.specialist)
        turn.say(
            "waitlist_joined",
            date=format_day(entry.date, turn.lang),
            service=entry.service_name or "",
            specialist=entry.specialist_name or (specialist.name if specialist else ""),
        )
        turn.offer(Action.of(ActionType.WAITLIST_JOINED, entry=entry.model_dump(mode="json")))

    def _offer_days(self, turn: Turn, days: list[str]) -> None:
        turn.offer(
            Action.of(
                ActionType.CHOOSE_DATE,
                days=days,
                options=[
                    Option(label=format_short_day(d, turn.lang), value=pick(Pick.DATE, d), date=d)
                    for d in days
                ],
            )
        )

    def _offer_times(self, turn: Turn, date: str, slots: list[Any]) -> None:
        turn.offer(
            Action.of(
                ActionType.CHOOSE_TIME,
                date=date,
                slots=[s.model_dump(mode="json") for s in slots],
                options=[
                    Option(label=s.start_time, value=pick(Pick.TIME, s.start_time)) for s in slots
                ],
            )
        )

    def _offer_confirm(self, turn: Turn, what: str, summary: dict[str, Any]) -> None:
        turn.offer(
            Action.of(
                ActionType.CONFIRM,
                what=what,
                summary=summary,
                options=[
                    Option(label=t(turn.lang, "yes"), value=YES),
                    Option(label=t(turn.lang, "no"), value=NO),
                ],
            )
        )

    # ------------------------------------------------------------------ cancel / reschedule

    async def _upcoming(self, who: ClientAuth, now: dt.datetime) -> list[Appointment]:
        return await self.service.appointments(
            who, date_from=now.date().isoformat(), active_only=True
        )

    def _describe(self, a: Appointment, lang: str) -> dict[str, Any]:
        return dict(
            id=a.id,
            service=a.service_name or a.service,
            specialist=a.specialist_name or a.specialist,
            date=format_day(a.date, lang),
            time=a.start_time,
        )

    async def _advance_change(
        self, state: dict[str, Any], who: ClientAuth, now: dt.datetime, turn: Turn
    ) -> None:
        flow = state["flow"]
        upcoming = await self._upcoming(who, now)
        if not upcoming:
            self._clear(state)
            turn.say("no_appointments")
            return
        chosen = None
        wanted = state.get("appointment_id")
        if wanted is not None:
            chosen = next((a for a in upcoming if a.id == int(wanted)), None)
            if chosen is None:
                turn.say("appointment_not_found", id=wanted)
                state["appointment_id"] = None
        elif len(upcoming) == 1:
            chosen = upcoming[0]
        if chosen is None:
            turn.say("ask_appointment_cancel" if flow == "cancel" else "ask_appointment_reschedule")
            turn.offer(
                Action.of(
                    ActionType.CHOOSE_APPOINTMENT,
                    options=[
                        Option(
                            label=t(turn.lang, "appointment_line", **self._describe(a, turn.lang)),
                            value=pick(Pick.APPOINTMENT, a.id),
                            id=a.id,
                        )
                        for a in upcoming
                    ],
                )
            )
            return
        state["appointment_id"] = chosen.id
        if flow == "cancel":
            state["pending"] = "cancel"
            values = self._describe(chosen, turn.lang)
            turn.say("confirm_cancel", **values)
            self._offer_confirm(turn, "cancel", values)
            return
        service = await self.service.service(chosen.service)
        await self._ask_when(
            state,
            now,
            turn,
            chosen.specialist,
            service,
            confirm="reschedule",
            intro="reschedule_ask_date",
            intro_values={"id": chosen.id, "service": service.name},
        )

    # ------------------------------------------------------------------ doing it

    async def _execute(
        self, state: dict[str, Any], who: ClientAuth, now: dt.datetime, turn: Turn
    ) -> None:
        pending = state.get("pending")
        state["pending"] = None
        if pending == "book":
            try:
                booked = await self.service.book(
                    who,
                    int(state["specialist_id"]),
                    int(state["service_id"]),
                    state["date"],
                    state["time"],
                    idempotency_key=state.get("idem"),
                )
            except ApiError as exc:
                if isinstance(exc, ApiUnavailable):
                    raise
                turn.say("book_failed", error=exc.message)
                state["time"] = None
                await self._advance_book(state, now, turn)
                return
            turn.say("booked", **self._describe(booked, turn.lang))
            turn.offer(Action.of(ActionType.BOOKED, appointment=booked.model_dump(mode="json")))
            self._clear(state)
        elif pending == "cancel":
            try:
                done = await self.service.cancel(who, int(state["appointment_id"]))
            except ApiError as exc:
                if isinstance(exc, ApiUnavailable):
                    raise
                turn.say("cancel_failed", error=exc.message)
                self._clear(state)
                return
            turn.say("cancelled", id=done.id)
            turn.offer(Action.of(ActionType.CANCELLED, appointment=done.model_dump(mode="json")))
            self._clear(state)
        elif pending == "reschedule":
            try:
                done = await self.service.reschedule(
                    who, int(state["appointment_id"]), state["date"], state["time"]
                )
            except ApiError as exc:
                if isinstance(exc, ApiUnavailable):
                    raise
                turn.say("reschedule_failed", error=exc.message)
                state["time"] = None
                await self._advance_change(state, who, now, turn)
                return
            turn.say(
                "rescheduled",
                id=done.id,
                date=format_day(done.date, turn.lang),
                time=done.start_time,
            )
            turn.offer(Action.of(ActionType.RESCHEDULED, appointment=done.model_dump(mode="json")))
            self._clear(state)
        else:
            turn.say("unknown")

    # ------------------------------------------------------------------ listings

    async def _my_appointments(
        self, state: dict[str, Any], who: ClientAuth, now: dt.datetime, turn: Turn
    ) -> None:
        upcoming = await self._upcoming(who, now)
        if not upcoming:
            turn.say("no_appointments")
            return
        lines = [t(turn.lang, "appointment_line", **self._describe(a, turn.lang)) for a in upcoming]
        turn.say("my_appointments", items="\n".join(lines))
        turn.offer(
            Action.of(
                ActionType.APPOINTMENTS,
                appointments=[a.model_dump(mode="json") for a in upcoming],
            )
        )

    async def _list_specialists(self, state: dict[str, Any], turn: Turn) -> None:
        _, index = await self.service.catalogue()
        people = [s for s in index["specialists"].values() if self._fits(s, state)]
        category = state.get("category_id")
        if category is not None:
            offering = {s.specialist for s in index["services"].values() if s.category == category}
            people = [p for p in people if p.id in offering]
        if people:
            turn.say(
                "specialists_found",
                items="\n".join(
                    t(
                        turn.lang,
                        "specialist_line",
                        name=p.name,
                        specialization=p.specialization,
                        city=p.city,
                    )
                    for p in people
                ),
            )

    async def _list_services(self, state: dict[str, Any], turn: Turn) -> None:
        _, index = await self.service.catalogue()
        found = self._service_candidates(state, index["services"], index["specialists"])
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
                    name=s.name,
                    price=format_price(s.price),
                    duration=s.duration,
                    specialist=s.specialist_name or "",
                )
                for s in found
            ),
        )
        self._offer_services(turn, found)


def _minutes(hhmm: str) -> int:
    hours, minutes = hhmm.split(":")[:2]
    return int(hours) * 60 + int(minutes)
