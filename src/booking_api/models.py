"""SQLAlchemy models on the table layout Django created for the ``booking`` app.

Tables and columns named like Django's are shared with the Django service during a migration;
everything the product adds is a new table, or a new column with a server-side default.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    false,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, query_expression, relationship

from booking_api.core.db import Base


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class User(Base):
    """``django.contrib.auth``'s user."""

    __tablename__ = "auth_user"

    id: Mapped[int] = mapped_column(primary_key=True)
    password: Mapped[str] = mapped_column(String(128))
    last_login: Mapped[dt.datetime | None]
    is_superuser: Mapped[bool] = mapped_column(Boolean, default=False)
    username: Mapped[str] = mapped_column(String(150), unique=True)
    first_name: Mapped[str] = mapped_column(String(150), default="")
    last_name: Mapped[str] = mapped_column(String(150), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    is_staff: Mapped[bool] = mapped_column(Boolean, default=False)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    date_joined: Mapped[dt.datetime] = mapped_column(default=_now)


class ServiceCategory(Base):
    __tablename__ = "booking_servicecategory"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text, default="")
    # New (0009): English twins (django-modeltranslation's ``<field>_en``), empty = none.
    name_en: Mapped[str] = mapped_column(String(100), default="", server_default=text("''"))
    description_en: Mapped[str] = mapped_column(Text, default="", server_default=text("''"))


class Specialist(Base):
    __tablename__ = "booking_specialist"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    specialization: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text, default="")
    photo: Mapped[str | None] = mapped_column(String(100))
    city: Mapped[str] = mapped_column(String(100), default="Казань")
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("auth_user.id", ondelete="SET NULL"), unique=True
    )
    # New: where the specialist gets notifications, and in which language (ru, en).
    telegram_id: Mapped[str | None] = mapped_column(String(20))
    language: Mapped[str] = mapped_column(String(8), default="ru", server_default=text("'ru'"))
    # New (0009): English twins of the specialization, the city and the description.
    specialization_en: Mapped[str] = mapped_column(
        String(100), default="", server_default=text("''")
    )
    city_en: Mapped[str] = mapped_column(String(100), default="", server_default=text("''"))
    description_en: Mapped[str] = mapped_column(Text, default="", server_default=text("''"))

    user: Mapped[User | None] = relationship(lazy="raise")
    schedules: Mapped[list[SpecialistSchedule]] = relationship(
        back_populates="specialist", lazy="raise", order_by="SpecialistSchedule.id"
    )


