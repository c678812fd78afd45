"""``/metrics`` (Prometheus): absent by default; with METRICS_ENABLED, the HTTP, database pool,
event-loop and GC figures of the worker, and the route templates as labels."""

from __future__ import annotations

import asyncio
import gc
import os

import httpx
from prometheus_client.parser import text_string_to_metric_families

from booking_api.app import create_app
from booking_api.core.db import Database
from kit.api import make_settings


async def test_no_metrics_route_by_default(client: httpx.AsyncClient) -> None:
    assert (await client.get("/metrics")).status_code == 404


async def test_metrics_when_enabled(env, cat, tmp_path) -> None:  # noqa: ANN001
    settings = make_settings(env.settings.database_url, tmp_path, metrics_enabled=True)
    db = Database.from_settings(settings)
    app = create_app(settings, db)
    try:
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
                assert (await c.get("/api/services/")).status_code == 200
                sid = cat.anna.id
                slots = f"/api/specialists/{sid}/available_slots/?date=2030-01-07"
                assert (await c.get(slots)).status_code in (200, 400)
                await asyncio.sleep(0.6)  # two ticks of the event-loop watch
                answer = await c.get("/metrics")
    finally:
        await db.dispose()
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/plain")
    samples = {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(answer.text)
        for s in family.samples
    }
    names = {name for name, _ in samples}
    services = (
        "http_requests_total",
        (("method", "GET"), ("route", "/api/services/"), ("status", "200")),
    )
    assert samples.get(services) == 1, [k for k in samples if k[0] == "http_requests_total"]
    # the template, not the id: one series whatever the specialist
    assert any(
        name == "http_requests_total"
        and dict(labels).get("route") == "/api/specialists/{pk}/available_slots/"
        for name, labels in samples
    )
    assert samples[("event_loop_lag_seconds_count", ())] >= 1
    assert "http_request_duration_seconds_bucket" in names
    assert "process_resident_memory_bytes" in names
    assert samples[("process_pid", ())] == os.getpid()
    if env.backend == "postgresql":
        assert samples[("db_pool_wait_seconds_count", ())] >= 2
        assert samples[("db_pool_connections_opened_total", ())] >= 1
        assert ("db_pool_checked_out", ()) in samples
        assert ("db_pool_size", ()) in samples


async def test_the_lifespan_collects_less_often_and_restores(env, tmp_path) -> None:  # noqa: ANN001
    """Under load the collector ran several times per request at Python's default threshold
    (700); GC pauses were a large part of the event-loop lag (see app.GC_THRESHOLDS)."""
    before = gc.get_threshold()
    app = create_app(env.settings, env.db)
    async with app.router.lifespan_context(app):
        assert gc.get_threshold()[0] >= 10_000
    assert gc.get_threshold() == before
