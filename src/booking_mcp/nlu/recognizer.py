"""The :func:`recognize` entry point: text -> intent + entities.

Pipeline (each step is a small module of its own):

1. :mod:`.text` normalises and tokenises the text and lemmatises every word;
2. :mod:`.numbers` rewrites numerals ("двадцать пятого") as digits;
3. an appointment reference ("запись 12", "#12") is taken out first, so its
   number is not mistaken for a day or an hour;
4. :mod:`.dates` finds the date, then the time;
5. :mod:`.catalogue_match` finds specialists, services, categories and cities;
6. :mod:`.intents` scores intents from keywords plus the kinds of entities found.
"""

from __future__ import annotations

import re
from datetime import datetime

from .catalogue_match import match_catalogue
from .dates import blank, extract_date, extract_time, month_of
from .intents import classify, find_signals
from .models import Catalogue, Recognition, empty_entities
from .numbers import digitize
from .text import detect_language, normalize, tokenize

_APPOINTMENT_REF = re.compile(
    r"(?:\b(?:запис(?:ь|и|ью)|брон(?:ь|и)|визит\w*|заказ\w*|appointment|booking|reservation)"
    r"\s*(?:номер|no\.?|number|num)?|№|#|\bномер)\s*[#№]?\s*(?P<id>\d{1,7})\b(?![:.\-/]\d)"
)
# Words that, right after the number, show it is a date or a time and not an id.
_NOT_AN_ID_AFTER = re.compile(
    r"\s*(?:-?(?:е|го|ое|ого)\b|st\b|nd\b|rd\b|th\b|числ|час|утра|дня|вечера|ночи|a\.?m|p\.?m)"
)


def extract_appointment_id(text: str) -> tuple[str, int | None]:
    """Find "запись 12" / "appointment #12" / "номер 5"; return (blanked text, id)."""
    for match in _APPOINTMENT_REF.finditer(text):
        rest = text[match.end() :]
        next_word = rest.split()[0] if rest.split() else ""
        if _NOT_AN_ID_AFTER.match(rest) or month_of(next_word) is not None:
            continue
        return blank(text, match.start(), match.end()), int(match["id"])
    return text, None


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
    time, date_from_time = extract_time(work, now)
    found = match_catalogue(tokens, catalogue)

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
    )

    features = set()
    if any(
        entities[key] is not None
        for key in ("specialist_id", "service_id", "service_name", "category_id", "specialization")
    ):
        features.add("@catalogue")
    if entities["date"] or entities["time"]:
        features.add("@when")
    for key in ("city", "specialization", "appointment_id"):
        if entities[key] is not None:
            features.add("@" + key)

    intent, confidence = classify(find_signals(norm, tokens), features)
    return Recognition(intent, entities, confidence, detect_language(text))
