"""The staff's appointments list answered below FastAPI on PostgreSQL: ``GET
/api/appointments/`` by a staff member, with no other parameter than ``page``/``page_size``
(what a front desk asks all day).

The same answer as the route (``tests/api/appointments/test_appointments_hot.py`` compares
both ways), for less CPU: the bearer token is checked by the routes' own ``authenticate``
(the user comes from its short cache), the list's SQL is the route's (``Resource.fixed_list``
with the SQL rendered once per page size and page), sent straight to asyncpg
(``api/hot.fetch``) instead of through a session. Anyone but staff, any other parameter,
``?page=last``, a refused token and any failure go to the route, which answers as before.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from booking_api.api import hot as hot_path
from booking_api.api import repository
from booking_api.api.deps import Ctx, authenticate
from booking_api.core.config import Settings
from booking_api.core.db import Database
from booking_api.core.http import positive_int

PATH = "/api/appointments/"
PAGE_PARAMS = frozenset({"page", "page_size"})


class HotAppointments:
    """Pure ASGI: answers the staff's list (see the module's docstring), else passes on."""

    def __init__(self, app: ASGIApp, *, db: Database, settings: Settings, resource: Any) -> None:
        self.app = app
        self.db = db
        self.settings = settings
        self.resource = resource
        self.route = hot_path.Matched(PATH)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] != "GET"
            or scope["path"] != PATH
            or not hot_path.has_header(scope, b"authorization")
        ):
            await self.app(scope, receive, send)
            return
        try:
            answer = await self.answer(Request(scope))
        except Exception as exc:  # noqa: BLE001 - the route answers (or refuses) it the usual way
            hot_path.passed_on(exc, PATH)
            answer = None
        if answer is None:
            await self.app(scope, receive, send)
            return
        await hot_path.send_json(scope, send, answer, self.route)

    async def answer(self, request: Request) -> Any:
        """The list's answer, None when the route should give it."""
        params = request.query_params
        if not params.keys() <= PAGE_PARAMS:
            return None
        user = await authenticate(request)
        if user is None or not user.is_staff:
            return None
        ctx = Ctx(request=request, settings=self.settings, user=user)
        shape = self.resource.list_shape(ctx)
        if shape is None:
            return None
        page_size = positive_int(params.get("page_size"), cutoff=self.settings.max_page_size)
        engine = self.db.read_engine
        dialect = engine.dialect

        async def fetch(key: Any, build: Any) -> list[Any]:
            sql = repository.fixed_sql(dialect, key, build)
            if sql is None:
                raise LookupError("no literal SQL for this list")  # the route's way
            return await hot_path.fetch(engine, sql)

        return await self.resource.fixed_list(request, None, ctx, shape, page_size, fetch)


def install(app: Any, db: Database, settings: Settings, resource: Any) -> None:
    """On PostgreSQL, answer the staff's list here (a no-op on SQLite)."""
    if db.dialect == "postgresql":
        app.add_middleware(HotAppointments, db=db, settings=settings, resource=resource)
