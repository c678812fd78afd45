"""The staff board at ``/admin/board``: a calendar page and the JSON it reads and writes.

The page loads the calendar (``statics/board/``, built from ``web/admin/``); the routes under
``/admin/board/`` are guarded by the admin's session (staff; a specialist's own user for
their own column) and call ``booking_api.board.service``, which calls the API's own booking
services. A refusal is answered ``{"error": "<the API's text>", "errors": <the API's body>}``
with the API's status code: never a 500, never another wording.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Awaitable, Callable
from typing import Any, ClassVar

from markupsafe import Markup
from sqladmin import BaseView, expose
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from booking_api.admin.auth import current_specialist, current_user
from booking_api.admin.display import STATUS_LABELS, refusal_text
from booking_api.board import service
from booking_api.board.service import StaffActor
from booking_api.core.config import Settings
from booking_api.core.db import Database
from booking_api.core.errors import APIError, NotFound
from booking_api.core.fields import parse_date
from booking_api.core.http import read_body


def actor_of(request: Request) -> StaffActor:
    return StaffActor(current_user(request), current_specialist(request))


def refused(exc: APIError) -> JSONResponse:
    return JSONResponse(
        {"error": refusal_text(exc.body), "errors": exc.body}, status_code=exc.status_code
    )


class BoardView(BaseView):
    name = "Календарь"
    identity = "board"
    icon = "fa-solid fa-calendar-days"

    settings: ClassVar[Settings]
    db: ClassVar[Database]
    sessions: ClassVar[async_sessionmaker[AsyncSession]]

    def is_accessible(self, request: Request) -> bool:
        user = current_user(request)
        return user is not None and (user.is_staff or current_specialist(request) is not None)

    async def _answer(
        self, call: Callable[[AsyncSession], Awaitable[Any]], status_code: int = 200
    ) -> Response:
        try:
            async with self.sessions() as session:
                return JSONResponse(await call(session), status_code=status_code)
        except APIError as exc:
            return refused(exc)

    # --- the page ----------------------------------------------------------------------

    @expose("/board", methods=["GET"], identity="board")
    async def page(self, request: Request) -> Response:
        actor = actor_of(request)
        async with self.sessions() as session:
            board = await service.columns(session, actor)
        base = str(request.url_for("admin:view-board")).rstrip("/")
        config = {
            "columns": board.columns,
            "slotMin": board.slot_min,
            "slotMax": board.slot_max,
            "slotMinutes": self.settings.slot_step_minutes,
            "today": dt.datetime.now(self.settings.tz).date().isoformat(),
            "utcOffset": _offset(dt.datetime.now(self.settings.tz)),
            "date": _day(request.query_params.get("date")),
            "view": "week" if request.query_params.get("view") == "week" else "day",
            "canBook": actor.is_staff,
            "statuses": STATUS_LABELS,
            "urls": {
                "events": f"{base}/events",
                "services": f"{base}/services",
                "clients": f"{base}/clients",
                "appointments": f"{base}/appointments",
                "edit": str(request.url_for("admin:edit", identity="appointment", pk="0")),
            },
        }
        return await self.templates.TemplateResponse(
            request,
            "board/board.html",
            {
                "title": "Календарь",
                "config": Markup(json.dumps(config, ensure_ascii=False).replace("</", "<\\/")),
            },
        )

    # --- reads -------------------------------------------------------------------------

    @expose("/board/events", methods=["GET"], identity="board_events")
    async def events(self, request: Request) -> Response:
        first = parse_date(request.query_params.get("start", "")[:10])
        end = parse_date(request.query_params.get("end", "")[:10])
        if first is None or end is None:
            return JSONResponse({"error": "Укажите период: start и end (ГГГГ-ММ-ДД)."}, 400)
        last = end - dt.timedelta(days=1) if end > first else first
        actor = actor_of(request)
        return await self._answer(lambda s: service.events(s, self.settings, actor, first, last))

    @expose("/board/services", methods=["GET"], identity="board_services")
    async def services(self, request: Request) -> Response:
        raw = request.query_params.get("specialist", "")
        if not raw.isdigit():
            return refused(NotFound.model("Specialist"))
        actor = actor_of(request)
        return await self._answer(lambda s: service.services(s, actor, int(raw)))

    @expose("/board/clients", methods=["GET", "POST"], identity="board_clients")
    async def clients(self, request: Request) -> Response:
        actor = actor_of(request)
        if request.method == "GET":
            text = request.query_params.get("q", "")
            return await self._answer(lambda s: service.find_clients(s, self.settings, actor, text))
        try:
            data = await read_body(request)
        except APIError as exc:
            return refused(exc)
        return await self._answer(
            lambda s: service.new_client(s, self.settings, actor, data), status_code=201
        )

    # --- changes -----------------------------------------------------------------------

    @expose("/board/appointments", methods=["POST"], identity="board_book")
    async def book(self, request: Request) -> Response:
        actor = actor_of(request)
        try:
            data = await read_body(request)
            body = await service.book(self.db, self.settings, actor, data)
        except APIError as exc:
            return refused(exc)
        return JSONResponse(body, status_code=201)

    @expose("/board/appointments/{pk:int}/{action}", methods=["POST"], identity="board_change")
    async def change(self, request: Request) -> Response:
        actor = actor_of(request)
        pk, action = request.path_params["pk"], request.path_params["action"]
        try:
            data = await read_body(request)
            async with self.sessions() as session:
                if action == "move":
                    done = await service.move(session, self.settings, actor, pk, data)
                else:
                    done = await service.act(session, self.settings, actor, pk, action)
                return JSONResponse({"id": done.id, "status": done.status, "no_show": done.no_show})
        except APIError as exc:
            return refused(exc)


def _offset(now: dt.datetime) -> str:
    """The salon's UTC offset now, as the calendar takes it ("+03:00"): its "today" and the
    now line are the salon's."""
    minutes = int((now.utcoffset() or dt.timedelta()).total_seconds() // 60)
    sign = "-" if minutes < 0 else "+"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def _day(raw: str | None) -> str | None:
    day = parse_date(raw or "")
    return day.isoformat() if day else None
