"""The PostgreSQL booking store: a booking in two statements, the API's hottest write.

Through the ORM (``repository.OrmBookingStore``) a booking costs about nine round trips and
6 ms of Python. This adapter of the same port (``context.py``) answers the same, and writes the
same rows, in two statements on one pooled connection, sent straight to asyncpg:

1. **Context** (:data:`CONTEXT_SQL`): one ``SELECT`` answers everything the rules ask: the
   caller's client profile, the client, service (+ category) and specialist rows, the
   specialist's hours and breaks for that weekday, time off and busy appointments and live
   holds around the day. ``service.decide`` then judges, exactly as for the ORM store.
2. **Write** (:data:`WRITE_SQL`): one ``INSERT … WITH`` statement, in autocommit, so it is a
   transaction of its own: the appointment (whose insert draws the id: a refused booking
   takes none), its outbox jobs (``jobs/outbox.py`` builds the same rows as for the ORM store;
   the ``appointment.created`` webhook event only when an active endpoint subscribes to it)
   and, with an ``Idempotency-Key``, the stored answer. An overlap that raced us is refused
   by the exclusion constraint, a hold that raced us by the appointments' hold trigger
   (migration 0008; both :class:`SlotTaken`); a retry racing its twin by the unique key
   (:class:`KeyTaken`).

Nothing is read inside a transaction, so nothing holds a lock between the two statements: the
database constraints are what make the insert safe, as for the ORM store. Statements are plain
SQL (asyncpg prepares and caches them per connection). Writes made here bypass the ORM, so this
store announces them itself (cache versions, the job runner's wake-up), as the ORM's commit
hooks do for the other.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg
import orjson

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
from booking_api.availability.engine import local_dt
from booking_api.availability.repository import day_rules_from_row, week_rows_sql
from booking_api.availability.window import ONE_DAY, Window
from booking_api.caching.invalidation import bump_now as bump_cache
from booking_api.caching.scopes import BOOKINGS, bookings_scope
from booking_api.core.config import Settings
from booking_api.core.db import Database
from booking_api.core.driver import driver_connection
from booking_api.jobs import outbox
from booking_api.webhooks.events import JOB_KIND as WEBHOOK_EVENT

CONTEXT_SQL = (
    """
WITH me AS (
    SELECT (SELECT id FROM booking_client WHERE user_id = $1 ORDER BY id LIMIT 1) AS client_id
)
SELECT me.client_id AS my_client,
       c.id AS client_id, c.name AS client_name,
       s.id AS service_id, s.name AS service_name, s.specialist_id AS service_specialist,
       s.buffer_before, s.buffer_after, cat.name AS category_name,
       s.name_en AS service_name_en, cat.name_en AS category_name_en,
       sp.id AS specialist_id, sp.name AS specialist_name,"""
    + week_rows_sql("$4", "$5", "$8", "$9")
    + """
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
             UNION ALL
             -- holds live now (booking_api/holds/), near the asked time alike
             SELECT ROW(h.date, h.start_time, h.end_time, h.buffer_before, h.buffer_after)
               FROM booking_hold h
              WHERE h.specialist_id = $4 AND h.date BETWEEN $6 AND $7
                AND h.status = 'held' AND h.expires_at > $12
                AND h.date + h.start_time
                    - (h.buffer_before + s.buffer_after + 180) * interval '1 minute' < $11
                AND h.date + h.end_time
                    + (h.buffer_after + s.buffer_before + 180) * interval '1 minute' > $10
            ) AS busy
  FROM me
  LEFT JOIN booking_client c ON c.id = coalesce($2, me.client_id)
  LEFT JOIN booking_service s ON s.id = $3
  LEFT JOIN booking_servicecategory cat ON cat.id = s.category_id
  LEFT JOIN booking_specialist sp ON sp.id = $4
"""
)

# The id is drawn by the INSERT (so only a written row takes one); the jobs and the stored
# answer, built before it is known, name it NEW_ID, which the statement replaces.
NEW_ID = "{new_id}"

WRITE_SQL = (
    """
WITH appointment AS (
    INSERT INTO booking_appointment
           (date, start_time, end_time, status, created_at, updated_at, client_id,
            service_id, specialist_id, buffer_before, buffer_after)
    VALUES ($1, $2, $3, $4, $5, $5, $6, $7, $8, $9, $10)
    RETURNING id
), jobs AS (
    INSERT INTO booking_job (kind, payload, run_at, status, attempts, dedupe_key, created_at)
    SELECT j.kind, replace(j.payload, '"{new_id}"', a.id::text)::json, j.run_at, 'queued', 0,
           replace(j.dedupe_key, '{new_id}', a.id::text), $5
      FROM appointment a,
           unnest($11::text[], $12::text[], $13::timestamptz[], $14::text[])
           AS j(kind, payload, run_at, dedupe_key)
     -- a webhook event no active endpoint subscribes to is not queued: most salons subscribe
     -- none, and its job would only find that out (webhooks/service.fan_out). The list is read
     -- as text, a superset of the fan-out's exact check (any mention of the type, or any
     -- escape in a list written by hand), which no stored value can make fail
     WHERE j.kind <> '"""
    + WEBHOOK_EVENT
    + """'
        OR EXISTS (SELECT 1 FROM booking_webhookendpoint e
                    WHERE e.is_active
                      AND (strpos(e.events::text, j.payload::json ->> 'type') > 0
                           OR strpos(e.events::text, '\\u') > 0))
    ON CONFLICT (dedupe_key) DO NOTHING
    RETURNING dedupe_key
), answer AS (
    INSERT INTO booking_idempotencykey (user_id, key, request_hash, status_code, body,
                                        created_at)
    SELECT $15::integer, $16::varchar, $17::varchar, 201,
           ('{"id":' || a.id || ',' || substr($18::text, 2))::json, $5
      FROM appointment a
     WHERE $16::varchar IS NOT NULL
), expired AS (
    DELETE FROM booking_idempotencykey
     WHERE $16::varchar IS NOT NULL AND user_id = $15 AND created_at < $19
       AND key <> $16::varchar
)
SELECT a.id, ARRAY(SELECT dedupe_key FROM jobs) AS jobs FROM appointment a
"""
)

