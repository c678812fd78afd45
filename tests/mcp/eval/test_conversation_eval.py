"""The evaluation set of issue 12 is what it claims to be (``run.py`` prints its figures)."""

from __future__ import annotations

from collections import Counter

from conv_eval import (
    ENTITIES,
    HALVES,
    INTENTS,
    demo_catalogue,
    half,
    load_dialogs,
    load_utterances,
)


def test_utterances_cover_every_intent_in_both_languages_and_halves() -> None:
    cases = load_utterances()
    assert len(cases) >= 300
    assert len({c.text for c in cases}) == len(cases), "duplicate utterances"
    assert {c.intent for c in cases} <= INTENTS
    assert all(set(c.entities) <= ENTITIES for c in cases)
    for name in HALVES:
        mine = [c for c in cases if c.half == name]
        assert len(mine) >= 0.4 * len(cases)
        assert {c.language for c in mine} == {"ru", "en"}
    assert Counter(c.language for c in cases)["en"] >= 0.35 * len(cases)


def test_dialogs_cover_both_languages_and_halves() -> None:
    dialogs = load_dialogs()
    assert len(dialogs) >= 40
    assert len({d.id for d in dialogs}) == len(dialogs)
    for name in HALVES:
        assert {d.language for d in dialogs if d.half == name} == {"ru", "en"}
    assert any(not d.expect["bookings"] for d in dialogs), "a dialog where the user backs out"


def test_split_is_fixed_by_the_text() -> None:
    assert half("первую") == half("первую")
    assert {half(str(n)) for n in range(20)} == set(HALVES)


def test_catalogue_ids_follow_the_demo() -> None:
    catalogue = demo_catalogue()
    assert [s.name for s in catalogue.specialists][:2] == ["Анна Иванова", "Мария Петрова"]
    assert {s.id: s.name for s in catalogue.services}[11] == "Стрижка мужская"
    assert catalogue.cities == ("Казань", "Москва")
