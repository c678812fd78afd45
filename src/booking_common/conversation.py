"""What the MCP server answers its chat front-ends, in one place for both sides.

The MCP server (:mod:`booking_mcp`) builds its tool results and its ``process_message``
replies with these models; the Telegram bot (:mod:`booking_bot`) reads them with the same
models. The two never import each other: this module is the contract between them, and a
change here changes both.

Tool results
------------
Field names follow the API's resources (``specialist``, ``service``, ``category`` are ids),
so scripts written against the API read tool results the same way. On the wire dates are
``YYYY-MM-DD``, times ``HH:MM`` and prices decimal strings (``"1500.00"``); in Python dates
are :class:`datetime.date` and prices :class:`~decimal.Decimal`.

Replies of ``process_message`` (for the Telegram bot and other button UIs)
--------------------------------------------------------------------------
A :class:`Reply` is ``{"response": text, "context": {...}, "actions": [{"type", "payload"}]}``.
Every choice-offering action has ``payload["options"] = [{"label": str, "value": str}, ...]``
(:class:`Option`): render each option as a button and send its ``value`` back as the next
message. The values are commands, recognised before any language understanding:

==========================================  =================================================
``/pick specialist <id>``                   choose a specialist (action ``choose_specialist``)
``/pick service <id>``                      choose a service (``choose_service``)
``/pick date <YYYY-MM-DD>``                 choose a day (``choose_date``; ``payload["days"]``
                                            lists all free days offered)
``/pick time <HH:MM>``                      choose a time (``choose_time``; ``payload["slots"]``
                                            has ``{start_time, end_time}``, ``payload["date"]``)
``/pick slot <spec> <service> <date> <HH:MM>``  take a nearest free slot (``choose_slot``)
``/pick appointment <id>``                  choose one of the user's bookings
                                            (``choose_appointment``)
``/waitlist join``                          join the waitlist for the fully booked day just
                                            shown (action ``join_waitlist``, offered with
                                            ``payload["specialist_id"]``, ``["service_id"]``,
                                            ``["date"]`` when a chosen day has no free time);
                                            a freed time then comes as a Telegram message
                                            with a "Book" button
``/pick category <id>``                      choose a category (``choose_category``)
``/yes`` / ``/no``                          answer a ``confirm`` action (free text "да", "yes",
                                            "нет", "no" works too)
``/book``                                   start a booking (the menu's "book" button): the
                                            reply offers categories, or services
``/page <n>``                               show page ``n`` (1-based) of the choice just
                                            offered; long lists end with a "more" option
                                            carrying this value
``/contact <phone> <name…>``                the client's own contact, answering ``ask_contact``
                                            (Telegram's "share my contact" button); free text
                                            such as "Анна, +7 900 123-45-67" works too
``/lang <ru|en>``                           speak this language from now on (action
                                            ``choose_language`` offers both)
``/reset``                                  forget the conversation
==========================================  =================================================

``/start`` (as ``/reset``), ``/help`` and ``/my`` (the user's upcoming appointments) are
understood too. Informational actions (no reply expected): ``booked``, ``cancelled``,
``rescheduled`` with ``payload["appointment"]``, ``appointments`` with
``payload["appointments"]``, ``waitlist_joined`` with ``payload["entry"]``, and
``calendar_file`` with ``payload["filename"]``, ``["content"]`` (an iCalendar text for the
booking just made or moved: offer it as an "add to calendar" file) and
``["appointment_id"]``. ``ask_contact`` (``payload["need"]``: ``["name", "phone"]`` or a
part) asks for the client's name and phone number before the first booking.
Free text is always accepted as well ("завтра в 15:00", "к Анне", "the second one").

``process_message`` takes ``language`` too: the front-end's idea of the user's language
(Telegram's ``language_code``); it is used until the user chooses one with ``/lang``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any, NamedTuple

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    ValidationError,
    WithJsonSchema,
    field_validator,
)


class _Out(BaseModel):
    model_config = ConfigDict(extra="ignore")


#: A day: ``datetime.date`` in Python, ``YYYY-MM-DD`` on the wire.
Day = Annotated[
    dt.date, PlainSerializer(dt.date.isoformat, return_type=str), WithJsonSchema({"type": "string"})
]
#: Money: ``Decimal`` in Python, the API's decimal string (``"1500.00"``) on the wire.
Money = Annotated[
    Decimal, PlainSerializer(str, return_type=str), WithJsonSchema({"type": "string"})
]


def _hhmm(value: Any) -> Any:
    return str(value)[:5] if value else value


# --------------------------------------------------------------------------- tool results


class Category(_Out):
    id: int
    name: str
    description: str = ""
    name_en: str = Field("", description="The English name (empty when there is none)")
    description_en: str = ""


class Specialist(_Out):
    id: int
    name: str
    specialization: str = ""
    description: str = ""
    city: str = ""
    photo: str | None = None
    specialization_en: str = Field("", description="English (empty when there is none)")
    city_en: str = ""
    description_en: str = ""


class Service(_Out):
    id: int
    name: str
    description: str = ""
    price: Money = Field(description='Decimal as a string, e.g. "1500.00"')
    duration: int = Field(description="Minutes")
    specialist: int
    specialist_name: str | None = None
    category: int | None = None
    category_name: str | None = None
    name_en: str = Field("", description="The English name (empty when there is none)")
    description_en: str = ""
    category_name_en: str | None = None


class Slot(_Out):
    start_time: str = Field(description="HH:MM")
    end_time: str = Field(description="HH:MM")


class NearestSlot(_Out):
    """A free slot found by the scheduling engine, with who and what it is for."""

    specialist_id: int
    specialist_name: str
    service_id: int
    service_name: str
    price: Money
    duration: int
    date: Day = Field(description="YYYY-MM-DD")
    start_time: str
    end_time: str
    service_name_en: str = Field("", description="English (empty when there is none)")


#: Statuses of an appointment that still takes place (the others: completed, cancelled).
ACTIVE_STATUSES = ("pending", "confirmed")


class Appointment(_Out):
    id: int
    client: int | None = None
    client_name: str | None = None
    service: int
    service_name: str | None = None
    specialist: int
    specialist_name: str | None = None
    category_name: str | None = None
    service_name_en: str = Field("", description="English (empty when there is none)")
    category_name_en: str | None = None
    date: Day
    start_time: str = Field(description="HH:MM")
    end_time: str = Field(description="HH:MM")
    status: str
    client_confirmed_at: str | None = Field(
        None, description="When the client said they will come (confirm_attendance); null if not"
    )

    @field_validator("start_time", "end_time", mode="before")
    @classmethod
    def _times(cls, value: Any) -> Any:
        return _hhmm(value)

    @property
    def active(self) -> bool:
        """Still to take place: neither cancelled nor completed."""
        return self.status in ACTIVE_STATUSES


class WaitlistOffer(_Out):
    """A freed time offered to the client; book it with ``claim_waitlist_offer(token)``."""

    token: str
    specialist: int | None = None
    date: Day
    start_time: str = Field(description="HH:MM")
    end_time: str = Field(description="HH:MM")
    expires_at: str | None = None

    @field_validator("start_time", "end_time", mode="before")
    @classmethod
    def _times(cls, value: Any) -> Any:
        return _hhmm(value)


class WaitlistEntry(_Out):
    """A wish to be told when a time frees up (``specialist`` null = any)."""

    id: int
    client: int | None = None
    specialist: int | None = None
    specialist_name: str | None = None
    service: int
    service_name: str | None = None
    service_name_en: str = ""
    date: Day
    time_from: str | None = Field(None, description="HH:MM")
    time_to: str | None = Field(None, description="HH:MM")
    status: str = Field(description="active | offered | booked | expired")
    offer: WaitlistOffer | None = None
    appointment: int | None = None

    @field_validator("time_from", "time_to", mode="before")
    @classmethod
    def _times(cls, value: Any) -> Any:
        return _hhmm(value)

    @property
    def waiting(self) -> bool:
        """Still waiting for a time (or holding an offer not yet taken)."""
        return self.status in ("active", "offered")


# --------------------------------------------------------------------------- commands


class Pick(StrEnum):
    """What a ``/pick <what> …`` command chooses."""

    SPECIALIST = "specialist"
    SERVICE = "service"
    DATE = "date"
    TIME = "time"
    SLOT = "slot"
    APPOINTMENT = "appointment"
    CATEGORY = "category"


YES = "/yes"
NO = "/no"
RESET = "/reset"
BOOK = "/book"
PAGE = "/page"
CONTACT = "/contact"
LANG = "/lang"
JOIN_WAITLIST = "/waitlist join"

_COMMAND = re.compile(r"^/(\w+)(?:\s+(.*))?$", re.S)


def contact(phone: str, name: str) -> str:
    """The command giving the user's own contact: ``/contact +79001234567 Анна Петрова``."""
    return " ".join(part for part in ("/contact", phone.replace(" ", ""), name.strip()) if part)


