"""Booking creation on PostgreSQL in two statements: the API's hottest write.

``POST /api/appointments/`` through the ORM (``routes/appointments.py`` on SQLite) costs about
nine round trips and 6 ms of Python per booking. Here the same rules, with the same texts and
the same rows written, take two statements on one pooled connection, sent straight to asyncpg:

1. **Context** (:data:`CONTEXT_SQL`): one ``SELECT`` answers everything the rules ask — the
   caller's client/specialist profile, the client, service (+ category) and specialist rows,
   the specialist's hours and breaks for that weekday, time off and busy appointments around
   the day — and reserves the new appointment's id (``nextval``), so the jobs can name it.
   (A refused booking leaves a gap in the ids, as a rolled-back insert does under Django.)
   The pure engine (``scheduling/engine.py``) then decides, exactly as for the ORM path.
2. **Write** (:data:`WRITE_SQL`): one ``INSERT … WITH`` statement, in autocommit, so it is a
   transaction of its own: the appointment, its outbox jobs (``jobs/outbox.py`` builds the
   same rows as for the ORM path) and, with an ``Idempotency-Key``, the stored answer.
   An overlap that raced us is refused by the exclusion constraint (→ 400 "already taken");
   a retry racing its twin is refused by the unique key (→ the winner's answer is replayed).

Nothing is read inside a transaction, so nothing holds a lock between the two statements:
the database constraints are what make the insert safe, as on the ORM path. Statements are
plain SQL (asyncpg prepares and caches them per connection). SQLite, the embedded default,
keeps the ORM path; the API tests run both (tests/api on SQLite and PostgreSQL).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import asyncpg
import orjson
from sqlalchemy.util import greenlet_spawn

from booking_api.appointments import service as booking
from booking_api.availability.engine import DayRules, local_dt
from booking_api.availability.repository import (
    ONE_DAY,
    Window,
    appointment_interval,
    time_off_interval,
    usable_break,
    working_hours,
)
from booking_api.caching.invalidation import bump_now as bump_cache
from booking_api.caching.scopes import BOOKINGS, bookings_scope
from booking_api.clients.service import NOT_A_CLIENT
from booking_api.core.config import Settings
from booking_api.core.db import Database
from booking_api.core.errors import PermissionDenied, ValidationError
from booking_api.core.fields import Field, missing_pk, validate_fields
from booking_api.jobs import outbox
from booking_api.models import ACTIVE_STATUSES, User
from booking_api.schemas import appointment_json

CONTEXT_SQL = """
WITH me AS (
    SELECT (SELECT id FROM booking_client WHERE user_id = $1 ORDER BY id LIMIT 1) AS client_id,
           (SELECT id FROM booking_specialist WHERE user_id = $1 ORDER BY id LIMIT 1)
               AS specialist_id
)
SELECT me.client_id AS my_client, me.specialist_id AS my_specialist,
       c.id AS client_id, c.name AS client_name,
       s.id AS service_id, s.name AS service_name, s.specialist_id AS service_specialist,
       s.buffer_before, s.buffer_after, cat.name AS category_name,
       sp.id AS specialist_id, sp.name AS specialist_name,
       (SELECT ARRAY[h.start_time, h.end_time] FROM booking_specialistschedule h
         WHERE h.specialist_id = $4 AND h.day_of_week = $5 ORDER BY h.id DESC LIMIT 1) AS hours,
       ARRAY(SELECT ARRAY[b.start_time, b.end_time] FROM booking_break b
              WHERE b.specialist_id = $4 AND (b.day_of_week = $5 OR b.day_of_week IS NULL)
              ORDER BY b.id) AS breaks,
       ARRAY(SELECT ARRAY[t.start, t."end"] FROM booking_timeoff t
              WHERE t.specialist_id = $4 AND t.start < $9 AND t."end" > $8) AS time_off,
       ARRAY(SELECT ROW(a.date, a.start_time, a.end_time, a.buffer_before, a.buffer_after)
               FROM booking_appointment a
              WHERE a.specialist_id = $4 AND a.date BETWEEN $6 AND $7
                AND a.status IN ('pending', 'confirmed')
                -- only those near the asked time (wall clock, both buffers, and 3 h to spare
                -- for any DST shift); the engine decides on exact, zone-aware times
                AND a.date + a.start_time
                    - (a.buffer_before + s.buffer_after + 180) * interval '1 minute' < $11
                AND a.date + a.end_time
                    + (a.buffer_after + s.buffer_before + 180) * interval '1 minute' > $10
            ) AS busy,
       nextval(pg_get_serial_sequence('booking_appointment', 'id')) AS new_id
  FROM me
  LEFT JOIN booking_client c ON c.id = coalesce($2, me.client_id)
  LEFT JOIN booking_service s ON s.id = $3
  LEFT JOIN booking_servicecategory cat ON cat.id = s.category_id
  LEFT JOIN booking_specialist sp ON sp.id = $4
