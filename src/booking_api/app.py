"""The FastAPI application factory."""

from __future__ import annotations

import gc
import logging
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from sqlalchemy.exc import SQLAlchemyError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect
from starlette.responses import RedirectResponse, Response
from starlette.routing import Match
from starlette.staticfiles import StaticFiles

from booking_api.admin import mount_admin
from booking_api.api import root
from booking_api.api.openapi import install_docs, install_openapi
from booking_api.appointments import hot as hot_appointments
from booking_api.appointments import hot_booking
from booking_api.appointments import routes as appointments
from booking_api.auth import routes as auth
from booking_api.availability import hot_days, hot_nearest, hot_slots
from booking_api.availability import routes as slots
from booking_api.business import routes as business
from booking_api.caching import install as install_cache
from booking_api.calendars import routes as calendars
from booking_api.catalogue import hot as hot_catalogue
from booking_api.catalogue import routes as catalog
from booking_api.clients import routes as clients
from booking_api.core.config import Settings, get_settings
from booking_api.core.db import Database, database_unavailable
from booking_api.core.errors import APIError, MethodNotAllowed, NotFound, ServiceUnavailable
from booking_api.core.http import JSON
from booking_api.core.metrics import Metrics, MetricsMiddleware
from booking_api.core.middleware import (
    HeadAsGetMiddleware,
    NullCharactersMiddleware,
    RequestBodyLimitMiddleware,
)
from booking_api.core.warmup import warm_pool
from booking_api.dialogs import routes as dialogs
from booking_api.holds import routes as holds
from booking_api.miniapp import mount_miniapp
from booking_api.oauth import install as install_oauth
from booking_api.policy import routes as policy
from booking_api.privacy import install as install_privacy
from booking_api.schedules import routes as schedules
from booking_api.waitlist import routes as waitlist
from booking_api.webhooks import admin as webhooks_admin
from booking_api.webhooks import hooks as webhook_hooks
from booking_api.webhooks import routes as webhooks
from booking_common.asgi import HSTSMiddleware, RequestIdMiddleware
from booking_common.logging import register_secret

log = logging.getLogger("booking_api")

DESCRIPTION = """
Bookings for salons, clinics and studios. A drop-in replacement for the Django REST Framework
service's API: the same routes, fields, formats and error texts, plus scheduling (breaks, time
off, buffers, nearest free slots), Telegram sign-in and idempotent booking.

**Authentication**: `POST /api/token/` with `{username, password}` gives `{refresh, access}`;
send `Authorization: Bearer <access>`. Catalogue reads are public.
"""


# Collections start after 20,000 net allocations instead of 700: a request allocates a few
# thousand short-lived objects that reference counting frees, so at 700 the collector ran
# several times per request. Under load (bench/compare.py --metrics) GC pauses fell from
# 150-950 ms to 0-40 ms per worker per 6-second round. Older generations are still collected
# (every 10 younger passes), so cyclic garbage does not pile up.
GC_THRESHOLDS = (20_000, 10, 10)


