"""The API's job runner under test: settings pointing at FakeTelegram, the sender, a runner
with a controllable clock, and booking through the API.

Fixtures (registered by ``tests/jobs/conftest.py``, with ``tg`` from :mod:`kit.telegram`):
``job_settings``, ``sender``, ``runner``, ``booker``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import select

from booking_api.core.config import Settings
from booking_api.jobs.runner import RunReport, run_due
from booking_api.jobs.telegram import TelegramSender
from booking_api.models import Job
from kit.telegram import FakeTelegram


@pytest.fixture
def job_settings(env, tg: FakeTelegram) -> Settings:  # type: ignore[no-untyped-def]
    return env.settings.model_copy(update={"telegram_api_url": tg.base_url})


@pytest.fixture
async def sender(job_settings: Settings) -> AsyncIterator[TelegramSender]:
    s = TelegramSender(job_settings, backoff=0.01)
    yield s
    await s.close()


class Runner:
    """Runs due jobs like a worker would, with a controllable clock."""

    def __init__(self, env: Any, settings: Settings, sender: TelegramSender):
        self.env, self.settings, self.sender = env, settings, sender

    async def run(
        self, now: dt.datetime | None = None, worker: str = "w1", db: Any = None
    ) -> RunReport:
        return await run_due(
            db or self.env.db, self.settings, self.sender, worker_id=worker, now=now
        )

    async def jobs(self, kind: str | None = None) -> list[Job]:
        async with self.env.db.read_sessions() as session:
            stmt = select(Job).order_by(Job.id)
            if kind:
                stmt = stmt.where(Job.kind == kind)
            return list((await session.execute(stmt)).scalars())


@pytest.fixture
def runner(env, job_settings: Settings, sender: TelegramSender) -> Runner:  # type: ignore[no-untyped-def]
    return Runner(env, job_settings, sender)


async def book(
    client: Any,
    env: Any,
    user: Any,
    cat: Any,
    day: dt.date,
    start: str = "10:00",
    end: str = "11:00",
) -> dict[str, Any]:
    r = await client.post(
        "/api/appointments/",
        headers=env.auth(user),
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


@pytest.fixture
def booker(client, env, cat):  # type: ignore[no-untyped-def]
    async def _book(
        user: Any, day: dt.date, start: str = "10:00", end: str = "11:00"
    ) -> dict[str, Any]:
        return await book(client, env, user, cat, day, start, end)

    return _book