"""

WRITE_SQL = """
WITH appointment AS (
    INSERT INTO booking_appointment
           (id, date, start_time, end_time, status, created_at, updated_at, client_id,
            service_id, specialist_id, buffer_before, buffer_after)
    VALUES ($1, $2, $3, $4, $5, $6, $6, $7, $8, $9, $10, $11)
), jobs AS (
    INSERT INTO booking_job (kind, payload, run_at, status, attempts, dedupe_key, created_at)
    SELECT j.kind, j.payload::json, j.run_at, 'queued', 0, j.dedupe_key, $6
      FROM unnest($12::text[], $13::text[], $14::timestamptz[], $15::text[])
           AS j(kind, payload, run_at, dedupe_key)
    ON CONFLICT (dedupe_key) DO NOTHING
), answer AS (
    INSERT INTO booking_idempotencykey (user_id, key, request_hash, status_code, body,
                                        created_at)
    SELECT $16::integer, $17::varchar, $18::varchar, 201, $19::json, $6
     WHERE $17::varchar IS NOT NULL
), expired AS (
    DELETE FROM booking_idempotencykey
     WHERE $17::varchar IS NOT NULL AND user_id = $16 AND created_at < $20
       AND key <> $17::varchar
)
SELECT 1
"""

REPLAY_SQL = """
SELECT request_hash, status_code, body::text AS body, created_at
  FROM booking_idempotencykey WHERE user_id = $1 AND key = $2
"""
FORGET_SQL = "DELETE FROM booking_idempotencykey WHERE user_id = $1 AND key = $2"


@dataclass(frozen=True)
class Stored:
    """A stored answer to an Idempotency-Key."""

    request_hash: str
    status_code: int
    body: Any


@dataclass(frozen=True)
class Created:
    body: dict[str, Any]


Outcome = Created | Stored


async def create(
    db: Database,
    settings: Settings,
    user: User,
    fields: dict[str, Field],
    data: Any,
    *,
    idempotency_key: str | None,
    digest: str,
) -> Outcome:
    """Book for ``user`` (or replay the answer stored for ``idempotency_key``); rule breaks
    raise the contract's errors, as ``Appointments.validate`` does."""
    key = idempotency_key or None
    async with _PooledConnection(db) as conn:
        if key:
            stored = await _stored(conn, user.id, key)
            if stored is not None and stored[1] < _expired_before(settings):
                await conn.execute(FORGET_SQL, user.id, key)
            elif stored is not None:
                return stored[0]
        try:
            body, specialist_id, jobs = await _book(conn, settings, user, fields, data, key, digest)
        except (ValidationError, asyncpg.UniqueViolationError):
            # A twin retry with the same key may have booked the slot a moment ago (then our
            # read saw it busy, or our insert met its row or its key): answer what it answered.
            if key and (stored := await _stored(conn, user.id, key)) is not None:
                return stored[0]
            raise
    await bump_cache({BOOKINGS, bookings_scope(specialist_id)})
    outbox.committed([(j.dedupe_key, j.run_at) for j in jobs])
    return Created(body)


def _expired_before(settings: Settings) -> dt.datetime:
    return dt.datetime.now(dt.UTC) - dt.timedelta(hours=settings.idempotency_ttl_hours)


async def _book(
    conn: asyncpg.Connection,
    settings: Settings,
    user: User,
    fields: dict[str, Field],
    data: Any,
    key: str | None,
    digest: str,
) -> tuple[dict[str, Any], int, list[outbox.JobSpec]]:
    """Validate and write; returns the 201 body, the specialist and the jobs written."""
    values = validate_fields(fields, data, partial=False)
    day, start, end = values["date"], values["start_time"], values["end_time"]
    tz = settings.tz
    window = None
    if values.get("status", "pending") in ACTIVE_STATUSES:
        window = booking.check_window(settings, day)  # a day no booking can be on: refused
    if window is not None:  # the day and its neighbours, for busy times and time off
        lo, hi = day - ONE_DAY, day + ONE_DAY
        range_start, range_end = local_dt(day, dt.time(0), tz), local_dt(hi, dt.time(0), tz)
    else:  # staff recording a past visit: no rules are checked, nothing around it is needed
        lo = hi = day
        range_start = range_end = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
    row = await conn.fetchrow(
        CONTEXT_SQL,
        user.id,
        values.get("client"),
        values["service"],
        values["specialist"],
        day.weekday(),
        lo,
        hi,
        range_start,
        range_end,
        dt.datetime.combine(day, start),
        dt.datetime.combine(day, end),
    )
    _check_relations(values, row)
    status = _check_owner_and_status(user, row["my_client"], values)
    active = status in ACTIVE_STATUSES
    if active:
        _check_rules(settings, window or booking.check_window(settings, day), row, day, start, end)

    now = dt.datetime.now(dt.UTC)
    appointment_id = row["new_id"]
    body = _body(appointment_id, values, status, row, now, tz)
    jobs = outbox.new_booking_jobs(settings, appointment_id, day, start, now=now) if active else []
    try:
        await conn.execute(
            WRITE_SQL,
            appointment_id,
            day,
            start,
            end,
            status,
            now,
            row["client_id"],
            row["service_id"],
            row["specialist_id"],
            row["buffer_before"],
            row["buffer_after"],
            [j.kind for j in jobs],
            [orjson.dumps(j.payload).decode() for j in jobs],
            [j.run_at for j in jobs],
            [j.dedupe_key for j in jobs],
            user.id,
            key,
            digest,
            orjson.dumps(body).decode(),
            _expired_before(settings),
        )
    except asyncpg.ExclusionViolationError:
        # The slot was taken between our read and our write.
        raise ValidationError([booking.TAKEN]) from None
    except asyncpg.ForeignKeyViolationError as exc:
        # A related row was deleted between the two statements.
        raise ValidationError(_missing_after_read(exc, values)) from None
    return body, row["specialist_id"], jobs


