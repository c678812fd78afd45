"""The response cache's storage: scope versions (in Redis or in process) and a bounded LRU of
rendered answers per worker. Knows nothing of routes, users or models: the HTTP middleware,
the route patterns and the detection of writes live in :mod:`booking_api.caching`, which
also explains the design as a whole.

* **Versions.** An answer depends on a few named *scopes*; each has a version number. A write
  *bumps* the versions of the scopes it changed. With Redis (:class:`RedisVersions`) every
  worker reads and bumps the same numbers (one round trip per batch of reads that arrive
  together: a Lua get-or-init of their keys; bumps are atomic); without it
  (:class:`LocalVersions`) they live in process memory, which is only right for a single
  worker.
* **Answers** are kept per worker in :class:`ResponseCache`'s LRU, keyed by whatever the
  caller chooses plus the versions read. An entry is never invalidated: a bump makes its key
  unreachable and the LRU forgets it.
* **Failures.** Redis unreachable: reads return no versions (the caller goes without cache);
  a bump that cannot be delivered drops this worker's entries; other workers keep answering
  from entries whose versions Redis still names until ``CACHE_TTL_SECONDS``.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import time
from collections import OrderedDict
from collections.abc import Iterable
from typing import Any

from booking_api.core.batch import NextTurnBatch
from booking_api.core.config import Settings
from booking_api.core.redis_client import RedisHolder

log = logging.getLogger("booking_api.cache")


def in_worker_pool() -> bool:
    """True inside a worker process started by ``uvicorn --workers N`` (N > 1) or ``--reload``."""
    return multiprocessing.parent_process() is not None


# --- version stores --------------------------------------------------------------------------

_GET_OR_INIT = """
local out = {}
for i, k in ipairs(KEYS) do
  local v = redis.call('GET', k)
  if not v then
    redis.call('SET', k, ARGV[1], 'NX')
    v = redis.call('GET', k)
  end
  out[i] = v
end
return out
"""

# New keys start at the current time in ns, so a Redis that lost its data never repeats a
# version an old local entry was stored under.
_BUMP = """
for i, k in ipairs(KEYS) do
  if redis.call('EXISTS', k) == 1 then redis.call('INCR', k) else redis.call('SET', k, ARGV[1]) end
