"""Query-string filters of the list routes, parsed as DRF's filter backends parse them."""

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
