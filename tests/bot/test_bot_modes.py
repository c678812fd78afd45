"""Webhook mode (Telegram's secret-token header) and the conversation kept in Redis."""

from __future__ import annotations

import asyncio
import contextlib

import pytest

from booking_bot.main import run_bot
from kit.bot import RunningBot, book_manicure, bot_settings, new_user, press, start_chat
from kit.servers import free_port

REDIS_URL = "redis://127.0.0.1:6379/15"


async def test_webhook_checks_the_secret_token(tg, mcp_url, tmp_path) -> None:
    port = free_port()
    settings = bot_settings(
        tg,
        mcp_url,
        tmp_path / "state.sqlite3",
        webhook_base_url=f"http://127.0.0.1:{port}",
        webhook_secret="right-secret",
    )
    task = asyncio.create_task(run_bot(settings, webhook=True, host="127.0.0.1", port=port))
    try:
        await tg.wait_for(lambda: tg.webhook_url, timeout=10)
        assert tg.webhook_url == f"http://127.0.0.1:{port}/telegram/webhook"
        assert tg.secret_token == "right-secret"

        intruder = new_user()
        forged = tg.send_sticker(intruder)
        response = await tg.deliver_to_webhook(forged, secret_token="wrong-secret")
        assert response.status_code in (401, 403)

        user = new_user()
        tg.send_sticker(user)
        responses = await tg.deliver_to_webhook(
            next(u for u in tg.updates if u.get("message", {}).get("from", {}).get("id") == user.id)
        )
        assert responses.is_success
        await tg.wait_for_message(user, contains="стикер")
        await asyncio.sleep(0.3)
        assert tg.messages_to(intruder) == []  # the forged update was not processed
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


@pytest.mark.redis
async def test_state_survives_restart_in_redis(tg, mcp_url, tmp_path, live_api) -> None:
    redis = pytest.importorskip("redis.asyncio")
    client = redis.from_url(REDIS_URL)
    try:
        await client.ping()
    except Exception:  # noqa: BLE001
        pytest.skip("no Redis at " + REDIS_URL)
    settings = bot_settings(tg, mcp_url, tmp_path / "unused.sqlite3", redis_url=REDIS_URL)
    bot = RunningBot(settings, tg)
    await bot.start()
    user = new_user()
    try:
        await start_chat(tg, user)
        day, time = await book_manicure(tg, user, live_api)
        await bot.stop()
        keys = [k.decode() for k in await client.keys(f"booking_bot:*:{user.id}:*")]
        assert any(k.endswith(":data") for k in keys), keys  # the buttons of the screen
        assert not (tmp_path / "unused.sqlite3").exists()
        await bot.start()
        done = await press(tg, user, "✅ Подтвердить")
        assert "Вы записаны" in done.text, done.text
        rows = await live_api.appointments_of(user)
        assert [(r["date"], r["start_time"][:5]) for r in rows] == [(day.isoformat(), time)]
    finally:
        await bot.stop()
        for key in await client.keys(f"booking_bot:*:{user.id}:*"):
            await client.delete(key)
        await client.aclose()
