"""Webhook events of ORM writes, queued in the writing transaction (mapper events).

Why hooks, not calls in every route: an appointment changes through the API's lifecycle
routes and edits, the admin's actions, the waitlist and jobs; a client is created by the API,
Telegram sign-in and the admin. A mapper event sees every one of those writes, so no path can
forget its event, and the event's job row is inserted on the flush's own connection: it
commits, or rolls back, with the change. (The response cache detects writes the same way,
``booking_api.caching.invalidation``.)

* an appointment's UPDATE → its events (:func:`~.events.appointment_events`: a status change,
  a move to another time or specialist);
* a client's INSERT → ``client.created``.

A *new* appointment's ``appointment.created`` is queued by the outbox's builders instead
(``outbox.new_booking_jobs`` / ``appointment_changed``), because the PostgreSQL booking path
writes its rows with plain SQL, which no mapper event sees. Bulk ``UPDATE`` statements and
other services writing the same tables (the Django service) are not seen either.

Whether events are queued is WEBHOOKS_ENABLED of the app that owns the engine
(:func:`install`, called by ``create_app``), else of the process settings.
"""

from __future__ import annotations

import datetime as dt
import weakref
from typing import Any

from sqlalchemy import event, inspect
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import object_session

from booking_api.core.config import Settings, get_settings
from booking_api.core.db import Database
from booking_api.jobs.outbox import JobSpec, note_pending, utcnow, webhook_event_job
from booking_api.models import Appointment, Client, Job
from booking_api.webhooks.events import CLIENT_CREATED, AppointmentState, appointment_events

_enabled: weakref.WeakKeyDictionary[Engine, bool] = weakref.WeakKeyDictionary()


def install(database: Database, settings: Settings) -> None:
    """Queue events for writes through ``database``'s engines iff WEBHOOKS_ENABLED."""
    for engine in (database.read_engine, database.write_engine):
        _enabled[engine.sync_engine] = settings.webhooks_enabled


def enabled(connection: Connection) -> bool:
    value = _enabled.get(connection.engine)
    return get_settings().webhooks_enabled if value is None else value


_STATE = ("status", "specialist_id", "date", "start_time", "end_time")


def _states(target: Appointment) -> tuple[AppointmentState, AppointmentState]:
    """The appointment before and after this flush (from the attributes' history)."""
    attrs = inspect(target).attrs
    old: dict[str, Any] = {}
    for name in _STATE:
        history = attrs[name].history
        old[name] = history.deleted[0] if history.deleted else getattr(target, name)
    after = AppointmentState(*(getattr(target, name) for name in _STATE))
    return AppointmentState(**old), after


def _write(connection: Connection, target: Any, job: JobSpec) -> None:
    insert = pg_insert if connection.dialect.name == "postgresql" else sqlite_insert
    result = connection.execute(
        insert(Job.__table__)
        .values(
            kind=job.kind,
            payload=job.payload,
            run_at=job.run_at,
            status="queued",
            attempts=0,
            dedupe_key=job.dedupe_key,
            created_at=job.run_at,
        )
        .on_conflict_do_nothing(index_elements=["dedupe_key"])
    )
    session = object_session(target)
    if result.rowcount and session is not None:
        note_pending(session.info, job.dedupe_key, job.run_at)


@event.listens_for(Appointment, "after_update")
def _appointment_updated(mapper: Any, connection: Connection, target: Appointment) -> None:
    if not enabled(connection):
        return
    now: dt.datetime = utcnow()
    before, after = _states(target)
    for event_type, previous in appointment_events(before, after):
        _write(connection, target, webhook_event_job(event_type, target.id, now, previous=previous))


@event.listens_for(Client, "after_insert")
def _client_created(mapper: Any, connection: Connection, target: Client) -> None:
    if enabled(connection):
        _write(
            connection, target, webhook_event_job(CLIENT_CREATED, target.id, utcnow(), once=True)
        )