def settle_heap() -> None:
    """Hide what start-up built (modules, mappers, routes, schemas: ~130k objects) from the
    garbage collector with ``gc.freeze()``. Full collections then walk only what requests
    allocate: measured under booking load, their event-loop pauses fell from ~100 ms to
    5-11 ms and the p99 latency of booking creation from 115-170 ms to ~60 ms. Then collect
    less often (:data:`GC_THRESHOLDS`)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


def create_app(settings: Settings | None = None, database: Database | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if database is None and settings.is_sqlite:
            from booking_api.migrate import upgrade

            await upgrade(settings.database_url)  # the embedded default migrates itself
        # Jobs: the in-process poller (no Redis) or arq wake-ups (REDIS_URL); see booking_api.jobs
        from booking_api.jobs.runtime import api_jobs_runtime

        if database is None:  # a server's own pool (tests hand in theirs): open it now
            await warm_pool(app.state.db.write_engine, settings.db_pool_size)
        async with api_jobs_runtime(app.state.db, settings):
            thresholds = gc.get_threshold()
            settle_heap()
            if app.state.metrics is not None:
                app.state.metrics.start()
            try:
                yield
            finally:
                if app.state.metrics is not None:
                    await app.state.metrics.stop()
                gc.unfreeze()  # an app made and dropped in one process (tests) is freed
                gc.set_threshold(*thresholds)
        await app.state.redis.close()  # the cache's and the throttles' Redis client, if opened
        await app.state.db.dispose()

    app = FastAPI(
        title="Booking Assistant API",
        version="1.0.0",
        description=DESCRIPTION,
        docs_url=None,  # install_docs: Swagger UI and ReDoc with their files served locally
        redoc_url=None,
        openapi_url="/api/schema/",
        redirect_slashes=False,
        lifespan=lifespan,
        # FastAPI's OpenTelemetry hooks (unused here: /metrics is ours) asked on every request
        # whether a provider is configured (a few µs); off, that question is one lookup.
        telemetry={"tracing": False, "metrics": False, "logs": False},
        # The order the docs show (routes themselves are registered busiest first).
        openapi_tags=[
            {"name": name}
            for name in (
                "Authentication",
                "Catalogue",
                "Schedules",
                "Availability",
                "Clients",
                "Appointments",
                "Holds",
                "Waitlist",
                "Policy",
                "Dialog contexts",
                "Calendar feeds",
                "Webhooks",
            )
        ],
    )
    app.state.settings = settings
    app.state.db = database or Database.from_settings(settings)
    # Personal data at rest: bind ENCRYPTION_KEY's keyring to these sessions (a no-op without).
    install_privacy(app.state.db, settings)
    webhook_hooks.install(app.state.db, settings)  # WEBHOOKS_ENABLED for this app's writes
    register_secret(
        settings.secret_key,
        settings.telegram_bot_token,
        settings.encryption_key,
        settings.encryption_old_keys,
    )

    # Routes are matched in order, one pattern at a time: the busiest (booking, free time)
    # go first. No two routers share a path, so the order changes nothing else.
    routers = (
        appointments,
        slots,
        holds,
        catalog,
        schedules,
        auth,
        clients,
        dialogs,
        waitlist,
        calendars,
        webhooks,
        policy,
        business,
    )
    for module in routers:
        app.include_router(module.router, prefix="/api")
    install_oauth(app)  # OAuth 2.1 for assistants (on when OAUTH_ISSUER is set)
    app.include_router(root.router)  # /api/ (DRF's API root), / → the docs, /health, /ready

    settings.media_root.mkdir(parents=True, exist_ok=True)
    app.mount(
        settings.media_url.rstrip("/"),
        StaticFiles(directory=settings.media_root, check_dir=False),
        name="media",
    )
    mount_miniapp(app)  # the Telegram Mini App at /app/ (booking_api/miniapp)

    webhooks_admin.add_views(mount_admin(app), settings)  # webhooks, calendar feed links
    app.state.metrics = install_metrics(app) if settings.metrics_enabled else None
    # The busiest lists answered below FastAPI on PostgreSQL (inside the cache and the rest).
    hot_catalogue.install(app, app.state.db, settings)
    hot_appointments.install(app, app.state.db, settings, appointments.appointments)
    hot_slots.install(app, app.state.db, settings)
    hot_days.install(app, app.state.db, settings)
    hot_nearest.install(app, app.state.db, settings)
    hot_booking.install(app, app.state.db, settings)  # booking, on both databases
    install_cache(app, settings)  # response cache + write detection (booking_api.caching)
    install_error_handlers(app)
    install_openapi(app)
    install_docs(app, use_cdn=settings.docs_use_cdn)
    # Each middleware added wraps the ones before it: the request id, added last, wraps
    # everything (error handlers' logs and the body limit's refusals included).
    app.add_middleware(
        RequestBodyLimitMiddleware,
        max_bytes=settings.max_request_body_bytes,
        upload_bytes=settings.max_photo_bytes,
        timeout=settings.request_body_timeout_seconds,
    )
    app.add_middleware(NullCharactersMiddleware)
    app.add_middleware(HeadAsGetMiddleware)
    app.add_middleware(HSTSMiddleware, max_age=settings.hsts_max_age)
    if settings.cors_origins:  # browsers on these origins may call the API (preflight included)
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"],
            allow_headers=["Authorization", "Content-Type", "Idempotency-Key", "X-Request-ID"],
            expose_headers=["X-Request-ID", "Retry-After", "Idempotent-Replayed"],
            max_age=3600,
        )
    if app.state.metrics is not None:
        app.add_middleware(MetricsMiddleware, metrics=app.state.metrics)
    app.add_middleware(
        RequestIdMiddleware,
        access_log=settings.access_log,
        sample=settings.access_log_sample,
        slow_ms=settings.access_log_slow_ms,
    )
    return app


def install_metrics(app: FastAPI) -> Metrics:
    """``GET /metrics``, Prometheus text (``METRICS_ENABLED``; see booking_api.core.metrics)."""
    metrics = Metrics(app.state.db)

    @app.get("/metrics", include_in_schema=False)
    async def prometheus() -> Any:
        body, content_type = metrics.render()
        return Response(body, media_type=content_type)

    return metrics


def _slash_route_exists(app: FastAPI, request: Request) -> bool:
    scope = dict(request.scope)
    scope["path"] = request.url.path + "/"
    return any(route.matches(scope)[0] != Match.NONE for route in app.router.routes)


_METHOD_ORDER = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")


def _allowed_methods(app: FastAPI, request: Request) -> list[str]:
    """Every method some route serves on this path, in DRF's order (its ``Allow`` header).

    Starlette answers 405 from the first route whose path matches, so its own ``Allow`` names
    only that route's methods; a DRF viewset's list route answers GET and POST together.
    """

    def served(method: str) -> bool:
        scope = {**request.scope, "method": method}
        return any(route.matches(scope)[0] == Match.FULL for route in app.router.routes)

    return [method for method in _METHOD_ORDER if served(method)]


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(APIError)
    async def api_error(request: Request, exc: APIError) -> Response:
        headers = dict(exc.headers)
        if exc.status_code == 401 and "WWW-Authenticate" not in headers:
            headers["WWW-Authenticate"] = 'Bearer realm="api"'
        return JSON(exc.body, status_code=exc.status_code, headers=headers)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code == 404:
            path = request.url.path
            if not path.endswith("/") and _slash_route_exists(app, request):
                if request.method in ("GET", "HEAD"):
                    # Django's APPEND_SLASH.
                    target = path + "/" + (f"?{request.url.query}" if request.url.query else "")
                    return RedirectResponse(target, status_code=301)
                return JSON(
                    {"detail": f"URL must end with a slash: use {path}/ for {request.method}."},
                    status_code=404,
                )
            return JSON(NotFound().body, status_code=404)
        if exc.status_code == 405:
            err = MethodNotAllowed(request.method, _allowed_methods(app, request))
            return JSON(err.body, status_code=405, headers=err.headers)
        return JSON({"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        errors: dict[str, list[str]] = {}
        for err in exc.errors():
            location = err.get("loc", ())
            if location and location[0] == "path":
                return JSON(NotFound().body, status_code=404)
            name = str(location[-1]) if location else "non_field_errors"
            errors.setdefault(name, []).append(err.get("msg", "Invalid value."))
        return JSON(errors, status_code=400)

    @app.exception_handler(ClientDisconnect)
    async def client_gone(request: Request, exc: ClientDisconnect) -> Response:
        """The client closed the connection while its body was being read (a load generator
        stopping, a phone losing its signal): nobody to answer, nothing went wrong here. The
        access line says 499 (nginx's "client closed request"), no traceback is written."""
        return Response(status_code=499)

    @app.exception_handler(Exception)
    async def server_error(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return JSON({"detail": "A server error occurred."}, status_code=500)

    async def database_error(request: Request, exc: Exception) -> Response:
        """A database out of reach is a 503 with Retry-After, logged once per outage. Handled
        here rather than as a 500 (which uvicorn follows by closing the connection), so the
        client's connection stays usable for its retry."""
        if not database_unavailable(exc):
            return await server_error(request, exc)
        request.app.state.db.availability.lost(exc)
        err = ServiceUnavailable(request.app.state.settings.database_retry_after_seconds)
        return JSON(err.body, status_code=err.status_code, headers=err.headers)

    # Every kind of error the database layers raise: SQLAlchemy's, the drivers' own (the
    # booking path talks to asyncpg directly), the DB-API's that SQLAlchemy's asyncio
    # adapters emulate, and OSError (a refused or reset connection).
    dbapi_error = app.state.db.write_engine.dialect.loaded_dbapi.Error
    for kind in (
        SQLAlchemyError,
        dbapi_error,
        asyncpg.PostgresError,
        asyncpg.InterfaceError,
        asyncpg.InternalClientError,
        sqlite3.Error,
        OSError,
    ):
        app.add_exception_handler(kind, database_error)
