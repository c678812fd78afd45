"""Appointments in the database through SQLAlchemy: the queries of the API's lists and
details, the writes of changes, and the ORM booking store.

:class:`OrmBookingStore` is one of the two adapters of the booking port (``context.py``): it
serves SQLite, the embedded default, where a write transaction begins with ``BEGIN IMMEDIATE``
so concurrent bookings queue (``core/db.py``); it works on PostgreSQL as well (the contract
tests run it there), where the exclusion constraint refuses an overlap that raced the read.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import ColumnElement, Select, delete, false, func, literal, or_, select
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from booking_api.appointments.context import (
    AnswerToStore,
    BookingContext,
    BookingRequest,
    KeyTaken,
    LostRace,
    Named,
    NewAppointment,
    RowGone,
    ServiceFacts,
    SlotTaken,
    StoredAnswer,
)
from booking_api.appointments.schemas import with_id
from booking_api.availability.repository import load_day_rules
from booking_api.availability.window import Window
from booking_api.core.config import Settings
from booking_api.core.db import Database
from booking_api.jobs import outbox
from booking_api.models import (
    Appointment,
    Client,
    IdempotencyKey,
    Service,
    ServiceCategory,
    Specialist,
    User,
)
from booking_api.webhooks.events import JOB_KIND as WEBHOOK_EVENT
from booking_api.webhooks.repository import subscribed_endpoints

# --- reading -------------------------------------------------------------------------------


def visible_to(user: User, client_id: int | None, specialist_id: int | None) -> Select[Any]:
    """The appointments a user sees (contract section 3): staff all; a client their own; a
    specialist's user those booked with them; anyone else none."""
    stmt = select(Appointment)
    if user.is_staff:
        return stmt
    mine = []
    if client_id is not None:
        mine.append(Appointment.client_id == client_id)
    if specialist_id is not None:
        mine.append(Appointment.specialist_id == specialist_id)
    return stmt.where(or_(*mine) if mine else false())


def with_relations() -> list[Any]:
    """Loader options: what an appointment is shown with, in the same query."""
    return [
        joinedload(Appointment.client),
        joinedload(Appointment.specialist),
        joinedload(Appointment.service).joinedload(Service.category),
    ]


def list_columns(stmt: Select[Any]) -> Select[Any]:
    """The list's statement as plain columns, names joined (the order of
    ``schemas.appointment_from_row``): no ORM objects for the busiest staff read."""
    return (
        stmt.with_only_columns(
            Appointment.id,
            Appointment.client_id,
            Client.name,
            Appointment.service_id,
            Service.name,
            Appointment.specialist_id,
            Specialist.name,
            ServiceCategory.name,
            Appointment.date,
            Appointment.start_time,
            Appointment.end_time,
            Appointment.status,
            Appointment.created_at,
            Appointment.updated_at,
            Appointment.cancelled_at,
            Appointment.client_confirmed_at,
            Service.name_en,
            ServiceCategory.name_en,
            Appointment.no_show,
            maintain_column_froms=True,
        )
        .join_from(Appointment, Client, Client.id == Appointment.client_id)
        .join_from(Appointment, Service, Service.id == Appointment.service_id)
        .join_from(Appointment, Specialist, Specialist.id == Appointment.specialist_id)
        .outerjoin_from(Service, ServiceCategory, ServiceCategory.id == Service.category_id)
    )


