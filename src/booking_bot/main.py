"""Factories and the entry point: ``run_bot(settings, webhook=False)``.

* :func:`create_bot` - aiogram ``Bot`` talking to ``TELEGRAM_API_URL`` with the retrying session;
* :func:`create_storage` - ``RedisStorage`` when ``REDIS_URL`` is set, else :class:`SQLiteStorage`;
* :func:`create_dispatcher` - storage, per-user event isolation (a double tap is handled
  one tap after the other), i18n, polite errors, the feature routers;
* :func:`run_bot` - long polling, or an aiohttp webhook server that checks Telegram's
  ``X-Telegram-Bot-Api-Secret-Token`` header.
"""

from __future__ import annotations

import logging
import secrets

from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.fsm.storage.base import BaseEventIsolation, BaseStorage, DefaultKeyBuilder
from aiogram.fsm.storage.memory import SimpleEventIsolation
from aiogram.types import BotCommand

from booking_bot.config import BotSettings
from booking_bot.formatting import set_time_zone
from booking_bot.gateway.session import McpSession
from booking_bot.gateway.tools import McpGateway
from booking_bot.handlers import build_router
from booking_bot.i18n import UserLanguageMiddleware, default_i18n
from booking_bot.middlewares import ErrorsMiddleware, RetryMiddleware
from booking_bot.storage import SQLiteStorage
from booking_bot.webapp import configure as configure_webapp
from booking_bot.webapp import set_menu_button

log = logging.getLogger("booking_bot")


def create_bot(settings: BotSettings) -> Bot:
    session = AiohttpSession(api=TelegramAPIServer.from_base(settings.telegram_api_url))
    session.middleware(
        RetryMiddleware(
            max_retries=settings.telegram_max_retries,
            base_delay=settings.telegram_backoff_base,
            max_delay=settings.telegram_backoff_max,
        )
    )
    return Bot(settings.token, session=session, default=DefaultBotProperties(parse_mode=None))


def create_gateway(settings: BotSettings) -> McpGateway:
    token = settings.mcp_auth_token.get_secret_value() if settings.mcp_auth_token else None
    return McpGateway(
        McpSession(settings.mcp_server_url, token, timeout=settings.mcp_timeout_seconds)
    )


def create_storage(settings: BotSettings) -> tuple[BaseStorage, BaseEventIsolation]:
    if settings.redis_url:
        from aiogram.fsm.storage.redis import RedisEventIsolation, RedisStorage

        storage = RedisStorage.from_url(
            settings.redis_url,
            key_builder=DefaultKeyBuilder(prefix="booking_bot", with_bot_id=True),
        )
        return storage, RedisEventIsolation(storage.redis, key_builder=storage.key_builder)
    return SQLiteStorage(settings.bot_state_path), SimpleEventIsolation()


def create_dispatcher(
    settings: BotSettings,
    gateway: McpGateway,
    storage: BaseStorage | None = None,
    events_isolation: BaseEventIsolation | None = None,
) -> Dispatcher:
    if storage is None:
        storage, default_isolation = create_storage(settings)
        events_isolation = events_isolation or default_isolation
    dp = Dispatcher(storage=storage, events_isolation=events_isolation or SimpleEventIsolation())
    dp["gateway"] = gateway
    set_time_zone(settings.time_zone)
    configure_webapp(settings.webapp_url)
    i18n = default_i18n()
    i18n.default_locale = settings.default_language
    UserLanguageMiddleware(i18n).setup(dp)
    errors = ErrorsMiddleware()
    dp.message.outer_middleware(errors)
    dp.callback_query.outer_middleware(errors)
    dp.include_router(build_router())

    async def on_shutdown() -> None:
        await gateway.close()

    dp.shutdown.register(on_shutdown)
    return dp


async def set_commands(bot: Bot) -> None:
    i18n = default_i18n()
    for locale in ("ru", "en"):
        with i18n.context(), i18n.use_locale(locale):
            from aiogram.utils.i18n import gettext as _

            commands = [
                BotCommand(command="start", description=_("Start over")),
                BotCommand(command="menu", description=_("Main menu")),
                BotCommand(command="book", description=_("Book an appointment")),
                BotCommand(command="my", description=_("My appointments")),
                BotCommand(command="language", description=_("Language")),
                BotCommand(command="help", description=_("Help")),
            ]
        try:
            await bot.set_my_commands(commands, language_code=None if locale == "ru" else locale)
        except Exception as error:  # noqa: BLE001 - cosmetic; never stop the bot for it
            log.warning("setMyCommands failed: %s", error)


async def run_bot(
    settings: BotSettings | None = None,
    webhook: bool = False,
    host: str = "127.0.0.1",
    port: int = 8081,
) -> None:
    """Run the bot until interrupted: long polling, or a webhook server with ``webhook=True``."""
    settings = _coerce(settings)
    bot = create_bot(settings)
    gateway = create_gateway(settings)
    dp = create_dispatcher(settings, gateway)
    await set_commands(bot)
    await set_menu_button(bot, settings.webapp_url, settings.default_language)
    try:
        if not webhook:
            await bot.delete_webhook(drop_pending_updates=False)
            await dp.start_polling(bot, allowed_updates=dp.resolve_used_update_types())
            return
        await _serve_webhook(bot, dp, settings, host, port)
    finally:
        await bot.session.close()
        await dp.storage.close()


async def _serve_webhook(
    bot: Bot, dp: Dispatcher, settings: BotSettings, host: str, port: int
) -> None:
    import asyncio

    from aiogram.webhook.aiohttp_server import SimpleRequestHandler, setup_application
    from aiohttp import web

    secret = (
        settings.webhook_secret.get_secret_value()
        if settings.webhook_secret
        else secrets.token_urlsafe(32)
    )
    app = web.Application()
    SimpleRequestHandler(dispatcher=dp, bot=bot, secret_token=secret).register(
        app, path=settings.webhook_path
    )
    setup_application(app, dp, bot=bot)
    # Listen first, then tell Telegram where to deliver: an update sent in between would
    # otherwise meet a closed port.
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    log.info("webhook server listening on http://%s:%s%s", host, port, settings.webhook_path)
    if settings.webhook_base_url:
        url = settings.webhook_base_url.rstrip("/") + settings.webhook_path
        await bot.set_webhook(
            url, secret_token=secret, allowed_updates=dp.resolve_used_update_types()
        )
        log.info("webhook set to %s", url)
    try:
        await asyncio.Event().wait()
    finally:
        await runner.cleanup()


def _coerce(settings: object | None) -> BotSettings:
    """Accept our settings, the API's settings object (the lead's CLI), or nothing."""
    if isinstance(settings, BotSettings):
        return settings
    overrides = {}
    if settings is not None:
        for field in BotSettings.model_fields:
            value = getattr(settings, field, None)
            if value is not None:
                overrides[field] = value
    return BotSettings(**overrides)


def main() -> None:
    import argparse
    import asyncio

    parser = argparse.ArgumentParser(prog="python -m booking_bot")
    parser.add_argument("--webhook", action="store_true", help="serve a webhook, not polling")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081)
    args = parser.parse_args()
    settings = BotSettings()
    configure_bot_logging(settings)
    asyncio.run(run_bot(settings, webhook=args.webhook, host=args.host, port=args.port))


def configure_bot_logging(settings: BotSettings) -> None:
    """The API's structured log lines (JSON by default, LOG_FORMAT / LOG_LEVEL), with the
    update's request id in each and the bot token and MCP token redacted."""
    from booking_common.logging import configure_logging, register_secret

    configure_logging()
    register_secret(settings.telegram_bot_token, settings.mcp_auth_token)
