"""Tool results (structured content) read into the shared models of
:mod:`booking_common.conversation`, the models the MCP server builds them with.

FastMCP wraps a tool's non-object output as ``{"result": ...}``: :func:`unwrap` takes the
payload out. An item of a list that does not fit its model is logged and left out, so one
odd entry never hides a whole screen.
"""

from __future__ import annotations

import logging
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

log = logging.getLogger("booking_bot.mcp")

M = TypeVar("M", bound=BaseModel)


def unwrap(data: Any, *keys: str) -> Any:
    """Structured content → the payload, however deeply wrapped.

    ``{"result": x}`` → x (FastMCP wraps non-object outputs so), then ``{"<key>": [...]}`` /
    ``{"items": [...]}`` → the list; a tool returning ``{"categories": [...]}`` arrives as
    ``{"result": {"categories": [...]}}``, which used to come out as "nothing to show".
    """
    for _depth in range(3):
        if not isinstance(data, dict):
            return data
        if set(data) == {"result"}:
            data = data["result"]
            continue
        key = next((k for k in (*keys, "items", "results") if k in data), None)
        if key is not None:
            data = data[key]
            continue
        if len(data) == 1:
            (only,) = data.values()
            if isinstance(only, list):
                return only
        return data
    return data


def items_of(data: Any, model: type[M], *keys: str) -> list[M]:
    """The list in ``data`` as ``model`` instances, skipping what does not fit."""
    items = unwrap(data, *keys)
    if not isinstance(items, list):
        return []
    out = []
    for item in items:
        try:
            out.append(model.model_validate(item))
        except ValidationError:
            log.warning("skipping unexpected %s item: %r", model.__name__, item)
    return out


def one_of(data: Any, model: type[M], *keys: str) -> M:
    """The single object in ``data`` as a ``model`` instance."""
    return model.model_validate(unwrap(data, *keys))
