"""One MCP session shared by all handlers: :class:`McpSession`.

* one long-lived MCP session (``mcp.Client`` over streamable HTTP), owned by a background
  task (anyio cancel scopes must be entered and left in the same task, and aiogram runs every
  update in a task of its own);
* ``Authorization: Bearer <MCP_AUTH_TOKEN>`` on every request;
* a timeout per tool call; on a transport failure or a lost session (server restarted) it
  reconnects once and repeats the call (safe: writes carry idempotency keys / confirm flags);
* errors split in two: :class:`AssistantUnavailable` (server down: apologise, try later) and
  :class:`ToolFailed` (the API said no, e.g. "slot taken": show its message to the user).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

import httpx2
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client

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


def _error_text(result: Any) -> str:
    parts = [getattr(block, "text", "") for block in result.content or []]
    text = " ".join(p for p in parts if p).strip()
    if not text and isinstance(result.structured_content, dict):
        text = str(result.structured_content.get("detail") or result.structured_content)
    return text or "error"


class McpSession:
    """The MCP session to ``url``; see the module docstring."""

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
