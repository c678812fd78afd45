"""The calendar feed tokens: one secret link per specialist and per client."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from booking_api.core.db import Base
from booking_api.models import Client, Specialist


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class CalendarFeed(Base):
    """An iCalendar feed's token. Exactly one owner (a specialist or a client); rotating the
    token replaces it, so the old link stops working at once."""

    __tablename__ = "booking_calendarfeed"
    __table_args__ = (
        CheckConstraint(
            "(specialist_id IS NULL) <> (client_id IS NULL)", name="booking_calendarfeed_owner"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    specialist_id: Mapped[int | None] = mapped_column(
        ForeignKey("booking_specialist.id", ondelete="CASCADE"), unique=True
    )
    client_id: Mapped[int | None] = mapped_column(
        ForeignKey("booking_client.id", ondelete="CASCADE"), unique=True
    )
    token: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=_now)

    specialist: Mapped[Specialist | None] = relationship(lazy="raise")
    client: Mapped[Client | None] = relationship(lazy="raise")
