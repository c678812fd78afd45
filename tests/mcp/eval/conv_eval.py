"""The conversation evaluation set of issue 12: loading it, splitting it, scoring it.

* ``utterances.yaml``: single messages with the intent and the entities a careful annotator
  expects (see its header); scored offline against the demo catalogue.
* ``dialogs.yaml``: multi-turn dialogs run through ``process_message`` against a real API
  (the demo catalogue), each judged by the database rows it leaves.

Each item belongs to one half, fixed by a hash of its text (utterances) or id (dialogs):
``tune`` (the rules may be tuned on it) or ``held-out`` (only measured). ``run.py`` prints
the figures; ``test_conversation_eval.py`` checks the set itself.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from booking_api.demo import CATEGORIES, SPECIALISTS
from booking_mcp.nlu import CatalogItem, Catalogue, recognize

HERE = Path(__file__).parent
HALVES = ("tune", "held-out")
#: The fixed "now" of the utterances: Tuesday 2026-11-24 10:00.
UTTERANCE_NOW = dt.datetime(2026, 11, 24, 10, 0)

INTENTS = frozenset(
    {
        "book_appointment", "cancel_appointment", "reschedule_appointment", "my_appointments",
        "available_slots", "list_services", "find_specialist", "register", "choose", "confirm",
        "deny", "stop", "correct", "inform", "set_language", "ask_price", "ask_duration",
        "ask_specialist", "ask_schedule", "business_info", "greeting", "thanks", "goodbye",
        "help", "unknown",
    }
)  # fmt: skip
ENTITIES = frozenset(
    {
        "specialist_id", "service_id", "category_id", "specialization", "city", "date", "time",
        "time_of_day", "appointment_id", "ordinal", "time_shift", "same_time", "nearest",
        "name", "phone", "topic", "language",
    }
)  # fmt: skip


def half(key: str) -> str:
    """The half an item belongs to, fixed by its text or id."""
    digest = hashlib.sha256(key.encode("utf-8")).digest()
    return HALVES[digest[0] % 2]


def language_of(text: str) -> str:
    latin = len(re.findall(r"[a-z]", text, re.I))
    cyrillic = len(re.findall(r"[а-яё]", text, re.I))
    return "en" if latin > cyrillic else "ru"


# --------------------------------------------------------------------------- utterances


@dataclass(frozen=True)
class Utterance:
    text: str
    intent: str
    entities: dict[str, Any]

    @property
    def half(self) -> str:
        return half(self.text)

    @property
    def language(self) -> str:
        return language_of(self.text)


def load_utterances() -> list[Utterance]:
    rows = yaml.safe_load((HERE / "utterances.yaml").read_text(encoding="utf-8"))
    return [Utterance(row["t"], row["i"], dict(row.get("e") or {})) for row in rows]


def demo_catalogue() -> Catalogue:
    """The demo catalogue as the recogniser sees it, ids in the order the demo creates them."""
    specialists, services = [], []
    service_id = 0
    for spec_id, (name, specialization, _city, _about, _hours, offered) in enumerate(
        SPECIALISTS, start=1
    ):
        specialists.append(CatalogItem(spec_id, name, (specialization,)))
        for title, category, *_rest in offered:
            service_id += 1
            services.append(CatalogItem(service_id, title, (category,), owner=spec_id))
    return Catalogue(
        specialists=tuple(specialists),
        services=tuple(services),
        categories=tuple(
            CatalogItem(i, name) for i, (name, _about) in enumerate(CATEGORIES, start=1)
        ),
        cities=tuple(sorted({row[2] for row in SPECIALISTS})),
    )


@dataclass
class Score:
    """Intent and entity accuracy over some utterances."""

    cases: int = 0
    intents_right: int = 0
    checks: int = 0
    entities_right: int = 0
    misses: list[str] = field(default_factory=list)

    @property
    def intent_accuracy(self) -> float:
        return self.intents_right / self.cases if self.cases else 0.0

    @property
    def entity_accuracy(self) -> float:
        return self.entities_right / self.checks if self.checks else 0.0

    def line(self) -> str:
        return (
            f"intent {self.intent_accuracy:6.1%} ({self.intents_right}/{self.cases})   "
            f"entities {self.entity_accuracy:6.1%} ({self.entities_right}/{self.checks})"
        )


def score_utterances(cases: list[Utterance], catalogue: Catalogue | None = None) -> Score:
    catalogue = catalogue or demo_catalogue()
    score = Score()
    for case in cases:
        result = recognize(case.text, catalogue, UTTERANCE_NOW)
        score.cases += 1
        if result.intent == case.intent:
            score.intents_right += 1
        else:
            score.misses.append(f"{case.text!r}: intent {result.intent} != {case.intent}")
        for key, expected in case.entities.items():
            score.checks += 1
            got = result.entities.get(key)
            if got == expected:
                score.entities_right += 1
            else:
                score.misses.append(f"{case.text!r}: {key} {got!r} != {expected!r}")
    return score


# --------------------------------------------------------------------------- dialogs


@dataclass(frozen=True)
class Dialog:
    id: str
    turns: list[Any]
    setup: dict[str, Any]
    expect: dict[str, Any]

    @property
    def half(self) -> str:
        return half(self.id)

    @property
    def language(self) -> str:
        return self.id.split("-")[0]


def load_dialogs() -> list[Dialog]:
    rows = yaml.safe_load((HERE / "dialogs.yaml").read_text(encoding="utf-8"))
    return [
        Dialog(row["id"], list(row["turns"]), dict(row.get("setup") or {}), dict(row["expect"]))
        for row in rows
    ]


def dialog_now(today: dt.date) -> dt.datetime:
    """The Monday 10:00 that the dialogs' days count from: at least two weeks after today."""
    day = today + dt.timedelta(days=14)
    while day.weekday() != 0:
        day += dt.timedelta(days=1)
    return dt.datetime.combine(day, dt.time(10))


def row_matches(row: dict[str, Any], wanted: dict[str, Any], monday: dt.date) -> list[str]:
    """What differs between a database row and an expected booking (empty: it matches)."""
    problems = []
    start = str(row["start_time"])[:5]
    checks = {
        "service": row.get("service_name"),
        "specialist": row.get("specialist_name"),
        "status": row.get("status"),
    }
    for key, got in checks.items():
        if key in wanted and wanted[key] != got:
            problems.append(f"{key} {got!r} != {wanted[key]!r}")
    if "day" in wanted:
        day = (monday + dt.timedelta(days=int(wanted["day"]))).isoformat()
        if row["date"] != day:
            problems.append(f"date {row['date']} != {day}")
    if "time" in wanted and start != wanted["time"]:
        problems.append(f"time {start} != {wanted['time']}")
    if "after" in wanted and start < wanted["after"]:
        problems.append(f"time {start} before {wanted['after']}")
    if "before" in wanted and start >= wanted["before"]:
        problems.append(f"time {start} not before {wanted['before']}")
    return problems
