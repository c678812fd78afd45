"""Dialog acts of free text: leaving, saying no, choosing from what was offered, corrections,
"the same time", "an hour later", parts of the day, "the nearest", questions, small talk,
registration and the language; then the routing of a request into a flow.

Each works at any step where it makes sense: a correction at the confirmation changes the
draft and asks again (the rest of the draft kept); leaving never touches a booking; a new
request never inherits the date of an earlier one.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from booking_common.conversation import ActionType, Command
from booking_mcp.api_client import ClientAuth
from booking_mcp.dialog import business
from booking_mcp.dialog.flows import Flows, hhmm, minutes
from booking_mcp.dialog.questions import QUESTIONS, Questions
from booking_mcp.dialog.registration import Registration, read_contact
from booking_mcp.dialog.render import Turn, offer_languages
from booking_mcp.dialog.state import DialogState
from booking_mcp.i18n import LANGUAGES
from booking_mcp.localized import name_in
from booking_mcp.service import BookingService

FLOW_INTENTS = {"book_appointment", "available_slots", "find_specialist", "list_services"}
#: "отмена" / "cancel" alone, while a draft is open, means the draft.
LEAVE_WORDS = (["отмена"], ["cancel"], ["отменить"], ["cancel", "that"], ["отбой"])
#: Words that make a "no" leave the flow ("нет, стоп").
LEAVE_ALSO = frozenset({"стоп", "stop", "отмена", "cancel", "хватит", "забудь", "forget"})
#: Words of a question about the price or the length of what is being booked.
PRICE_WORDS = frozenset({"сколько", "стоит", "стоимость", "цена", "price", "cost", "much",
                         "long", "длится", "долго"})  # fmt: skip
#: "what's the difference between them?": the services just offered, side by side.
COMPARE_WORDS = frozenset({"difference", "differ", "different", "compare", "разница", "разницу",
                           "отличаются", "отличие", "отличается", "отличия"})  # fmt: skip
#: "когда моя следующая запись?": the next booking only.
NEXT_WORDS = frozenset({"следующая", "следующую", "ближайшая", "ближайшую", "next"})
#: What a correction may change.
CHANGES = (
    "specialist_id", "service_id", "service_name", "category_id", "specialization", "date",
    "time", "time_of_day", "same_time", "time_shift", "nearest",
)  # fmt: skip
#: The entities of a booking request.
REQUEST = ("specialist_id", "service_id", "service_name", "category_id", "specialization",
           "city", "date", "time", "time_of_day", "nearest")  # fmt: skip


def words_of(text: str) -> list[str]:
    return re.findall(r"[\wё]+", text.lower())


class Acts:
    """The dialog acts; :class:`~booking_mcp.dialog.engine.Dialog` runs them."""

    def __init__(self, service: BookingService) -> None:
        self.service = service
        self.flows = Flows(service)
        self.questions = Questions(service)
        self.registration = Registration(service)

    async def advance(
        self, state: DialogState, who: ClientAuth, now: dt.datetime, turn: Turn
    ) -> None:
        """Advance the flow; a first booking asks for the contact before its confirmation."""
        await self.flows.advance(state, who, now, turn)
        if state.pending == "book":
            need = await self.registration.missing(state, who)
            if need:  # what is being booked, then the contact before the confirmation
                summary = next(
                    a.payload["summary"] for a in turn.actions if a.type == ActionType.CONFIRM
                )
                turn.drop(ActionType.CONFIRM)
                turn.say("draft", **summary)
                self.registration.ask(state, turn, need)

    @staticmethod
    def set_language(state: DialogState, turn: Turn, code: str | None) -> None:
        """Speak ``code`` from now on; without one, offer the languages."""
        if code in LANGUAGES:
            state.lang = turn.lang = code
            state.lang_chosen = True
            turn.say("language_set")
        else:
            turn.say("choose_language")
            offer_languages(turn)

    async def _act(
        self,
        state: DialogState,
        intent: str,
        entities: dict[str, Any],
        text: str,
        who: ClientAuth,
        now: dt.datetime,
        turn: Turn,
    ) -> bool:
        """Dialog acts, questions and small talk; True when the reply is complete."""
        words = words_of(text)
        changes = any(entities.get(k) for k in CHANGES)
        leave = intent == "stop" or (intent in ("deny", "unknown") and set(words) & LEAVE_ALSO)
        if leave or (state.flow and words in LEAVE_WORDS):
            flow = state.flow
            state.clear()
            turn.say("declined" if flow in ("cancel", "reschedule") else "stopped")
            return True
        if intent == "deny" and state.pending and not changes:
            state.pending = None  # the draft stays: the user says what to change
            turn.say("what_to_change")
            return True
        if intent == "deny" and state.flow and not changes:
            state.clear()
            turn.say("declined")
            return True
        if intent in ("thanks", "goodbye") and not state.pending:
            turn.say(intent)
            return True
        if intent == "set_language":
            self.set_language(state, turn, entities.get("language"))
            return True
        if intent == "business_info":
            await business.answer(self.service, entities.get("topic"), text, turn,
                                  booking=bool(state.flow))  # fmt: skip
            return True
        if intent in ("list_services", "unknown") and set(words) & PRICE_WORDS and state.flow:
            intent = "ask_price"  # "а сколько он стоит?" in the middle of a booking
        offered_services = [
            int(o["id"]) for c in state.choices if c.type == "choose_service" for o in c.options
            if o.get("id") is not None
        ]  # fmt: skip
        if set(words) & COMPARE_WORDS and offered_services and state.flow:
            await self.questions.compare(offered_services, turn)
            await self.advance(state, who, now, turn)  # and the question again
            return True
        if entities.get("other_specialist") and state.flow == "book" and state.service_id:
            await self._other_specialist(state, turn)
            await self.advance(state, who, now, turn)
            return True
        if intent == "ask_specialist" and not entities.get("specialist_id") and state.flow:
            entities["specialist_id"] = state.specialist_id  # "who does it?"
        draft = state.model_copy(deep=True) if state.flow else None
        if intent in QUESTIONS and await self.questions.answer(state, intent, entities, turn):
            if draft is not None and self._about_draft(draft, entities):
                # "а во сколько он работает?" in the middle of a booking: the draft stays,
                # its question follows (not the offer to book anew)
                for name in type(state).model_fields:
                    setattr(state, name, getattr(draft, name))
                turn.drop(ActionType.CHOOSE_SERVICE)
            if state.flow:  # asked in the middle of a flow: its current question again
                await self.advance(state, who, now, turn)
            return True
        if intent == "register" or (
            entities.get("phone") and intent in ("inform", "unknown", "correct")
        ):  # a contact given before it was asked for: saved, and the flow goes on
            return await self._register(state, entities, text, who, now, turn)
        picked = self._chosen(state, intent, entities, words)
        if picked is not None:
            command = Command.parse(picked)
            assert command is not None
            # the engine's command of the button the message stands for
            done = self._command(  # type: ignore[attr-defined]
                state, command.name, command.args, picked, who, now, turn
            )
            if await done:
                await self.advance(state, who, now, turn)
            return True
        if intent == "choose" and entities.get("ordinal") is not None and state.offered:
            turn.say("unknown_choice")
            return True
        shift = entities.get("time_shift")
        if shift and state.flow and intent in ("correct", "inform"):
            base = state.time or state.last_time
            if base:
                state.time = hhmm(minutes(base) + int(shift))
                state.pending = None
                await self.advance(state, who, now, turn)
                return True
        moving = intent == "reschedule_appointment" or state.flow == "reschedule"
        if entities.get("same_time") and not entities.get("time") and moving:
            state.same_time = True  # the time of the booking being moved
        elif entities.get("same_time") and state.last_time and not entities.get("time"):
            entities["time"] = state.last_time
        if intent == "correct" and state.flow:
            hour = re.search(r"\b(\d{1,2})\s*$", text)  # "make it 11", "давайте 12"
            if hour and not entities.get("time") and 1 <= int(hour[1]) <= 23:
                value = int(hour[1]) + (12 if int(hour[1]) <= 7 else 0)
                entities["time"] = f"{value:02d}:00"
            if not any(entities.get(k) for k in CHANGES):
                # Nothing of the draft was understood: never re-confirm it unchanged.
                state.pending = None
                turn.say("what_to_change")
                return True
        return False

    async def _other_specialist(self, state: DialogState, turn: Turn) -> None:
        """ "к другому мастеру": the same service with someone else, or who alone does it."""
        _, index = await self.service.catalogue()
        own = index["services"].get(state.service_id)
        if own is None:
            return
        others = [s for s in index["services"].values()
                  if s.name == own.name and s.specialist != own.specialist]  # fmt: skip
        if not others:
            turn.say("only_one_does", service=name_in(own, turn.lang),
                     specialist=own.specialist_name or "")  # fmt: skip
            return
        state.pending, state.about_specialist_id = None, None
        if len(others) == 1:  # the one other who does it (the day and time stay)
            state.specialist_id, state.service_id = others[0].specialist, others[0].id
        else:  # who else does it: asked
            state.specialist_id, state.service_id, state.service_name = None, None, own.name

    @staticmethod
    def _about_draft(draft: DialogState, entities: dict[str, Any]) -> bool:
        """A question about the draft's own specialist or service (or about none)."""
        spec, svc = entities.get("specialist_id"), entities.get("service_id")
        return (
            spec in (None, draft.specialist_id)
            and svc in (None, draft.service_id)
            and not (entities.get("service_name") and draft.service_id is None)
        )

    async def _register(
        self,
        state: DialogState,
        entities: dict[str, Any],
        text: str,
        who: ClientAuth,
        now: dt.datetime,
        turn: Turn,
    ) -> bool:
        """Registration (with a booking request in the same message, the booking goes on)."""
        contact = read_contact(text, entities.get("name"))
        if entities.get("phone"):
            contact.phone, contact.bad_phone = entities["phone"], False
        if not contact.phone and not contact.name and not contact.bad_phone:
            self.registration.ask(state, turn, ["name", "phone"])
            return True
        done = await self.registration.take(state, who, turn, contact)
        if done and any(entities.get(k) for k in REQUEST):
            state.clear()
            state.flow = "book"
            self._merge(state, entities)
            await self.advance(state, who, now, turn)
        elif done and state.flow:
            await self.advance(state, who, now, turn)
        return True

    def _chosen(
        self, state: DialogState, intent: str, entities: dict[str, Any], words: list[str]
    ) -> str | None:
        """The offered option the message picks: by ordinal, the number shown, a name or
        part of it, a time or a day; None when it picks none."""
        offered = state.offered
        if not offered or intent in ("cancel_appointment", "reschedule_appointment"):
            return None
        ordinal = entities.get("ordinal")
        if ordinal is not None and intent in ("choose", "inform", "correct", "unknown"):
            index = ordinal - 1 if ordinal > 0 else len(offered) + ordinal
            return offered[index] if 0 <= index < len(offered) else None
        choosing_booking = state.flow in ("cancel", "reschedule") and any(
            o.startswith("/pick appointment") for o in offered
        )
        if len(words) == 1 and words[0].isdigit():  # the number shown, or the n-th option
            number = words[0]
            by_id = [o for o in offered if choosing_booking and o.split()[-1] == number]
            if by_id:
                return by_id[0]
            if offered[0].startswith("/pick time"):  # "11" among the times: 11:00 (or 23:00)
                hour = int(number)
                for value in (hour, hour + 12):
                    if f"/pick time {value:02d}:00" in offered:
                        return f"/pick time {value:02d}:00"
            if 1 <= int(number) <= len(offered):
                return offered[int(number) - 1]
        slots = intent == "inform" and offered[0].startswith("/pick slot")
        if not choosing_booking and intent != "choose" and not slots:
            return None
        options = [o for c in state.choices for o in c.options if o["value"] in offered]
        found = [o["value"] for o in options if self._fits(o, entities, words)]
        return found[0] if len(set(found)) == 1 or (found and choosing_booking) else None

    @staticmethod
    def _fits(option: dict[str, Any], entities: dict[str, Any], words: list[str]) -> bool:
        command = Command.parse(option["value"])
        if command is None or len(command.args) < 2:
            return False
        what, value = command.args[0], command.args[1]
        checks: list[bool] = []
        if what == "appointment":
            for key, field in (("service_id", "service"), ("specialist_id", "specialist"),
                               ("date", "date"), ("time", "time")):  # fmt: skip
                if entities.get(key) is not None:
                    checks.append(str(entities[key]) == str(option.get(field)))
            if not checks and "№" not in option["label"] and words:
                label = option["label"].lower()
                checks.append(any(len(w) >= 4 and w[:5] in label for w in words))
            number = [w for w in words if w.isdigit()]
            if number and str(option.get("id")) in number:
                return True
            return bool(checks) and all(checks)
        keys = {"specialist": "specialist_id", "service": "service_id", "date": "date",
                "time": "time", "category": "category_id"}  # fmt: skip
        if what in keys and entities.get(keys[what]) is not None:
            return str(entities[keys[what]]) == value
        if what == "slot" and entities.get("time"):
            return entities["time"] == command.args[-1] and (
                not entities.get("date") or entities["date"] == command.args[3]
            )
        label = option["label"].lower()
        return bool(words) and all(w in label for w in words if len(w) >= 3)

    async def _route(
        self,
        state: DialogState,
        intent: str,
        entities: dict[str, Any],
        who: ClientAuth,
        now: dt.datetime,
        turn: Turn,
        words: list[str] | None = None,
    ) -> bool:
        """Update the state from an understood message; False when the reply is complete."""
        flow = state.flow
        next_only = bool(set(words or ()) & NEXT_WORDS)
        if intent == "greeting" and not flow:  # short: what the assistant does, nothing more
            turn.say("greeting")
            return False
        if intent == "help":
            turn.say("help")
            return False
        if intent == "my_appointments":
            state.clear()
            await self.flows.my_appointments(who, now, turn, next_only=next_only)
            return False
        if intent in ("cancel_appointment", "reschedule_appointment"):
            new_flow = "cancel" if intent == "cancel_appointment" else "reschedule"
            if flow != new_flow:
                state.clear()
            state.flow, state.same_time = new_flow, bool(entities.get("same_time"))
            state.pending = None
            for key in ("appointment_id", "date", "time"):
                if entities.get(key) is not None:
                    setattr(state, key, entities[key])
            return True
        request = any(entities.get(k) is not None for k in REQUEST)
        if intent in FLOW_INTENTS or (flow and request):
            about = (state.about_service_id, state.about_specialist_id) if not flow else None
            if flow not in ("book", "reschedule") or (
                flow == "reschedule"
                and intent in ("book_appointment", "find_specialist", "list_services")
            ):
                state.clear()
                state.flow = "book"
            elif intent in FLOW_INTENTS and (
                self._new_request(state, entities) or (intent == "list_services" and not request)
            ):
                state.clear()  # another service: nothing of the old draft is carried over
                state.flow = "book"
            if about and not any(
                entities.get(k)
                for k in ("service_id", "service_name", "category_id", "specialist_id")
            ):
                state.service_id, state.specialist_id = about  # "а записаться можно на завтра?"
            self._merge(state, entities)
            if (
                entities.get("that_specialist")
                and state.service_id is None
                and not state.service_name
                and state.category_id is None
            ):  # "book me with him": the service talked about too, when he does it
                state.service_name = state.last_service_name
            if intent == "find_specialist" and not state.specialist_id:
                await self.flows.list_specialists(state, turn)
            elif intent == "list_services" and not state.service_id and not state.specialist_id:
                await self.flows.list_services(state, turn)
                return False
            return True
        if flow:
            return True  # re-ask the current question
        turn.say("unknown")
        return False

    @staticmethod
    def _new_request(state: DialogState, entities: dict[str, Any]) -> bool:
        """The message asks for another service than the draft's (a new request)."""
        if entities.get("service_id") is not None and state.service_id is not None:
            return entities["service_id"] != state.service_id
        if entities.get("nearest"):
            return True
        return False

    @staticmethod
    def _merge(state: DialogState, entities: dict[str, Any]) -> None:
        state.pending = None
        spec = entities.get("specialist_id")
        if spec is not None:  # another specialist: the day and time of the draft stay
            state.specialist_id = spec
        if entities.get("service_id") is not None:
            state.service_id, state.service_name = entities["service_id"], None
        elif entities.get("service_name"):
            state.service_name, state.service_id = entities["service_name"], None
        for key in ("category_id", "specialization", "city"):
            if entities.get(key) is not None:
                setattr(state, key, entities[key])
        if entities.get("nearest"):
            state.nearest, state.date, state.time = True, None, None
        if entities.get("time_of_day"):
            state.time_of_day, state.time = entities["time_of_day"], None
            state.time_from = entities.get("time_from")
        if entities.get("date"):  # "make it Friday": the time of the draft stays
            state.date, state.nearest = entities["date"], False
        if entities.get("time"):
            state.time = entities["time"]
        if entities.get("appointment_id") is not None and state.flow == "reschedule":
            state.appointment_id = entities["appointment_id"]
