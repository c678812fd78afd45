"""Rate limits (DRF's throttles): sign-in per client IP, booking creation per user.

Rates are DRF strings, ``"20/min"`` (``N/s|sec|m|min|h|hour|d|day``; only the first letter of
the period counts); an empty setting turns the limit off. The count is a fixed window that
opens with the first request: in Redis (``REDIS_URL``, keys under ``REDIS_KEY_PREFIX``) an
atomic Lua ``INCR`` + ``PEXPIRE``, shared by every worker; without Redis (or while it is
unreachable, see :mod:`booking_api.core.redis_client`) a per-process counter.
A refused request gets DRF's 429 ``{"detail": "Request was throttled. Expected available in
N seconds."}`` with ``Retry-After: N`` (N = the seconds until the window closes, rounded up).

The client IP is ``request.client.host``: uvicorn rewrites it from ``X-Forwarded-For`` only
for proxies listed in ``FORWARDED_ALLOW_IPS`` (``booking api``), so clients cannot spoof it.
"""

from __future__ import annotations

import math
import time
from typing import Any

from starlette.requests import Request

from booking_api.core.errors import Throttled
from booking_api.core.redis_client import RedisHolder

_PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}

_HIT = """
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
return {n, ttl}
"""


def parse_rate(rate: str | None) -> tuple[int, int] | None:
    """``"20/min"`` → (20, 60); empty or None → None (no limit)."""
    if not rate or not rate.strip():
        return None
    num, _, period = rate.strip().partition("/")
    period = period.strip().lower()
    if not period or period[0] not in _PERIODS:
        raise ValueError(f"invalid rate {rate!r}: use N/s, N/min, N/hour or N/day")
    return int(num), _PERIODS[period[0]]


class Throttle:
    """Counters at ``<REDIS_KEY_PREFIX>throttle:<scope>:<who>`` (or in this process)."""

    def __init__(self, redis: RedisHolder):
        self.redis = redis
        self.prefix = redis.key("throttle:")
        self._local: dict[str, tuple[int, float]] = {}
        self._scripts: dict[int, Any] = {}

    async def hit(self, key: str, limit: int, period: int) -> int | None:
        """Count one request; None when allowed, else the seconds to wait."""
        client = self.redis.client()
        if client is not None:
            try:
                script = self._scripts.get(id(client))
                if script is None:
                    script = client.register_script(_HIT)
                    self._scripts = {id(client): script}
                count, ttl_ms = await script(keys=[self.prefix + key], args=[period * 1000])
            except Exception as exc:  # noqa: BLE001 - Redis trouble: count locally
                self.redis.failed(exc)
            else:
                self.redis.ok()
                if int(count) > limit:
                    return max(1, math.ceil(int(ttl_ms) / 1000))
                return None
        return self._hit_local(key, limit, period)

    def _hit_local(self, key: str, limit: int, period: int) -> int | None:
        now = time.monotonic()
        count, ends = self._local.get(key, (0, 0.0))
        if ends <= now:
            count, ends = 0, now + period
            if len(self._local) > 50_000:
                self._local = {k: v for k, v in self._local.items() if v[1] > now}
        count += 1
        self._local[key] = (count, ends)
        if count > limit:
            return max(1, math.ceil(ends - now))
        return None


def _throttle(request: Request) -> Throttle:
    app = request.app
    found = getattr(app.state, "throttle", None)
    if found is None:
        holder = getattr(app.state, "redis", None)
        if holder is None:
            settings = app.state.settings
            holder = RedisHolder(settings.redis_url, settings.redis_key_prefix)
        found = app.state.throttle = Throttle(holder)
    return found


def client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


async def check(request: Request, name: str, ident: Any = None) -> None:
    """Apply the ``THROTTLE_<NAME>`` rate to this request; raise DRF's 429 when exceeded.

    ``ident`` defaults to the client IP (anonymous routes); booking creation passes the user id.
    """
    rate = parse_rate(getattr(request.app.state.settings, f"throttle_{name}"))
    if rate is None:
        return
    who = f"user:{ident}" if ident is not None else f"ip:{client_ip(request)}"
    wait = await _throttle(request).hit(f"{name}:{who}", *rate)
    if wait is not None:
        raise Throttled(wait)
