"""Bot settings, read from the environment and `.env` (pydantic-settings).

Nothing else in :mod:`booking_bot` reads ``os.environ``.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr

from booking_common.settings import CommonSettings

TELEGRAM_DEFAULT_API = "https://api.telegram.org"


class BotSettings(CommonSettings):
    telegram_bot_token: SecretStr = SecretStr("")
    telegram_api_url: str = Field(TELEGRAM_DEFAULT_API, description="Bot API base URL")
    mcp_server_url: str = "http://localhost:5000/mcp"
    mcp_auth_token: SecretStr | None = None
    #: Seconds one MCP tool call may take before the assistant counts as unavailable.
    mcp_timeout_seconds: float = 20.0
    redis_url: str | None = None
    #: The persistent conversation store used when REDIS_URL is not set.
    bot_state_path: Path = Path("bot_state.sqlite3")
    default_language: str = "ru"
    #: The Mini App's https URL (the API's /app/): the menu button and the calendar open it.
    webapp_url: str | None = Field(None, description="e.g. https://booking.example.com/app/")
    time_zone: str = "Europe/Moscow"

    # Webhook mode (`booking bot --webhook`)
    webhook_base_url: str | None = Field(None, description="Public https base, e.g. https://x.org")
    webhook_path: str = "/telegram/webhook"
    webhook_secret: SecretStr | None = None

    # Telegram API retries (429 / 5xx / network errors)
    telegram_max_retries: int = 5
    telegram_backoff_base: float = 0.5
    telegram_backoff_max: float = 30.0

    @property
    def token(self) -> str:
        return self.telegram_bot_token.get_secret_value()


def get_bot_settings(**overrides: object) -> BotSettings:
    return BotSettings(**overrides)  # type: ignore[arg-type]
