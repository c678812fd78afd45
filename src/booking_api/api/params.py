"""Query parameters the way the Django service read them (its ``?name=value`` filters)."""

from __future__ import annotations

from booking_api.core.errors import ValidationError
from booking_api.core.fields import lookup_id


def int_filter(params: dict[str, str], name: str) -> int | None:
    """A numeric filter value; a malformed one is a DRF-style 400 (the Django service crashed)."""
    raw = params.get(name)
    if raw is None or raw == "":
        return None
    try:
        return lookup_id(int(raw))  # an id no column can hold matches nothing
    except ValueError:
        raise ValidationError({name: ["A valid integer is required."]}) from None


def text_filter(params: dict[str, str], name: str) -> str | None:
    """A text filter value, or None when it is missing or empty."""
    return params.get(name) or None
