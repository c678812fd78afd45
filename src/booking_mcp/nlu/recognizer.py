"""The :func:`recognize` entry point: text -> intent + entities.

Pipeline (each step is a small module of its own):

1. :mod:`.text` normalises and tokenises the text and lemmatises every word;
2. :mod:`.numbers` rewrites numerals ("двадцать пятого") as digits;
3. :mod:`.references` takes out an explicit appointment reference ("запись 12",
   "#12") first, so its number is not mistaken for a day or an hour - phone
   numbers, prices, times and dates never count as one;
4. :mod:`.dates` finds the date, then the time and the vague time of day;
5. :mod:`.catalogue_match` finds specialists, services, categories and cities;
6. :mod:`.intents` scores intents from keywords plus the kinds of entities found;
7. a bare number left in a cancel/reschedule message becomes the appointment id
   ("отмени 12"), and a specialist guessed from a specialization alone is kept
   only for book/slots intents (:data:`SPECIALIZATION_FILLS_SPECIALIST`).
"""

from __future__ import annotations

from datetime import datetime

from .catalogue_match import match_catalogue
from .dates import extract_date, extract_time
from .intents import classify, find_signals
from .models import Catalogue, Recognition, empty_entities
from .numbers import digitize
from .references import bare_appointment_id, extract_appointment_id
from .text import detect_language, normalize, tokenize

__all__ = ["extract_appointment_id", "recognize"]

# Intents for which a specialization naming exactly one specialist may stand for
# that specialist ("к стоматологу на завтра").  Elsewhere - above all in
# find_specialist, where the user asked for a list - only a name fills specialist_id.
SPECIALIZATION_FILLS_SPECIALIST = frozenset({"book_appointment", "available_slots"})


def recognize(
    text: str, catalogue: Catalogue = Catalogue(), now: datetime | None = None
) -> Recognition:
    """Understand one user message.

    ``catalogue`` is what specialists/services/categories/cities may be matched
    against; ``now`` anchors relative dates (defaults to ``datetime.now()``).
    """
    now = now or datetime.now()
    norm = normalize(text)
    tokens = tokenize(norm)

    work = digitize(norm, tokens)
    work, appointment_id = extract_appointment_id(work)
    work, date = extract_date(work, now.date(), now)
    time, date_from_time, time_of_day = extract_time(work, now)
    found = match_catalogue(tokens, catalogue)
    signals = find_signals(norm, tokens)
    if appointment_id is None and signals & {"CANCEL", "RESCHEDULE"}:
        appointment_id = bare_appointment_id(work)

    entities = empty_entities()
    entities.update(
        specialist_id=found.specialist_id,
        service_id=found.service_id,
        service_name=found.service_name,
        category_id=found.category_id,
        specialization=found.specialization,
        city=found.city,
        date=date or date_from_time,
        time=time,
        appointment_id=appointment_id,
        time_of_day=time_of_day,
    )

    features = set()
    if any(
        entities[key] is not None
        for key in ("specialist_id", "service_id", "service_name", "category_id", "specialization")
    ):
        features.add("@catalogue")
    if entities["date"] or entities["time"] or entities["time_of_day"]:
        features.add("@when")
    for key in ("city", "specialization", "appointment_id"):
        if entities[key] is not None:
            features.add("@" + key)

    intent, confidence = classify(signals, features)
    if found.specialist_from_specialization and intent not in SPECIALIZATION_FILLS_SPECIALIST:
        entities["specialist_id"] = None
    return Recognition(intent, entities, confidence, detect_language(text))
