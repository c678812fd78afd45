"""Synonym tables for catalogue matching (plain data - extend these, not the code).

Each table maps an utterance word - its surface form or lemma, lower case, "ё"
written as "е" - or a two-word phrase ("nail technician") to the catalogue words it
also stands for.  Catalogue words are compared by lemma, so "мужской" matches
"Стрижка мужская" and "лицо" matches "Чистка лица".  A specialization matches
only when *all* its words are present, so a job title maps to every word of the
specialization ("manicurist" -> "мастер" + "маникюр").

:data:`SYNONYMS` merges all the tables; :mod:`.catalogue_match` reads it and
:data:`EXCLUSIVE_GROUPS` (qualifiers such as men's/women's that rule an entry out).
"""

from __future__ import annotations

from .acts import vocabulary

# English job titles -> the words of the Russian specializations (and back, for a
# catalogue that spells its specializations in English).
# fmt: off
JOB_TITLES: dict[str, tuple[str, ...]] = {
    "cosmetologist": ("косметолог",), "cosmetician": ("косметолог",),
    "beautician": ("косметолог",), "esthetician": ("косметолог",),
    "aesthetician": ("косметолог",),
    "dentist": ("стоматолог",), "dental surgeon": ("стоматолог",),
    "barber": ("барбер",),
    "hairdresser": ("парикмахер",), "hairstylist": ("парикмахер",),
    "hair stylist": ("парикмахер",), "hair dresser": ("парикмахер",),
    "stylist": ("парикмахер",),
    "masseuse": ("массажист", "massage", "therapist"),
    "masseur": ("массажист", "massage", "therapist"),
    "massage therapist": ("массажист",), "massagist": ("массажист", "massage", "therapist"),
    "manicurist": ("мастер", "маникюр"), "nail technician": ("мастер", "маникюр"),
    "nail tech": ("мастер", "маникюр"), "nail master": ("мастер", "маникюр"),
    "nail artist": ("мастер", "маникюр"), "nail specialist": ("мастер", "маникюр"),
    "pedicurist": ("мастер", "педикюр"),
    "brow master": ("бровист",), "browist": ("бровист",),
    "lash master": ("лешмейкер",), "lash maker": ("лешмейкер",),
    "makeup artist": ("визажист",), "make up artist": ("визажист",),
    "visagiste": ("визажист",),
    # Russian colloquial job titles
    "маникюрша": ("мастер", "маникюр"), "маникюрщица": ("мастер", "маникюр"),
    "зубной": ("стоматолог",), "дантист": ("стоматолог",),
    "массажист": ("massage", "therapist"), "массажистка": ("массажист", "massage", "therapist"),
    "стилист": ("парикмахер",), "парикмахерша": ("парикмахер",),
    "барбершоп": ("барбер",),
}
# fmt: on

# English and colloquial service words -> Russian catalogue vocabulary.
# fmt: off
SERVICE_TERMS: dict[str, tuple[str, ...]] = {
    "manicure": ("маникюр",), "pedicure": ("педикюр",), "haircut": ("стрижка",),
    "hair cut": ("стрижка",),
    "hair": ("волос",), "colouring": ("окрашивание",), "coloring": ("окрашивание",),
    "dye": ("окрашивание",), "massage": ("массаж",), "teeth": ("зуб",), "tooth": ("зуб",),
    "cleaning": ("чистка",), "dental": ("стоматология",), "dentistry": ("стоматология",),
    "nail": ("ногтевой",), "nails": ("ногтевой",),
    # "facial" names only the face: with "чистка" alone it would pick "Чистка зубов".
    "facial": ("лицо",), "face": ("лицо",), "facials": ("лицо",),
    "cosmetology": ("косметология",), "beard": ("борода",), "shave": ("бритье",),
    "eyebrows": ("бровь",), "brows": ("бровь",), "lashes": ("ресница",),
    # Who the service is for ("men's haircut", "womens haircut", "стрижка для мужчин")
    "men": ("мужской",), "man": ("мужской",), "male": ("мужской",), "gents": ("мужской",),
    "gent": ("мужской",), "gentlemen": ("мужской",), "мужчина": ("мужской",),
    "kids": ("детский",), "kid": ("детский",), "children": ("детский",), "child": ("детский",),
    "ребенок": ("детский",), "дети": ("детский",),
    "women": ("женский",), "woman": ("женский",), "female": ("женский",),
    "ladies": ("женский",), "lady": ("женский",), "женщина": ("женский",),
    # Russian colloquial forms
    "ноготь": ("ногтевой",), "покраска": ("окрашивание",), "покрасить": ("окрашивание",),
    "покраситься": ("окрашивание",), "подстричься": ("стрижка",),
    "подстричь": ("стрижка",), "постричься": ("стрижка",), "постричь": ("стрижка",),
    "почистить": ("чистка",),
}
# fmt: on

# Everyday short names -> full first names.
# fmt: off
SHORT_NAMES: dict[str, tuple[str, ...]] = {
    "аня": ("анна",), "анечка": ("анна",), "маша": ("мария",), "машенька": ("мария",),
    "лена": ("елена",), "леночка": ("елена",), "оля": ("ольга",), "катя": ("екатерина",),
    "настя": ("анастасия",), "таня": ("татьяна",), "наташа": ("наталья",),
    "света": ("светлана",), "юля": ("юлия",), "ира": ("ирина",), "женя": ("евгения", "евгений"),
    "саша": ("александра", "александр"), "дима": ("дмитрий",), "миша": ("михаил",),
    "ваня": ("иван",), "коля": ("николай",), "сережа": ("сергей",), "леша": ("алексей",),
    "вова": ("владимир",), "кристина": ("кристина",),
}
# fmt: on

# City nicknames and English spellings.
# fmt: off
CITY_NAMES: dict[str, tuple[str, ...]] = {
    "moscow": ("москва",), "мск": ("москва",), "питер": ("санкт", "петербург"),
    "спб": ("санкт", "петербург"), "spb": ("санкт", "петербург"),
    "petersburg": ("петербург",), "st petersburg": ("санкт", "петербург"),
    "saint petersburg": ("санкт", "петербург"),
}
# fmt: on

# Mutually exclusive qualifiers: a catalogue entry carrying one of them does not match
# an utterance that asks for another ("men's haircut" is never "Стрижка женская").
# fmt: off
EXCLUSIVE_GROUPS: tuple[frozenset[str], ...] = (
    frozenset({"мужской", "женский", "детский"}),
)
# fmt: on

# Diminutive and colloquial words kept as data in vocabulary.yaml ("маникюрчик", "зубки").
COLLOQUIAL: dict[str, tuple[str, ...]] = {
    word: tuple(targets) for word, targets in vocabulary()["synonyms"].items()
}

_TABLES: dict[str, tuple[str, ...]] = {
    **COLLOQUIAL,
    **JOB_TITLES,
    **SERVICE_TERMS,
    **SHORT_NAMES,
    **CITY_NAMES,
}


def _expand(word: str) -> tuple[str, ...]:
    """The targets of ``word`` and, one step further, of its targets ("mani" -> "manicure"
    -> "маникюр"), so a colloquial English word reaches the Russian catalogue."""
    targets = list(_TABLES[word])
    for target in _TABLES[word]:
        targets += [t for t in _TABLES.get(target, ()) if t not in targets and t != word]
    return tuple(targets)


SYNONYMS: dict[str, tuple[str, ...]] = {word: _expand(word) for word in _TABLES}
