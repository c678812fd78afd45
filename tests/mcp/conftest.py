"""Fixtures of the MCP tests (see :mod:`kit.mcp`): a real API served over HTTP per session,
a fresh in-process MCP server per test."""

from kit.mcp import live_api, mcp_server  # noqa: F401 - fixtures, found by pytest by name
