"""The service layer: everything the tools and the dialog do, in terms of the API.

Tools in :mod:`booking_mcp.server` stay thin and call :class:`BookingService`; so does the
dialog (:mod:`booking_mcp.dialog`). Nothing here knows about MCP.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import json
import time
import uuid
from typing import Any
from zoneinfo import ZoneInfo

from .api_client import SERVICE, ApiClient, ApiError, ClientAuth
from .config import Settings
from .nlu import CatalogItem, Catalogue
from .oauth.identity import signed_in
from .schemas import (
    Appointment,
    BusinessInfo,
    CancellationPolicy,
    Category,
    Client,
    Hold,
    NearestSlot,
    Service,
    Slot,
    Specialist,
    WaitlistEntry,
)

ACTIVE_STATUSES = ("pending", "confirmed")
REPLAYED_HEADER = "Idempotent-Replayed"


class RepeatKeys:
    """Idempotency keys for bookings whose caller gave none.

    The same request (client, specialist, service, date, time) within ``window`` seconds of
    the first gets the same key, so an assistant that repeats a call whose answer it lost books
    once. The key is derived from the request and the window it fell in, so it also survives a
    restart of this server unless the window's boundary passed in between.
    """

    def __init__(self, window: float) -> None:
        self.window = max(window, 1.0)
        self._keys: dict[str, tuple[float, str]] = {}  # request -> (first seen, key)

    @staticmethod
    def _name(request: tuple[object, ...]) -> str:
        return json.dumps([str(part) for part in request], ensure_ascii=False)

    def key(self, *request: object) -> str:
        what = self._name(request)
        now = time.time()
        self._keys = {w: v for w, v in self._keys.items() if now - v[0] < self.window}
        if what not in self._keys:
            window = int(now // self.window)
            digest = hashlib.sha256(f"{what}|{window}".encode()).hexdigest()[:40]
            self._keys[what] = (now, f"mcp-{digest}")
        return self._keys[what][1]

    def renew(self, *request: object) -> str:
        """A fresh key for the request (its earlier booking is gone), kept for its repeats."""
        key = f"mcp-{uuid.uuid4().hex}"
        self._keys[self._name(request)] = (time.time(), key)
        return key


def _words(*texts: str | None) -> tuple[str, ...]:
    """The non-empty texts, each once (a catalogue item's synonyms)."""
    return tuple(dict.fromkeys(t for t in texts if t))


class BookingService:
    """Catalogue reads, slots, and a client's bookings, over :class:`ApiClient`."""

    def __init__(self, settings: Settings, api: ApiClient | None = None) -> None:
        self.settings = settings
        self.api = api or ApiClient(settings)
        self.tz = ZoneInfo(settings.time_zone)
        self._catalogue: tuple[float, Catalogue, dict[str, Any]] | None = None
        self._catalogue_lock = asyncio.Lock()
        self._business: tuple[float, BusinessInfo] | None = None
        self._repeat_keys = RepeatKeys(settings.booking_repeat_window_seconds)

    async def aclose(self) -> None:
        await self.api.aclose()

    # ------------------------------------------------------------------ identity

    def who(self, user_id: str | int | None = None, **profile: str | None) -> ClientAuth:
        """Whose bookings a call acts on.

        A person signed in with OAuth (:mod:`booking_mcp.oauth.identity`) comes first; then a
        personal assistant's identity (``BOOKING_CLIENT_TOKEN`` or ``BOOKING_TELEGRAM_ID``)
        always wins; otherwise ``user_id`` (a Telegram id) is required.
        """
        acting = signed_in.get()
        if acting is not None:  # signed in with OAuth (HTTP transport): always that person
            return acting
        s = self.settings
        if s.booking_client_token:
            return ClientAuth(token=s.booking_client_token)
        if s.booking_telegram_id:
            return ClientAuth(telegram_id=str(s.booking_telegram_id), **profile)
        if user_id is None or str(user_id).strip() == "":
            raise ApiError(400, "user_id (the client's Telegram id) is required.")
        return ClientAuth(telegram_id=str(user_id).strip(), **profile)

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

    # ------------------------------------------------------------------ a client's bookings

    async def register(
        self,
        who: ClientAuth,
        name: str | None = None,
        phone: str | None = None,
        email: str | None = None,
        city: str | None = None,
    ) -> Client:
        """Find or register the client, then update the given profile fields."""
        profile = await self.api.exchange(who)
        changes = {
            k: v
            for k, v in {"name": name, "phone": phone, "email": email, "city": city}.items()
            if v
        }
        if changes:
            profile = await self.api.request("PATCH", "clients/me/", auth=who, json_body=changes)
        return Client.model_validate(profile)

    async def profile(self, who: ClientAuth) -> Client:
        return Client.model_validate(await self.api.request("GET", "clients/me/", auth=who))

    async def book(
        self,
        who: ClientAuth,
        specialist_id: int,
        service_id: int,
        date: str,
        start_time: str,
        idempotency_key: str | None = None,
    ) -> Appointment:
        """Create an appointment; the end time follows from the service's duration.

        Without an ``idempotency_key`` an identical request made moments ago is taken as its
        repeat (see :class:`RepeatKeys`) and answers the same booking, unless that booking has
        been cancelled since: then this is a new booking.
        """
        body = await self._time_wanted(specialist_id, service_id, date, start_time)
        if idempotency_key:
            data = await self.api.request(
                "POST", "appointments/", auth=who, json_body=body, idempotency_key=idempotency_key
            )
            return Appointment.model_validate(data)
        request = (who.key, specialist_id, service_id, date, body["start_time"])
        data, headers = await self.api.request_with_headers(
            "POST",
            "appointments/",
            auth=who,
            json_body=body,
            idempotency_key=self._repeat_keys.key(*request),
        )
        booked = Appointment.model_validate(data)
        if headers.get(REPLAYED_HEADER) != "true":
            return booked
        current = await self.appointment(who, booked.id)  # the answer was the first call's
        if current.status in ACTIVE_STATUSES:
            return current
        data = await self.api.request(
            "POST",
            "appointments/",
            auth=who,
            json_body=body,
            idempotency_key=self._repeat_keys.renew(*request),
        )
        return Appointment.model_validate(data)

    async def _time_wanted(
        self, specialist_id: int, service_id: int, date: str, start_time: str
    ) -> dict[str, Any]:
        """A booking's (or hold's) body: the end time follows from the service's duration."""
        service = await self.service(service_id)
        start = dt.datetime.combine(dt.date.fromisoformat(date), dt.time.fromisoformat(start_time))
        end = (start + dt.timedelta(minutes=service.duration)).time()
        return {
            "service": service_id,
            "specialist": specialist_id,
            "date": date,
            "start_time": start.strftime("%H:%M"),
            "end_time": end.strftime("%H:%M"),
        }

    async def appointment_ics(self, who: ClientAuth, appointment_id: int) -> str:
        """The booking as an iCalendar (RFC 5545) text, times in the business time zone."""
        content = await self.api.request("GET", f"appointments/{appointment_id}/ics/", auth=who)
        return str(content)

    async def appointments(
        self,
        who: ClientAuth,
        date_from: str | None = None,
        status: str | None = None,
        active_only: bool = False,
    ) -> list[Appointment]:
        data = await self.api.request(
            "GET", "appointments/", auth=who, params={"date_from": date_from, "status": status}
        )
        items = [Appointment.model_validate(a) for a in data]
        if active_only:
            items = [a for a in items if a.status in ACTIVE_STATUSES]
        return sorted(items, key=lambda a: (a.date, a.start_time))

    async def appointment(self, who: ClientAuth, appointment_id: int) -> Appointment:
        return Appointment.model_validate(
            await self.api.request("GET", f"appointments/{appointment_id}/", auth=who)
        )

    async def cancel(self, who: ClientAuth, appointment_id: int) -> Appointment:
        return Appointment.model_validate(
            await self.api.request("POST", f"appointments/{appointment_id}/cancel/", auth=who)
        )

    async def confirm_attendance(self, who: ClientAuth, appointment_id: int) -> Appointment:
        """The client says they will come (the reminder's "confirm" button)."""
        return Appointment.model_validate(
            await self.api.request("POST", f"appointments/{appointment_id}/attend/", auth=who)
        )

    async def reschedule(
        self, who: ClientAuth, appointment_id: int, date: str, start_time: str
    ) -> Appointment:
        return Appointment.model_validate(
            await self.api.request(
                "POST",
                f"appointments/{appointment_id}/reschedule/",
                auth=who,
                json_body={"date": date, "start_time": start_time},
            )
        )

    # ------------------------------------------------------------------ holds

    async def hold(
        self,
        who: ClientAuth,
        specialist_id: int,
        service_id: int,
        date: str,
        start_time: str,
        idempotency_key: str | None = None,
    ) -> Hold:
        """Keep a time for the client for the API's ``HOLD_MINUTES``.

        Without an ``idempotency_key`` an identical request made moments ago is taken as its
        repeat (as for :meth:`book`) and answers the same hold while it keeps its time.
        """
        body = await self._time_wanted(specialist_id, service_id, date, start_time)
        if idempotency_key:
            data = await self.api.request(
                "POST", "holds/", auth=who, json_body=body, idempotency_key=idempotency_key
            )
            return Hold.model_validate(data)
        request = ("hold", who.key, specialist_id, service_id, date, body["start_time"])
        data, headers = await self.api.request_with_headers(
            "POST",
            "holds/",
            auth=who,
            json_body=body,
            idempotency_key=self._repeat_keys.key(*request),
        )
        held = Hold.model_validate(data)
        if headers.get(REPLAYED_HEADER) != "true":
            return held
        try:  # the answer was the first call's: is that hold still keeping the time?
            current = Hold.model_validate(
                await self.api.request("GET", f"holds/{held.id}/", auth=who)
            )
            if current.status == "held":
                return current
        except ApiError as exc:
            if exc.status != 404:  # 404: replaced by a later hold of the client
                raise
        data = await self.api.request(
            "POST",
            "holds/",
            auth=who,
            json_body=body,
            idempotency_key=self._repeat_keys.renew(*request),
        )
        return Hold.model_validate(data)

    async def confirm_hold(
        self, who: ClientAuth, hold_id: int, idempotency_key: str | None = None
    ) -> Appointment:
        data = await self.api.request(
            "POST", f"holds/{hold_id}/confirm/", auth=who, idempotency_key=idempotency_key
        )
        return Appointment.model_validate(data)

    async def release_hold(self, who: ClientAuth, hold_id: int) -> Hold:
        await self.api.request("DELETE", f"holds/{hold_id}/", auth=who)
        return Hold.model_validate(await self.api.request("GET", f"holds/{hold_id}/", auth=who))

    async def policy(self) -> CancellationPolicy:
        """The booking policy (``GET /api/policy/``), with its rules in words."""
        data = await self.api.request("GET", "policy/")
        cutoff, hold = data["cancel_cutoff_minutes"], data["hold_minutes"]
        rules = [
            f"A time can be held for {hold} min (hold_slot) while the user decides; "
            "unconfirmed, it is given back by itself.",
            (
                f"Clients may cancel or move a booking up to {cutoff} min before it starts."
                if cutoff
                else "Clients may cancel or move a booking any time before it starts."
            ),
            f"Bookings are made at most {data['booking_horizon_days']} days ahead"
            + (
                f" and at least {data['min_notice_minutes']} min ahead."
                if data["min_notice_minutes"]
                else "."
            ),
            f"Times are in {data['time_zone']}.",
        ]
        return CancellationPolicy.model_validate({**data, "rules": rules})

    # ------------------------------------------------------------------ the waitlist

    async def join_waitlist(
        self,
        who: ClientAuth,
        service_id: int,
        date: str,
        specialist_id: int | None = None,
        time_from: str | None = None,
        time_to: str | None = None,
    ) -> WaitlistEntry:
        body = {
            "service": service_id,
            "date": date,
            "specialist": specialist_id,
            "time_from": time_from,
            "time_to": time_to,
        }
        data = await self.api.request(
            "POST",
            "waitlist/",
            auth=who,
            json_body={k: v for k, v in body.items() if v is not None},
        )
        return WaitlistEntry.model_validate(data)

    async def waitlist(self, who: ClientAuth) -> list[WaitlistEntry]:
        data = await self.api.request("GET", "waitlist/", auth=who)
        return [WaitlistEntry.model_validate(e) for e in data]

    async def waitlist_entry(self, who: ClientAuth, entry_id: int) -> WaitlistEntry:
        return WaitlistEntry.model_validate(
            await self.api.request("GET", f"waitlist/{entry_id}/", auth=who)
        )

    async def leave_waitlist(self, who: ClientAuth, entry_id: int) -> None:
        await self.api.request("DELETE", f"waitlist/{entry_id}/", auth=who)

    async def claim_waitlist_offer(self, who: ClientAuth, token: str) -> Appointment:
        return Appointment.model_validate(
            await self.api.request("POST", "waitlist/claim/", auth=who, json_body={"token": token})
        )

    # ------------------------------------------------------------------ dialog contexts

    async def load_context(self, user_key: str) -> dict[str, Any] | None:
        try:
            data = await self.api.request("GET", f"dialog-contexts/{user_key}/", auth=SERVICE)
        except ApiError as exc:
            if exc.status == 404:
                return None
            raise
        return data.get("data") or {}

    async def save_context(self, user_key: str, data: dict[str, Any]) -> None:
        await self.api.request(
            "PUT",
            f"dialog-contexts/{user_key}/",
            auth=SERVICE,
            json_body={"data": data, "ttl_seconds": self.settings.dialog_ttl_seconds},
        )

    async def forget_context(self, user_key: str) -> None:
        await self.api.request("DELETE", f"dialog-contexts/{user_key}/", auth=SERVICE)
