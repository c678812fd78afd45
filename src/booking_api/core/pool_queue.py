"""A first-come, first-served queue of pooled connections for the asyncio pool.

SQLAlchemy's ``AsyncAdaptedQueue`` hands a free connection to whoever asks first *at that
moment*: a request arriving just as a connection is returned takes it ahead of requests that
have waited, and asyncio's ``Queue`` puts a waiter that loses that race at the back again. Under
steady load with every connection busy, a few requests were passed over again and again: in
``bench/compare.py --metrics`` runs the mean wait for a connection was 1-7 ms while single
requests took 1.5-3.6 s, with no event-loop lag and no connection opened (bench/README.md).

Here a returned connection goes straight to the longest-waiting request; a request only takes
an idle connection when nobody is waiting.
"""

from __future__ import annotations

import asyncio
from collections import deque
from typing import Any

from sqlalchemy.util.concurrency import await_
from sqlalchemy.util.queue import AsyncAdaptedQueue, Empty


class FairAsyncQueue(AsyncAdaptedQueue[Any]):
    def __init__(self, maxsize: int = 0, use_lifo: bool = False) -> None:
        super().__init__(maxsize, use_lifo)
        self._waiters: deque[asyncio.Future[Any]] = deque()

    def _hand_over(self, item: Any) -> bool:
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(item)
                return True
        return False

    def put_nowait(self, item: Any) -> None:
        if not self._hand_over(item):
            super().put_nowait(item)

    def put(self, item: Any, block: bool = True, timeout: float | None = None) -> None:
        if not self._hand_over(item):
            super().put(item, block, timeout)

    def get(self, block: bool = True, timeout: float | None = None) -> Any:
        if not self._waiters and not self._queue.empty():
            return self._queue.get_nowait()
        if not block:
            raise Empty()
        return await_(self._wait(timeout))

    async def _wait(self, seconds: float | None) -> Any:
        waiter: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            return await asyncio.wait_for(asyncio.shield(waiter), seconds)
        except BaseException as exc:
            if waiter.done() and not waiter.cancelled():
                # Handed a connection in the same instant it stopped waiting (timed out, or
                # its request was cancelled): pass it on rather than lose it.
                self.put_nowait(waiter.result())
            else:
                waiter.cancel()
                if waiter in self._waiters:
                    self._waiters.remove(waiter)
            if isinstance(exc, TimeoutError):
                raise Empty() from None
            raise