class SpecialistSchedule(Base):
    __tablename__ = "booking_specialistschedule"
    __table_args__ = (UniqueConstraint("specialist_id", "day_of_week"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    day_of_week: Mapped[int] = mapped_column(Integer)
    start_time: Mapped[dt.time]
    end_time: Mapped[dt.time]
    specialist_id: Mapped[int] = mapped_column(
        ForeignKey("booking_specialist.id", ondelete="CASCADE"), index=True
    )

    specialist: Mapped[Specialist] = relationship(back_populates="schedules", lazy="raise")


class Service(Base):
    __tablename__ = "booking_service"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text, default="")
    price: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    duration: Mapped[int] = mapped_column(Integer)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    category_id: Mapped[int | None] = mapped_column(
        ForeignKey("booking_servicecategory.id", ondelete="SET NULL"), index=True
    )
    specialist_id: Mapped[int] = mapped_column(
        ForeignKey("booking_specialist.id", ondelete="CASCADE"), index=True
    )
    # New: preparation and clean-up time around each booking, in minutes.
    buffer_before: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    buffer_after: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    # New (0009): English twins of the name and the description.
    name_en: Mapped[str] = mapped_column(String(100), default="", server_default=text("''"))
    description_en: Mapped[str] = mapped_column(Text, default="", server_default=text("''"))

    specialist: Mapped[Specialist] = relationship(lazy="raise")
    category: Mapped[ServiceCategory | None] = relationship(lazy="raise")


class Client(Base):
    __tablename__ = "booking_client"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    phone: Mapped[str] = mapped_column(String(20), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    # New (0003): with ENCRYPTION_KEY, ``phone``/``email`` hold a masked value and these the
    # Fernet ciphertext and the phone's keyed lookup hash (see ``booking_api.core.crypto``).
    phone_encrypted: Mapped[str | None] = mapped_column(Text, server_default=text("NULL"))
    email_encrypted: Mapped[str | None] = mapped_column(Text, server_default=text("NULL"))
    phone_hash: Mapped[str | None] = mapped_column(
        String(64), index=True, server_default=text("NULL")
    )
    city: Mapped[str] = mapped_column(String(100), default="Казань")
    telegram_id: Mapped[str | None] = mapped_column(String(20), index=True)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("auth_user.id", ondelete="SET NULL"), unique=True
    )
    # New: the language replies are written in (ru, en).
    language: Mapped[str] = mapped_column(String(8), default="ru", server_default=text("'ru'"))
    # Not a column: how many of the client's appointments were no-shows, when a query asks
    # for it (``clients/repository.py``, ``with_expression``); None otherwise.
    no_show_count: Mapped[int | None] = query_expression()

    user: Mapped[User | None] = relationship(lazy="raise")


APPOINTMENT_STATUSES = ("pending", "confirmed", "completed", "cancelled")
ACTIVE_STATUSES = ("pending", "confirmed")


class Appointment(Base):
    __tablename__ = "booking_appointment"
    __table_args__ = (
        Index("booking_appointment_specialist_day", "specialist_id", "date"),
        # A client's missed visits, counted for every booking (jobs/attendance.py) and every
        # row of the admin's client list: only the few no-show rows (migration 0012).
        Index(
            "booking_appointment_no_shows",
            "client_id",
            postgresql_where=text("no_show IS true"),  # as the counts ask (.is_(True))
            sqlite_where=text("no_show IS 1"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    date: Mapped[dt.date]
    start_time: Mapped[dt.time]
    end_time: Mapped[dt.time]
    status: Mapped[str] = mapped_column(String(20), default="pending")
    created_at: Mapped[dt.datetime] = mapped_column(default=_now)
    updated_at: Mapped[dt.datetime] = mapped_column(default=_now, onupdate=_now)
    client_id: Mapped[int] = mapped_column(
        ForeignKey("booking_client.id", ondelete="CASCADE"), index=True
    )
    service_id: Mapped[int] = mapped_column(
        ForeignKey("booking_service.id", ondelete="CASCADE"), index=True
    )
    specialist_id: Mapped[int] = mapped_column(
        ForeignKey("booking_specialist.id", ondelete="CASCADE"), index=True
    )
    # New: the service's buffers when booked (the exclusion constraint covers them),
    # and who cancelled when.
    buffer_before: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    buffer_after: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    cancelled_at: Mapped[dt.datetime | None]
    cancelled_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("auth_user.id", ondelete="SET NULL")
    )
    # New: when the client confirmed they will come (the reminder's "confirm" button).
    client_confirmed_at: Mapped[dt.datetime | None] = mapped_column(server_default=text("NULL"))
    # New (0007): nobody came. The status stays one of the four (``cancelled``): see
    # ``appointments/lifecycle.py`` (``no_show``).
    no_show: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    client: Mapped[Client] = relationship(lazy="raise")
    service: Mapped[Service] = relationship(lazy="raise")
    specialist: Mapped[Specialist] = relationship(lazy="raise")


class Break(Base):
    """New: a recurring pause inside a working day (``day_of_week`` null = every day)."""

    __tablename__ = "booking_break"

    id: Mapped[int] = mapped_column(primary_key=True)
    specialist_id: Mapped[int] = mapped_column(
        ForeignKey("booking_specialist.id", ondelete="CASCADE"), index=True
    )
    day_of_week: Mapped[int | None] = mapped_column(Integer)
    start_time: Mapped[dt.time]
    end_time: Mapped[dt.time]


class TimeOff(Base):
    """New: a period the specialist does not work (a day off, a vacation, a closed afternoon)."""

    __tablename__ = "booking_timeoff"
    __table_args__ = (Index("booking_timeoff_specialist_span", "specialist_id", "start", "end"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    specialist_id: Mapped[int] = mapped_column(
        ForeignKey("booking_specialist.id", ondelete="CASCADE")
    )
    start: Mapped[dt.datetime]
    end: Mapped[dt.datetime]
    reason: Mapped[str] = mapped_column(String(200), default="", server_default=text("''"))


class IdempotencyKey(Base):
    """New: the first answer to a POST carrying an ``Idempotency-Key``."""

    __tablename__ = "booking_idempotencykey"
    __table_args__ = (UniqueConstraint("user_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("auth_user.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(255))
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int] = mapped_column(Integer)
    body: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(default=_now, index=True)


class DialogContext(Base):
    """New: the MCP assistant's conversation state with one user."""

    __tablename__ = "booking_dialogcontext"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_key: Mapped[str] = mapped_column(String(64), unique=True)
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    updated_at: Mapped[dt.datetime] = mapped_column(default=_now, onupdate=_now)
    expires_at: Mapped[dt.datetime | None] = mapped_column(index=True)


class OutstandingToken(Base):
    """simplejwt's ``token_blacklist`` app tables, so both services share the blacklist."""

    __tablename__ = "token_blacklist_outstandingtoken"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime | None]
    expires_at: Mapped[dt.datetime]
    user_id: Mapped[int | None] = mapped_column(ForeignKey("auth_user.id", ondelete="SET NULL"))
    jti: Mapped[str] = mapped_column(String(255), unique=True)


class BlacklistedToken(Base):
    __tablename__ = "token_blacklist_blacklistedtoken"

    id: Mapped[int] = mapped_column(primary_key=True)
    blacklisted_at: Mapped[dt.datetime] = mapped_column(default=_now)
    token_id: Mapped[int] = mapped_column(
        ForeignKey("token_blacklist_outstandingtoken.id", ondelete="CASCADE"), unique=True
    )


JOB_STATUSES = ("queued", "running", "done", "skipped", "failed")


class Job(Base):
    """New: the transactional outbox of background work (see ``booking_api.jobs``).

    Rows are written in the same transaction as the booking change that causes them;
    ``dedupe_key`` makes "never twice" a database guarantee.
    """

    __tablename__ = "booking_job"
    __table_args__ = (Index("booking_job_due", "status", "run_at", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    payload: Mapped[dict] = mapped_column(JSON, default=dict)
    run_at: Mapped[dt.datetime]
    status: Mapped[str] = mapped_column(
        String(16), default="queued", server_default=text("'queued'")
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    locked_by: Mapped[str | None] = mapped_column(String(100))
    locked_until: Mapped[dt.datetime | None]
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=_now)
    done_at: Mapped[dt.datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)


WAITLIST_STATUSES = ("active", "offered", "booked", "expired")


class WaitlistEntry(Base):
    """New: a client waiting for a time to free up (specialist null = any)."""

    __tablename__ = "booking_waitlistentry"
    __table_args__ = (Index("booking_waitlist_match", "service_id", "date", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(
        ForeignKey("booking_client.id", ondelete="CASCADE"), index=True
    )
    specialist_id: Mapped[int | None] = mapped_column(
        ForeignKey("booking_specialist.id", ondelete="CASCADE")
    )
    service_id: Mapped[int] = mapped_column(ForeignKey("booking_service.id", ondelete="CASCADE"))
    date: Mapped[dt.date]
    time_from: Mapped[dt.time | None]
    time_to: Mapped[dt.time | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=_now)
    status: Mapped[str] = mapped_column(
        String(16), default="active", server_default=text("'active'")
    )
    offered_at: Mapped[dt.datetime | None]
    offer_token: Mapped[str | None] = mapped_column(String(64), unique=True)
    offer_expires_at: Mapped[dt.datetime | None]
    # The freed slot the current offer is for.
    offer_specialist_id: Mapped[int | None] = mapped_column(
        ForeignKey("booking_specialist.id", ondelete="SET NULL")
    )
    offer_start_time: Mapped[dt.time | None]
    offer_end_time: Mapped[dt.time | None]
    appointment_id: Mapped[int | None] = mapped_column(
        ForeignKey("booking_appointment.id", ondelete="SET NULL")
    )

    client: Mapped[Client] = relationship(lazy="raise")
    service: Mapped[Service] = relationship(lazy="raise")
    specialist: Mapped[Specialist | None] = relationship(lazy="raise", foreign_keys=[specialist_id])


HOLD_STATUSES = ("held", "released", "booked")


class Hold(Base):
    """New: a time held for a client for a few minutes (``HOLD_MINUTES``) before they confirm
    it (``booking_api/holds/``). It blocks the time like an active appointment while its
    ``status`` is ``held`` and ``expires_at`` is ahead: expiry needs no job. One row per client
    (``client_id`` is unique): a new hold replaces the client's last one."""

    __tablename__ = "booking_hold"
    __table_args__ = (Index("booking_hold_specialist_day", "specialist_id", "date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(
        ForeignKey("booking_client.id", ondelete="CASCADE"), unique=True
    )
    service_id: Mapped[int] = mapped_column(ForeignKey("booking_service.id", ondelete="CASCADE"))
    specialist_id: Mapped[int] = mapped_column(
        ForeignKey("booking_specialist.id", ondelete="CASCADE")
    )
    date: Mapped[dt.date]
    start_time: Mapped[dt.time]
    end_time: Mapped[dt.time]
    # The service's buffers when held, as an appointment keeps them.
    buffer_before: Mapped[int] = mapped_column(Integer, default=0)
    buffer_after: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(16), default="held")
    created_at: Mapped[dt.datetime] = mapped_column(default=_now)
    expires_at: Mapped[dt.datetime]
    # The booking a confirmed hold became.
    appointment_id: Mapped[int | None] = mapped_column(
        ForeignKey("booking_appointment.id", ondelete="SET NULL")
    )

    client: Mapped[Client] = relationship(lazy="raise")
    service: Mapped[Service] = relationship(lazy="raise")
    specialist: Mapped[Specialist] = relationship(lazy="raise")


__all__ = [
    "ACTIVE_STATUSES",
    "APPOINTMENT_STATUSES",
    "Appointment",
    "Base",
    "BlacklistedToken",
    "Break",
    "Client",
    "DialogContext",
    "HOLD_STATUSES",
    "Hold",
    "IdempotencyKey",
    "JOB_STATUSES",
    "Job",
    "OutstandingToken",
    "Service",
    "ServiceCategory",
    "Specialist",
    "SpecialistSchedule",
    "TimeOff",
    "User",
    "WAITLIST_STATUSES",
    "WaitlistEntry",
    "func",
]
