"""Catalogue texts in the reader's language: the English twin (``*_en``) when the reader speaks
English and the catalogue has one, else the Russian text. Shared by the MCP server and the bot,
which both show catalogue names they read from the API's fields."""

from __future__ import annotations

from typing import Any


def text_in(russian: Any, english: Any, lang: str) -> str:
    """``english`` for an English user when it is not empty, else ``russian``."""
    if lang == "en" and english:
        return str(english)
    return "" if russian is None else str(russian)


def name_in(item: Any, lang: str) -> str:
    """A service's or a category's name (``name`` / ``name_en``)."""
    return text_in(item.name, getattr(item, "name_en", ""), lang)


def service_name_in(item: Any, lang: str) -> str:
    """The service named in an appointment, a slot, a hold or a waitlist entry."""
    return text_in(item.service_name, getattr(item, "service_name_en", ""), lang)


def category_name_in(item: Any, lang: str) -> str:
    return text_in(item.category_name, getattr(item, "category_name_en", ""), lang)


def description_in(item: Any, lang: str) -> str:
    return text_in(item.description, getattr(item, "description_en", ""), lang)


def specialization_in(specialist: Any, lang: str) -> str:
    return text_in(specialist.specialization, getattr(specialist, "specialization_en", ""), lang)


def city_in(specialist: Any, lang: str) -> str:
    return text_in(specialist.city, getattr(specialist, "city_en", ""), lang)
