"""Webhook test kit: the API with webhooks on (over each backend's test database), a worker
run with a controllable clock, booking through the API."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import httpx
from sqlalchemy import select

from booking_api.core.config import Settings
from booking_api.core.db import Database
from booking_api.jobs.runner import RunReport, run_due
from booking_api.models import Job
from booking_api.webhooks.models import WebhookAttempt, WebhookDelivery
from kit.api import Env


def webhook_settings(env: Env, **overrides: Any) -> Settings:
    values: dict[str, Any] = dict(
        webhooks_enabled=True,
        webhook_allow_private=True,  # the receiver is on 127.0.0.1
        webhook_retry_base_seconds=10.0,
        webhook_retry_max_seconds=600.0,
        webhook_give_up_seconds=3600.0,
        webhook_timeout_seconds=5.0,
    )
    values.update(overrides)
    return env.settings.model_copy(update=values)


class NoTelegram:
    """The job context's Telegram sender: nothing in these tests may message anyone."""

    sent: list[Any] = []

    async def send(self, *args: Any, **kwargs: Any) -> None:
        raise AssertionError(f"unexpected Telegram message: {args}")


@dataclass
class Hooks:
    """One backend: the webhook-enabled app and database, and helpers."""

    env: Env
    settings: Settings
    db: Database
    app: Any
    client: httpx.AsyncClient
    staff: Any = None

    async def run(
        self, now: dt.datetime | None = None, *, worker: str = "test-worker", **overrides: Any
    ) -> RunReport:
        """Run due jobs until none is due at ``now`` (default: the real clock)."""
        settings = self.settings.model_copy(update=overrides) if overrides else self.settings
        total = RunReport()
        while True:
            report = await run_due(
                self.db, settings, NoTelegram(), worker_id=worker, now=now, limit=100
            )
            for name in ("done", "skipped", "retried", "failed"):
                getattr(total, name).extend(getattr(report, name))
            if not report.total:
                return total

    async def register(self, url: str, events: list[str], **extra: Any) -> dict[str, Any]:
        r = await self.client.post(
            "/api/webhooks/",
            headers=self.env.auth(self.staff),
            json={"url": url, "events": events, **extra},
        )
        assert r.status_code == 201, r.text
        return r.json()

    async def deliveries(self) -> list[WebhookDelivery]:
        async with self.db.read_sessions() as session:
            rows = await session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id))
            return list(rows)

    async def attempts(self, delivery_id: int) -> list[WebhookAttempt]:
        async with self.db.read_sessions() as session:
            rows = await session.scalars(
                select(WebhookAttempt)
                .where(WebhookAttempt.delivery_id == delivery_id)
                .order_by(WebhookAttempt.number)
            )
            return list(rows)

    async def jobs(self, kind: str) -> list[Job]:
        async with self.db.read_sessions() as session:
            rows = await session.scalars(select(Job).where(Job.kind == kind).order_by(Job.id))
            return list(rows)


def later(**delta: float) -> dt.datetime:
    return dt.datetime.now(dt.UTC) + dt.timedelta(**delta)


async def book(
    h: Hooks, user: Any, cat: Any, day: dt.date, start: str = "10:00", end: str = "11:00"
) -> Any:
    r = await h.client.post(
        "/api/appointments/",
        headers=h.env.auth(user),
        json={
            "service": cat.manicure.id,
            "specialist": cat.anna.id,
            "date": day.isoformat(),
            "start_time": start,
            "end_time": end,
        },
    )
    assert r.status_code == 201, r.text
    return r.json()
