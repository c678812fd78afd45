"""Catalogue texts in the user's language: the English twin (``*_en``) when the user speaks
English and the catalogue has one, else the Russian text; and matching what a user said
against either language."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from booking_common.localized import (  # noqa: F401  (re-exported for the dialog)
    category_name_in,
    city_in,
    description_in,
    name_in,
    service_name_in,
    specialization_in,
    text_in,
)


def _texts(*values: Any) -> list[str]:
    return [str(v).lower() for v in values if v]


def service_names(service: Any) -> list[str]:
    """A service's names and its category's, in both languages, lower-cased."""
    return _texts(
        service.name,
        getattr(service, "name_en", ""),
        service.category_name,
        getattr(service, "category_name_en", ""),
    )


def same_city(specialist: Any, city: str) -> bool:
    """The specialist works in ``city`` (named in either language)."""
    return city.lower() in _texts(specialist.city, getattr(specialist, "city_en", ""))


def has_specialization(specialist: Any, specialization: str) -> bool:
    """``specialization`` (either language) is part of the specialist's."""
    wanted = specialization.lower()
    return any(
        wanted in text
        for text in _texts(specialist.specialization, getattr(specialist, "specialization_en", ""))
    )


def russian_city(city: str | None, specialists: Iterable[Any]) -> str | None:
    """The city as the API filters by it (its Russian name) when named in English."""
    if not city:
        return city
    for specialist in specialists:
        if same_city(specialist, city):
            return specialist.city
    return city
