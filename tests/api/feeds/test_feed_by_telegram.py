"""A specialist's feed link found by their Telegram id: for staff only (the bot's service
account, answering the specialist's /feed), the same link as the specialist's own, rotatable."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import update

from booking_api.models import Specialist
from kit.api import Env

TG = "555001"
PATH = f"/api/specialists/telegram/{TG}/calendar/"


async def telegram(env: Env, cat: Any, value: str | None) -> None:
    async with env.db.write_sessions() as session:
        await session.execute(
            update(Specialist).where(Specialist.id == cat.anna.id).values(telegram_id=value)
        )
        await session.commit()


async def test_staff_get_the_specialists_own_link(client: Any, env: Env, cat: Any) -> None:
    await telegram(env, cat, TG)
    r = await client.get(PATH, headers=env.auth(cat.staff))
    assert r.status_code == 200, r.text
    own = await client.get("/api/specialists/me/calendar/", headers=env.auth(cat.spec_user))
    assert r.json()["url"] == own.json()["url"]
    assert r.json()["webcal_url"].startswith("webcal://")


async def test_only_staff(client: Any, env: Env, cat: Any) -> None:
    await telegram(env, cat, TG)
    assert (await client.get(PATH)).status_code == 401
    for user in (cat.alice, cat.spec_user):  # not even the specialist: /me/ is theirs
        assert (await client.get(PATH, headers=env.auth(user))).status_code == 403
        rotate = await client.post(PATH + "rotate/", headers=env.auth(user))
        assert rotate.status_code == 403


async def test_nobody_with_that_telegram_id_is_404(client: Any, env: Env, cat: Any) -> None:
    await telegram(env, cat, None)
    r = await client.get(PATH, headers=env.auth(cat.staff))
    assert r.status_code == 404
    assert r.json() == {"detail": "No Specialist matches the given query."}


async def test_rotation_replaces_the_link(client: Any, env: Env, cat: Any) -> None:
    await telegram(env, cat, TG)
    old = (await client.get(PATH, headers=env.auth(cat.staff))).json()["url"]
    r = await client.post(PATH + "rotate/", headers=env.auth(cat.staff))
    assert r.status_code == 200, r.text
    new = r.json()["url"]
    assert new != old
    assert (await client.get(httpx.URL(old).path)).status_code == 404
    assert (await client.get(httpx.URL(new).path)).status_code == 200
    own = await client.get("/api/specialists/me/calendar/", headers=env.auth(cat.spec_user))
    assert own.json()["url"] == new
