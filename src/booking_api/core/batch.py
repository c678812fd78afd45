"""Reads that arrive together, sent as one (a small dataloader).

Under load many requests (or the jobs of one claim) ask the same kind of question in the
same turn of the event loop: the cache's version numbers (``core/cache.RedisVersions``), the
bookings the specialist's notices tell (``jobs/context.JobContext.batched``). A
:class:`NextTurnBatch` collects what is asked until the loop's next turn, then reads it all in
one round trip. A read never joins a batch already sent, so it sees every write that
completed before it was asked for.

Written here rather than taken from a dataloader library: it is these thirty lines, and the
one property the cache needs (never join a batch on its way) is easy to see in them.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")


class BatchReadFailed(Exception):
    """The batch's read failed: each asker gets one of these of its own, caused by the read's
    error (a database out of reach is still recognised through the cause)."""


class NextTurnBatch(Generic[K, V]):
    """``await get(item)``: what ``read(items)`` answers for ``item`` (None: not there), where
    ``items`` are all those asked for before the event loop's next turn, each once."""

    def __init__(self, read: Callable[[list[K]], Awaitable[Mapping[K, V]]]) -> None:
        self._read = read
        self._open: tuple[list[K], asyncio.Future[Mapping[K, V]]] | None = None
        self._sending: set[asyncio.Task[None]] = set()  # referenced until done

    async def get(self, item: K) -> V | None:
        if self._open is None:
            loop = asyncio.get_running_loop()
            self._open = ([], loop.create_future())
            task = loop.create_task(self._send(self._open))  # runs on the loop's next turn
            self._sending.add(task)
            task.add_done_callback(self._sending.discard)
        items, answer = self._open
        items.append(item)
        try:
            # Shielded: an asker that goes away (a client hung up) cancels its own wait only.
            found = await asyncio.shield(answer)
        except Exception as exc:  # noqa: BLE001 - one exception per asker, not one shared
            raise BatchReadFailed(f"the batched read failed: {exc!r}") from exc
        return found.get(item)

    async def _send(self, batch: tuple[list[K], asyncio.Future[Mapping[K, V]]]) -> None:
        items, answer = batch
        if self._open is batch:
            self._open = None  # what is asked from now on goes in the next batch
        try:
            result = await self._read(list(dict.fromkeys(items)))
        except asyncio.CancelledError:
            answer.cancel()
            raise
        except Exception as exc:  # noqa: BLE001 - handed to every asker
            answer.set_exception(exc)
            answer.exception()  # retrieved, even when every asker went away
        else:
            answer.set_result(result)
