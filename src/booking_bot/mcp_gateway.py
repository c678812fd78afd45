"""The bot's only door to the outside world: a client of our MCP server (streamable HTTP).

:class:`McpGateway` wraps ``mcp.Client``:

* one long-lived MCP session, owned by a background task (anyio cancel scopes must be
  entered and left in the same task, and aiogram runs every update in a task of its own);
* ``Authorization: Bearer <MCP_AUTH_TOKEN>`` on every request;
* a timeout per tool call; on a transport failure or a lost session (server restarted) it
  reconnects once and repeats the call (safe: writes carry idempotency keys / confirm flags);
* typed results: tool outputs (structured content) are parsed into the small models below,
  tolerant of extra fields and of lists wrapped as ``{"result": [...]}``;
* errors split in two: :class:`AssistantUnavailable` (server down: apologise, try later) and
  :class:`ToolFailed` (the API said no, e.g. "slot taken": show its message to the user).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from decimal import Decimal, InvalidOperation
from typing import Any

import httpx2
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client
from pydantic import BaseModel, ConfigDict, Field, field_validator

from booking_common.logging import new_request_id, request_id_var
from mcp import Client, MCPError

log = logging.getLogger("booking_bot.mcp")


class AssistantUnavailable(Exception):
    """The MCP server (or the API behind it) cannot be reached right now."""


class ToolFailed(Exception):
    """A tool answered with an error (``is_error``); ``message`` is the API's explanation."""

    def __init__(self, tool: str, message: str) -> None:
        super().__init__(f"{tool}: {message}")
        self.tool = tool
        self.message = message


# --------------------------------------------------------------------------- typed results


class _Model(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True)


def _as_id(value: Any) -> Any:
    if isinstance(value, dict):
        return value.get("id")
    return value


class Category(_Model):
    id: int
    name: str
    description: str = ""


class Specialist(_Model):
    id: int
    name: str
    specialization: str = ""
    city: str = ""
    description: str = ""


class Service(_Model):
    id: int
    name: str
    price: Decimal | None = None
    duration: int = 0
    specialist_id: int | None = Field(None, alias="specialist")
    specialist_name: str | None = None
    category_id: int | None = Field(None, alias="category")
    category_name: str | None = None

    @field_validator("specialist_id", "category_id", mode="before")
    @classmethod
    def _flatten(cls, value: Any) -> Any:
        return _as_id(value)

    @field_validator("price", mode="before")
    @classmethod
    def _price(cls, value: Any) -> Any:
        try:
            return Decimal(str(value)) if value not in (None, "") else None
        except InvalidOperation:
            return None


class Slot(_Model):
    start_time: str
    end_time: str = ""
    date: dt.date | None = None
    specialist_id: int | None = None
    specialist_name: str | None = None
    service_id: int | None = None

    @field_validator("start_time", "end_time", mode="before")
    @classmethod
    def _hhmm(cls, value: Any) -> Any:
        return str(value)[:5] if value else ""


class Appointment(_Model):
    id: int
    date: dt.date
    start_time: str
    end_time: str = ""
    status: str = "pending"
    service_id: int | None = Field(None, alias="service")
    service_name: str = ""
    specialist_id: int | None = Field(None, alias="specialist")
    specialist_name: str = ""
    price: Decimal | None = None
    duration: int | None = None

    @field_validator("service_id", "specialist_id", mode="before")
    @classmethod
    def _flatten(cls, value: Any) -> Any:
        return _as_id(value)

    @field_validator("start_time", "end_time", mode="before")
    @classmethod
    def _hhmm(cls, value: Any) -> Any:
        return str(value)[:5] if value else ""

    @property
    def active(self) -> bool:
        return self.status not in ("cancelled", "canceled", "completed", "no_show")


