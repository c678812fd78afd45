"""One turn of the conversation: load the state, read the message, advance, save.

:class:`Dialog` is what ``process_message`` (and ``POST /process``) calls. A message is
either a command of the reply protocol (a pressed button: ``/pick …``, ``/yes``, ``/book``,
``/page 2``, ``/contact …``, ``/lang en`` …, see :mod:`booking_common.conversation`) or free
text, which the recogniser (:mod:`booking_mcp.nlu`) turns into an intent and entities, read
by the dialog acts (:mod:`.acts`). Either updates the
:class:`~booking_mcp.dialog.state.DialogState`; then the flows (:mod:`.flows`) ask for what
is still missing, and the first booking asks for the client's contact
(:mod:`.registration`) before its confirmation.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from booking_common.conversation import Command, Reply
from booking_mcp.api_client import ApiUnavailable, ClientAuth
from booking_mcp.dialog.acts import Acts, words_of
from booking_mcp.dialog.registration import looks_like_contact, read_contact
from booking_mcp.dialog.render import Turn, paged, remember, shown
from booking_mcp.dialog.state import DialogState
from booking_mcp.i18n import language, t
from booking_mcp.nlu import detect_language, recognize
from booking_mcp.oauth.identity import signed_in

log = logging.getLogger("booking_mcp.dialog")

YES_WORDS = frozenset(
    {
        "да", "ага", "конечно", "подтверждаю", "верно", "ок", "окей", "хорошо", "давай",
        "записывай", "записывайте", "yes", "yep", "yeah", "sure", "ok", "okay", "confirm", "y",
        "correct", "go", "sounds",
    }
)  # fmt: skip


class Dialog(Acts):
    """The conversation behind ``process_message``; see the module docstring."""

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
        ``language_code``): it starts a conversation that has none yet; a language the user
        chose (``/lang``) wins over it.
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
            await self._remember_talked_about(state)
        except ApiUnavailable:
            log.exception("API unavailable during dialog")
            turn.say("error")
        state.lang = turn.lang
        self._remember_choices(state, turn)
        self._break_loop(state, turn)
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

    async def _remember_talked_about(self, state: DialogState) -> None:
        """The specialist and the service this turn was about ("him", "к ней" next time)."""
        spec = state.specialist_id or state.about_specialist_id
        if spec is not None:
            state.last_specialist_id = spec
        service = state.service_id or state.about_service_id
        if service is not None:
            _, index = await self.service.catalogue()
            known = index["services"].get(service)
            state.last_service_name = known.name if known else state.last_service_name
        elif state.service_name:
            state.last_service_name = state.service_name

    @staticmethod
    def _break_loop(state: DialogState, turn: Turn) -> None:
        """The same reply a third time in a row is said differently: the options numbered,
        and the ways out ("стоп", "помощь")."""
        said = turn.text
        if said and said == state.asked:
            state.asked_times += 1
        else:
            state.asked, state.asked_times = said, 1
        if state.asked_times < 3:
            return
        options = [o for c in state.choices for o in shown(c)]
        if options:
            items = "\n".join(f"{i}. {o['label']}" for i, o in enumerate(options, 1))
            turn.lines = [t(turn.lang, "stuck", items=items)]
        else:
            turn.lines = [t(turn.lang, "stuck_no_options", question=said)]

    @staticmethod
    def _remember_choices(state: DialogState, turn: Turn) -> None:
        """Keep the choices offered whole (paged to the first page) for ``/page`` and picks."""
        if not turn.paging:
            kept = []
            for i, action in enumerate(turn.actions):
                if action.payload.get("options"):
                    choice = remember(action)
                    kept.append(choice)
                    turn.actions[i] = paged(choice, 1, turn.lang)
            if kept:
                state.choices, state.question = kept, turn.text
            elif turn.actions:
                state.choices, state.question = [], ""
        state.offered = [
            o["value"]
            for c in state.choices
            for o in shown(c)
            if str(o.get("value", "")).startswith("/pick")
        ]

    # ------------------------------------------------------------------ one step

    async def _step(
        self, state: DialogState, who: ClientAuth, text: str, now: dt.datetime, turn: Turn
    ) -> None:
        command = Command.parse(text)
        if command:
            if not await self._command(state, command.name, command.args, text, who, now, turn):
                return
        else:
            if not state.lang_chosen and (
                sum(ch.isalpha() for ch in text) >= 4 or state.lang is None
            ):
                turn.lang = language(detect_language(text))
            words = words_of(text)
            if state.pending and words and (words[0] in YES_WORDS or set(words) <= YES_WORDS):
                await self.flows.execute(state, who, now, turn)
                return
            catalogue, _ = await self.service.catalogue()
            rec = recognize(
                text, catalogue, now.replace(tzinfo=None), last_specialist=state.last_specialist_id
            )
            intent, entities = rec.intent, dict(rec.entities)
            if intent == "stop" and not state.flow and words[:1] in (["cancel"], ["отмени"]):
                intent = "cancel_appointment"  # "cancel it" with no draft open: the booking
            if state.awaiting_contact and intent not in ("stop", "deny", "help"):
                contact = read_contact(text, entities.get("name"))
                if looks_like_contact(contact, text, entities) or (
                    contact.name and intent in ("inform", "register")
                ):
                    if await self.registration.take(state, who, turn, contact) and state.flow:
                        await self.advance(state, who, now, turn)
                    return
            if await self._act(state, intent, entities, text, who, now, turn):
                return
            if not await self._route(state, intent, entities, who, now, turn, words):
                return
        await self.advance(state, who, now, turn)

    async def _command(
        self,
        state: DialogState,
        name: str,
        args: list[str],
        text: str,
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
        if name == "book":
            state.clear()
            state.flow = "book"
            return True
        if name == "page" and args[:1] and args[0].isdigit() and state.choices:
            turn.paging = True
            turn.lines.append(state.question)
            for choice in state.choices:
                turn.offer(paged(choice, int(args[0]), turn.lang))
            return False
        if name == "contact":
            if await self.registration.take(state, who, turn, read_contact(text)) and state.flow:
                return True
            return False
        if name in ("lang", "language"):
            self.set_language(state, turn, args[0].lower() if args else None)
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
            if state.about_specialist_id:
                state.specialist_id = state.about_specialist_id
        elif what == "category":
            state.flow = "book"
            state.category_id, state.service_id, state.service_name = int(value), None, None
            state.specialist_id = None
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
