"""Tables of outbound webhooks: endpoints, one delivery per (endpoint, event), its attempts.

New tables only (migration ``0005_webhooks_feeds``); nothing of Django's layout changes.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from booking_api.core.db import Base

DELIVERY_STATUSES = ("pending", "succeeded", "failed")


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class WebhookEndpoint(Base):
    """A receiver registered by staff: where to POST, which events, the signing secret."""

    __tablename__ = "booking_webhookendpoint"

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(String(2000))
    description: Mapped[str] = mapped_column(String(200), default="", server_default=text("''"))
    events: Mapped[list] = mapped_column(JSON, default=list)
    # "whsec_" + base64 of the key, as Standard Webhooks libraries take it. Never shown again
    # after the endpoint is created (the API's answer to the creation is the only place).
    # With ENCRYPTION_KEY the row holds its Fernet token (``booking_api.privacy``; text since
    # migration 0009: a token is longer than the secret).
    secret: Mapped[str] = mapped_column(Text)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=text("true"))
    created_at: Mapped[dt.datetime] = mapped_column(default=_now)
    updated_at: Mapped[dt.datetime] = mapped_column(default=_now, onupdate=_now)

    def __str__(self) -> str:
        return self.url


class WebhookDelivery(Base):
    """One event for one endpoint: the exact body signed and sent, and where it stands.

    ``(endpoint_id, event_id)`` is unique, so an event fanned out twice (a worker died between
    its commit and marking the job done) is still one delivery.
    """

    __tablename__ = "booking_webhookdelivery"
    __table_args__ = (
        UniqueConstraint("endpoint_id", "event_id", name="booking_webhookdelivery_once"),
        Index("booking_webhookdelivery_endpoint", "endpoint_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    endpoint_id: Mapped[int] = mapped_column(
        ForeignKey("booking_webhookendpoint.id", ondelete="CASCADE")
    )
    event_id: Mapped[str] = mapped_column(String(64))
    event_type: Mapped[str] = mapped_column(String(50))
    payload: Mapped[str] = mapped_column(Text)  # the JSON body, byte for byte as signed
    status: Mapped[str] = mapped_column(
        String(16), default="pending", server_default=text("'pending'")
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    created_at: Mapped[dt.datetime] = mapped_column(default=_now)
    give_up_at: Mapped[dt.datetime]
    next_attempt_at: Mapped[dt.datetime | None]
    last_attempt_at: Mapped[dt.datetime | None]
    succeeded_at: Mapped[dt.datetime | None]
    response_status: Mapped[int | None] = mapped_column(Integer)
    latency_ms: Mapped[int | None] = mapped_column(Integer)
    response_snippet: Mapped[str | None] = mapped_column(Text)
    last_error: Mapped[str | None] = mapped_column(Text)

    endpoint: Mapped[WebhookEndpoint] = relationship(lazy="raise")
    attempt_log: Mapped[list[WebhookAttempt]] = relationship(
        lazy="raise", order_by="WebhookAttempt.number", viewonly=True
    )

    def __str__(self) -> str:
        return f"{self.event_type} {self.event_id}"


class WebhookAttempt(Base):
    """The delivery log: one row per HTTP attempt (status, latency, the response's start)."""

    __tablename__ = "booking_webhookattempt"

    id: Mapped[int] = mapped_column(primary_key=True)
    delivery_id: Mapped[int] = mapped_column(
        ForeignKey("booking_webhookdelivery.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[dt.datetime]
    response_status: Mapped[int | None] = mapped_column(Integer)
    latency_ms: Mapped[int] = mapped_column(Integer)
    response_snippet: Mapped[str | None] = mapped_column(Text)
    error: Mapped[str | None] = mapped_column(Text)
    worker: Mapped[str] = mapped_column(String(100), default="")

    delivery: Mapped[WebhookDelivery] = relationship(lazy="raise", viewonly=True)

    def __str__(self) -> str:
        answer = self.response_status if self.response_status is not None else self.error
        return f"№{self.number}: {answer}"