class WaitlistEntry(_Model):
    """A wish to be told when a time frees up (``status``: active | offered | booked | expired)."""

    id: int
    date: dt.date
    status: str = "active"
    service_id: int | None = Field(None, alias="service")
    service_name: str = ""
    specialist_id: int | None = Field(None, alias="specialist")
    specialist_name: str | None = None
    time_from: str | None = None
    time_to: str | None = None
    offer: dict[str, Any] | None = None

    @field_validator("service_id", "specialist_id", mode="before")
    @classmethod
    def _flatten(cls, value: Any) -> Any:
        return _as_id(value)

    @property
    def waiting(self) -> bool:
        return self.status in ("active", "offered")


class Action(_Model):
    type: str
    payload: dict[str, Any] = Field(default_factory=dict)
    label: str | None = None


class AssistantReply(_Model):
    response: str = ""
    context: dict[str, Any] = Field(default_factory=dict)
    actions: list[Action] = Field(default_factory=list)


def unwrap(data: Any, *keys: str) -> Any:
    """Structured content → the payload, however deeply wrapped.

    ``{"result": x}`` → x (FastMCP wraps non-object outputs so), then ``{"<key>": [...]}`` /
    ``{"items": [...]}`` → the list; a tool returning ``{"categories": [...]}`` arrives as
    ``{"result": {"categories": [...]}}``, which used to come out as "nothing to show".
    """
    for _depth in range(3):
        if not isinstance(data, dict):
            return data
        if set(data) == {"result"}:
            data = data["result"]
            continue
        key = next((k for k in (*keys, "items", "results") if k in data), None)
        if key is not None:
            data = data[key]
            continue
        if len(data) == 1:
            (only,) = data.values()
            if isinstance(only, list):
                return only
        return data
    return data


def _list(data: Any, model: type[_Model], *keys: str) -> list[Any]:
    items = unwrap(data, *keys)
    if not isinstance(items, list):
        return []
    out = []
    for item in items:
        if isinstance(item, str) and model is Slot:
            item = {"start_time": item}
        try:
            out.append(model.model_validate(item))
        except Exception:  # noqa: BLE001 - skip what we cannot show rather than fail the flow
            log.warning("skipping unexpected %s item: %r", model.__name__, item)
    return out


def _dates(data: Any) -> list[dt.date]:
    items = unwrap(data, "days", "dates", "available_days")
    out: list[dt.date] = []
    for item in items if isinstance(items, list) else []:
        if isinstance(item, dict):
            item = item.get("date")
        with contextlib.suppress(TypeError, ValueError):
            out.append(dt.date.fromisoformat(str(item)[:10]))
    return sorted(set(out))


def _error_text(result: Any) -> str:
    parts = [getattr(block, "text", "") for block in result.content or []]
    text = " ".join(p for p in parts if p).strip()
    if not text and isinstance(result.structured_content, dict):
        text = str(result.structured_content.get("detail") or result.structured_content)
    return text or "error"


# --------------------------------------------------------------------------- request ids


def update_request_id() -> str:
    """The request id of the Telegram update being handled: made by its first MCP call and
    kept in a context variable, so every call of that update (aiogram handles each update in
    a task of its own) carries the same id; the MCP server forwards it to the API.

    It travels as the request's ``_meta.request_id``, not as an ``X-Request-ID`` header: the
    MCP client sends headers per session (one long-lived session serves every update), and
    its per-message headers are not part of its public API.
    """
    request_id = request_id_var.get()
    if request_id is None:
        request_id = new_request_id()
        request_id_var.set(request_id)
    return request_id


# --------------------------------------------------------------------------- the gateway


