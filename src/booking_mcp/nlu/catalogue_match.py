"""Fuzzy matching of an utterance against the live catalogue.

Every catalogue name is split into words; every word gets a set of *forms*
(lemma, transliteration, and for proper names a crude stem).  A word of the
utterance matches a catalogue word when their forms intersect, or - for words
the Russian dictionary does not know, i.e. probable typos, and for
transliterated names - when they are within a couple of typos (:func:`similar`).

Matching order, and why:

1. **Specializations** (from the specialists' ``extra``) must match *all* their
   words ("мастер маникюра", "стоматолог").  The utterance words they use are
   then taken, so "к мастеру маникюра" does not also name the service "Маникюр".
2. **Services, categories, cities**: the entry whose significant words are best
   covered wins ("стрижка" -> "Стрижка женская"); a tie between entries means
   the text is ambiguous and nothing is chosen.  Generic words ("услуга",
   "мастер", ...) never match on their own.
3. **Specialists** by name: one matching name word is enough ("к Анне").

The synonym tables (English and colloquial words -> catalogue words, one- and
two-word keys) live in :mod:`.synonyms`; a table below holds a vocabulary of
service words used to fill ``service_name`` when a service is not in the
catalogue ("хочу на эпиляцию" -> ``service_name="эпиляция"``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

from .models import Catalogue
from .synonyms import EXCLUSIVE_GROUPS, SYNONYMS
from .text import Token, is_known, name_stem, normalize, similar, tokenize, translit

# Words that are part of many names and therefore mean nothing on their own.
# fmt: off
GENERIC_WORDS = frozenset({
    "мастер", "специалист", "врач", "доктор", "сервис", "услуга", "салон", "клиника",
    "master", "specialist", "doctor", "service", "salon", "clinic", "the", "of", "and",
    "для", "по", "и", "санкт", "с", "со", "в", "на", "у", "к", "with", "for", "in", "at", "to",
    "a", "an",
})
# fmt: on

# Service words recognised even when the catalogue does not offer them.
# fmt: off
SERVICE_WORDS = frozenset({
    "маникюр", "педикюр", "стрижка", "окрашивание", "мелирование", "укладка", "массаж",
    "эпиляция", "депиляция", "шугаринг", "макияж", "пилинг", "чистка", "отбеливание",
    "пломба", "имплант", "наращивание", "ламинирование", "татуаж", "кератин", "тату",
    "пирсинг", "консультация", "рентген", "бровь", "ресница",
    "manicure", "pedicure", "haircut", "massage", "waxing", "facial", "makeup", "peeling",
    "whitening", "filling", "highlights", "extensions", "lamination", "consultation",
    "brows", "eyebrows", "lashes",
})
# fmt: on

_KINDS_WITH_NAME_STEMS = frozenset({"specialist", "city"})


@dataclass(frozen=True)
class _Word:
    """One word of a catalogue name with the forms it can be met in."""

    text: str
    forms: frozenset[str]
    significant: bool


@dataclass(frozen=True)
class _Entry:
    kind: str  # "specialization" | "service" | "category" | "city" | "specialist"
    value: int | str  # item id, or the canonical text for specializations and cities
    words: tuple[_Word, ...]
    owner: int | None = None  # for a service: the specialist who offers it


@dataclass
class CatalogueMatch:
    """What the utterance names from the catalogue (``None`` when nothing or ambiguous)."""

    specialist_id: int | None = None
    service_id: int | None = None
    service_name: str | None = None
    category_id: int | None = None
    specialization: str | None = None
    city: str | None = None
    specialist_ids_for_specialization: tuple[int, ...] = field(default=())
    # True when specialist_id was not named but inferred from a specialization that
    # exactly one specialist has (the recognizer keeps it only for some intents).
    specialist_from_specialization: bool = False


def _target_words(name: str, kind: str) -> tuple[_Word, ...]:
    words = []
    for token in tokenize(normalize(name)):
        forms = {token.text, token.lemma, translit(token.lemma), translit(token.text)}
        if kind in _KINDS_WITH_NAME_STEMS:
            forms |= {name_stem(token.text), name_stem(token.lemma)}
        words.append(_Word(token.lemma, frozenset(forms), token.lemma not in GENERIC_WORDS))
    return tuple(words)


def _is_latin(text: str) -> bool:
    return text.isascii()


def _names_alike(alias: str, name: str) -> bool:
    """True when a Latin alias spells the same person as a Cyrillic name ("Anna" ~ "Анна")."""
    wanted = [translit(t.text) for t in tokenize(normalize(name))]
    return any(
        any(_fuzzy(word.text, target) for target in wanted)
        for word in tokenize(normalize(alias))
        if len(word.text) >= 3
    )


@lru_cache(maxsize=16)
def build_index(catalogue: Catalogue) -> tuple[_Entry, ...]:  # noqa: C901
    """All matchable entries of a catalogue (cached: catalogues are immutable).

    A Latin ``extra`` (an English name) becomes another entry with the same value: for a
    service or a category an alias of its name (a service's category name, in either
    language, is skipped: it names the category, not the service); for a specialist an alias
    of their name when it spells the same person, else of their (first) specialization.
    """
    entries: list[_Entry] = []
    seen_specializations: set[str] = set()
    category_names = {
        normalize(text) for item in catalogue.categories for text in (item.name, *item.extra)
    }

    def add_specialization(alias: str, canonical: str) -> None:
        key = normalize(alias)
        if key and key not in seen_specializations:
            seen_specializations.add(key)
            entries.append(
                _Entry("specialization", canonical, _target_words(alias, "specialization"))
            )

    for item in catalogue.specialists:
        entries.append(_Entry("specialist", item.id, _target_words(item.name, "specialist")))
        own = [spec for spec in item.extra if not _is_latin(spec)]
        for spec in item.extra:
            if not _is_latin(spec):
                add_specialization(spec, spec)
            elif _names_alike(spec, item.name):
                entries.append(_Entry("specialist", item.id, _target_words(spec, "specialist")))
            else:
                add_specialization(spec, own[0] if own else spec)
    for item in catalogue.services:
        for text in (item.name, *(e for e in item.extra if _is_latin(e))):
            if text is item.name or normalize(text) not in category_names:
                entries.append(
                    _Entry("service", item.id, _target_words(text, "service"), item.owner)
                )
    for item in catalogue.categories:
        for text in (item.name, *(e for e in item.extra if _is_latin(e))):
            entries.append(_Entry("category", item.id, _target_words(text, "category")))
    for city in catalogue.cities:
        entries.append(_Entry("city", city, _target_words(city, "city")))
    return tuple(entries)


@dataclass(frozen=True)
class _Probe:
    """An utterance word (or a synonym standing in for it) ready for matching."""

    index: int  # position of the originating token
    text: str
    forms: frozenset[str]
    may_be_typo: bool
    # Crude stems and transliterations, for names ("Анне" ~ "Анна"): not for job titles,
    # where "косметологию" would pass for "косметолог".
    loose: frozenset[str] = frozenset()


def _probes(tokens: list[Token]) -> list[_Probe]:
    probes = []
    for index, token in enumerate(tokens):
        # Two-word synonyms ("nail technician", "massage therapist") stand in for both words.
        if index + 1 < len(tokens):
            following = tokens[index + 1]
            for first in token.forms:
                for second in following.forms:
                    for synonym in SYNONYMS.get(f"{first} {second}", ()):
                        for position in (index, index + 1):
                            probes.append(_Probe(position, synonym, frozenset({synonym}), False))
        if len(token.text) < 3 or token.text.isdigit():
            continue
        loose = {name_stem(token.text), name_stem(token.lemma), translit(token.lemma)}
        probes.append(
            _Probe(
                index,
                token.text,
                frozenset(token.forms),
                not is_known(token.text),
                frozenset(loose) - set(token.forms),
            )
        )
        for lemma in (*token.forms, *_misspelt_synonym(token.text)):
            for synonym in SYNONYMS.get(lemma, ()):
                probes.append(_Probe(index, synonym, frozenset({synonym}), False))
    return probes


_LATIN_KEYS = tuple(key for key in SYNONYMS if key.isascii() and " " not in key and len(key) >= 6)


@lru_cache(maxsize=5_000)
def _misspelt_synonym(word: str) -> tuple[str, ...]:
    """The English synonym a misspelt English word stands for ("manicre" -> "manicure")."""
    if not word.isascii() or len(word) < 6 or word in SYNONYMS:
        return ()
    return tuple(key for key in _LATIN_KEYS if similar(word, key))[:1]


@lru_cache(maxsize=50_000)
def _fuzzy(probe_text: str, target: str) -> bool:
    """Typo-tolerant comparison, also across scripts ("елена" ~ "elena")."""
    if probe_text.isascii() != target.isascii():
        probe_text, target = translit(probe_text), translit(target)
    return similar(probe_text, target)


def _word_hits(
    word: _Word, probes: list[_Probe], taken: set[int], fuzzy_from: int = 5, across: bool = True
) -> set[int]:
    """Token indices whose probe matches a catalogue word.

    ``fuzzy_from`` is the shortest utterance word allowed to match with a typo
    (names use 6, so that "brows" does not become "Brown"); ``across`` allows a loose match
    with the other alphabet (names: "Елене" ~ "Elena"; not job titles, where "cosmetology"
    would pass for "косметолог").
    """
    hits = set()
    for probe in probes:
        if probe.index in taken:
            continue
        if probe.forms & word.forms or (across and probe.loose & word.forms):
            hits.add(probe.index)
        elif (
            probe.may_be_typo
            and len(probe.text) >= fuzzy_from
            and (across or probe.text.isascii() == word.text.isascii())
            and _fuzzy(probe.text, word.text)
        ):
            hits.add(probe.index)
        elif (
            across and probe.text.isascii() != word.text.isascii() and _fuzzy(probe.text, word.text)
        ):
            hits.add(probe.index)  # the other alphabet: "Елене" ~ "Elena", "Maria" ~ "Мария"
    return hits


def _excluded(entry: _Entry, probes: list[_Probe]) -> bool:
    """True when the utterance asks for another qualifier of a group the entry has one of."""
    for group in EXCLUSIVE_GROUPS:
        own = {form for word in entry.words for form in word.forms} & group
        if not own:
            continue
        asked = {form for probe in probes for form in probe.forms} & group
        if asked and not asked & own:
            return True
    return False


@dataclass(frozen=True)
class _Score:
    """How well an entry is covered: the share of its significant words found, then how
    many (so "маникюр с гель-лаком" picks the gel-polish service over plain "Маникюр")."""

    share: float
    found: int
    entry: _Entry

    @property
    def key(self) -> tuple[float, int]:
        return (self.share, self.found)


def _coverage(entry: _Entry, probes: list[_Probe], taken: set[int]) -> tuple[_Score, set[int]]:
    """(the entry's score, token indices used)."""
    if _excluded(entry, probes):
        return _Score(0.0, 0, entry), set()
    significant = [word for word in entry.words if word.significant] or list(entry.words)
    fuzzy_from = 6 if entry.kind == "specialist" else 5
    used: set[int] = set()
    found = 0
    for word in significant:
        hits = _word_hits(word, probes, taken, fuzzy_from)
        if hits:
            found += 1
            used |= hits
    return _Score(found / len(significant), found, entry), used


def _best(scored: list[_Score]) -> _Entry | None:
    """The single best entry, or None when nothing matched or the top is a tie.

    Aliases of one item (its English name) are one candidate, scored by the best of them.
    """
    best: dict[int | str, _Score] = {}
    for score in scored:
        if score.share > 0:
            value = score.entry.value
            if value not in best or score.key > best[value].key:
                best[value] = score
    if not best:
        return None
    ranked = sorted(best.values(), key=lambda item: item.key, reverse=True)
    if len(ranked) > 1 and ranked[1].key == ranked[0].key:
        return None
    return ranked[0].entry


def match_catalogue(tokens: list[Token], catalogue: Catalogue) -> CatalogueMatch:
    """Find specialists, services, categories, specializations and cities named in the text."""
    result = CatalogueMatch()
    entries = build_index(catalogue)
    probes = _probes(tokens)
    taken: set[int] = set()

    # 1. Specializations: every word must be present.
    for entry in entries:
        if entry.kind != "specialization":
            continue
        hits = [_word_hits(word, probes, taken, across=False) for word in entry.words]
        if all(hits):
            result.specialization = str(entry.value)
            taken |= set().union(*hits)
            break

    # 2. Services, categories and cities: best coverage wins, ties are ambiguous.
    service_hits: set[int] = set()
    services: list[_Score] = []
    for kind in ("service", "category", "city"):
        scored = []
        for entry in entries:
            if entry.kind == kind:
                score, used = _coverage(entry, probes, taken)
                scored.append(score)
                if kind == "service" and score.share:
                    service_hits |= used
        if kind == "service":
            services = scored
            continue
        best = _best(scored)
        if best is None:
            continue
        if kind == "category":
            result.category_id = int(best.value)
        else:
            result.city = str(best.value)

    # 3. Specialists by name.
    scored = []
    for entry in entries:
        if entry.kind == "specialist":
            score, _ = _coverage(entry, probes, taken)
            scored.append(score)
    best = _best(scored)
    if best is not None:
        result.specialist_id = int(best.value)
    if result.specialization is not None:
        wanted = normalize(result.specialization)
        owners = tuple(
            item.id
            for item in catalogue.specialists
            if any(normalize(spec) == wanted for spec in item.extra)
        )
        result.specialist_ids_for_specialization = owners
        if result.specialist_id is None and len(owners) == 1:
            result.specialist_id = owners[0]
            result.specialist_from_specialization = True

    # 2b. The service: among those of the specialist (or specialization) named, when any of
    # theirs matches ("мужская стрижка у барбера": the barber's, not the hairdresser's).
    named = (
        {result.specialist_id}
        if result.specialist_id is not None
        else set(result.specialist_ids_for_specialization)
    )
    theirs = [
        s for s in services if s.share and s.entry.owner is not None and s.entry.owner in named
    ]
    best = _best(theirs or services)
    if best is not None:
        result.service_id = int(best.value)
        result.service_name = next(
            item.name for item in catalogue.services if item.id == best.value
        )

    elif (shared := _shared_name(theirs or services, catalogue)) is not None:
        result.service_name = shared  # "haircuts for men": both "Стрижка мужская", by name

    # 4. A service word that the catalogue does not (unambiguously) know.
    if result.service_name is None:
        result.service_name = _service_word(tokens, taken, service_hits)
    return result


def _shared_name(scored: list[_Score], catalogue: Catalogue) -> str | None:
    """The catalogue name of the services tied at the top when they all bear it (one
    service offered by several specialists), else None."""
    ranked = sorted((s for s in scored if s.share > 0), key=lambda s: s.key, reverse=True)
    if not ranked:
        return None
    top = {s.entry.value for s in ranked if s.key == ranked[0].key}
    names = {item.name for item in catalogue.services if item.id in top}
    return names.pop() if len(names) == 1 else None


def _service_word(tokens: list[Token], taken: set[int], service_hits: set[int]) -> str | None:
    for index, token in enumerate(tokens):
        if index in taken:
            continue
        for form in token.forms:
            if form in SERVICE_WORDS:
                return form
            for synonym in SYNONYMS.get(form, ()):
                if synonym in SERVICE_WORDS:
                    return synonym  # "бровки" -> "бровь"
        if index in service_hits:
            return token.lemma  # matched several catalogue services equally well
    return None
