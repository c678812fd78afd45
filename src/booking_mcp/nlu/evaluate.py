"""Accuracy of :func:`recognize` over a labelled table of utterances.

A *case* is ``(text, expected_intent, expected_entities)`` where
``expected_entities`` lists only the keys worth checking (``None`` values are
checked too).  Intent accuracy is the share of cases with the right intent;
entity accuracy is the share of individual ``key == value`` checks that hold.

The labelled table lives in ``tests/mcp/test_nlu.py``; run
``uv run pytest tests/mcp/test_nlu.py -q -s -k accuracy`` to print the figures.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from .models import Catalogue
from .recognizer import recognize

Case = tuple[str, str, dict]


@dataclass
class Report:
    cases: int = 0
    intents_right: int = 0
    entity_checks: int = 0
    entities_right: int = 0
    failures: list[str] = field(default_factory=list)

    @property
    def intent_accuracy(self) -> float:
        return self.intents_right / self.cases if self.cases else 0.0

    @property
    def entity_accuracy(self) -> float:
        return self.entities_right / self.entity_checks if self.entity_checks else 0.0

    def summary(self) -> str:
        lines = [
            f"cases: {self.cases}",
            f"intent accuracy: {self.intent_accuracy:.3f} ({self.intents_right}/{self.cases})",
            f"entity accuracy: {self.entity_accuracy:.3f} "
            f"({self.entities_right}/{self.entity_checks} checks)",
        ]
        return "\n".join(lines + [f"  MISS {failure}" for failure in self.failures])


def evaluate(cases: Iterable[Case], catalogue: Catalogue, now: datetime) -> Report:
    """Run every case through :func:`recognize` and count what came out right."""
    report = Report()
    for text, intent, entities in cases:
        result = recognize(text, catalogue, now)
        report.cases += 1
        if result.intent == intent:
            report.intents_right += 1
        else:
            report.failures.append(f"{text!r}: intent {result.intent} != {intent}")
        for key, expected in entities.items():
            report.entity_checks += 1
            if result.entities[key] == expected:
                report.entities_right += 1
            else:
                report.failures.append(f"{text!r}: {key} {result.entities[key]!r} != {expected!r}")
    return report