class McpGateway:
    """One MCP session shared by all handlers; see the module docstring."""

    def __init__(self, url: str, auth_token: str | None = None, *, timeout: float = 20.0) -> None:
        self.url = url
        self.auth_token = auth_token
        self.timeout = timeout
        self._client: Client | None = None
        self._owner: asyncio.Task[None] | None = None
        self._stop: asyncio.Event | None = None
        self._lock = asyncio.Lock()

    # ----------------------------------------------------------------- connection

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.auth_token}"} if self.auth_token else {}

    async def _own_session(self, ready: asyncio.Future[Client], stop: asyncio.Event) -> None:
        timeout = httpx2.Timeout(self.timeout, read=max(self.timeout, 60.0))
        try:
            http = create_mcp_http_client(headers=self._headers(), timeout=timeout)
            async with http:
                transport = streamable_http_client(self.url, http_client=http)
                async with Client(transport, read_timeout_seconds=self.timeout) as client:
                    ready.set_result(client)
                    await stop.wait()
        except BaseException as error:  # noqa: BLE001 - reported to whoever waits for `ready`
            if not ready.done():
                ready.set_exception(error if isinstance(error, Exception) else RuntimeError(error))
            elif not isinstance(error, asyncio.CancelledError):
                log.warning("MCP session ended: %r", error)

    async def _connect(self) -> Client:
        async with self._lock:
            if self._client is not None and self._owner is not None and not self._owner.done():
                return self._client
            await self._drop_locked()
            loop = asyncio.get_running_loop()
            ready: asyncio.Future[Client] = loop.create_future()
            self._stop = asyncio.Event()
            self._owner = asyncio.create_task(self._own_session(ready, self._stop))
            try:
                self._client = await asyncio.wait_for(asyncio.shield(ready), self.timeout)
            except BaseException:
                await self._drop_locked()
                raise
            return self._client

    async def _drop_locked(self) -> None:
        owner, self._owner, self._client = self._owner, None, None
        if owner is None:
            return
        if self._stop is not None:
            self._stop.set()
        try:
            await asyncio.wait_for(asyncio.shield(owner), 3)
        except BaseException:  # noqa: BLE001 - a broken session may not close cleanly
            owner.cancel()
            with contextlib.suppress(BaseException):
                await owner

    async def _reset(self, broken: Client | None) -> None:
        async with self._lock:
            if broken is None or self._client is broken:
                await self._drop_locked()

    async def close(self) -> None:
        async with self._lock:
            await self._drop_locked()

    async def __aenter__(self) -> McpGateway:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    # ----------------------------------------------------------------- calls

    async def call(self, tool: str, **arguments: Any) -> Any:
        """Call ``tool``; returns its structured content (or text content) or raises."""
        arguments = {k: v for k, v in arguments.items() if v is not None}
        meta = {"request_id": update_request_id()}
        last: BaseException | None = None
        for attempt in range(2):
            client: Client | None = None
            try:
                client = await self._connect()
                result = await asyncio.wait_for(
                    client.call_tool(tool, arguments, meta=meta), self.timeout
                )
            except (TimeoutError, OSError, httpx2.HTTPError, MCPError, ExceptionGroup) as error:
                last = error
                log.warning("MCP call %s failed (attempt %d): %r", tool, attempt + 1, error)
                await self._reset(client)
                continue
            except Exception as error:  # noqa: BLE001 - anything else also means "unreachable"
                last = error
                log.warning("MCP call %s failed unexpectedly: %r", tool, error)
                await self._reset(client)
                continue
            if result.is_error:
                raise ToolFailed(tool, _error_text(result))
            if result.structured_content is not None:
                return result.structured_content
            texts = [getattr(block, "text", None) for block in result.content or []]
            return next((t for t in texts if t), None)
        raise AssistantUnavailable(f"MCP server at {self.url} is unavailable: {last!r}") from last

    # ----------------------------------------------------------------- typed tools

    async def list_categories(self) -> list[Category]:
        return _list(await self.call("list_categories"), Category, "categories")

    async def get_specialists(
        self, *, category_id: int | None = None, city: str | None = None, search: str | None = None
    ) -> list[Specialist]:
        data = await self.call("get_specialists", category_id=category_id, city=city, search=search)
        return _list(data, Specialist, "specialists")

    async def get_specialist_services(
        self, specialist_id: int, category_id: int | None = None
    ) -> list[Service]:
        data = await self.call(
            "get_specialist_services", specialist_id=specialist_id, category_id=category_id
        )
        return _list(data, Service, "services")

    async def list_services(
        self, *, category_id: int | None = None, search: str | None = None, city: str | None = None
    ) -> list[Service]:
        data = await self.call("list_services", category_id=category_id, search=search, city=city)
        return _list(data, Service, "services")

    async def get_available_days(
        self, specialist_id: int, service_id: int, month: str
    ) -> list[dt.date]:
        data = await self.call(
            "get_available_days", specialist_id=specialist_id, service_id=service_id, month=month
        )
        return _dates(data)

    async def get_available_slots(
        self, specialist_id: int, date: dt.date, service_id: int | None = None
    ) -> list[Slot]:
        data = await self.call(
            "get_available_slots",
            specialist_id=specialist_id,
            date=date.isoformat(),
            service_id=service_id,
        )
        return _list(data, Slot, "slots")

    async def find_nearest_slots(
        self,
        *,
        service_id: int | None = None,
        category_id: int | None = None,
        service_name: str | None = None,
        city: str | None = None,
        limit: int | None = None,
    ) -> list[Slot]:
        data = await self.call(
            "find_nearest_slots",
            service_id=service_id,
            category_id=category_id,
            service_name=service_name,
            city=city,
            limit=limit,
        )
        return _list(data, Slot, "slots")

    async def register_client(
        self, user_id: str, name: str, phone: str | None = None, language: str | None = None
    ) -> Any:
        return await self.call(
            "register_client", user_id=user_id, name=name, phone=phone, language=language
        )

    async def create_appointment(
        self,
        user_id: str,
        specialist_id: int,
        service_id: int,
        date: dt.date,
        start_time: str,
        idempotency_key: str | None = None,
    ) -> Appointment:
        data = await self.call(
            "create_appointment",
            user_id=user_id,
            specialist_id=specialist_id,
            service_id=service_id,
            date=date.isoformat(),
            start_time=start_time,
            idempotency_key=idempotency_key,
        )
        return Appointment.model_validate(unwrap(data, "appointment"))

    async def get_my_appointments(self, user_id: str) -> list[Appointment]:
        return _list(
            await self.call("get_my_appointments", user_id=user_id), Appointment, "appointments"
        )

    async def cancel_appointment(self, user_id: str, appointment_id: int, confirm: bool) -> Any:
        return await self.call(
            "cancel_appointment", user_id=user_id, appointment_id=appointment_id, confirm=confirm
        )

    async def reschedule_appointment(
        self, user_id: str, appointment_id: int, date: dt.date, start_time: str, confirm: bool
    ) -> Any:
        return await self.call(
            "reschedule_appointment",
            user_id=user_id,
            appointment_id=appointment_id,
            date=date.isoformat(),
            start_time=start_time,
            confirm=confirm,
        )

    async def confirm_attendance(self, user_id: str, appointment_id: int) -> Appointment:
        data = await self.call("confirm_attendance", user_id=user_id, appointment_id=appointment_id)
        return Appointment.model_validate(unwrap(data, "appointment"))

    async def join_waitlist(
        self, user_id: str, service_id: int, date: dt.date, specialist_id: int | None = None
    ) -> WaitlistEntry:
        data = await self.call(
            "join_waitlist",
            user_id=user_id,
            service_id=service_id,
            date=date.isoformat(),
            specialist_id=specialist_id,
        )
        return WaitlistEntry.model_validate(unwrap(data, "entry"))

    async def get_my_waitlist(self, user_id: str) -> list[WaitlistEntry]:
        return _list(
            await self.call("get_my_waitlist", user_id=user_id),
            WaitlistEntry,
            "entries",
            "waitlist",
        )

    async def leave_waitlist(self, user_id: str, entry_id: int, confirm: bool) -> Any:
        return await self.call(
            "leave_waitlist", user_id=user_id, entry_id=entry_id, confirm=confirm
        )

    async def claim_waitlist_offer(self, user_id: str, token: str) -> Appointment:
        data = await self.call("claim_waitlist_offer", user_id=user_id, token=token)
        return Appointment.model_validate(unwrap(data, "appointment"))

    async def process_message(
        self, user_id: str, message: str, now: str | None = None
    ) -> AssistantReply:
        data = await self.call("process_message", user_id=user_id, message=message, now=now)
        if isinstance(data, str):
            return AssistantReply(response=data)
        return AssistantReply.model_validate(unwrap(data, "reply") or {})
