"""The API's Redis client (``REDIS_URL``), shared by the response cache and the rate limits.

* **One client per app**, created on first use (``redis.asyncio``, short timeouts).
* **Keys.** Everything the API and its job worker keep in Redis is named under
  ``REDIS_KEY_PREFIX`` (default ``booking:``): cache versions ``<prefix>cache:v:…``, rate-limit
  counters ``<prefix>throttle:…``, the arq queue ``<prefix>jobs`` and job ids
  ``<prefix>…``. Several deployments, or test runs, can share one Redis database, each
  under its own prefix; none of them ever needs ``FLUSHDB``.
* **Outages.** A command that fails marks Redis down for ``retry_seconds``: meanwhile callers
  get no client and go without Redis (no cache, per-process rate limits); the first request
  after that tries again. Only a real attempt that failed starts a new wait, so under
  continuous load the API is back on Redis within ``retry_seconds`` of its return. The log
  gets one warning when Redis goes and one info line when it is back (:class:`Outage`), not a
  line per request.
"""

from __future__ import annotations

import logging
import time
from typing import Any

log = logging.getLogger("booking_api.redis")

DEFAULT_PREFIX = "booking:"


class Outage:
    """Logs a dependency's outage once: a warning when it starts, an info line when it ends."""

    def __init__(self, logger: logging.Logger, down: str, back: str):
        self.logger = logger
        self.down_message = down
        self.back_message = back
        self.down = False

    def failed(self, exc: BaseException) -> None:
        if not self.down:
            self.down = True
            self.logger.warning(self.down_message, exc)

    def ok(self) -> None:
        if self.down:
            self.down = False
            self.logger.info(self.back_message)


class RedisHolder:
    """One lazily created ``redis.asyncio`` client, the key prefix, and the outage state."""

    def __init__(
        self, url: str | None, prefix: str = DEFAULT_PREFIX, *, retry_seconds: float = 1.0
    ):
        self.url = url
        self.prefix = prefix
        self.retry_seconds = retry_seconds
        self._client: Any = None
        self._retry_at = 0.0
        self.outage = Outage(
            log,
            "Redis unavailable (%s): serving without the shared cache and rate limits "
            "(cache invalidations are not delivered to other workers meanwhile); "
            f"retrying every {retry_seconds:g}s",
            "Redis reachable again: shared cache and rate limits resumed",
        )

    @property
    def configured(self) -> bool:
        return bool(self.url)

    def key(self, name: str) -> str:
        return self.prefix + name

    def client(self) -> Any | None:
        """The client, or None without Redis or while it is marked down."""
        if not self.url or time.monotonic() < self._retry_at:
            return None
        if self._client is None:
            import redis.asyncio as redis

            self._client = redis.from_url(
                self.url, socket_timeout=0.5, socket_connect_timeout=0.5, health_check_interval=30
            )
        return self._client

    def failed(self, exc: BaseException) -> None:
        """A command failed: go without Redis for ``retry_seconds`` (logged once per outage)."""
        self._retry_at = time.monotonic() + self.retry_seconds
        self.outage.failed(exc)

    def ok(self) -> None:
        """A command succeeded."""
        self.outage.ok()

    async def close(self) -> None:
        if self._client is not None:
            client, self._client = self._client, None
            try:
                await client.aclose()
            except Exception:  # noqa: BLE001 - closing a broken connection
                pass
