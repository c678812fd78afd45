"""``idempotency_key`` of the write tools the API keeps no key for.

``create_appointment``, ``hold_slot`` and ``confirm_hold`` send their key to the API
(``Idempotency-Key``), which keeps the first answer in the database. The other write tools
(cancel, move, attendance, the waitlist, registration, ``release_hold``, ``process_message``)
keep it here: a call repeating an earlier one of the same tool, client and key answers the
first call's result instead of acting again; the same key with other arguments is refused
(``idempotency_conflict``). Kept in this process for :data:`KEEP_SECONDS`, at most
:data:`MAX_KEPT` answers; a failed call keeps nothing (it may be repeated with its key).
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from .errors import ToolFailure, next_step

R = TypeVar("R")

KEEP_SECONDS = 24 * 3600.0
MAX_KEPT = 10_000


class KeptResults:
    """The first result of each (tool, client, key), for :data:`KEEP_SECONDS`."""

    def __init__(self, keep_seconds: float = KEEP_SECONDS, max_kept: int = MAX_KEPT) -> None:
        self.keep_seconds = keep_seconds
        self.max_kept = max_kept
        self._kept: OrderedDict[tuple[str, str, str], tuple[float, str, Any]] = OrderedDict()
        self._running: dict[tuple[str, str, str], asyncio.Event] = {}

    async def run(
        self,
        tool: str,
        caller: str,
        key: str | None,
        arguments: dict[str, Any],
        call: Callable[[], Awaitable[R]],
    ) -> R:
        """``call()``, or what the first call with this key answered."""
        if not key:
            return await call()
        slot = (tool, caller, key)
        digest = json.dumps(arguments, sort_keys=True, default=str)
        while True:
            self._forget_old()
            kept = self._kept.get(slot)
            if kept is not None:
                if kept[1] != digest:
                    raise ToolFailure(
                        "idempotency_conflict",
                        "This idempotency_key was used for a call with other arguments.",
                        next_step("idempotency_conflict", tool),
                    )
                return kept[2]
            twin = self._running.get(slot)
            if twin is None:
                break
            await twin.wait()  # a call with this key is running: its answer is ours
        done = self._running[slot] = asyncio.Event()
        try:
            result = await call()
            self._kept[slot] = (time.monotonic(), digest, result)
            while len(self._kept) > self.max_kept:
                self._kept.popitem(last=False)
            return result
        finally:
            del self._running[slot]
            done.set()

    def _forget_old(self) -> None:
        deadline = time.monotonic() - self.keep_seconds
        while self._kept:
            kept_at = next(iter(self._kept.values()))[0]
            if kept_at >= deadline:
                break
            self._kept.popitem(last=False)
