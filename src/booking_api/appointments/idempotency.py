"""Idempotent booking: a retry carrying the same ``Idempotency-Key`` gets the first answer.

The answer to a booking made with a key is stored with the appointment, atomically (both
stores write it in the appointment's own transaction or statement), for
``IDEMPOTENCY_TTL_HOURS``. A later request with the key and the same body is answered from
it (``Idempotent-Replayed: true``), with another body it is refused with 422; once the answer
has expired the key books afresh. Concurrent twins need no lock: the database's constraints let
one of them write, and the other finds the winner's answer (``service.book``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

from booking_api.appointments.context import BookingAnswer, BookingStore, StoredAnswer
from booking_api.core.config import Settings
from booking_api.core.errors import APIError


class IdempotencyConflict(APIError):
    status_code = 422
    default_detail = "Этот Idempotency-Key уже использован для другого запроса."


def request_hash(data: Any) -> str:
    """What tells two request bodies apart."""
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()


def expired_before(settings: Settings) -> dt.datetime:
    """Answers stored before this instant are forgotten."""
    return dt.datetime.now(dt.UTC) - dt.timedelta(hours=settings.idempotency_ttl_hours)


async def kept_answer(
    store: BookingStore, settings: Settings, user_id: int, key: str
) -> StoredAnswer | None:
    """The answer stored under the user's key; an expired one is forgotten (the key books
    afresh)."""
    stored = await store.stored_answer(user_id, key)
    if stored is not None and stored.created_at < expired_before(settings):
        await store.forget_answer(user_id, key)
        return None
    return stored


def replay(stored: StoredAnswer, digest: str) -> BookingAnswer:
    """The stored answer again, when the request is the same one (422 when it is not)."""
    if stored.request_hash != digest:
        raise IdempotencyConflict()
    return BookingAnswer(stored.body, stored.status_code, replayed=True)
