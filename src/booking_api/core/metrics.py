"""Prometheus figures of one API worker process, at ``GET /metrics`` (``METRICS_ENABLED``).

Off by default: with it off there is no route, no middleware and no monitor task. On, it adds:

* ``http_requests_total{method,route,status}`` and ``http_request_duration_seconds{method,route}``
  — ``route`` is the matched route's template (``/api/specialists/{pk}/available_slots/``), so
  ids do not multiply the series; an answer given before routing (the response cache, a 404)
  is ``route=""``;
* ``db_pool_wait_seconds`` — how long a request waited for a pooled connection (including
  opening a new one); ``db_pool_connections_opened_total`` — connections opened (a rising
  count under steady load means the pool churns); ``db_pool_checked_out``, ``db_pool_idle``,
  ``db_pool_overflow`` and ``db_pool_size`` — the pool now;
* ``event_loop_lag_seconds`` — how late a timer set every 0.25 s fires: anything that blocks
  the event loop (CPU work, a blocking call, a GC pause) shows here;
* ``python_gc_pause_seconds{generation}`` — each garbage collection's pause;
* the ``process_*`` figures of prometheus-client (CPU seconds, resident memory, open files).

Each worker process answers with its own figures (``process_*`` tell which one answered); a
scraper that must see every worker scrapes each, or runs one worker per container.
Keep ``/metrics`` off the public internet (a proxy rule, or a firewall).
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import os
import time
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    ProcessCollector,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from sqlalchemy import event
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from booking_api.core.db import Database, TimedQueuePool

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)
LAG_INTERVAL = 0.25


class _PoolCollector:
    """The pool's state at scrape time."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def collect(self) -> Any:
        pool = self.db.write_engine.pool
        figures = {
            "db_pool_checked_out": ("Connections in use", "checkedout"),
            "db_pool_idle": ("Connections idle in the pool", "checkedin"),
            "db_pool_overflow": ("Connections beyond the pool's size", "overflow"),
            "db_pool_size": ("The pool's size (DB_POOL_SIZE)", "size"),
        }
        for name, (doc, method) in figures.items():
            read = getattr(pool, method, None)
            if read is not None:
                yield GaugeMetricFamily(name, doc, value=max(float(read()), 0.0))


class Metrics:
    """The registry of one process and the figures the middleware and monitors feed."""

    def __init__(self, db: Database) -> None:
        self.registry = registry = CollectorRegistry()
        ProcessCollector(registry=registry)
        self.requests = Counter(
            "http_requests_total",
            "HTTP requests answered",
            ["method", "route", "status"],
            registry=registry,
        )
        self.duration = Histogram(
            "http_request_duration_seconds",
            "Time from the request to the end of its answer",
            ["method", "route"],
            buckets=LATENCY_BUCKETS,
            registry=registry,
        )
        self.pool_wait = Histogram(
            "db_pool_wait_seconds",
            "Time to get a pooled database connection (waiting and connecting)",
            buckets=LATENCY_BUCKETS,
            registry=registry,
        )
        self.connections_opened = Counter(
            "db_pool_connections_opened",
            "Database connections opened by the pool",
            registry=registry,
        )
        self.loop_lag = Histogram(
            "event_loop_lag_seconds",
            f"How late a timer set every {LAG_INTERVAL} s fired",
            buckets=LATENCY_BUCKETS,
            registry=registry,
        )
        self.gc_pause = Histogram(
            "python_gc_pause_seconds",
            "Pause of each garbage collection",
            ["generation"],
            buckets=LATENCY_BUCKETS,
            registry=registry,
        )
        registry.register(_PoolCollector(db))
        Gauge(
            "process_pid", "This worker's process id (tells workers apart)", registry=registry
        ).set(os.getpid())
        self._gc_started = 0.0
        self._lag_task: asyncio.Task[None] | None = None
        pool = db.write_engine.pool
        if isinstance(pool, TimedQueuePool):
            pool.on_wait = self.pool_wait.observe
        event.listen(db.write_engine.sync_engine, "connect", self._on_connect)

    def _on_connect(self, *_: Any) -> None:
        self.connections_opened.inc()

    def _on_gc(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self._gc_started = time.perf_counter()
        elif self._gc_started:
            pause = time.perf_counter() - self._gc_started
            self.gc_pause.labels(str(info.get("generation", "?"))).observe(pause)

    async def _watch_loop(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            planned = loop.time() + LAG_INTERVAL
            await asyncio.sleep(LAG_INTERVAL)
            self.loop_lag.observe(max(loop.time() - planned, 0.0))

    def start(self) -> None:
        """Begin watching the event loop and the garbage collector (in the lifespan)."""
        if self._on_gc not in gc.callbacks:
            gc.callbacks.append(self._on_gc)
        if self._lag_task is None:
            self._lag_task = asyncio.create_task(self._watch_loop(), name="metrics-loop-lag")

    async def stop(self) -> None:
        with contextlib.suppress(ValueError):
            gc.callbacks.remove(self._on_gc)
        if self._lag_task is not None:
            self._lag_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._lag_task
            self._lag_task = None

    def render(self) -> tuple[bytes, str]:
        return generate_latest(self.registry), CONTENT_TYPE_LATEST


def _template(scope: Scope) -> str:
    """The matched route's full template (an included router's route knows only the part
    after the router's prefix: the prefix is what precedes that part in the request's path)."""
    route = scope.get("route")
    template = getattr(route, "path", None)
    if template is None:
        return ""
    path = scope.get("path", "")
    try:
        concrete = getattr(route, "path_format", template).format(**scope.get("path_params", {}))
    except (KeyError, IndexError, ValueError):
        return template
    return path[: len(path) - len(concrete)] + template if path.endswith(concrete) else template


class MetricsMiddleware:
    """Counts and times every HTTP request (pure ASGI; the route template comes from the
    ``route`` Starlette leaves in the scope once it has matched one)."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            route = _template(scope)
            method = scope.get("method", "")
            self.metrics.requests.labels(method, route, str(status)).inc()
            self.metrics.duration.labels(method, route).observe(time.perf_counter() - started)
