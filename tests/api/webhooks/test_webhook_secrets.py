"""Endpoint secrets under ENCRYPTION_KEY: the row holds a Fernet token, never the secret;
deliveries are still signed with the secret (the receiver verifies them); a secret stored in
clear before the key was set still signs, and ``rotate-key`` encrypts it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from pydantic import SecretStr
from sqlalchemy import text

from booking_api.app import create_app
from booking_api.core import crypto
from booking_api.core.db import Database
from booking_api.privacy.rotation import rotate_all
from booking_api.webhooks import events, sender
from booking_api.webhooks.models import WebhookEndpoint
from kit.api import Env, future_day
from kit.webhook_receiver import Receiver
from kit.webhooks import Hooks, book, webhook_settings

KEY = "key-W-0123456789abcdef0123456789abcdef"


@pytest.fixture
async def keyed(env: Env, cat: Any) -> AsyncIterator[Hooks]:
    """The webhook app over the test database with ENCRYPTION_KEY set."""
    settings = webhook_settings(env, encryption_key=SecretStr(KEY))
    db = Database.from_settings(settings)
    app = create_app(settings, db)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield Hooks(env, settings, db, app, client, cat.staff)
    await db.dispose()


async def raw_secrets(env: Env) -> dict[int, str]:
    async with env.db.write_engine.connect() as conn:
        rows = await conn.execute(text("SELECT id, secret FROM booking_webhookendpoint"))
        return {row[0]: row[1] for row in rows}


async def test_the_row_holds_no_secret_and_deliveries_still_verify(
    keyed: Hooks, env: Env, cat: Any, receiver: Receiver
) -> None:
    endpoint = await keyed.register(receiver.url, [events.APPOINTMENT_CREATED])
    secret = endpoint["secret"]
    assert secret.startswith("whsec_"), "the creation's answer shows the secret itself"
    stored = (await raw_secrets(env))[endpoint["id"]]
    assert secret not in stored and secret[len("whsec_") :] not in stored
    assert stored.startswith("gAAAA"), "a Fernet token"

    receiver.secret = secret
    await book(keyed, cat.alice, cat, future_day(5))
    await keyed.run()
    [request] = receiver.requests()
    assert request.verified and request.answered == 200


async def test_a_new_secret_set_later_is_encrypted_too(
    keyed: Hooks, env: Env, cat: Any, receiver: Receiver
) -> None:
    endpoint = await keyed.register(receiver.url, [events.APPOINTMENT_CREATED])
    new = sender.new_secret()
    r = await keyed.client.patch(
        f"/api/webhooks/{endpoint['id']}/", headers=env.auth(cat.staff), json={"secret": new}
    )
    assert r.status_code == 200, r.text
    stored = (await raw_secrets(env))[endpoint["id"]]
    assert new not in stored and stored.startswith("gAAAA")
    receiver.secret = new
    await book(keyed, cat.alice, cat, future_day(5))
    await keyed.run()
    [request] = receiver.requests()
    assert request.verified


async def test_a_secret_stored_in_clear_signs_and_rotate_key_encrypts_it(
    hooks: Hooks, keyed: Hooks, env: Env, cat: Any, receiver: Receiver
) -> None:
    endpoint = await hooks.register(receiver.url, [events.APPOINTMENT_CREATED])  # no key
    secret = endpoint["secret"]
    assert (await raw_secrets(env))[endpoint["id"]] == secret  # as before the key was set

    receiver.secret = secret
    await book(keyed, cat.alice, cat, future_day(5))
    await keyed.run()
    assert [r.verified for r in receiver.requests()] == [True]

    counts = await rotate_all(keyed.db, crypto.cached_keyring(keyed.settings))
    assert counts["webhook_secrets_updated"] == 1
    stored = (await raw_secrets(env))[endpoint["id"]]
    assert secret not in stored and stored.startswith("gAAAA")
    async with keyed.db.read_sessions() as session:
        loaded = await session.get(WebhookEndpoint, endpoint["id"])
        assert loaded is not None and loaded.secret == secret
    assert (await rotate_all(keyed.db, crypto.cached_keyring(keyed.settings)))[
        "webhook_secrets_updated"
    ] == 0
