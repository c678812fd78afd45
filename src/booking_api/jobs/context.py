"""What the jobs claimed together run with (:class:`JobContext`) and what a job handler is:
the runner (``runner.py``) makes one context per claim and hands it to every handler
(``handlers.py``, ``webhooks/service.py``)."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from booking_api.core.batch import NextTurnBatch
from booking_api.core.config import Settings
from booking_api.core.db import Database
from booking_api.jobs.queue import ClaimedJob

T = TypeVar("T")
K = TypeVar("K")
V = TypeVar("V")


@dataclass
class JobContext:
    """What the jobs claimed together (at ``now``) run with."""

    db: Database
    settings: Settings
    sender: Any  # TelegramSender (or a test double with the same ``send``)
    now: dt.datetime
    worker_id: str
    _shared: dict[Any, asyncio.Future[Any]] = field(default_factory=dict, repr=False)
    _batches: dict[Any, NextTurnBatch[Any, Any]] = field(default_factory=dict, repr=False)

    async def shared(self, key: Any, read: Callable[[], Awaitable[T]]) -> T:
        """What ``read()`` returns, read once for all the jobs claimed together (the first
        to ask reads, the others wait for its answer). For facts that may be as old as the
        claim: every one of these jobs was due before it was read."""
        future = self._shared.get(key)
        if future is None:
            future = self._shared[key] = asyncio.ensure_future(read())
        return await asyncio.shield(future)

    async def batched(
        self, key: Any, item: K, read: Callable[[list[K]], Awaitable[Mapping[K, V]]]
    ) -> V | None:
        """``read(items)[item]``, where ``items`` are all those asked for under ``key`` in one
        turn of the event loop (the jobs claimed together start in the same turn): one
        statement for the batch instead of one per job (``core/batch.NextTurnBatch``). A
        failed read fails every job of the batch, as each job's own read would have."""
        batch = self._batches.get(key)
        if batch is None:
            batch = self._batches[key] = NextTurnBatch(read)
        return await batch.get(item)


Handler = Callable[[ClaimedJob, JobContext], Awaitable[None]]