end
return 1
"""


class LocalVersions:
    shared = False

    def __init__(self) -> None:
        self._versions: dict[str, int] = {}

    async def read(self, scopes: list[str]) -> tuple[Any, ...] | None:
        get = self._versions.get
        return tuple(get(s, 0) for s in scopes)

    def bump_now(self, scopes: Iterable[str]) -> bool:
        for scope in scopes:
            self._versions[scope] = self._versions.get(scope, 0) + 1
        return True

    async def bump(self, scopes: Iterable[str]) -> bool:
        return self.bump_now(scopes)


class RedisVersions:
    """Versions in Redis, at ``<REDIS_KEY_PREFIX>cache:v:<scope>``.

    Reads that arrive together share one round trip (``core/batch.NextTurnBatch``: one
    get-or-init of the union of their keys on the event loop's next turn). A read never joins
    a batch already sent, so it sees every bump that completed before it was asked for: a
    client that booked, then asks for free times, sees its booking whichever worker answers.
    Under load a worker has many requests in flight, and a cached answer's largest cost was
    this round trip (a third of its CPU through redis-py, bench/README.md, session 6)."""

    shared = True

    def __init__(self, holder: RedisHolder):
        self.holder = holder
        self.prefix = holder.key("cache:v:")
        self._scripts: dict[int, tuple[Any, Any]] = {}
        self._batch = NextTurnBatch(self._read_many)  # core/batch.py
        self._bumps = NextTurnBatch(self._bump_many)
        self.round_trips = 0  # version reads sent to Redis (the tests count them)
        self.bump_round_trips = 0  # and bumps

    def _script(self, client: Any) -> tuple[Any, Any]:
        found = self._scripts.get(id(client))
        if found is None:
            found = (client.register_script(_GET_OR_INIT), client.register_script(_BUMP))
            self._scripts = {id(client): found}
        return found

    async def read(self, scopes: list[str]) -> tuple[Any, ...] | None:
        if self.holder.client() is None:
            return None
        return await self._batch.get(tuple(scopes))

    async def _read_many(
        self, keys: list[tuple[str, ...]]
    ) -> dict[tuple[str, ...], tuple[Any, ...]]:
        """One round trip for a batch of reads; none answered (no cache) when Redis fails."""
        scopes = list(dict.fromkeys(scope for key in keys for scope in key))
        try:
            client = self.holder.client()
            if client is None:
                return {}
            self.round_trips += 1
            values = await self._script(client)[0](
                keys=[self.prefix + s for s in scopes], args=[time.time_ns()]
            )
        except Exception as exc:  # noqa: BLE001 - any Redis trouble: no cache
            self.holder.failed(exc)
            return {}
        self.holder.ok()
        found = dict(zip(scopes, values, strict=True))
        return {key: tuple(found[s] for s in key) for key in keys}

    def bump_now(self, scopes: Iterable[str]) -> bool:
        return False  # needs the event loop

    async def bump(self, scopes: Iterable[str]) -> bool:
        """False when the bump did not reach Redis (down, or marked down: not retried here;
        the holder logs the outage once).

        Bumps asked in one turn of the event loop go as one (``core/batch.NextTurnBatch``, as
        the reads): every asker's write committed before it asked, so one increment of each
        scope in the union, made after all of them, invalidates what each made stale; and a
        bump never joins a batch already sent, so it completes only after Redis has it. Under
        booking load one bump was a round trip of its own: 0.13-0.14 ms of client CPU
        through redis-py, timed alone; 8 together 0.028 ms each (bench/README.md, session 8)."""
        if self.holder.client() is None:
            return False
        return bool(await self._bumps.get(tuple(sorted(set(scopes)))))

    async def _bump_many(self, asked: list[tuple[str, ...]]) -> dict[tuple[str, ...], bool]:
        """One round trip for a batch of bumps; none delivered (each asker: False) when Redis
        fails."""
        keys = [self.prefix + s for s in dict.fromkeys(s for scopes in asked for s in scopes)]
        try:
            client = self.holder.client()
            if client is None:
                return {}
            self.bump_round_trips += 1
            await self._script(client)[1](keys=keys, args=[time.time_ns()])
        except Exception as exc:  # noqa: BLE001
            self.holder.failed(exc)
            log.debug("cache invalidation of %s not delivered to Redis: %s", keys, exc)
            return {}
        self.holder.ok()
        return dict.fromkeys(asked, True)


# --- answers ---------------------------------------------------------------------------------


class Entry:
    __slots__ = ("expires", "status", "headers", "body")

    def __init__(self, expires: float, status: int, headers: list, body: bytes):
        self.expires = expires
        self.status = status
        self.headers = headers
        self.body = body


class UserCache:
    """Bearer token → the user's column values, for a few seconds (per worker)."""

    def __init__(self, seconds: float, max_entries: int = 10_000):
        self.seconds = seconds
        self.max_entries = max_entries
        self._rows: dict[str, tuple[float, dict[str, Any]]] = {}

    def get(self, token: str) -> dict[str, Any] | None:
        found = self._rows.get(token)
        if found is None:
            return None
        if found[0] < time.monotonic():
            self._rows.pop(token, None)
            return None
        return found[1]

    def put(self, token: str, values: dict[str, Any], token_exp: float) -> None:
        if self.seconds <= 0:
            return
        if len(self._rows) >= self.max_entries:
            self._rows.clear()
        expires = min(
            time.monotonic() + self.seconds, time.monotonic() + max(0.0, token_exp - time.time())
        )
        self._rows[token] = (expires, values)

    def clear(self) -> None:
        self._rows.clear()


class ResponseCache:
    """Versions of scopes (``CACHE_BACKEND``) plus the LRU of rendered answers of one worker."""

    def __init__(self, settings: Settings, redis: RedisHolder):
        self.redis = redis
        self.ttl = float(settings.cache_ttl_seconds)
        self.max_entries = settings.cache_max_entries
        self.max_bytes = settings.cache_max_bytes
        self.users = UserCache(settings.user_cache_seconds)
        mode = (settings.cache_backend or "auto").lower()
        self.versions: LocalVersions | RedisVersions | None
        if mode == "off":
            self.versions = None
        elif mode == "redis" or (mode == "auto" and redis.configured):
            self.versions = RedisVersions(redis) if redis.configured else None
        elif mode == "local" or (mode == "auto" and not in_worker_pool()):
            self.versions = LocalVersions()
        else:
            self.versions = None  # several workers, no Redis: correctness first
        self.mode = "off" if self.versions is None else "redis" if self.versions.shared else "local"
        self._entries: OrderedDict[tuple, Entry] = OrderedDict()
        self._bytes = 0
        self._tasks: set[asyncio.Task] = set()
        self.hits = self.misses = 0

    @property
    def enabled(self) -> bool:
        return self.versions is not None

    async def read_versions(self, scopes: list[str]) -> tuple[Any, ...] | None:
        if self.versions is None:
            return None
        return await self.versions.read(scopes)

    async def bump(self, scopes: Iterable[str]) -> None:
        scopes = sorted(set(scopes))
        if self.versions is None or not scopes:
            return
        if not await self.versions.bump(scopes):
            self.clear()

    def bump_soon(self, scopes: set[str]) -> None:
        """Bump from synchronous code: at once (in-process versions) or in a task (Redis)."""
        if self.versions is None:
            return
        if self.versions.bump_now(scopes):
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        task = loop.create_task(self.bump(scopes))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def settle(self) -> None:
        """Wait until the bumps started by :meth:`bump_soon` have been delivered (or failed)."""
        while self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    def get(self, key: tuple) -> Entry | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        if entry.expires < time.monotonic():
            self._drop(key)
            return None
        self._entries.move_to_end(key)
        return entry

    def put(self, key: tuple, status: int, headers: list, body: bytes) -> None:
        if len(body) > self.max_bytes // 8:
            return
        if key in self._entries:
            self._drop(key)
        self._entries[key] = Entry(time.monotonic() + self.ttl, status, headers, body)
        self._bytes += len(body)
        while len(self._entries) > self.max_entries or self._bytes > self.max_bytes:
            self._drop(next(iter(self._entries)))

    def _drop(self, key: tuple) -> None:
        entry = self._entries.pop(key, None)
        if entry is not None:
            self._bytes -= len(entry.body)

    def clear(self) -> None:
        self._entries.clear()
        self._bytes = 0
