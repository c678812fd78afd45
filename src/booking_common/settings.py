"""The base of every part's settings: read from the environment and a ``.env`` file."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class CommonSettings(BaseSettings):
    """Settings every process shares; each part subclasses it with its own names."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", case_sensitive=False)

    log_level: str = Field("INFO", description="DEBUG | INFO | WARNING | ERROR")
    log_format: str = Field(
        "auto", description="auto (text on a terminal, else json) | json | text"
    )