def page(number: int) -> str:
    """The command showing page ``number`` of the choice just offered: ``/page 2``."""
    return f"/page {number}"


def pick(what: Pick, *values: object) -> str:
    """The command choosing ``what``: ``pick(Pick.TIME, "14:30")`` → ``/pick time 14:30``."""
    return " ".join(["/pick", what.value, *(str(v) for v in values)])


class Command(NamedTuple):
    """A command sent as a message: ``/pick time 14:30`` → ``("pick", ["time", "14:30"])``."""

    name: str
    args: list[str]

    @classmethod
    def parse(cls, text: str) -> Command | None:
        """The command in ``text`` (its name in lower case), or None for free text."""
        match = _COMMAND.match(text)
        if match is None:
            return None
        return cls(match.group(1).lower(), (match.group(2) or "").split())


# --------------------------------------------------------------------------- replies


class ActionType(StrEnum):
    """``Action.type``: a choice (with options to press) or news (nothing to answer)."""

    CHOOSE_SPECIALIST = "choose_specialist"
    CHOOSE_SERVICE = "choose_service"
    CHOOSE_DATE = "choose_date"
    CHOOSE_TIME = "choose_time"
    CHOOSE_SLOT = "choose_slot"
    CHOOSE_APPOINTMENT = "choose_appointment"
    CHOOSE_CATEGORY = "choose_category"
    CHOOSE_LANGUAGE = "choose_language"
    ASK_CONTACT = "ask_contact"
    JOIN_WAITLIST = "join_waitlist"
    CONFIRM = "confirm"
    BOOKED = "booked"
    CANCELLED = "cancelled"
    RESCHEDULED = "rescheduled"
    APPOINTMENTS = "appointments"
    WAITLIST_JOINED = "waitlist_joined"
    CALENDAR_FILE = "calendar_file"


