"""Response cache for catalogue reads and free-slot answers, with versioned scopes.

Design
------
* **Scopes and versions.** Every cached answer depends on a few *scopes*: ``catalogue``
  (categories, specialists, schedules, services, breaks, time off — and the names of users
  shown inside specialists), ``bookings:<specialist_id>`` (that specialist's appointments)
  and ``bookings`` (anybody's appointments; the nearest-slot search). A scope has a version
  number; a write that changes a scope *bumps* its version after the transaction committed
  and before the client sees the answer of the write.
* **Where versions live.** With ``REDIS_URL``: in Redis, read with one round trip per
  request (a Lua get-or-init of the few keys), bumped atomically. Every worker therefore
  sees a bump at once. Without Redis: in process memory — used only when the API runs a
  single worker (the embedded default); with several workers and no Redis caching is off.
* **Where answers live.** Rendered bytes, per worker, in a bounded LRU keyed by
  (host, path, query, minute bucket, versions). An entry is never *invalidated*: a bump makes
  its key unreachable, and the LRU forgets it. Nothing in it is needed by another worker.
* **Reads see writes.** A request reads the versions *before* it reads the database, so an
  answer stored under versions V was computed from data at least as new as V; a write bumps
  only after its commit. Hence once a booking's 201 is sent, no later read can be answered
  from an entry that predates it (no stale slot after a booking).
* **Time.** Free slots depend on "now" (a started slot is never offered). The slot routes
  compute with ``now`` frozen to the minute: ``earliest`` is rounded *up* to the next whole
  minute (see :func:`slot_now`), which makes the answer exact for the whole minute (slot
  starts are whole minutes); the minute is part of the key.
* **Authentication first.** A request with an ``Authorization`` header is authenticated
  before the cache is consulted; an invalid token falls through to the app (its 401).
* **Failures.** Redis unreachable: the request is served without cache (logged once per
  outage, retried after a second); never a 500. A bump that cannot reach Redis is logged
  and this worker drops its local entries; other workers keep answering from entries whose
  versions Redis still names until ``CACHE_TTL_SECONDS`` (the bound on staleness in that
  rare case).
* **Writes are detected by SQLAlchemy session events** (``after_flush``, bulk
  ``do_orm_execute``), so routes, the admin and jobs need no explicit invalidation calls.
  Writes inside an HTTP request are bumped by :class:`CacheMiddleware` before the response
  starts; writes outside a request (jobs, CLI in-process) are bumped right after commit.

The user row of a bearer token is cached per raw token (i.e. per jti) for
``USER_CACHE_SECONDS`` (default 5) in each worker: a user deactivated or deleted elsewhere
is refused at the latest that many seconds later (at once in the worker that made the change).
"""

from __future__ import annotations

import asyncio
import contextvars
import datetime as dt
import logging
import multiprocessing
import re
import time
import weakref
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from booking_api.core.config import Settings

log = logging.getLogger("booking_api.cache")

CATALOGUE = "catalogue"
BOOKINGS = "bookings"


def bookings_scope(specialist_id: int) -> str:
    return f"bookings:{specialist_id}"


def in_worker_pool() -> bool:
    """True inside a worker process started by ``uvicorn --workers N`` (N > 1) or ``--reload``."""
    return multiprocessing.parent_process() is not None


# --- the Redis client ------------------------------------------------------------------------


class RedisHolder:
    """One lazily created ``redis.asyncio`` client (shared by the cache and the throttles)."""

    def __init__(self, url: str | None):
        self.url = url
        self._client: Any = None
        self._down_until = 0.0
        self._warned = False

    @property
    def configured(self) -> bool:
        return bool(self.url)

    def client(self) -> Any | None:
        if not self.url or time.monotonic() < self._down_until:
            return None
        if self._client is None:
            import redis.asyncio as redis

            self._client = redis.from_url(
                self.url, socket_timeout=0.5, socket_connect_timeout=0.5, health_check_interval=30
            )
        return self._client

    def failed(self, exc: BaseException) -> None:
        """Redis did not answer: go without it for a second; log once per outage."""
        self._down_until = time.monotonic() + 1.0
        if not self._warned:
            self._warned = True
            log.warning("Redis unavailable (%s); serving without cache / shared limits", exc)

    def ok(self) -> None:
        if self._warned:
            self._warned = False
            log.info("Redis reachable again")

    async def close(self) -> None:
        if self._client is not None:
            client, self._client = self._client, None
            try:
                await client.aclose()
            except Exception:  # noqa: BLE001 - closing a broken connection
                pass


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
    shared = True

    def __init__(self, holder: RedisHolder, prefix: str = "booking:cache:v:"):
        self.holder = holder
        self.prefix = prefix
        self._scripts: dict[int, tuple[Any, Any]] = {}

    def _script(self, client: Any) -> tuple[Any, Any]:
        found = self._scripts.get(id(client))
        if found is None:
            found = (client.register_script(_GET_OR_INIT), client.register_script(_BUMP))
            self._scripts = {id(client): found}
        return found

    async def read(self, scopes: list[str]) -> tuple[Any, ...] | None:
        client = self.holder.client()
        if client is None:
            return None
        try:
            values = await self._script(client)[0](
                keys=[self.prefix + s for s in scopes], args=[time.time_ns()]
            )
        except Exception as exc:  # noqa: BLE001 - any Redis trouble: no cache
            self.holder.failed(exc)
            return None
        self.holder.ok()
        return tuple(values)

    def bump_now(self, scopes: Iterable[str]) -> bool:
        return False  # needs the event loop

    async def bump(self, scopes: Iterable[str]) -> bool:
        keys = [self.prefix + s for s in scopes]
        client = self.holder.client()
        try:
            if client is None:
                raise ConnectionError("Redis marked down")
            await self._script(client)[1](keys=keys, args=[time.time_ns()])
        except Exception as exc:  # noqa: BLE001
            self.holder.failed(exc)
            log.error("cache invalidation of %s not delivered to Redis: %s", keys, exc)
            return False
        return True


