"""Data types shared by the whole NLU package (the public contract with the MCP server)."""

from __future__ import annotations

from dataclasses import dataclass

INTENTS: tuple[str, ...] = (
    "find_specialist",
    "list_services",
    "book_appointment",
    "cancel_appointment",
    "reschedule_appointment",
    "my_appointments",
    "available_slots",
    "register",
    "greeting",
    "help",
    # Dialog acts, questions and small talk (issue 12)
    "choose",
    "confirm",
    "deny",
    "stop",
    "correct",
    "inform",
    "set_language",
    "ask_price",
    "ask_duration",
    "ask_specialist",
    "ask_schedule",
    "business_info",
    "thanks",
    "goodbye",
    "unknown",
)

ENTITY_KEYS: tuple[str, ...] = (
    "specialist_id",
    "service_id",
    "service_name",
    "category_id",
    "specialization",
    "city",
    "date",
    "time",
    "appointment_id",
    # Added last so positional consumers keep working: "morning" | "afternoon" |
    # "evening" when the message names a vague part of the day ("вечером"); the
    # exact ``time`` then stays None (see booking_mcp.nlu.dates).
    "time_of_day",
    # Dialog acts (issue 12): the n-th option offered (-1 = the last), a shift of the time in
    # minutes ("на час позже" = 60), "the same time", "the nearest", a name and a phone
    # number (E.164), what the business is asked about, the language asked for.
    "ordinal",
    "time_shift",
    "same_time",
    "nearest",
    "name",
    "phone",
    "topic",
    "language",
    # True when the message points at the specialist just talked about ("book me with him",
    # "к этому мастеру"); ``specialist_id`` is theirs when the caller told who that is.
    "that_specialist",
    # The earliest time a phrase allows ("после обеда", "after lunch" = "13:00").
    "time_from",
    # True for "к другому мастеру", "another specialist".
    "other_specialist",
)


@dataclass(frozen=True)
class CatalogItem:
    """One specialist, service or category from the live catalogue.

    ``extra`` holds synonyms: for a specialist, their specialization(s)
    ("Стоматолог", "Мастер маникюра"); for a service, its category name; for any item,
    also its names in another language ("Manicure", "Anna Ivanova", "Nail technician"):
    a Latin extra is an alias of the item's own name or of its specialization, never a
    separate entry. ``owner`` is, for a service, the id of the specialist who offers it
    (a service name shared by several specialists is resolved by the one the message
    names: "мужская стрижка у барбера").
    """

    id: int
    name: str
    extra: tuple[str, ...] = ()
    owner: int | None = None


@dataclass(frozen=True)
class Catalogue:
    """Everything the recognizer may match against. Hashable, so indexes can be cached."""

    specialists: tuple[CatalogItem, ...] = ()
    services: tuple[CatalogItem, ...] = ()
    categories: tuple[CatalogItem, ...] = ()
    cities: tuple[str, ...] = ()


@dataclass
class Recognition:
    """Result of :func:`booking_mcp.nlu.recognize`.

    ``entities`` always contains every key of :data:`ENTITY_KEYS` (``None`` when absent).
    """

    intent: str
    entities: dict
    confidence: float
    language: str


def empty_entities() -> dict:
    """A fresh entity dict with every key present and set to ``None``."""
    return dict.fromkeys(ENTITY_KEYS)
