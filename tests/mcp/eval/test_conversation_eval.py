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


def test_every_dialog_ends_in_the_right_rows() -> None:
    """Issue 12's target: every dialog of the set (both halves) leaves the right database rows,
    played through ``process_message`` against a real API. A failure names the dialogs only
    (their turns are not printed, so the held-out half stays unseen)."""
    import asyncio
    import importlib.util
    import logging
    import tempfile
    from pathlib import Path

    from kit.live_api import serve_api

    spec = importlib.util.spec_from_file_location("eval_run", Path(__file__).with_name("run.py"))
    assert spec is not None and spec.loader is not None
    runner = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(runner)
    dialogs = load_dialogs()
    quiet = dict(cache_backend="off", throttle_auth="", throttle_booking="")
    logging.disable(logging.WARNING)
    try:
        with tempfile.TemporaryDirectory() as tmp, serve_api(Path(tmp), **quiet) as api:
            results = asyncio.run(runner.run_dialogs(api, dialogs, verbose=False))
    finally:
        logging.disable(logging.NOTSET)
    failed = [f"{d.id} ({d.half})" for done in results.values() for d, ok in done if not ok]
    assert sum(len(done) for done in results.values()) == len(dialogs)
    assert failed == [], f"dialogs that ended in the wrong rows: {failed}"
