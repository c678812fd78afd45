"""The admin itself: sqladmin's ``Admin`` with the home dashboard as its index page, the
admin's own templates (``templates/``: the layout fixes, the board, the dashboard) and static
files (``statics/``: the built calendar, the layout's CSS)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqladmin import Admin
from sqladmin.authentication import login_required
from sqladmin.i18n import gettext as sqladmin_gettext
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

from booking_api.admin.display import (
    CHARS_COUNT_LABEL,
    STATUS_BADGES,
    STATUS_LABELS,
    admin_gettext,
    hm,
)
from booking_api.admin.views.board import actor_of
from booking_api.board import dashboard
from booking_api.core.config import Settings

HERE = Path(__file__).parent
TEMPLATES = HERE / "templates"
STATICS = HERE / "statics"
WEEKDAYS = ("пн", "вт", "ср", "чт", "пт", "сб", "вс")


class BookingAdmin(Admin):
    settings: Settings

    def __init__(self, *args: Any, settings: Settings, **kwargs: Any) -> None:
        super().__init__(*args, templates_dir=str(TEMPLATES), **kwargs)
        self.settings = settings
        env = self.templates.env
        env.globals["gettext"] = admin_gettext(sqladmin_gettext)
        env.globals["chars_count_label"] = CHARS_COUNT_LABEL
        env.globals.update(
            status_labels=STATUS_LABELS, status_badges=STATUS_BADGES, hm=hm, weekdays=WEEKDAYS
        )
        # The admin's own files beside sqladmin's (``admin:own_statics``).
        self.admin.router.routes.append(
            Mount("/own", app=StaticFiles(directory=STATICS), name="own_statics")
        )

    @login_required
    async def index(self, request: Request) -> Response:
        """The home dashboard (staff: every specialist; a specialist: their own)."""
        async with self.session_maker() as session:
            data = await dashboard.build(session, self.settings, actor_of(request))
        return await self.templates.TemplateResponse(
            request, "board/dashboard.html", {"dash": data, "title": "Сводка"}
        )
