"""Response cache for catalogue reads and free-slot answers, with versioned scopes.

The storage (scope versions in Redis or in process, the LRU of answers) is infrastructure in
:mod:`booking_api.core.cache`; this package is what ties it to the API: which routes are
cached and on what they depend (:mod:`.scopes`), the HTTP middleware (:mod:`.middleware`) and
the detection of writes through SQLAlchemy session events (:mod:`.invalidation`).

Design
------
* **Scopes and versions.** Every cached answer depends on a few *scopes* (``catalogue``,
  ``bookings:<specialist_id>``, ``bookings``). A write that changes a scope *bumps* its
  version after the transaction committed and before the client sees the answer of the write.
* **Where versions live.** With ``REDIS_URL``: in Redis (keys under ``REDIS_KEY_PREFIX``),
  read with one round trip per request, bumped atomically; every worker sees a bump at once.
  Without Redis: in process memory — used only when the API runs a single worker (the
  embedded default); with several workers and no Redis caching is off.
* **Where answers live.** Rendered bytes, per worker, in a bounded LRU keyed by
  (host, path, query, minute bucket, versions). A bump makes older keys unreachable.
* **Reads see writes.** A request reads the versions *before* it reads the database, so an
  answer stored under versions V was computed from data at least as new as V; a write bumps
  only after its commit. Hence once a booking's 201 is sent, no later read can be answered
  from an entry that predates it (no stale slot after a booking).
* **Time.** Free slots depend on "now" (a started slot is never offered). The slot routes
  compute with ``now`` frozen to the minute (:func:`.scopes.slot_now`: ``earliest`` rounded
  *up* to the next whole minute), exact for the whole minute; the minute is part of the key.
* **Authentication first.** A request with an ``Authorization`` header is authenticated
  before the cache is consulted; an invalid token falls through to the app (its 401).
* **Failures.** Redis unreachable: requests are served without cache, never a 500; the
  outage is logged once and Redis retried after a second (:mod:`booking_api.core.redis_client`).
  A bump that cannot reach Redis makes this worker drop its local entries; other workers keep
  answering from entries whose versions Redis still names until ``CACHE_TTL_SECONDS`` (the
  bound on staleness in that rare case).
* **Writes are detected by SQLAlchemy session events**, so routes, the admin and jobs need no
  explicit invalidation calls. Writes inside an HTTP request are bumped by the middleware
  before the response starts; writes outside a request (jobs, CLI in-process) right after
  commit.

The user row of a bearer token is cached per raw token (i.e. per jti) for
``USER_CACHE_SECONDS`` (default 5) in each worker: a user deactivated or deleted elsewhere
is refused at the latest that many seconds later (at once in the worker that made the change).
"""

from __future__ import annotations

from typing import Any

from booking_api.caching import invalidation
from booking_api.caching.middleware import CacheMiddleware
from booking_api.core.cache import ResponseCache
from booking_api.core.config import Settings
from booking_api.core.redis_client import RedisHolder


def install(app: Any, settings: Settings) -> ResponseCache:
    """Create the Redis holder and the cache, detect writes for it, and wrap the app in
    :class:`~booking_api.caching.middleware.CacheMiddleware`."""
    redis = RedisHolder(settings.redis_url, settings.redis_key_prefix)
    cache = ResponseCache(settings, redis)
    invalidation.register(cache)
    app.state.redis = redis
    app.state.cache = cache
    app.add_middleware(CacheMiddleware, cache=cache)
    return cache
