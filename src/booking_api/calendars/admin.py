"""The admin's calendar feed page: each specialist's (and client's) feed link, made and
rotated by staff (the specialist subscribes to it in their calendar app)."""

from __future__ import annotations

from typing import Any

from markupsafe import Markup
from sqladmin import action
from sqladmin.flash import Flash
from sqlalchemy import select
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from booking_api.admin.base import StaffView
from booking_api.calendars.models import CalendarFeed
from booking_api.calendars.repository import new_token
from booking_api.core.config import Settings
from booking_api.models import Specialist


def link_formatter(public_url: str | None) -> Any:
    """The feed's absolute URL (PUBLIC_URL when set, else the address the admin was reached
    at), as a link to copy."""

    def feed_link(model: CalendarFeed, name: str, request: Request) -> Markup:
        base = public_url or f"{request.url.scheme}://{request.url.netloc}"
        url = f"{base.rstrip('/')}/api/calendar/{model.token}.ics"
        return Markup('<a href="{}"><code>{}</code></a>').format(url, url)

    return feed_link


class CalendarFeedAdmin(StaffView, model=CalendarFeed):
    name = "Календарь"
    name_plural = "Календари (ссылки)"
    icon = "fa-solid fa-calendar-days"
    category = "Интеграции"

    can_edit = False
    column_list = ["id", "specialist", "client", "token", "created_at"]
    column_details_list = column_list
    column_export_list = ["id", "specialist", "client", "created_at"]  # never the token
    column_default_sort = [("id", False)]
    fk_select = {"specialist_id": Specialist}
    form_columns = ["specialist_id"]
    column_labels = {
        "id": "ID",
        "specialist": "Специалист",
        "specialist_id": "Специалист",
        "client": "Клиент",
        "token": "Ссылка на календарь",
        "created_at": "Создана",
    }

    @classmethod
    def configure(cls, settings: Settings) -> dict[str, Any]:
        attrs = super().configure(settings)
        link = link_formatter(settings.public_url)
        attrs["column_formatters"] = {"token": link}
        attrs["column_formatters_detail"] = {"token": link}
        return attrs

    async def on_model_change(
        self, data: dict, model: Any, is_created: bool, request: Request
    ) -> None:
        if not data.get("specialist_id"):
            raise ValueError("Выберите специалиста.")
        async with self.session_maker() as session:
            taken = await session.scalar(
                select(CalendarFeed.id).where(CalendarFeed.specialist_id == data["specialist_id"])
            )
        if taken is not None:
            raise ValueError("У этого специалиста уже есть ссылка: смените её действием.")
        data["token"] = new_token()

    @action(
        name="rotate",
        label="Сменить ссылку",
        confirmation_message="Старая ссылка перестанет работать. Сменить?",
    )
    async def rotate(self, request: Request) -> Response:
        pks = [int(pk) for pk in request.query_params.get("pks", "").split(",") if pk.isdigit()]
        if pks:
            async with self.session_maker() as session:
                feeds = await session.scalars(select(CalendarFeed).where(CalendarFeed.id.in_(pks)))
                for feed in feeds:
                    feed.token = new_token()
                await session.commit()
            Flash.success(request, f"Ссылок сменено: {len(pks)}.")
        else:
            Flash.warning(request, "Не выбрано ни одной ссылки.")
        referer = request.headers.get("referer", "")
        if referer.startswith(str(request.url_for("admin:index"))):
            return RedirectResponse(referer, status_code=302)
        return RedirectResponse(
            str(request.url_for("admin:list", identity=self.identity)), status_code=302
        )
