"""The service layer: everything the tools and the dialog do, in terms of the API.

Tools in :mod:`booking_mcp.server` stay thin and call :class:`BookingService`; so does the
dialog (:mod:`booking_mcp.dialog`). Nothing here knows about MCP.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import time
import uuid
from typing import Any

from .api_client import SERVICE, ApiClient, ApiError, ClientAuth
from .catalogue_reads import CatalogueReads
from .config import Settings
from .oauth.identity import signed_in
from .schemas import (
    Appointment,
    CancellationPolicy,
    Client,
    Hold,
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


class BookingService(CatalogueReads):
    """Everything the tools and the dialog do: the catalogue and free time
    (:class:`CatalogueReads`), and a client's bookings, holds and waitlist."""

    def __init__(self, settings: Settings, api: ApiClient | None = None) -> None:
        super().__init__(settings, api)
        self._repeat_keys = RepeatKeys(settings.booking_repeat_window_seconds)

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