# --- the cache -------------------------------------------------------------------------------


class _Entry:
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


_CACHES: weakref.WeakSet[ResponseCache] = weakref.WeakSet()


class ResponseCache:
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
        self._entries: OrderedDict[tuple, _Entry] = OrderedDict()
        self._bytes = 0
        self.hits = self.misses = 0
        _CACHES.add(self)

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
        """A commit outside any request: bump now (in-process) or in a task (Redis)."""
        if self.versions is None:
            return
        if self.versions.bump_now(scopes):
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        task = loop.create_task(self.bump(scopes))
        _TASKS.add(task)
        task.add_done_callback(_TASKS.discard)

    def get(self, key: tuple) -> _Entry | None:
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
        self._entries[key] = _Entry(time.monotonic() + self.ttl, status, headers, body)
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


_TASKS: set[asyncio.Task] = set()


# --- what a route depends on ------------------------------------------------------------------

_CATALOGUE_ROUTE = re.compile(
    r"^/api/(?:(?:categories|services|specialists|schedules|breaks|time-off)/(?:\d+/)?"
    r"|specialists/\d+/(?:services|schedule)/)$"
)
_SPECIALIST_SLOTS = re.compile(r"^/api/specialists/(\d+)/available_(?:slots|days)/$")
_NEAREST = "/api/slots/nearest/"


def route_scopes(path: str) -> tuple[list[str], bool] | None:
    """(scopes, depends on the minute) of a cacheable GET route, else None."""
    if (m := _SPECIALIST_SLOTS.match(path)) is not None:
        return [CATALOGUE, bookings_scope(int(m.group(1)))], True
    if path == _NEAREST:
        return [CATALOGUE, BOOKINGS], True
    if _CATALOGUE_ROUTE.match(path):
        return [CATALOGUE], False
    return None


