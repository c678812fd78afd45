"""What the dialog remembers between two messages: :class:`DialogState`.

The state is stored as JSON in the API's ``dialog-contexts`` (and shown as ``Reply.context``).
It carries a ``version``: :meth:`DialogState.load` reads every version ever stored, so a
conversation begun before an upgrade goes on after it. Version 1 (no ``version`` key) was
the plain dictionary of the first dialog; its keys are the fields below of the same name.
Versions 2, 3 and 4 only added fields (their defaults fit older states).
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

log = logging.getLogger("booking_mcp.dialog")

#: The version written by this code.
STATE_VERSION = 4

Flow = Literal["book", "cancel", "reschedule"]


class WaitlistWish(BaseModel):
    """The fully booked day last shown, which ``/waitlist join`` joins."""

    specialist_id: int
    service_id: int
    date: str


class Choice(BaseModel):
    """A choice just offered (one action with options), kept whole so that ``/page n``
    shows another page of it and "the second one" or a name picks from it."""

    type: str
    options: list[dict[str, Any]]
    payload: dict[str, Any] = {}
    page: int = 1


class DialogState(BaseModel):
    """One conversation's memory; everything is optional until the user has said it."""

    model_config = ConfigDict(extra="ignore", validate_assignment=True)

    version: int = STATE_VERSION
    lang: str | None = None

    # the flow in progress and what it has gathered
    flow: Flow | None = None
    specialist_id: int | None = None
    service_id: int | None = None
    service_name: str | None = None
    category_id: int | None = None
    specialization: str | None = None
    city: str | None = None
    date: str | None = None  # YYYY-MM-DD
    time: str | None = None  # HH:MM
    appointment_id: int | None = None
    # waiting for the user's yes: what will be done, and the key that makes it happen once
    pending: Flow | None = None
    idem: str | None = None
    waitlist: WaitlistWish | None = None
    # version 2: the options of the last reply ("the second one" picks offered[1]), and the
    # time of the last booking made in this conversation ("the same time")
    offered: list[str] = []
    last_time: str | None = None
    # version 3: the choices of the last reply whole (paged), the question they answer, the
    # language the user chose (wins over the front-end's), a wish for the nearest time or a
    # part of the day, the service a question was about, and the contact asked for
    choices: list[Choice] = []
    question: str = ""
    lang_chosen: bool = False
    nearest: bool = False
    same_time: bool = False  # moving a booking to another day at its own time
    time_of_day: str | None = None
    about_service_id: int | None = None
    about_specialist_id: int | None = None
    awaiting_contact: bool = False
    has_contact: bool = False
    # version 4: the specialist and the service last talked about (whom "him", "к ней" name,
    # kept when a flow ends), the earliest time wished ("после обеда" = 13:00), and the last
    # question asked with how many times in a row (never a third time the same way)
    last_specialist_id: int | None = None
    last_service_name: str | None = None
    time_from: str | None = None
    asked: str = ""
    asked_times: int = 0

    @field_validator("date")
    @classmethod
    def _date(cls, value: str | None) -> str | None:
        return dt.date.fromisoformat(value).isoformat() if value else None

    @field_validator("time")
    @classmethod
    def _time(cls, value: str | None) -> str | None:
        return dt.time.fromisoformat(value).strftime("%H:%M") if value else None

    @classmethod
    def load(cls, data: dict[str, Any] | None) -> DialogState:
        """The state stored as ``data`` (any version); a fresh one when it cannot be read."""
        data = dict(data or {})
        version = data.get("version", 1)
        if not isinstance(version, int) or version > STATE_VERSION:
            log.warning("unknown dialog state version %r: starting afresh", version)
            return cls(lang=data.get("lang") if isinstance(data.get("lang"), str) else None)
        data["version"] = STATE_VERSION  # 1 -> 2 -> 3 -> 4 added fields only: their defaults fit
        try:
            return cls.model_validate(data)
        except ValidationError:
            log.warning("unreadable dialog state: starting afresh", exc_info=True)
            return cls(lang=data.get("lang") if isinstance(data.get("lang"), str) else None)

    def dump(self) -> dict[str, Any]:
        """The JSON to store (and to show as ``Reply.context``)."""
        return self.model_dump(mode="json")

    def clear(self) -> None:
        """Forget the flow in progress (the language stays)."""
        keep = {
            "version": self.version,
            "lang": self.lang,
            "lang_chosen": self.lang_chosen,
            "last_time": self.last_time,
            "has_contact": self.has_contact,
            "last_specialist_id": self.last_specialist_id,
            "last_service_name": self.last_service_name,
            "asked": self.asked,
            "asked_times": self.asked_times,
        }
        fresh = DialogState(**keep)
        for name in type(self).model_fields:
            setattr(self, name, getattr(fresh, name))
