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

import re
from datetime import datetime

from .acts import bare_name, find_acts, is_a_name
from .catalogue_match import match_catalogue
from .dates import blank, extract_date, extract_time
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
    text: str,
    catalogue: Catalogue = Catalogue(),
    now: datetime | None = None,
    *,
    last_specialist: int | None = None,
) -> Recognition:
    """Understand one user message.

    ``catalogue`` is what specialists/services/categories/cities may be matched
    against; ``now`` anchors relative dates (defaults to ``datetime.now()``);
    ``last_specialist`` is the specialist the conversation just talked about, whom "him",
    "к ней", "к этому мастеру" name.
    """
    now = now or datetime.now()
    norm = normalize(text)
    tokens = tokenize(norm)

    digitized = digitize(norm, tokens)
    acts = find_acts(text, norm, tokens, tokenize(digitized), digitized)
    for span in (acts.ordinal_span, acts.nearest_span):  # "первую", "first available":
        if span is not None:  # never a date
            norm = blank(norm, *span)
            tokens = tokenize(norm)
    if acts.phone_span is not None:
        norm = blank(norm, *acts.phone_span) if len(norm) == len(text) else norm
        tokens = tokenize(norm)
    work = digitize(norm, tokens)
    if acts.shift_span is not None:
        work = blank(work, *acts.shift_span)
    work, appointment_id = extract_appointment_id(work)
    work, date = extract_date(work, now.date(), now)
    time, date_from_time, time_of_day = extract_time(work, now)
    # A name the user gives as their own ("I'm Anna", "меня зовут Мария Петрова") is not a
    # specialist of the catalogue.
    own_name = set(normalize(acts.name).split()) if acts.name else set()
    own_name |= {m[1] or m[2] for m in RULED_OUT.finditer(norm)}  # "не к Анне, а к Марии"
    found = match_catalogue([t for t in tokens if t.text not in own_name], catalogue)
    signals = find_signals(norm, tokens)
    alone = bare_name(text)
    other = (found.service_id, found.service_name, found.category_id, found.specialization)
    if (
        alone
        and " " in alone
        and acts.name is None
        and not signals | acts.signals
        and not any(other)
        and is_a_name(alone)
    ):
        if found.specialist_id is None:
            acts.name = alone  # "John Smith": a client giving their name
        elif match_catalogue(tokens[:1], catalogue).specialist_id != found.specialist_id:
            # "Пётр Иванов" is a client too, not Анна Иванова by her surname.
            acts.name = alone
            found = match_catalogue([], catalogue)
    pointed = "THAT_SPECIALIST" in acts.signals and found.specialist_id is None
    if pointed and last_specialist is not None:
        found.specialist_id, found.specialist_from_specialization = last_specialist, False
    if appointment_id is None and signals & {"CANCEL", "RESCHEDULE"}:
        # Only a number typed as digits: "cancel the manicure one" names no booking №1.
        typed = "".join(
            " " if w.isdigit() and n.isalpha() else w for w, n in zip(work, norm, strict=True)
        )
        appointment_id = bare_appointment_id(typed)

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
    entities.update(
        ordinal=acts.ordinal,
        time_shift=acts.time_shift,
        same_time=True if "SAME_TIME" in acts.signals else None,
        nearest=True if "NEAREST" in acts.signals else None,
        name=acts.name,
        phone=acts.phone,
        topic=acts.topic,
        language=acts.language,
        that_specialist=True if pointed else None,
        time_from=acts.time_from,
        other_specialist=True if "OTHER_SPECIALIST" in acts.signals else None,
    )
    refined = refine(intent, entities, signals, acts, norm)
    if refined == "inform" and not any(entities[k] for k in WHEN_KEYS) and not entities["phone"]:
        entities["name"] = entities["name"] or bare_name(text)
    if refined == "inform" and QUESTION.search(norm):
        refined = "unknown"  # "какая сегодня погода": a question, not a value
    # "who is the barber?": the one barber ("кто у вас барбер" of several lists them)
    keeps = SPECIALIZATION_FILLS_SPECIALIST | {
        "correct",
        "ask_schedule",
        "inform",
        "ask_specialist",
    }
    if found.specialist_from_specialization and refined not in keeps:
        entities["specialist_id"] = None
    intent = refined
    return Recognition(intent, entities, confidence, detect_language(text))


