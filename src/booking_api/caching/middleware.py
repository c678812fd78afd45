"""The ASGI middleware: serves cacheable GETs from the cache, and bumps the scopes a request
wrote before its response starts."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from starlette.requests import Request

from booking_api.api.deps import authenticate
from booking_api.caching.invalidation import request_writes
from booking_api.caching.scopes import route_scopes
from booking_api.core.cache import ResponseCache


class CacheMiddleware:
    def __init__(self, app: Any, cache: ResponseCache):
        self.app = app
        self.cache = cache

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        cache = self.cache
        if scope["method"] == "GET":
            if cache.versions is not None:
                route = route_scopes(scope["path"])
                # ?appointment= depends on who asks (slots.py): never shared through the cache.
                if route is not None and b"appointment=" not in scope["query_string"]:
                    await self._cached(scope, receive, send, *route)
                    return
            await self.app(scope, receive, send)
            return
        with request_writes() as pending:

            async def send_after_bump(message: dict) -> None:
                if pending and message["type"] == "http.response.start":
                    scopes = set(pending)
                    pending.clear()
                    await cache.bump(scopes)
                await send(message)

            try:
                await self.app(scope, receive, send_after_bump)
            finally:
                if pending:
                    await cache.bump(pending)

    async def _cached(
        self, scope: dict, receive: Callable, send: Callable, scopes: list[str], per_minute: bool
    ) -> None:
        cache = self.cache
        state = scope.setdefault("state", {})
        host = b""
        has_auth = False
        for name, value in scope["headers"]:
            if name == b"host":
                host = value
            elif name == b"authorization":
                has_auth = True
        if has_auth:
            # Authentication before the cache: an invalid token gets the app's 401.
            try:
                await authenticate(Request(scope, receive))
            except Exception:  # noqa: BLE001 - the app answers (401) without the cache
                await self.app(scope, receive, send)
                return
        minute = None
        if per_minute:
            minute = int(time.time() // 60)
            state["slot_minute"] = minute
        versions = await cache.read_versions(scopes)
        if versions is None:
            await self.app(scope, receive, send)
            return
        key = (
            scope["scheme"],
            host,
            scope.get("root_path", ""),
            scope["path"],
            scope["query_string"],
            minute,
            versions,
        )
        entry = cache.get(key)
        if entry is not None:
            cache.hits += 1
            await send(
                {"type": "http.response.start", "status": entry.status, "headers": entry.headers}
            )
            await send({"type": "http.response.body", "body": entry.body})
            return
        cache.misses += 1
        start: dict | None = None
        chunks: list[bytes] = []
        complete = False

        async def capture(message: dict) -> None:
            nonlocal start, complete
            if message["type"] == "http.response.start":
                start = message
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
                if not message.get("more_body", False):
                    complete = True
            await send(message)

        await self.app(scope, receive, capture)
        if complete and start is not None and start["status"] == 200:
            cache.put(key, 200, list(start.get("headers", [])), b"".join(chunks))
