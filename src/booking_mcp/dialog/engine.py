"""One turn of the conversation: load the state, read the message, advance, save.

:class:`Dialog` is what ``process_message`` (and ``POST /process``) calls. A message is
either a command of the reply protocol (a pressed button: ``/pick …``, ``/yes``, ``/no`` …,
see :mod:`booking_common.conversation`) or free text, which the recogniser
(:mod:`booking_mcp.nlu`) turns into an intent and entities. Either updates the
:class:`~booking_mcp.dialog.state.DialogState`; then the flows (:mod:`.flows`) ask for what
is still missing.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from typing import Any

from booking_common.conversation import Command, Reply
from booking_mcp.api_client import ApiUnavailable, ClientAuth
from booking_mcp.dialog import business
from booking_mcp.dialog.flows import Flows, minutes
from booking_mcp.dialog.render import Turn, offer_services
from booking_mcp.dialog.state import DialogState
from booking_mcp.i18n import format_price, language
from booking_mcp.localized import name_in
from booking_mcp.nlu import detect_language, recognize
from booking_mcp.oauth.identity import signed_in
from booking_mcp.service import BookingService

log = logging.getLogger("booking_mcp.dialog")

FLOW_INTENTS = {"book_appointment", "available_slots", "find_specialist", "list_services"}
YES_WORDS = frozenset(
    {
        "да", "ага", "конечно", "подтверждаю", "верно", "ок", "окей", "хорошо", "давай",
        "записывай", "записывайте", "yes", "yep", "yeah", "sure", "ok", "okay", "confirm", "y",
        "correct", "go", "sounds",
    }
)  # fmt: skip
NO_WORDS = frozenset({"нет", "неа", "не", "отмена", "стоп", "no", "nope", "cancel", "stop", "n"})


#: What a correction may change.
CHANGES = (
    "specialist_id", "service_id", "service_name", "category_id", "specialization", "date",
    "time", "time_of_day", "same_time", "time_shift",
)  # fmt: skip


def _words(text: str) -> list[str]:
    return re.findall(r"[\wё]+", text.lower())


class Dialog:
    """The conversation behind ``process_message``; see the module docstring."""

    def __init__(self, service: BookingService) -> None:
        self.service = service
        self.flows = Flows(service)

    async def handle(
        self,
        user_id: str | int | None,
        message: str,
        now: str | dt.datetime | None = None,
        context: dict[str, Any] | None = None,
        *,
        language_code: str | None = None,
    ) -> Reply:
        """Answer one message of ``user_id`` (a Telegram id; ignored by a personal assistant).

        ``language_code`` is the front-end's idea of the user's language (Telegram's
        ``language_code``): it starts a conversation that has none yet.
        """
        who = self.service.who(user_id)
        key = self._key(user_id)
        stored = await self.service.load_context(key)
        state = DialogState.load(stored if stored is not None else context)
        if state.lang is None and language_code:
            state.lang = language(language_code)
        moment = self.service.now(now)
        turn = Turn(language(state.lang))
        try:
            await self._step(state, who, message.strip(), moment, turn)
        except ApiUnavailable:
            log.exception("API unavailable during dialog")
            turn.say("error")
        state.lang = turn.lang
        choices = [o.value for a in turn.actions for o in a.options if o.value.startswith("/pick")]
        if choices or turn.actions:
            state.offered = choices
        context_out = state.dump()
        await self.service.save_context(key, context_out)
        return Reply(response=turn.text, context=context_out, actions=turn.actions)

    def _key(self, user_id: str | int | None) -> str:
        acting = signed_in.get()
        if acting is not None:  # signed in with OAuth: their own conversation
            return acting.key
        if self.service.settings.fixed_identity or user_id in (None, ""):
            return "personal"
        return f"tg:{str(user_id).strip()[:60]}"

    # ------------------------------------------------------------------ one step

    async def _step(
        self, state: DialogState, who: ClientAuth, text: str, now: dt.datetime, turn: Turn
    ) -> None:
        command = Command.parse(text)
        if command:
            if not await self._command(state, command.name, command.args, who, now, turn):
                return
        else:
            if sum(ch.isalpha() for ch in text) >= 4 or state.lang is None:
                turn.lang = language(detect_language(text))
            words = _words(text)
            if state.pending and words and (words[0] in YES_WORDS or set(words) <= YES_WORDS):
                await self.flows.execute(state, who, now, turn)
                return
            catalogue, _ = await self.service.catalogue()
            rec = recognize(text, catalogue, now.replace(tzinfo=None))
            if await self._act(state, rec.intent, rec.entities, text, who, now, turn):
                return
            if not await self._route(state, rec.intent, rec.entities, who, now, turn):
                return
        await self.flows.advance(state, who, now, turn)

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
        """Dialog acts and small talk; True when the reply is complete."""
        words = _words(text)
        if intent == "stop" or (state.flow and words in (["отмена"], ["cancel"], ["отменить"])):
            state.clear()
            turn.say("stopped")
            return True
        if intent == "deny" and state.pending:
            state.pending = None  # the draft stays: the user says what to change
            turn.say("what_to_change")
            return True
        if intent == "deny" and state.flow:
            state.clear()
            turn.say("declined")
            return True
        if intent in ("thanks", "goodbye") and not state.pending:
            turn.say(intent)
            return True
        if intent == "business_info":
            await business.answer(self.service, entities.get("topic"), text, turn,
                                  booking=bool(state.flow))  # fmt: skip
            return True
        if intent == "choose" or (state.offered and state.flow in ("cancel", "reschedule")):
            chosen = self._chosen(state, entities.get("ordinal"), words)
            if chosen is None:
                if intent != "choose":
                    return False
                turn.say("unknown_choice")
                return True
            command = Command.parse(chosen)
            assert command is not None
            if await self._command(state, command.name, command.args, who, now, turn):
                await self.flows.advance(state, who, now, turn)
            return True
        if intent in ("ask_price", "ask_duration") and entities.get("service_id"):
            _, index = await self.service.catalogue()
            svc = index["services"].get(entities["service_id"])
            if svc is not None:
                turn.say(
                    "price_answer",
                    service=name_in(svc, turn.lang),
                    specialist=svc.specialist_name or "",
                    price=format_price(svc.price),
                    duration=svc.duration,
                )
                state.clear()
                state.service_id = svc.id  # "а записаться можно на завтра?" goes on with it
                offer_services(turn, [svc])
                return True
        shift = entities.get("time_shift")
        if shift and state.flow and intent in ("correct", "inform"):
            base = state.time or state.last_time
            if base:
                moved = minutes(base) + int(shift)
                state.time = f"{moved // 60:02d}:{moved % 60:02d}"
                state.pending = None
                await self.flows.advance(state, who, now, turn)
                return True
        if entities.get("same_time") and state.last_time and not entities.get("time"):
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

    def _chosen(self, state: DialogState, ordinal: int | None, words: list[str]) -> str | None:
        """The offered option the user picked by ordinal or by a word of its label."""
        offered = state.offered
        if not offered:
            return None
        if ordinal is not None:
            index = ordinal - 1 if ordinal > 0 else len(offered) + ordinal
            return offered[index] if 0 <= index < len(offered) else None
        return None

    async def _command(
        self,
        state: DialogState,
        name: str,
        args: list[str],
        who: ClientAuth,
        now: dt.datetime,
        turn: Turn,
    ) -> bool:
        """Apply a button's command; False when the reply is already complete."""
        if name == "yes":
            if state.pending:
                await self.flows.execute(state, who, now, turn)
            else:
                turn.say("unknown")
            return False
        if name == "no":
            state.clear()
            turn.say("declined")
            return False
        if name in ("reset", "start"):
            state.clear()
            turn.say("reset")
            return False
        if name == "help":
            turn.say("help")
            return False
        if name == "my":
            await self.flows.my_appointments(who, now, turn)
            return False
        if name == "waitlist" and args[:1] == ["join"]:
            await self.flows.join_waitlist(state, who, turn)
            return False
        if name == "pick" and len(args) >= 2:
            try:
                self._pick(state, args[0].lower(), args[1:])
            except ValueError:
                turn.say("unknown")
                return False
            state.flow = state.flow or "book"
            return True
        turn.say("unknown")
        return False

    @staticmethod
    def _pick(state: DialogState, what: str, values: list[str]) -> None:
        """``/pick <what> <values…>``; ValueError when the values do not fit."""
        state.pending = None
        value = values[0]
        if what == "specialist":
            state.flow = state.flow or "book"
            if state.specialist_id != int(value):
                state.specialist_id, state.service_id, state.time = int(value), None, None
        elif what == "service":
            state.service_id = int(value)
            state.flow = state.flow or "book"
        elif what == "date":
            state.date, state.time = dt.date.fromisoformat(value).isoformat(), None
        elif what == "time":
            state.time = dt.time.fromisoformat(value).strftime("%H:%M")
        elif what == "appointment":
            state.appointment_id = int(value)
        elif what == "slot" and len(values) >= 4:
            state.flow = "book"
            state.specialist_id, state.service_id = int(values[0]), int(values[1])
            state.date = dt.date.fromisoformat(values[2]).isoformat()
            state.time = dt.time.fromisoformat(values[3]).strftime("%H:%M")
        else:
            raise ValueError(what)

    async def _route(
        self,
        state: DialogState,
        intent: str,
        entities: dict[str, Any],
        who: ClientAuth,
        now: dt.datetime,
        turn: Turn,
    ) -> bool:
        """Update the state from an understood message; False when the reply is complete."""
        flow = state.flow
        if intent == "greeting" and not flow:
            turn.say("greeting")
            turn.say("help")
            return False
        if intent == "help":
            turn.say("help")
            return False
        if intent == "my_appointments":
            state.clear()
            await self.flows.my_appointments(who, now, turn)
            return False
        if intent == "register":
            profile = await self.service.register(who)
            turn.say("registered", name=profile.name or "—")
            return False
        if intent in ("cancel_appointment", "reschedule_appointment"):
            new_flow = "cancel" if intent == "cancel_appointment" else "reschedule"
            if flow != new_flow:
                state.clear()
            state.flow = new_flow
            state.pending = None
            for key in ("appointment_id", "date", "time"):
                if entities.get(key) is not None:
                    setattr(state, key, entities[key])
            return True
        if intent in FLOW_INTENTS or (flow and any(v is not None for v in entities.values())):
            if flow not in ("book", "reschedule") or (
                flow == "reschedule"
                and intent in ("book_appointment", "find_specialist", "list_services")
            ):
                state.clear()
                state.flow = "book"
            self._merge(state, entities)
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
    def _merge(state: DialogState, entities: dict[str, Any]) -> None:
        state.pending = None
        spec = entities.get("specialist_id")
        if spec is not None and spec != state.specialist_id:
            state.specialist_id, state.time = spec, None
        if entities.get("service_id") is not None:
            state.service_id, state.service_name = entities["service_id"], None
        elif entities.get("service_name"):
            state.service_name, state.service_id = entities["service_name"], None
        for key in ("category_id", "specialization", "city"):
            if entities.get(key) is not None:
                setattr(state, key, entities[key])
        if entities.get("date"):
            state.date, state.time = entities["date"], None
        if entities.get("time"):
            state.time = entities["time"]
        if entities.get("appointment_id") is not None and state.flow == "reschedule":
            state.appointment_id = entities["appointment_id"]
