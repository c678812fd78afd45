"""What the booking decision is made on, and the storage port its two adapters implement.

Booking an appointment (``service.book``) goes:

1. the store looks up an answer stored under the request's ``Idempotency-Key``;
2. the store loads a :class:`BookingContext`: everything the rules ask about (the caller's
   client profile, the named client, service and specialist, the specialist's day);
3. ``service.decide`` applies every rule to it, once, and returns the :class:`NewAppointment`;
4. the store writes it, its jobs and the stored answer, atomically, and returns the new id.

Two adapters implement :class:`BookingStore`: ``repository.OrmBookingStore`` (SQLAlchemy; the
embedded SQLite default) and ``repository_pg.PgBookingStore`` (PostgreSQL in two statements,
the API's hottest write). ``tests/api/appointments/test_booking_contract.py`` holds both to
the same answers and rows, each on every database it supports.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Protocol

from booking_api.availability.engine import DayRules
from booking_api.availability.window import Window
from booking_api.models import ACTIVE_STATUSES


@dataclass(frozen=True)
class BookingRequest:
    """A parsed ``POST /api/appointments/`` body."""

    client: int | None  # None: left out (a client books for themselves)
    service: int
    specialist: int
    date: dt.date
    start_time: dt.time
    end_time: dt.time
    status: str | None  # None: left out (pending)

    @classmethod
    def from_values(cls, values: dict[str, Any]) -> BookingRequest:
        return cls(
            client=values.get("client"),
            service=values["service"],
            specialist=values["specialist"],
            date=values["date"],
            start_time=values["start_time"],
            end_time=values["end_time"],
            status=values.get("status"),
        )

    @property
    def wants_active(self) -> bool:
        """Whether the booking asked for takes time (the rules apply to it)."""
        return (self.status or "pending") in ACTIVE_STATUSES


@dataclass(frozen=True)
class Named:
    id: int
    name: str


@dataclass(frozen=True)
class ServiceFacts:
    id: int
    name: str
    specialist_id: int
    buffer_before: int
    buffer_after: int
    category_name: str | None
    name_en: str = ""
    category_name_en: str | None = None


@dataclass(frozen=True)
class BookingContext:
    """What the rules judge a request on. A row that does not exist is None."""

    my_client: int | None  # the caller's own client profile
    client: Named | None  # the client booked for (the caller's own when the request names none)
    service: ServiceFacts | None
    specialist: Named | None
    day: DayRules | None  # the specialist's day; None when they do not work that weekday


@dataclass(frozen=True)
class NewAppointment:
    """The row the decision allows (its id is drawn by the insert that writes it)."""

    client_id: int
    service_id: int
    specialist_id: int
    date: dt.date
    start_time: dt.time
    end_time: dt.time
    status: str
    buffer_before: int
    buffer_after: int
    created_at: dt.datetime

    @property
    def active(self) -> bool:
        return self.status in ACTIVE_STATUSES


@dataclass(frozen=True)
class StoredAnswer:
    """The first answer given to an ``Idempotency-Key``."""

    request_hash: str
    status_code: int
    body: Any
    created_at: dt.datetime


@dataclass(frozen=True)
class AnswerToStore:
    """The answer to keep under ``key``, written with the appointment; ``body`` lacks the id,
    which the store puts first once the insert has drawn it."""

    user_id: int
    key: str
    request_hash: str
    body: dict[str, Any]
    expired_before: dt.datetime  # the user's keys older than this are cleared


@dataclass(frozen=True)
class BookingAnswer:
    """What ``POST /api/appointments/`` answers: a new booking, or a replayed first answer."""

    body: Any
    status_code: int = 201
    replayed: bool = False


class SlotTaken(Exception):
    """The database refused the row: its time overlaps an active appointment's."""


class LostRace(SlotTaken):
    """The database aborted the write to let a concurrent one go first (a deadlock between two
    overlapping inserts, or a serialization failure). Unlike a plain refusal, the winner may
    not have committed yet when this is raised."""


class KeyTaken(Exception):
    """Another request stored an answer under this Idempotency-Key first."""


class RowGone(Exception):
    """A related row was deleted between the read and the write (``field``: which one)."""

    def __init__(self, field: str | None):
        super().__init__(field)
        self.field = field

    @classmethod
    def from_detail(cls, detail: str) -> RowGone:
        """From PostgreSQL's "Key (client_id)=(5) is not present in table ..." detail."""
        for name in ("client", "service", "specialist"):
            if f"({name}_id)" in detail:
                return cls(name)
        return cls(None)


class BookingStore(Protocol):
    """Where bookings are read and written (an adapter per way of talking to the database)."""

    async def stored_answer(self, user_id: int, key: str) -> StoredAnswer | None: ...

    async def forget_answer(self, user_id: int, key: str) -> None: ...

    async def load_context(
        self, user_id: int, request: BookingRequest, window: Window | None
    ) -> BookingContext:
        """Everything :func:`service.decide` asks about; the specialist's day only with a
        ``window`` (an inactive booking is judged on no day)."""
        ...

    async def write(self, appointment: NewAppointment, answer: AnswerToStore | None) -> int:
        """Write and commit the appointment, its jobs and ``answer``; return the new id.

        Raises :class:`SlotTaken`, :class:`KeyTaken` or :class:`RowGone` when the database
        refuses the write (nothing is written then)."""
        ...
