"""Fixtures of the bot's end-to-end tests (see :mod:`kit.bot`): one real API and one real MCP
server per session, a fresh FakeTelegram and a freshly started bot per test."""

from kit.bot import live_api, mcp_http, mcp_url, running_bot  # noqa: F401 - fixtures, by name
from kit.telegram import tg  # noqa: F401
