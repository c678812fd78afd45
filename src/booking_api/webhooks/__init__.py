"""Outbound webhooks: staff register endpoints; booking and client changes are POSTed to them,
signed per the Standard Webhooks specification.

Design
------
* **Events ride the outbox.** A change writes one ``webhook_event`` job in its own
  transaction (``booking_job``, :mod:`booking_api.jobs`): a new booking through the outbox's
  builders (``new_booking_jobs``, which both booking paths use, and ``appointment_changed``),
  every other change of an appointment and a new client through ORM hooks (:mod:`.hooks`), so
  the API, the admin, the waitlist, the bot and the MCP server (which go through the API) and
  jobs all emit them. Event types and which change is which: :mod:`.events`.
* **Fan-out, then one job per attempt** (:mod:`.service`): the event job becomes one
  delivery row per subscribed endpoint (unique per endpoint and event) and the first
  attempt's job; an attempt logs itself (:class:`~.models.WebhookAttempt`: status, latency,
  the answer's start) and queues the next after an exponential, jittered delay until a 2xx
  or WEBHOOK_GIVE_UP_SECONDS. At least once; the ``webhook-id`` (the event id) stays the same
  across retries and "send again", for receivers to de-duplicate on.
* **Signed with the ``standardwebhooks`` library** (:mod:`.sender`); receivers verify with
  any Standard Webhooks verifier and the endpoint's secret (shown once, at creation).
* **Only public http(s) addresses** (:mod:`.guard`), checked at registration and before every
  attempt, and the attempt connects to the address checked; WEBHOOK_ALLOW_PRIVATE=true lifts it.
* **Where staff see it**: ``/api/webhooks/`` (:mod:`.routes`) and the admin (:mod:`.admin`).
* WEBHOOKS_ENABLED=false queues no event at all.

This module imports nothing: :mod:`booking_api.jobs.outbox` imports :mod:`.events`.
"""