#: The news of a changed booking, each with ``payload["appointment"]``.
APPOINTMENT_NEWS = (ActionType.BOOKED, ActionType.RESCHEDULED, ActionType.CANCELLED)


class Option(BaseModel):
    """One button of a choice: show ``label``, send ``value`` back as the next message.

    Extra fields say what the option stands for (``id``, ``date``, a slot's fields).
    """

    model_config = ConfigDict(extra="allow")

    label: str
    value: str


class Action(_Out):
    """Something the user can do next, e.g. buttons; see :mod:`booking_common.conversation`."""

    type: str
    payload: dict[str, Any] = Field(default_factory=dict)

    @classmethod
    def of(
        cls, kind: ActionType, *, options: Sequence[Option] | None = None, **payload: Any
    ) -> Action:
        """An action of ``kind``; ``options`` go last into the payload, as plain JSON."""
        if options is not None:
            payload["options"] = [option.model_dump(mode="json") for option in options]
        return cls(type=kind.value, payload=payload)

    @property
    def options(self) -> list[Option]:
        """The options to press (none for news); malformed ones are left out."""
        found = []
        for item in self.payload.get("options") or []:
            try:
                found.append(Option.model_validate(item))
            except ValidationError:
                continue
        return found

    @property
    def appointment(self) -> Appointment | None:
        """The appointment a ``booked`` / ``rescheduled`` / ``cancelled`` action is about."""
        data = self.payload.get("appointment")
        if self.type not in APPOINTMENT_NEWS or not isinstance(data, dict):
            return None
        try:
            return Appointment.model_validate(data)
        except ValidationError:
            return None


class Reply(_Out):
    """The assistant's answer to one message (``process_message`` and ``POST /process``)."""

    response: str
    context: dict[str, Any] = Field(default_factory=dict)
    actions: list[Action] = Field(default_factory=list)

    @property
    def options(self) -> list[Option]:
        """Every option of every action, in order."""
        return [option for action in self.actions for option in action.options]