class _PooledConnection:
    """A connection of the API's own pool (its size and limits), used at the driver level."""

    def __init__(self, db: Database):
        self.engine = db.read_engine

    async def __aenter__(self) -> asyncpg.Connection:
        self.pooled = await self.engine.raw_connection()
        return self.pooled.driver_connection

    async def __aexit__(self, *exc: object) -> None:
        if self.pooled.driver_connection.is_closed():  # lost mid-request: not back to the pool
            await greenlet_spawn(self.pooled.invalidate)
        await greenlet_spawn(self.pooled.close)


async def _stored(
    conn: asyncpg.Connection, user_id: int, key: str
) -> tuple[Stored, dt.datetime] | None:
    row = await conn.fetchrow(REPLAY_SQL, user_id, key)
    if row is None:
        return None
    stored = Stored(row["request_hash"], row["status_code"], orjson.loads(row["body"]))
    return stored, row["created_at"]


def _check_relations(values: dict[str, Any], row: asyncpg.Record) -> None:
    """Ids given for rows that do not exist: DRF's "Invalid pk" per field."""
    errors = {
        name: [missing_pk(values[name])]
        for name in ("client", "service", "specialist")
        if values.get(name) is not None and row[f"{name}_id"] is None
    }
    if errors:
        raise ValidationError(errors)


def _check_owner_and_status(user: User, my_client: int | None, values: dict[str, Any]) -> str:
    """A client books for themselves, as ``pending``; staff for anyone, in any status
    (``ClientOwned.claim_for_client`` and ``Appointments.validate_object``)."""
    if user.is_staff:
        return values.get("status", "pending")
    if my_client is None:
        raise PermissionDenied(NOT_A_CLIENT)
    if values.get("client", my_client) != my_client:
        raise PermissionDenied()
    if values.get("status", "pending") != "pending":
        raise PermissionDenied()
    return "pending"


def _check_rules(
    settings: Settings,
    window: Window,
    row: asyncpg.Record,
    day: dt.date,
    start: dt.time,
    end: dt.time,
) -> None:
    """``booking.check_slot`` on the context row: the same checks, in the same order."""
    booking.check_request(start, end, row["service_specialist"], row["specialist_id"])
    rules = None if row["hours"] is None else _day_rules(settings.tz, window, row, day)
    booking.check_rules(settings, rules, day, start, end, row["buffer_before"], row["buffer_after"])


def _day_rules(tz: Any, window: Window, row: asyncpg.Record, day: dt.date) -> DayRules:
    """The engine's view of the day, from the context row (as ``availability.load_rules``
    builds it from its two statements)."""
    work_start, work_end = working_hours(*row["hours"])
    return DayRules(
        day=day,
        tz=tz,
        work_start=work_start,
        work_end=work_end,
        breaks=tuple((s, e) for s, e in row["breaks"] if usable_break(s, e)),
        time_off=tuple(time_off_interval(s, e, tz) for s, e in row["time_off"] if s < e),
        busy=tuple(
            appointment_interval(a_day, a_start, a_end, before, after, tz)
            for a_day, a_start, a_end, before, after in row["busy"]
            if a_start < a_end
        ),
        earliest=window.earliest,
        latest=window.latest,
    )


def _body(
    appointment_id: int,
    values: dict[str, Any],
    status: str,
    row: asyncpg.Record,
    now: dt.datetime,
    tz: dt.tzinfo,
) -> dict[str, Any]:
    """The 201 body of the row about to be written (as ``represent_appointment`` shows it)."""
    return appointment_json(
        id=appointment_id,
        client=row["client_id"],
        client_name=row["client_name"],
        service=row["service_id"],
        service_name=row["service_name"],
        specialist=row["specialist_id"],
        specialist_name=row["specialist_name"],
        category_name=row["category_name"],
        date=values["date"],
        start_time=values["start_time"],
        end_time=values["end_time"],
        status=status,
        created_at=now,
        updated_at=now,
        cancelled_at=None,
        client_confirmed_at=None,
        tz=tz,
    )


def _missing_after_read(exc: asyncpg.ForeignKeyViolationError, values: dict[str, Any]) -> Any:
    detail = str(getattr(exc, "detail", "") or exc)
    for name in ("client", "service", "specialist"):
        if f"({name}_id)" in detail:
            return {name: [missing_pk(values.get(name))]}
    return [booking.TAKEN]
