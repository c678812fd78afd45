"""Booking (``POST /api/appointments/``) answered below FastAPI, on both databases.

The route (``routes.create_appointment``) stays what the OpenAPI document describes and what
answers whenever this path steps aside; both call :func:`routes.create` with the same
arguments, so they answer the same bytes (``tests/api/appointments/test_booking_hot.py``
compares them). What this path saves is FastAPI's routing and dependency solving (the
``Ctx``, the ``Idempotency-Key`` header's validation): in-process, 1.06–1.38 → 0.91–1.09 ms
of CPU per booking, the test client's share included (``bench/README.md``, session 7).

It steps aside, before reading the body, when there is no ``Authorization`` header (the
route's 401) or the ``Idempotency-Key`` is longer than the route accepts (its 400). After
that it answers everything itself: an :class:`~booking_api.core.errors.APIError`, a database
out of reach or any other failure goes to the handler the app registered for it
(``app.install_error_handlers``), exactly as if the route had raised it.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from booking_api.api import hot as hot_path
from booking_api.api.deps import Ctx, authenticate
from booking_api.appointments import routes
from booking_api.core.config import Settings
from booking_api.core.db import Database

PATH = "/api/appointments/"


class HotBooking:
    """Pure ASGI: books (see the module's docstring), else passes on."""

    def __init__(self, app: ASGIApp, *, db: Database, settings: Settings) -> None:
        self.app = app
        self.db = db
        self.settings = settings
        self.route = hot_path.Matched(PATH)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] != "POST"
            or scope["path"] != PATH
            or not hot_path.has_header(scope, b"authorization")
        ):
            await self.app(scope, receive, send)
            return
        request = Request(scope, receive)
        key = request.headers.get("idempotency-key")
        if key is not None and len(key) > routes.MAX_KEY_LENGTH:
            await self.app(scope, receive, send)  # the route's own 400 for its header
            return
        scope["route"] = self.route
        try:
            response: Any = await self.book(request, key)
        except Exception as exc:  # noqa: BLE001 - answered by the app's own handler for it
            response = await hot_path.handled(request, exc)
        await response(scope, receive, send)

    async def book(self, request: Request, key: str | None) -> Any:
        ctx = Ctx(request=request, settings=self.settings, user=await authenticate(request))
        return await routes.create(request, self.db, ctx, key)


def install(app: Any, db: Database, settings: Settings) -> None:
    app.add_middleware(HotBooking, db=db, settings=settings)