def filtered(
    stmt: Select[Any],
    *,
    specialist_id: int | None = None,
    client_id: int | None = None,
    category_id: int | None = None,
    status: str | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> Select[Any]:
    """The list's filters (each one left out when None)."""
    if specialist_id is not None:
        stmt = stmt.where(Appointment.specialist_id == specialist_id)
    if client_id is not None:
        stmt = stmt.where(Appointment.client_id == client_id)
    if category_id is not None:
        stmt = stmt.where(Appointment.service.has(Service.category_id == category_id))
    if status:
        stmt = stmt.where(Appointment.status == status)
    if date_from is not None:
        stmt = stmt.where(Appointment.date >= date_from)
    if date_to is not None:
        stmt = stmt.where(Appointment.date <= date_to)
    return stmt


def _icontains(column: Any, term: str) -> ColumnElement[bool]:
    return func.lower(column).contains(term.lower(), autoescape=True)


SEARCH_FIELDS = (
    lambda term: Appointment.client.has(_icontains(Client.name, term)),
    lambda term: Appointment.specialist.has(_icontains(Specialist.name, term)),
    lambda term: Appointment.service.has(_icontains(Service.name, term)),
)
ORDERING_FIELDS = {
    "date": Appointment.date,
    "start_time": Appointment.start_time,
    "status": Appointment.status,
}


async def get_visible(
    session: AsyncSession,
    user: User,
    client_id: int | None,
    specialist_id: int | None,
    pk: int,
) -> Appointment | None:
    """The appointment with its relations, if the user sees it."""
    stmt = visible_to(user, client_id, specialist_id).where(Appointment.id == pk)
    return (await session.execute(stmt.options(*with_relations()))).unique().scalar()


async def load_service(session: AsyncSession, service_id: int) -> Service | None:
    """The service (from the identity map when it is loaded already)."""
    return await session.get(Service, service_id)


# --- writing changes -------------------------------------------------------------------------


def is_overlap_violation(exc: IntegrityError) -> bool:
    """True when the database refused a row because its time range overlaps another's."""
    text = str(exc.orig).lower()
    return "booking_appointment_no_overlap" in text or "exclusion" in text or "23p01" in text


# PostgreSQL aborts one of two writers that wait on each other's overlapping rows (the exclusion
# constraint waits for the other transaction) with a deadlock or a serialization failure: the
# aborted write was the one that lost the slot.
LOST_RACE_SQLSTATES = frozenset({"40P01", "40001"})


def is_lost_race(exc: DBAPIError) -> bool:
    return getattr(exc.orig, "sqlstate", None) in LOST_RACE_SQLSTATES


async def flush(session: AsyncSession) -> None:
    """Write the session's changes; an overlap the database refuses is :class:`SlotTaken`."""
    try:
        await session.flush()
    except IntegrityError as exc:
        await session.rollback()
        if is_overlap_violation(exc):
            raise SlotTaken() from None
        raise
    except DBAPIError as exc:
        if not is_lost_race(exc):
            raise
        await session.rollback()
        raise SlotTaken() from None


# --- the ORM booking store -------------------------------------------------------------------


class OrmBookingStore:
    """Books in one write transaction of ``session``.

    ``before_commit`` is called with the new id right before the commit, for changes that must
    commit with the booking (a waitlist entry marked booked).
    """

    def __init__(
        self,
        session: AsyncSession,
        settings: Settings,
        *,
        before_commit: Callable[[int], None] | None = None,
    ):
        self.session = session
        self.settings = settings
        self.before_commit = before_commit

    @classmethod
    @asynccontextmanager
    async def open(cls, db: Database, settings: Settings) -> AsyncIterator[OrmBookingStore]:
        async with db.write_sessions() as session:
            yield cls(session, settings)

    async def stored_answer(self, user_id: int, key: str) -> StoredAnswer | None:
        row = await self.session.scalar(
            select(IdempotencyKey).where(
                IdempotencyKey.user_id == user_id, IdempotencyKey.key == key
            )
        )
        if row is None:
            return None
        return StoredAnswer(row.request_hash, row.status_code, row.body, row.created_at)

    async def forget_answer(self, user_id: int, key: str) -> None:
        await self.session.execute(
            delete(IdempotencyKey).where(
                IdempotencyKey.user_id == user_id, IdempotencyKey.key == key
            )
        )

    async def load_context(
        self, user_id: int, request: BookingRequest, window: Window | None
    ) -> BookingContext:
        """The caller's client profile and the three named rows in one query, then (with a
        ``window``) the specialist's day in the two statements of the slot loader."""
        my_client = select(Client.id).where(Client.user_id == user_id).scalar_subquery()
        one = select(literal(1).label("one")).subquery()
        client_id = request.client if request.client is not None else my_client
        stmt = (
            select(my_client.label("my_client"), Client, Service, ServiceCategory, Specialist)
            .select_from(one)
            .outerjoin(Client, Client.id == client_id)
            .outerjoin(Service, Service.id == request.service)
            .outerjoin(ServiceCategory, ServiceCategory.id == Service.category_id)
            .outerjoin(Specialist, Specialist.id == request.specialist)
        )
        row = (await self.session.execute(stmt)).one()
        day = None
        if window is not None and row.Specialist is not None:
            day = await load_day_rules(
                self.session, self.settings, request.specialist, request.date, window
            )
        service = row.Service
        return BookingContext(
            my_client=row.my_client,
            client=Named(row.Client.id, row.Client.name) if row.Client is not None else None,
            service=ServiceFacts(
                id=service.id,
                name=service.name,
                specialist_id=service.specialist_id,
                buffer_before=service.buffer_before,
                buffer_after=service.buffer_after,
                category_name=row.ServiceCategory.name if row.ServiceCategory else None,
                name_en=service.name_en,
                category_name_en=row.ServiceCategory.name_en if row.ServiceCategory else None,
            )
            if service is not None
            else None,
            specialist=Named(row.Specialist.id, row.Specialist.name)
            if row.Specialist is not None
            else None,
            day=day,
        )

    async def write(self, appointment: NewAppointment, answer: AnswerToStore | None) -> int:
        session = self.session
        row = Appointment(
            client_id=appointment.client_id,
            service_id=appointment.service_id,
            specialist_id=appointment.specialist_id,
            date=appointment.date,
            start_time=appointment.start_time,
            end_time=appointment.end_time,
            status=appointment.status,
            buffer_before=appointment.buffer_before,
            buffer_after=appointment.buffer_after,
            created_at=appointment.created_at,
            updated_at=appointment.created_at,
        )
        session.add(row)
        try:
            await session.flush()  # the insert draws the id
            if appointment.active:
                for job in outbox.new_booking_jobs(
                    self.settings,
                    row.id,
                    appointment.date,
                    appointment.start_time,
                    now=appointment.created_at,
                ):
                    # as the PostgreSQL store: an event nobody subscribes to is not queued
                    if job.kind == WEBHOOK_EVENT and not await subscribed_endpoints(
                        session, job.payload["type"]
                    ):
                        continue
                    await outbox.enqueue_spec(session, job)
            if answer is not None:
                await session.execute(
                    delete(IdempotencyKey).where(
                        IdempotencyKey.user_id == answer.user_id,
                        IdempotencyKey.created_at < answer.expired_before,
                    )
                )
                session.add(
                    IdempotencyKey(
                        user_id=answer.user_id,
                        key=answer.key,
                        request_hash=answer.request_hash,
                        status_code=201,
                        body=with_id(row.id, answer.body),
                        created_at=appointment.created_at,
                    )
                )
            if self.before_commit is not None:
                self.before_commit(row.id)
            await session.commit()
        except IntegrityError as exc:
            await session.rollback()
            raise _refused(exc) from None
        except DBAPIError as exc:
            if not is_lost_race(exc):
                raise
            await session.rollback()
            raise LostRace() from None
        return row.id


def _refused(exc: IntegrityError) -> Exception:
    """What the database's refusal of a booking means."""
    text = str(exc.orig).lower()
    if is_overlap_violation(exc):
        return SlotTaken()
    if "idempotencykey" in text:
        return KeyTaken()
    if "foreign key" in text:
        # PostgreSQL's detail ("Key (client_id)=(5) is not present ...") is the driver's.
        return RowGone.from_detail(str(getattr(exc.orig.__cause__, "detail", "") or text))
    return SlotTaken()