# A catalogue word the user rules out: "не к Анне, а к Марии", "not with Anna, with Maria".
RULED_OUT = re.compile(
    r"\bне\s+(?:к|ко|у|на|с|со)\s+(\w+)\s+(?:а|но)\b|\bnot\s+(?:with|at)\s+(\w+)\s+(?:but\s+)?\w"
)
WHEN_QUESTION = re.compile(r"\b(?:когда|when|what\s+time)\b")
QUESTION = re.compile(r"\b(?:как(?:ая|ой|ое|ие)|что|почему|зачем|what|why|how)\b")
WHEN_KEYS = ("date", "time", "time_of_day", "same_time", "time_shift")
CATALOGUE_KEYS = ("specialist_id", "service_id", "service_name", "category_id", "specialization")


def refine(intent: str, entities: dict, signals: set[str], acts, norm: str = "") -> str:  # noqa: ANN001, C901, PLR0911, PLR0912
    """The dialog act or question a message is, over the booking intent of :func:`classify`.

    Rules in order (the first that holds wins); the phrases are in ``vocabulary.yaml``.
    """
    named = any(entities[k] is not None for k in CATALOGUE_KEYS)
    when = any(entities[k] is not None for k in WHEN_KEYS)
    said = acts.signals
    if acts.yes and not named and not when:
        return "confirm"
    if acts.no and not named and not when:
        return "deny"
    if "STOP" in said and intent not in ("cancel_appointment",) or ("STOP" in said and not named):
        return "stop"
    if acts.language or "LANG_ANY" in said:
        return "set_language"
    if "PRICE" in said and named:
        return "ask_price"
    if "WHO_DOES" in said and not named:
        return "ask_specialist"  # "кто будет делать?": the dialog knows whose booking it is
    if "DURATION" in said and (named or intent == "unknown") and "WHO_IS" not in said:
        return "ask_duration"  # "а сколько длится?": of what was just talked about
    if intent == "help":
        return intent
    if "SCHEDULE" in said and (entities["specialist_id"] or entities["specialization"]):
        return "ask_schedule"
    if (
        "WHO_IS" in said
        and entities["specialist_id"]
        and intent
        not in (
            "cancel_appointment",
            "reschedule_appointment",
        )
    ):
        return "ask_specialist"
    if acts.topic and not named and not (acts.topic == "phone" and acts.phone):
        return "business_info"  # (but "мой номер телефона +7..." gives one's own number)
    if "REGISTER" in said or intent == "register" or (acts.name and acts.phone):
        return "register"
    if entities["appointment_id"] is not None:
        entities["ordinal"] = None
    elif (
        entities["ordinal"] is not None
        and not named
        and not entities["date"]
        and not signals & {"CANCEL", "RESCHEDULE"}  # "отмените вторую": which booking
    ):
        return "choose"
    changing = intent in ("cancel_appointment", "reschedule_appointment") and (
        signals & {"APPOINTMENT", "MY", "BOOKED", "CANCEL"} or entities["appointment_id"]
    )
    if ("CORRECT" in said or acts.time_shift) and not changing:
        return "correct"
    if "NEAREST" in said:
        if WHEN_QUESTION.search(norm) or intent == "available_slots":
            return "available_slots"
        if intent in ("find_specialist", "unknown", "list_services"):
            return "book_appointment"
    if "BYE" in said and not named and not when and intent not in ("help", "register"):
        return "goodbye"  # "goodbye, have a nice day" (its "good..." is no wish for a good master)
    if intent == "unknown":
        if "THANKS" in said:
            return "thanks"
        if "BYE" in said:
            return "goodbye"
        if when or acts.phone or acts.name:
            return "inform"
    if intent == "greeting" and "BYE" in said:
        return "goodbye"
    return intent
