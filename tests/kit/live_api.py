"""The real booking API over HTTP, for the tests of its clients (the MCP server, the bot).

:func:`serve_api` builds a fresh SQLite database (the real migrations, the demo catalogue, a
staff account for the MCP server) and serves the API with uvicorn in a thread, so that the
MCP server under test reaches it only over HTTP, as in production. :class:`LiveApi` is that
API from the test's side: staff requests to read what ended up in the database, the settings
an MCP server needs to talk to it, and its job runner with a controllable clock.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from booking_api.app import create_app
from booking_api.core.config import Settings as ApiSettings
from booking_api.core.db import Database
from booking_api.core.security import make_password
from booking_api.demo import seed_demo
from booking_api.jobs.runner import RunReport, run_due
from booking_api.jobs.telegram import TelegramSender
from booking_api.migrate import upgrade
from booking_api.models import User as ApiUser
from booking_bot.formatting import today
from booking_mcp.config import Settings as McpSettings
from kit.servers import ServerThread
from kit.telegram import User

STAFF_USER, STAFF_PASSWORD = "e2e-service", "service-pass-123"


async def prepare_api(tmp: Path, **overrides: Any) -> ApiSettings:
    """A fresh SQLite database (migrated, demo catalogue, a staff account) and its settings."""
    url = f"sqlite+aiosqlite:///{tmp / 'api.sqlite3'}"
    values: dict[str, Any] = dict(
        database_url=url,
        secret_key="e2e-secret-0123456789abcdef0123456789ab",
        environment="test",
        password_hash_iterations=1000,
        media_root=tmp / "media",
        telegram_bot_token="123456:TEST-TOKEN",
    )
    values.update(overrides)
    settings = ApiSettings(_env_file=None, **values)  # type: ignore[call-arg]
    await upgrade(url)
    db = Database.from_settings(settings)
    async with db.write_sessions() as session:
        await seed_demo(session, settings)
        session.add(
            ApiUser(
                username=STAFF_USER,
                is_staff=True,
                password=make_password(STAFF_PASSWORD, iterations=1000),
            )
        )
        await session.commit()
    await db.dispose()
    return settings


@contextmanager
def serve_api(tmp: Path, **overrides: Any) -> Iterator[LiveApi]:
    """The API on a fresh database in ``tmp`` (settings ``overrides``), served until exit."""
    settings = asyncio.run(prepare_api(tmp, **overrides))
    server = ServerThread(lambda: create_app(settings))
    server.start()
    try:
        yield LiveApi(f"http://127.0.0.1:{server.port}/api", settings)
    finally:
        server.stop()


class LiveApi:
    """A served API (``url`` ends in ``/api``) from the test's side."""

    def __init__(self, url: str, settings: ApiSettings) -> None:
        self.url = url
        self.settings = settings
        self._token: str | None = None

    def mcp_settings(self, **overrides: Any) -> McpSettings:
        """Settings of an MCP server that talks to this API with the staff account."""
        values: dict[str, Any] = dict(
            api_url=self.url,
            api_username=STAFF_USER,
            api_password=STAFF_PASSWORD,
            request_timeout=20.0,
        )
        values.update(overrides)
        return McpSettings(_env_file=None, **values)  # type: ignore[arg-type]

    # ----------------------------------------------------------------- staff requests

    async def get(self, path: str, **params: object) -> Any:
        """A staff GET; raises on an error status."""
        async with httpx.AsyncClient(base_url=self.url + "/", timeout=20) as http:
            if self._token is None:
                response = await http.post(
                    "token/", json={"username": STAFF_USER, "password": STAFF_PASSWORD}
                )
                self._token = response.json()["access"]
            response = await http.get(
                path, params=params, headers={"Authorization": f"Bearer {self._token}"}
            )
            response.raise_for_status()
            return response.json()

    async def post(self, path: str, body: dict[str, Any] | None = None) -> Any:
        """A staff POST (e.g. booking for a client); raises on an error status."""
        await self.get("categories/")  # makes sure there is a token
        async with httpx.AsyncClient(base_url=self.url + "/", timeout=20) as http:
            response = await http.post(
                path, json=body or {}, headers={"Authorization": f"Bearer {self._token}"}
            )
            response.raise_for_status()
            return response.json()

    async def items(self, path: str, **params: object) -> list[dict[str, Any]]:
        data = await self.get(path, page_size=500, **params)
        return data["results"] if isinstance(data, dict) else data

    async def client_of(self, user: User) -> dict[str, Any]:
        """The client row registered with ``user``'s Telegram id."""
        return next(
            c for c in await self.items("clients/") if str(c.get("telegram_id")) == str(user.id)
        )

    async def appointments_of(self, user: User) -> list[dict[str, Any]]:
        """The appointment rows of the client registered with ``user``'s Telegram id."""
        clients = [
            c for c in await self.items("clients/") if str(c.get("telegram_id")) == str(user.id)
        ]
        if not clients:
            return []
        rows = await self.items("appointments/", client_id=clients[0]["id"])
        return sorted(rows, key=lambda r: r["id"])

    async def service(self, name: str) -> dict[str, Any]:
        return next(s for s in await self.items("services/") if s["name"] == name)

    async def free_slot(
        self, service_name: str, wanted: str | None = None, after: dt.date | None = None
    ) -> tuple[dt.date, str]:
        """The first day after ``after`` (default today) with a free start time (``wanted``
        when given) for the service, computed from the API."""
        service = await self.service(service_name)
        day = after or today()
        for _ in range(60):
            day += dt.timedelta(days=1)
            try:
                slots = await self.get(
                    f"specialists/{service['specialist']}/available_slots/",
                    date=day.isoformat(),
                    service=service["id"],
                )
            except httpx.HTTPStatusError as error:
                if error.response.status_code == 400:  # a day off
                    continue
                raise
            times = [str(s["start_time"])[:5] for s in slots]
            if wanted is None and times:
                return day, times[0]
            if wanted in times:
                return day, wanted
        raise AssertionError(f"no free time for {service_name}")

    # ----------------------------------------------------------------- jobs

    async def run_jobs(
        self, now: dt.datetime | None = None, dedupe_key: str | None = None
    ) -> RunReport:
        """Run the due jobs as the API's worker would, at ``now``."""
        db = Database.from_settings(self.settings)
        sender = TelegramSender(self.settings, backoff=0.01)
        try:
            return await run_due(
                db, self.settings, sender, worker_id="test-worker", now=now, dedupe_key=dedupe_key
            )
        finally:
            await sender.close()
            await db.dispose()

    def starts_at(self, row: dict[str, Any]) -> dt.datetime:
        """When an appointment row starts, in UTC."""
        day = dt.date.fromisoformat(row["date"])
        start = dt.time.fromisoformat(row["start_time"][:5])
        return dt.datetime.combine(day, start, self.settings.tz).astimezone(dt.UTC)
