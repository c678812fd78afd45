"""Background jobs: reminders, specialist notices, waitlist offers, webhook deliveries.

Design
------
* **Transactional outbox.** A booking change writes its jobs into ``booking_job`` in the same
  transaction (:func:`outbox.appointment_changed`, called by the routes right before commit).
  If the booking rolls back, so do its jobs; if it commits, the jobs exist — no "booked but
  the notification was never queued" window. ``dedupe_key`` is UNIQUE, so the same reminder
  (``reminder:<appointment>:24h:<start>``) can never be queued twice; a moved appointment
  marks its old reminders skipped and queues new ones.
* **Claiming with a lease** (:mod:`.queue`). Workers claim due rows atomically
  (PostgreSQL ``FOR UPDATE SKIP LOCKED``; SQLite's ``BEGIN IMMEDIATE`` write transaction),
  setting ``locked_until``. A worker killed mid-job leaves the row ``running``; once the lease
  expires the next worker claims it again (logged). A job is marked done only after Telegram
  accepted the message; finishing is fenced by ``locked_by``.
* **Late, or skipped, never silently lost.** A job that runs after its time logs how late it
  is; one that no longer makes sense (the appointment passed, was cancelled or moved; a
  bigger-offset reminder when a smaller one is already due) is marked ``skipped`` with the
  reason in ``last_error`` and a log line. Transient Telegram errors are retried with backoff;
  permanent ones (blocked bot) end ``failed`` with an error log.
* **Side by side, in order where it matters** (:func:`runner.run_due`): a worker runs up to
  ``JOB_CONCURRENCY`` jobs at once (a job mostly waits for Telegram), and webhook jobs in
  ``WEBHOOK_CONCURRENCY`` slots of their own (a slow receiver never holds up a message).
  Jobs with the same :func:`runner.order_key` (one appointment's notices and reminders, one
  waitlist entry's messages, the offers of one freed day) run one after another in claim
  order, and one whose predecessor will be retried is put back behind it, so a "new booking"
  message never arrives after its "cancelled" one. A claimed job waits for a slot well inside
  its lease (at most twice the slots are claimed).
* **Repeat no-shows** (:mod:`.attendance`): a client with ``NO_SHOW_CONFIRM_THRESHOLD``
  no-shows gets an extra reminder asking to confirm, ``NO_SHOW_CONFIRM_HOURS`` ahead.
* **Two runtimes, one code path** (:func:`runner.run_due`):
  - no Redis (the embedded default, ``booking run``): the API process runs an in-process
    poller (``RUN_JOBS_IN_PROCESS``, default on when ``REDIS_URL`` is unset), woken right
    after a commit that queued immediate work;
  - with ``REDIS_URL``: ``booking worker`` runs an **arq** worker (:mod:`.arq_worker`).

  :mod:`.runtime` picks one (the API's lifespan, ``booking worker``); routes and services only
  ever call the outbox.

Why arq (and not taskiq)
------------------------
arq is asyncio-native like the rest of the stack, small, already a dependency, and gives
exactly the two primitives needed here: a ``unique`` cron (one dispatcher tick across all
workers) and ``enqueue_job(_job_id=...)`` (a de-duplicated immediate wake-up). We do not use
arq (or any broker) as the store of jobs: Redis is not transactional with the database,
so "booking committed ⇔ jobs exist" could not hold, and a broker-only queue cannot be
inspected or re-planned when an appointment moves. taskiq would add a broker plus a
scheduler plugin for the same role, with more moving parts and no gain. Keeping the table as
the source of truth also makes the Redis-less default behave exactly like production.
"""

from __future__ import annotations

from booking_api.jobs.outbox import Snapshot, appointment_changed, snapshot

__all__ = ["Snapshot", "appointment_changed", "snapshot"]
