"""Webhook test fixtures: the API with webhooks on (over each backend's test database) and a
real receiver on 127.0.0.1 (``support.webhook_receiver``)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest

from booking_api.app import create_app
from booking_api.core.db import Database
from kit.api import Env
from kit.webhook_receiver import Receiver
from kit.webhooks import Hooks, webhook_settings


@pytest.fixture(scope="session")
async def webhook_apps(envs: dict[str, Env]) -> AsyncIterator[dict[str, tuple[Any, ...]]]:
    built = {}
    for backend, env in envs.items():
        settings = webhook_settings(env)
        db = Database.from_settings(settings)
        built[backend] = (settings, db, create_app(settings, db))
    yield built
    for _, db, _ in built.values():
        await db.dispose()


@pytest.fixture
async def hooks(env: Env, cat: Any, webhook_apps: dict[str, Any]) -> AsyncIterator[Hooks]:
    settings, db, app = webhook_apps[env.backend]
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield Hooks(env, settings, db, app, client, cat.staff)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver().start()
    yield r
    r.stop()
