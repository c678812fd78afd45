"""The MCP server's reads of the public catalogue and of free time, over :class:`ApiClient`.

:class:`CatalogueReads` is the part of :class:`booking_mcp.service.BookingService` that needs
no client: categories, specialists, services, the business profile, the catalogue the
recogniser matches against (cached for ``CATALOGUE_TTL_SECONDS``), schedules, and free slots
and days. Nothing here knows about MCP.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from typing import Any
from zoneinfo import ZoneInfo

from .api_client import SERVICE, ApiClient, ApiError
from .config import Settings
from .nlu import CatalogItem, Catalogue
from .schemas import BusinessInfo, Category, NearestSlot, Service, Slot, Specialist


def _words(*texts: str | None) -> tuple[str, ...]:
    """The non-empty texts, each once (a catalogue item's synonyms)."""
    return tuple(dict.fromkeys(t for t in texts if t))


class CatalogueReads:
    """Catalogue reads and free time, over :class:`ApiClient` (no client needed)."""

    def __init__(self, settings: Settings, api: ApiClient | None = None) -> None:
        self.settings = settings
        self.api = api or ApiClient(settings)
        self.tz = ZoneInfo(settings.time_zone)
        self._catalogue: tuple[float, Catalogue, dict[str, Any]] | None = None
        self._catalogue_lock = asyncio.Lock()
        self._business: tuple[float, BusinessInfo] | None = None

    async def aclose(self) -> None:
        await self.api.aclose()

    def now(self, now: str | dt.datetime | None = None) -> dt.datetime:
        """``now`` as an aware datetime in the service's zone (ISO strings accepted)."""
        if isinstance(now, str) and now.strip():
            try:
                value = dt.datetime.fromisoformat(now.strip().replace("Z", "+00:00"))
            except ValueError as exc:
                raise ApiError(400, f"now: not an ISO datetime: {now!r}") from exc
        elif isinstance(now, dt.datetime):
            value = now
        else:
            return dt.datetime.now(self.tz)
        return value.replace(tzinfo=self.tz) if value.tzinfo is None else value.astimezone(self.tz)

    # ------------------------------------------------------------------ catalogue

    async def categories(self) -> list[Category]:
        return [Category.model_validate(c) for c in await self.api.request("GET", "categories/")]

    async def specialists(
        self, city: str | None = None, category_id: int | None = None, search: str | None = None
    ) -> list[Specialist]:
        data = await self.api.request(
            "GET",
            "specialists/",
            params={"city": city, "category_id": category_id, "search": search},
        )
        return [Specialist.model_validate(s) for s in data]

    async def specialist(self, specialist_id: int) -> Specialist:
        return Specialist.model_validate(
            await self.api.request("GET", f"specialists/{specialist_id}/")
        )

    async def specialist_services(
        self, specialist_id: int, category_id: int | None = None
    ) -> list[Service]:
        data = await self.api.request(
            "GET", f"specialists/{specialist_id}/services/", params={"category_id": category_id}
        )
        return [Service.model_validate(s) for s in data]

    async def services(
        self, search: str | None = None, category_id: int | None = None, city: str | None = None
    ) -> list[Service]:
        data = await self.api.request(
            "GET", "services/", params={"search": search, "category_id": category_id, "city": city}
        )
        return [Service.model_validate(s) for s in data]

    async def service(self, service_id: int) -> Service:
        return Service.model_validate(await self.api.request("GET", f"services/{service_id}/"))

    async def business(self) -> BusinessInfo:
        """The business profile (``GET /api/business/``, cached like the catalogue); an empty
        name is the ``BUSINESS_NAME`` setting's."""
        cached = self._business
        if (
            cached is not None
            and time.monotonic() - cached[0] < self.settings.catalogue_ttl_seconds
        ):
            return cached[1]
        info = BusinessInfo.model_validate(await self.api.request("GET", "business/"))
        if not info.name:
            info.name = self.settings.business_name
        self._business = (time.monotonic(), info)
        return info

    async def catalogue(self) -> tuple[Catalogue, dict[str, Any]]:
        """The live catalogue for understanding messages, cached ``catalogue_ttl_seconds``.

        Returns the NLU :class:`Catalogue` and an index ``{"specialists": {id: Specialist},
        "services": {id: Service}, "categories": {id: Category}}``.
        """
        async with self._catalogue_lock:
            cached = self._catalogue
            if (
                cached is not None
                and time.monotonic() - cached[0] < self.settings.catalogue_ttl_seconds
            ):
                return cached[1], cached[2]
            specialists, services, categories = await asyncio.gather(
                self.specialists(), self.services(), self.categories()
            )
            catalogue = Catalogue(
                # English names are synonyms (``extra``), so English messages are understood.
                specialists=tuple(
                    CatalogItem(s.id, s.name, _words(s.specialization, s.specialization_en))
                    for s in specialists
                ),
                services=tuple(
                    CatalogItem(
                        s.id,
                        s.name,
                        _words(s.category_name, s.name_en, s.category_name_en),
                        owner=s.specialist,
                    )
                    for s in services
                ),
                categories=tuple(CatalogItem(c.id, c.name, _words(c.name_en)) for c in categories),
                cities=tuple(sorted({c for s in specialists for c in (s.city, s.city_en) if c})),
            )
            index = {
                "specialists": {s.id: s for s in specialists},
                "services": {s.id: s for s in services},
                "categories": {c.id: c for c in categories},
            }
            self._catalogue = (time.monotonic(), catalogue, index)
            return catalogue, index

    async def schedule(self, specialist_id: int) -> list[dict[str, Any]]:
        """The specialist's weekly working hours (``day_of_week`` 0 = Monday, start, end)."""
        data = await self.api.request("GET", "schedules/", params={"specialist_id": specialist_id})
        rows = data.get("results", data) if isinstance(data, dict) else data
        return [r for r in rows if r.get("specialist") == specialist_id]

    # ------------------------------------------------------------------ slots

    async def slots(
        self,
        specialist_id: int,
        date: str,
        service_id: int | None = None,
        moving: int | None = None,
    ) -> list[Slot]:
        """Free slots; ``moving`` is an appointment being rescheduled (its own time is free).

        The caller must have checked that ``moving`` belongs to the user: the lookup runs as
        the service account.
        """
        params: dict[str, Any] = {"date": date, "service": service_id}
        if moving is not None:
            params["appointment"] = moving
        data = await self.api.request(
            "GET",
            f"specialists/{specialist_id}/available_slots/",
            params=params,
            auth=SERVICE if moving is not None else None,
        )
        return [Slot.model_validate(s) for s in data]

    async def available_days(
        self, specialist_id: int, service_id: int | None, month: str
    ) -> list[str]:
        """Days of ``month`` (YYYY-MM) with a free slot for the service."""
        try:
            data = await self.api.request(
                "GET",
                f"specialists/{specialist_id}/available_days/",
                params={"service": service_id, "month": month},
            )
            return [str(d) for d in data]
        except ApiError as exc:
            if exc.status != 404 or "Specialist" in exc.message:
                raise
        # Fallback for an API without the route: probe each day of the month.
        first = dt.date.fromisoformat(f"{month}-01")
        today = self.now().date()
        days = []
        day = max(first, today)
        while day.month == first.month:
            try:
                if await self.slots(specialist_id, day.isoformat(), service_id):
                    days.append(day.isoformat())
            except ApiError:
                pass
            day += dt.timedelta(days=1)
        return days

    async def upcoming_days(
        self, specialist_id: int, service_id: int | None, today: dt.date, limit: int = 10
    ) -> list[str]:
        """The next ``limit`` days with room, looking at this month and the next two."""
        days: list[str] = []
        month = today.replace(day=1)
        for _ in range(3):
            for day in await self.available_days(
                specialist_id, service_id, month.strftime("%Y-%m")
            ):
                if day >= today.isoformat():
                    days.append(day)
            if len(days) >= limit:
                break
            month = (month + dt.timedelta(days=32)).replace(day=1)
        return days[:limit]

    async def nearest_slots(
        self,
        service_id: int | None = None,
        category_id: int | None = None,
        service_name: str | None = None,
        city: str | None = None,
        specialist_id: int | None = None,
        date_from: str | None = None,
        date_to: str | None = None,
        limit: int = 5,
    ) -> list[NearestSlot]:
        data = await self.api.request(
            "GET",
            "slots/nearest/",
            params={
                "service": service_id,
                "category_id": category_id,
                "service_name": service_name,
                "city": city,
                "specialist": specialist_id,
                "date_from": date_from,
                "date_to": date_to,
                "limit": limit,
            },
        )
        return [
            NearestSlot(
                specialist_id=s["specialist"],
                specialist_name=s["specialist_name"],
                service_id=s["service"],
                service_name=s["service_name"],
                price=str(s["price"]),
                duration=s["duration"],
                date=s["date"],
                start_time=s["start_time"][:5],
                end_time=s["end_time"][:5],
                service_name_en=s.get("service_name_en", ""),
            )
            for s in data
        ]
