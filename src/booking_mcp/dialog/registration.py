"""Registration in the conversation: the client's real name and phone number.

The first booking of a client whose row has no name of their own (the API names a new
Telegram client "Telegram <id>") or no phone asks for both (action ``ask_contact``) before
the confirmation. The answer is ``/contact <phone> <name…>`` (Telegram's "share my contact")
or free text in any usual form ("Анна, +7 900 123-45-67", "John Smith 8 916 111 22 33");
the number is found, validated and normalised to E.164 by ``phonenumbers`` (Russian
numbering when no country code is given).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from booking_mcp.api_client import ClientAuth
from booking_mcp.dialog.render import Turn, ask_contact
from booking_mcp.dialog.state import DialogState
from booking_mcp.nlu.acts import find_phone
from booking_mcp.schemas import Client
from booking_mcp.service import BookingService

REGION = "RU"
#: Words around a name or a number that are not part of the name.
CUES = re.compile(
    r"\b(?:меня\s+зовут|моё\s+имя|мое\s+имя|my\s+name\s+is|name\s*:?|i\s*'?\s*a?m|"
    r"please|пожалуйста|register\s+me|sign\s+me\s+up|зарегистрируйте\s+меня|"
    r"запишите\s+меня|я|это|phone(?:\s+number)?|number|mobile|тел(?:ефон)?\.?|номер|"
    r"мой|моё|my|is|and|и|зовут|имя)\b",
    re.I,
)
#: Answers that are no names ("да" to a question asking for a name).
NOT_NAMES = frozenset({"да", "нет", "ок", "хорошо", "спасибо", "yes", "no", "ok", "okay", "thanks"})
NAME = re.compile(r"^[^\W\d_]+(?:[-'][^\W\d_]+)*(?:\s+[^\W\d_]+(?:[-'][^\W\d_]+)*){0,3}$")


@dataclass
class Contact:
    """What a message gave of the client's contact."""

    name: str | None = None
    phone: str | None = None
    bad_phone: bool = False  # digits that are no valid phone number


def read_contact(text: str, name_hint: str | None = None) -> Contact:
    """The name and the phone number in ``text`` (``/contact`` or free text)."""
    if text.startswith("/contact"):
        text = text[len("/contact") :]
    found = Contact()
    rest = text
    phone, span = find_phone(text)
    if phone is not None and span is not None:
        found.phone = phone
        rest = text[: span[0]] + " " + text[span[1] :]
    if found.phone is None and len(re.sub(r"\D", "", text)) >= 5:
        found.bad_phone = True
        rest = re.sub(r"[+\d][\d\s()\-]{3,}\d", " ", text)
    words = CUES.sub(" ", re.sub(r"[,.;:!?()\"«»]", " ", rest))
    candidate = " ".join(words.split())
    if name_hint and len(name_hint) >= 2:
        found.name = name_hint.strip()
    elif (
        candidate
        and NAME.match(candidate)
        and len(candidate) >= 2
        and candidate.lower() not in NOT_NAMES
    ):
        found.name = " ".join(part[:1].upper() + part[1:] for part in candidate.split())
    return found


def looks_like_contact(contact: Contact, text: str, entities: dict[str, object]) -> bool:
    """Whether a message answering ``ask_contact`` gives the contact (not, say, a change of
    the booking): a phone number, or a bare name ("Анна", "John Smith")."""
    if contact.phone or contact.bad_phone:
        return True
    if not contact.name:
        return False
    asked = ("date", "time", "service_id", "service_name", "time_shift", "ordinal")
    return not any(entities.get(k) for k in asked) and bool(NAME.match(text.strip(" .!")))


def needs(profile: Client, who: ClientAuth) -> list[str]:
    """What of the contact the client's row lacks: ``["name", "phone"]`` or a part."""
    missing = []
    default = f"Telegram {who.telegram_id}" if who.telegram_id else None
    if not profile.name.strip() or profile.name == default:
        missing.append("name")
    if not profile.phone.strip():
        missing.append("phone")
    return missing


class Registration:
    """Asking for and saving the client's name and phone number."""

    def __init__(self, service: BookingService) -> None:
        self.service = service

    async def missing(self, state: DialogState, who: ClientAuth) -> list[str]:
        """What the client's row lacks (nothing once known to be complete)."""
        if state.has_contact:
            return []
        missing = needs(await self.service.profile(who), who)
        state.has_contact = not missing
        return missing

    def ask(self, state: DialogState, turn: Turn, need: list[str]) -> None:
        state.awaiting_contact = True
        state.pending = None
        turn.say("ask_contact_" + "_".join(need))
        ask_contact(turn, need)

    async def take(self, state: DialogState, who: ClientAuth, turn: Turn, contact: Contact) -> bool:
        """Save what ``contact`` gives; True once nothing is missing any more."""
        if contact.name or contact.phone:
            await self.service.register(who, name=contact.name, phone=contact.phone)
        profile = await self.service.profile(who)
        if contact.bad_phone and not contact.phone:
            turn.say("contact_bad_phone")
            ask_contact(turn, ["phone"])
            state.awaiting_contact = True
            return False
        missing = needs(profile, who)
        state.has_contact = not missing
        if missing:
            self.ask(state, turn, missing)
            return False
        state.awaiting_contact = False
        turn.say("contact_saved", name=profile.name, phone=profile.phone)
        return True
