"""Writes are detected by SQLAlchemy session events, so routes, the admin and jobs need no
explicit invalidation calls.

``after_flush`` (and bulk ``do_orm_execute``) note the scopes a session wrote; at
``after_commit`` they are bumped — by :class:`~booking_api.caching.middleware.CacheMiddleware`
before the response starts when the commit happened inside a request (see
:func:`request_writes`), else right away (a task, with Redis) in every live cache.
A change of a user's ``is_active`` (or a deleted user) also empties the caches' user rows.
"""

from __future__ import annotations

import asyncio
import contextvars
import weakref
from collections.abc import Awaitable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from booking_api.caching.scopes import BOOKINGS, CATALOGUE, bookings_scope
from booking_api.core.cache import ResponseCache
from booking_api.models import (
    Appointment,
    Break,
    Hold,
    Service,
    ServiceCategory,
    Specialist,
    SpecialistSchedule,
    TimeOff,
    User,
)

_CATALOGUE_MODELS = (Break, Service, ServiceCategory, Specialist, SpecialistSchedule, TimeOff)
_USER_NAME_FIELDS = ("username", "email", "first_name", "last_name")
_SCOPES_KEY = "booking_cache_scopes"

_CACHES: weakref.WeakSet[ResponseCache] = weakref.WeakSet()
_PENDING: contextvars.ContextVar[set[str] | None] = contextvars.ContextVar(
    "booking_cache_pending", default=None
)


def register(cache: ResponseCache) -> None:
    """Bump ``cache`` on every write from now on (for as long as it lives)."""
    _CACHES.add(cache)


@contextmanager
def request_writes() -> Iterator[set[str]]:
    """Collect the scopes committed during one request, for the middleware to bump."""
    pending: set[str] = set()
    token = _PENDING.set(pending)
    try:
        yield pending
    finally:
        _PENDING.reset(token)


async def bump_now(scopes: Iterable[str]) -> None:
    """Explicit invalidation (for writes the session events cannot see, e.g. raw SQL)."""
    pending = _PENDING.get()
    if pending is not None:
        pending.update(scopes)
        return
    waits: list[Awaitable[None]] = [cache.bump(scopes) for cache in list(_CACHES)]
    await asyncio.gather(*waits)


async def settle() -> None:
    """Wait until the bumps of commits made outside a request have been delivered."""
    await asyncio.gather(*(cache.settle() for cache in list(_CACHES)))


def _clear_users() -> None:
    for cache in list(_CACHES):
        cache.users.clear()


def _scopes_of(obj: Any, deleted: bool, scopes: set[str]) -> None:
    if isinstance(obj, Appointment | Hold):  # a hold blocks time like an appointment
        scopes.add(BOOKINGS)
        if obj.specialist_id is not None:
            scopes.add(bookings_scope(obj.specialist_id))
        history = inspect(obj).attrs.specialist_id.history
        for old in history.deleted or ():
            if old is not None:
                scopes.add(bookings_scope(old))
    elif isinstance(obj, _CATALOGUE_MODELS):
        scopes.add(CATALOGUE)
    elif isinstance(obj, User):
        if deleted or inspect(obj).attrs.is_active.history.has_changes():
            _clear_users()
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
    scopes: set[str] = state.session.info.setdefault(_SCOPES_KEY, set())
    for mapper in state.all_mappers:
        cls = mapper.class_
        if cls is Appointment or cls is Hold:
            scopes.update((BOOKINGS, CATALOGUE))  # unknown specialists: all slot answers
        elif cls is User or issubclass(cls, _CATALOGUE_MODELS):
            scopes.add(CATALOGUE)
            if cls is User:
                _clear_users()


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
