"""Helpers shared by the MCP tests (importable as ``mcp_support``)."""

from __future__ import annotations

import datetime as dt


def next_weekday(weekday: int, after: dt.date | None = None, weeks: int = 1) -> dt.date:
    """A date ``weeks`` weeks ahead falling on ``weekday`` (0 = Monday)."""
    day = (after or dt.date.today()) + dt.timedelta(days=7 * (weeks - 1) + 1)
    while day.weekday() != weekday:
        day += dt.timedelta(days=1)
    return day


STAFF_USER, STAFF_PASSWORD = "mcp-service", "service-pass-123"


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