REPLAY_SQL = """
SELECT request_hash, status_code, body::text AS body, created_at
  FROM booking_idempotencykey WHERE user_id = $1 AND key = $2
"""
FORGET_SQL = "DELETE FROM booking_idempotencykey WHERE user_id = $1 AND key = $2"


class PgBookingStore:
    """Books on one connection of the API's own pool (its size and limits), at the driver
    level."""

    def __init__(self, conn: asyncpg.Connection, settings: Settings):
        self.conn = conn
        self.settings = settings

    @classmethod
    @asynccontextmanager
    async def open(cls, db: Database, settings: Settings) -> AsyncIterator[PgBookingStore]:
        async with driver_connection(db.read_engine) as conn:
            yield cls(conn, settings)

    async def stored_answer(self, user_id: int, key: str) -> StoredAnswer | None:
        row = await self.conn.fetchrow(REPLAY_SQL, user_id, key)
        if row is None:
            return None
        return StoredAnswer(
            row["request_hash"], row["status_code"], orjson.loads(row["body"]), row["created_at"]
        )

    async def forget_answer(self, user_id: int, key: str) -> None:
        await self.conn.execute(FORGET_SQL, user_id, key)

    async def load_context(
        self, user_id: int, request: BookingRequest, window: Window | None
    ) -> BookingContext:
        day, tz = request.date, self.settings.tz
        if window is not None:  # the day and its neighbours, for busy times and time off
            lo, hi = day - ONE_DAY, day + ONE_DAY
            range_start, range_end = local_dt(day, dt.time(0), tz), local_dt(hi, dt.time(0), tz)
        else:  # an inactive booking (staff recording a past visit) is judged on no day
            lo = hi = day
            range_start = range_end = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
        row = await self.conn.fetchrow(
            CONTEXT_SQL,
            user_id,
            request.client,
            request.service,
            request.specialist,
            day.weekday(),
            lo,
            hi,
            range_start,
            range_end,
            dt.datetime.combine(day, request.start_time),
            dt.datetime.combine(day, request.end_time),
            dt.datetime.now(dt.UTC),
        )
        rules = None
        if window is not None and row["hours"] is not None:
            rules = day_rules_from_row(tz, window, row, day)
        return BookingContext(
            my_client=row["my_client"],
            client=Named(row["client_id"], row["client_name"])
            if row["client_id"] is not None
            else None,
            service=ServiceFacts(
                id=row["service_id"],
                name=row["service_name"],
                specialist_id=row["service_specialist"],
                buffer_before=row["buffer_before"],
                buffer_after=row["buffer_after"],
                category_name=row["category_name"],
                name_en=row["service_name_en"],
                category_name_en=row["category_name_en"],
            )
            if row["service_id"] is not None
            else None,
            specialist=Named(row["specialist_id"], row["specialist_name"])
            if row["specialist_id"] is not None
            else None,
            day=rules,
        )

    async def write(self, appointment: NewAppointment, answer: AnswerToStore | None) -> int:
        a = appointment
        jobs = (
            outbox.new_booking_jobs(self.settings, NEW_ID, a.date, a.start_time, now=a.created_at)
            if a.active
            else []
        )
        try:
            written = await self.conn.fetchrow(
                WRITE_SQL,
                a.date,
                a.start_time,
                a.end_time,
                a.status,
                a.created_at,
                a.client_id,
                a.service_id,
                a.specialist_id,
                a.buffer_before,
                a.buffer_after,
                [j.kind for j in jobs],
                [orjson.dumps(j.payload).decode() for j in jobs],
                [j.run_at for j in jobs],
                [j.dedupe_key for j in jobs],
                answer.user_id if answer else None,
                answer.key if answer else None,
                answer.request_hash if answer else None,
                orjson.dumps(answer.body).decode() if answer else None,
                answer.expired_before if answer else None,
            )
        except asyncpg.ExclusionViolationError:
            raise SlotTaken() from None  # the slot was taken between our read and our write
        except (asyncpg.DeadlockDetectedError, asyncpg.SerializationError):
            raise LostRace() from None  # a concurrent overlapping insert was let go first
        except asyncpg.UniqueViolationError:
            raise KeyTaken() from None  # a twin with the same key wrote first
        except asyncpg.ForeignKeyViolationError as exc:
            # A related row was deleted between the two statements.
            raise RowGone.from_detail(str(exc.detail or exc)) from None
        # Committed (autocommit): announce it, as the ORM's commit hooks do for its writes.
        appointment_id, queued = written["id"], set(written["jobs"])
        await bump_cache({BOOKINGS, bookings_scope(a.specialist_id)})
        outbox.committed(
            [
                (key, j.run_at)
                for j in jobs
                if (key := j.dedupe_key.replace(NEW_ID, str(appointment_id))) in queued
            ]
        )
        return appointment_id