def slot_now(request: Any, tz: dt.tzinfo) -> dt.datetime:
    """ "Now" for free-slot answers: the start of the current minute plus one minute.

    Computing ``earliest`` from it offers exactly the slots (whole-minute starts) that have not
    started at any instant of this minute, so one answer serves the whole minute. The
    middleware fixes the minute for cached requests (``state.slot_minute``).
    """
    minute = getattr(request.state, "slot_minute", None) if request is not None else None
    if minute is None:
        minute = int(time.time() // 60)
    return dt.datetime.fromtimestamp((minute + 1) * 60, tz)


# --- the ASGI middleware ---------------------------------------------------------------------

_PENDING: contextvars.ContextVar[set[str] | None] = contextvars.ContextVar(
    "booking_cache_pending", default=None
)


class CacheMiddleware:
    """Serves cacheable GETs from the cache; bumps scopes written by a request before its
    response starts."""

    def __init__(self, app: Any, cache: ResponseCache):
        self.app = app
        self.cache = cache

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        cache = self.cache
        method = scope["method"]
        if method == "GET":
            if cache.versions is not None:
                route = route_scopes(scope["path"])
                # ?appointment= depends on who asks (slots.py): never shared through the cache.
                if route is not None and b"appointment=" not in scope["query_string"]:
                    await self._cached(scope, receive, send, *route)
                    return
            await self.app(scope, receive, send)
            return
        pending: set[str] = set()
        token = _PENDING.set(pending)

        async def send_after_bump(message: dict) -> None:
            if pending and message["type"] == "http.response.start":
                scopes = set(pending)
                pending.clear()
                await cache.bump(scopes)
            await send(message)

        try:
            await self.app(scope, receive, send_after_bump)
        finally:
            _PENDING.reset(token)
            if pending:
                await cache.bump(pending)

    async def _cached(
        self, scope: dict, receive: Callable, send: Callable, scopes: list[str], per_minute: bool
    ) -> None:
        from starlette.requests import Request

        from booking_api.api.deps import authenticate

        cache = self.cache
        state = scope.setdefault("state", {})
        headers = scope["headers"]
        host = b""
        has_auth = False
        for name, value in headers:
            if name == b"host":
                host = value
            elif name == b"authorization":
                has_auth = True
        if has_auth:
            try:
                await authenticate(Request(scope, receive))
            except Exception:  # noqa: BLE001 - the app answers (401) without the cache
                await self.app(scope, receive, send)
                return
        minute = None
        if per_minute:
            minute = int(time.time() // 60)
            state["slot_minute"] = minute
        versions = await cache.read_versions(scopes)
        if versions is None:
            await self.app(scope, receive, send)
            return
        key = (
            scope["scheme"],
            host,
            scope.get("root_path", ""),
            scope["path"],
            scope["query_string"],
            minute,
            versions,
        )
        entry = cache.get(key)
        if entry is not None:
            cache.hits += 1
            await send(
                {"type": "http.response.start", "status": entry.status, "headers": entry.headers}
            )
            await send({"type": "http.response.body", "body": entry.body})
            return
        cache.misses += 1
        start: dict | None = None
        chunks: list[bytes] = []
        complete = False

        async def capture(message: dict) -> None:
            nonlocal start, complete
            if message["type"] == "http.response.start":
                start = message
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
                if not message.get("more_body", False):
                    complete = True
            await send(message)

        await self.app(scope, receive, capture)
        if complete and start is not None and start["status"] == 200:
            cache.put(key, 200, list(start.get("headers", [])), b"".join(chunks))


def install(app: Any, settings: Settings) -> ResponseCache:
    """Create the Redis holder and the cache, and wrap the app in :class:`CacheMiddleware`."""
    redis = RedisHolder(settings.redis_url)
    cache = ResponseCache(settings, redis)
    app.state.redis = redis
    app.state.cache = cache
    app.add_middleware(CacheMiddleware, cache=cache)
    return cache


# --- detecting writes --------------------------------------------------------------------------

_SCOPES_KEY = "booking_cache_scopes"
_USER_NAME_FIELDS = ("username", "email", "first_name", "last_name")


def _catalogue_models() -> tuple[type, ...]:
    from booking_api.models import (
        Break,
        Service,
        ServiceCategory,
        Specialist,
        SpecialistSchedule,
        TimeOff,
    )

    return (Break, Service, ServiceCategory, Specialist, SpecialistSchedule, TimeOff)


def _scopes_of(obj: Any, deleted: bool, scopes: set[str]) -> None:
    from booking_api.models import Appointment, User

    if isinstance(obj, Appointment):
        scopes.add(BOOKINGS)
        if obj.specialist_id is not None:
            scopes.add(bookings_scope(obj.specialist_id))
        history = inspect(obj).attrs.specialist_id.history
        for old in history.deleted or ():
            if old is not None:
                scopes.add(bookings_scope(old))
    elif isinstance(obj, _catalogue_models()):
        scopes.add(CATALOGUE)
    elif isinstance(obj, User):
        if deleted or inspect(obj).attrs.is_active.history.has_changes():
            for cache in list(_CACHES):
                cache.users.clear()
        if deleted or any(
            inspect(obj).attrs[name].history.has_changes() for name in _USER_NAME_FIELDS
        ):
            scopes.add(CATALOGUE)  # specialists show their user


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, _context: Any) -> None:
    if not _CACHES:
        return
    scopes: set[str] = session.info.setdefault(_SCOPES_KEY, set())
    for obj in session.new:
        _scopes_of(obj, False, scopes)
    for obj in session.dirty:
        if session.is_modified(obj, include_collections=False):
            _scopes_of(obj, False, scopes)
    for obj in session.deleted:
        _scopes_of(obj, True, scopes)


@event.listens_for(Session, "do_orm_execute")
def _bulk(state: Any) -> None:
    if not _CACHES or not (state.is_update or state.is_delete or state.is_insert):
        return
    from booking_api.models import Appointment, User

    scopes: set[str] = state.session.info.setdefault(_SCOPES_KEY, set())
    for mapper in state.all_mappers:
        cls = mapper.class_
        if cls is Appointment:
            scopes.update((BOOKINGS, CATALOGUE))  # unknown specialists: all slot answers
        elif cls is User or issubclass(cls, _catalogue_models()):
            scopes.add(CATALOGUE)
            if cls is User:
                for cache in list(_CACHES):
                    cache.users.clear()


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    scopes = session.info.pop(_SCOPES_KEY, None)
    if not scopes:
        return
    pending = _PENDING.get()
    if pending is not None:
        pending.update(scopes)  # bumped by the middleware before the response starts
        return
    for cache in list(_CACHES):
        cache.bump_soon(scopes)


@event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    session.info.pop(_SCOPES_KEY, None)


async def bump_now(scopes: Iterable[str]) -> None:
    """Explicit invalidation (for writes the session events cannot see, e.g. raw SQL)."""
    pending = _PENDING.get()
    if pending is not None:
        pending.update(scopes)
        return
    waits: list[Awaitable[None]] = [cache.bump(scopes) for cache in list(_CACHES)]
    await asyncio.gather(*waits)
