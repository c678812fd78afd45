"""What the MCP tools' signatures share: their annotations (read, write, destructive) and the
argument types every tool spells the same way (``user_id``, dates, times, ``confirm``,
``idempotency_key``)."""

from __future__ import annotations

from typing import Annotated

from mcp.types import ToolAnnotations
from pydantic import Field

READ = ToolAnnotations(read_only_hint=True, open_world_hint=False)
WRITE = ToolAnnotations(
    read_only_hint=False, destructive_hint=False, idempotent_hint=False, open_world_hint=False
)
IDEMPOTENT_WRITE = ToolAnnotations(
    read_only_hint=False, destructive_hint=False, idempotent_hint=True, open_world_hint=False
)
DESTRUCTIVE = ToolAnnotations(
    read_only_hint=False, destructive_hint=True, idempotent_hint=False, open_world_hint=False
)

UserId = Annotated[
    str | None, Field(description="The client's Telegram id (not needed by a personal assistant)")
]
Date = Annotated[str, Field(description="YYYY-MM-DD", pattern=r"^\d{4}-\d{2}-\d{2}$")]
Time = Annotated[str, Field(description="HH:MM", pattern=r"^\d{1,2}:\d{2}$")]
Confirm = Annotated[
    bool,
    Field(description="Must be true, after the user explicitly agreed; otherwise nothing changes"),
]
IdempotencyKey = Annotated[
    str | None,
    Field(
        description="Any unique string (e.g. a UUID) for this action: repeating the call with "
        "the same key (after a lost answer) never acts twice and answers as the first time",
        max_length=255,
    ),
]
