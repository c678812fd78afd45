"""The webhook event types, and which of them a change of an appointment is (pure code).

Nothing here touches the database: :mod:`booking_api.jobs.outbox` turns an event into a job
row, :mod:`.hooks` decides which events an ORM write is, :mod:`.fanout` sends them out.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

APPOINTMENT_CREATED = "appointment.created"
APPOINTMENT_CONFIRMED = "appointment.confirmed"
APPOINTMENT_CANCELLED = "appointment.cancelled"
APPOINTMENT_RESCHEDULED = "appointment.rescheduled"
APPOINTMENT_COMPLETED = "appointment.completed"
APPOINTMENT_NO_SHOW = "appointment.no_show"
CLIENT_CREATED = "client.created"

EVENT_TYPES = (
    APPOINTMENT_CREATED,
    APPOINTMENT_CONFIRMED,
    APPOINTMENT_CANCELLED,
    APPOINTMENT_RESCHEDULED,
    APPOINTMENT_COMPLETED,
    APPOINTMENT_NO_SHOW,
    CLIENT_CREATED,
)

# An appointment's new status → the event. ``no_show`` is the status the no-show action will
# set: once it exists, every write that sets it emits ``appointment.no_show`` through the same
# hook (nothing else to wire). ``pending`` is reached again only when staff re-open a
# cancelled or completed booking: to receivers that is a booking appearing, as to the
# specialist's notice.
STATUS_EVENTS = {
    "confirmed": APPOINTMENT_CONFIRMED,
    "cancelled": APPOINTMENT_CANCELLED,
    "completed": APPOINTMENT_COMPLETED,
    "no_show": APPOINTMENT_NO_SHOW,
}
ACTIVE = ("pending", "confirmed")

JOB_KIND = "webhook_event"  # one job per event: fanned out to the subscribed endpoints
EVENT_ID_NAMESPACE = uuid.UUID("6f1d3c52-38a4-4c2e-9d7e-1b0f5a2c7e11")


@dataclass(frozen=True)
class AppointmentState:
    """What decides an appointment's events: its status and where/when it is."""

    status: str
    specialist_id: int
    date: dt.date
    start_time: dt.time
    end_time: dt.time

    def place(self) -> tuple[int, dt.date, dt.time, dt.time]:
        return self.specialist_id, self.date, self.start_time, self.end_time

    def as_previous(self) -> dict[str, Any]:
        """The old time of a rescheduled appointment, as the API writes dates and times."""
        return {
            "specialist": self.specialist_id,
            "date": self.date.isoformat(),
            "start_time": self.start_time.strftime("%H:%M:%S"),
            "end_time": self.end_time.strftime("%H:%M:%S"),
        }


def appointment_events(
    before: AppointmentState, after: AppointmentState
) -> list[tuple[str, dict[str, Any] | None]]:
    """The events (type, previous time or None) of an update from ``before`` to ``after``."""
    events: list[tuple[str, dict[str, Any] | None]] = []
    if before.status != after.status:
        if after.status in STATUS_EVENTS:
            events.append((STATUS_EVENTS[after.status], None))
        elif after.status == "pending" and before.status not in ACTIVE:
            events.append((APPOINTMENT_CREATED, None))
    if after.status in ACTIVE and before.place() != after.place():
        events.append((APPOINTMENT_RESCHEDULED, before.as_previous()))
    return events


def object_kind(event_type: str) -> str:
    """``appointment`` or ``client``: what the event's ``data`` is."""
    return event_type.split(".", 1)[0]


def event_key(event_type: str, object_id: int | str, at: dt.datetime | None) -> str:
    """The job's dedupe key. A creation happens once per object (no time in the key, so the
    two booking paths can never queue it twice); other events once per moment."""
    key = f"webhook-event:{event_type}:{object_id}"
    return key if at is None else f"{key}:{at.timestamp():.6f}"


def event_payload(
    event_type: str,
    object_id: int | str,
    occurred_at: dt.datetime,
    previous: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The job's payload. ``object_id`` stands alone as a JSON value, so a writer that learns
    the id only inside its INSERT can put it in (the PostgreSQL booking path)."""
    payload: dict[str, Any] = {
        "type": event_type,
        "object_id": object_id,
        "occurred_at": occurred_at.astimezone(dt.UTC).isoformat(),
    }
    if previous is not None:
        payload["previous"] = previous
    return payload


def event_id(dedupe_key: str) -> str:
    """The event's id (the ``webhook-id`` header): the same for every endpoint and every
    retry, and the same if the event is fanned out again."""
    return "evt_" + uuid.uuid5(EVENT_ID_NAMESPACE, dedupe_key).hex
