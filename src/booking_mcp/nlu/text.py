"""Text normalisation, tokenisation, lemmatisation and fuzzy word comparison.

Everything the other modules need to look at words lives here:

* :func:`normalize` – lower-case, ``ё`` -> ``е``, emoji/punctuation -> spaces
  (characters that matter for dates, times, ids, phones and prices –
  ``: . / - # № + $ € ₽ £`` – are kept);
* :func:`tokenize` – word tokens with their character spans and lemmas
  (pymorphy3 for Russian, the word itself for English);
* :func:`similar` / :func:`prefix_similar` – typo-tolerant comparisons built on
  rapidfuzz edit distances;
* :func:`name_stem` – a crude ending stripper for proper names, which pymorphy3
  does not always know ("Анне" -> "анн", the same as "Анна");
* :func:`translit` – Cyrillic -> Latin, so "Елене" can match "Elena";
* :func:`detect_language`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import pymorphy3
from rapidfuzz.distance import OSA, Levenshtein

_MORPH: pymorphy3.MorphAnalyzer | None = None


def morph() -> pymorphy3.MorphAnalyzer:
    """The process-wide pymorphy3 analyser (loading it takes ~0.1 s, so do it once)."""
    global _MORPH
    if _MORPH is None:
        _MORPH = pymorphy3.MorphAnalyzer(lang="ru")
    return _MORPH


# Characters kept by normalize(): letters, digits, whitespace, date/time punctuation,
# and the "+" and currency signs that tell phone numbers and prices from ids.
_JUNK = re.compile(r"[^0-9a-zа-я\s:./\-#№'+$€₽£]+")
_SPACES = re.compile(r"\s+")
_WORD = re.compile(r"[a-zа-я]+|\d+")
_CYRILLIC = re.compile(r"[а-яё]", re.IGNORECASE)
_LATIN = re.compile(r"[a-z]", re.IGNORECASE)


def normalize(text: str) -> str:
    """Lower-case, unify ``ё``, drop emoji and most punctuation, collapse spaces."""
    text = text.lower().replace("ё", "е").replace("’", "'")
    text = _JUNK.sub(" ", text)
    text = text.replace("'", " ")
    return _SPACES.sub(" ", text).strip()


def detect_language(text: str) -> str:
    """``"en"`` when Latin letters outnumber Cyrillic ones, otherwise ``"ru"``."""
    latin = len(_LATIN.findall(text))
    cyrillic = len(_CYRILLIC.findall(text))
    return "en" if latin > cyrillic else "ru"


_REPEATS = re.compile(r"(.)\1+")


@lru_cache(maxsize=20_000)
def lemmas(word: str) -> tuple[str, ...]:
    """Possible dictionary forms of ``word``, most likely first.

    Russian words go through pymorphy3; a word stretched with repeated letters
    ("моии", "приииивет") is read as its squeezed form when that is a real word.
    English words map to themselves plus a naive singular ("dentists" -> "dentist").
    """
    if not _CYRILLIC.search(word):
        if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
            return (word, word[:-3] + "y" if word.endswith("ies") else word[:-1])
        return (word,)
    squeezed = _REPEATS.sub(r"\1", word)
    if squeezed != word and not morph().word_is_known(word) and morph().word_is_known(squeezed):
        word = squeezed
    forms: list[str] = []
    for parse in morph().parse(word)[:4]:
        if parse.normal_form not in forms:
            forms.append(parse.normal_form)
    return tuple(forms)


@lru_cache(maxsize=20_000)
def is_known(word: str) -> bool:
    """True for a real Russian dictionary word: such words are never treated as typos."""
    return bool(_CYRILLIC.search(word)) and morph().word_is_known(word)


@dataclass(frozen=True)
class Token:
    """One word or number of the normalised text."""

    text: str
    start: int
    end: int
    lemmas: tuple[str, ...]

    @property
    def lemma(self) -> str:
        return self.lemmas[0]

    @property
    def forms(self) -> tuple[str, ...]:
        """The surface form followed by the lemmas (deduplicated)."""
        if self.lemmas[0] == self.text:
            return self.lemmas
        return (self.text, *self.lemmas)


def tokenize(text: str) -> list[Token]:
    """Split normalised text into word/number tokens with spans and lemmas."""
    tokens = []
    for match in _WORD.finditer(text):
        word = match.group()
        forms = (word,) if word.isdigit() else lemmas(word)
        tokens.append(Token(word, match.start(), match.end(), forms))
    return tokens


def max_typos(length: int) -> int:
    """How many edits we forgive in a word of this length (short words must be exact)."""
    if length < 5:
        return 0
    return 1 if length < 9 else 2


def similar(word: str, target: str) -> bool:
    """True if ``word`` equals ``target`` up to a length-dependent number of typos.

    Uses the optimal-string-alignment distance, so a swap of two adjacent letters
    ("маникрю" for "маникюр") counts as one typo.
    """
    if word == target:
        return True
    allowed = max_typos(len(target))
    if not allowed or abs(len(word) - len(target)) > allowed:
        return False
    return OSA.distance(word, target, score_cutoff=allowed) <= allowed


def prefix_similar(word: str, stem: str) -> bool:
    """True if ``word`` starts with ``stem``, allowing one typo for stems of 5+ letters."""
    if word.startswith(stem):
        return True
    if len(stem) < 5 or len(word) < len(stem) - 1:
        return False
    return any(
        Levenshtein.distance(word[:size], stem, score_cutoff=1) <= 1
        for size in (len(stem) - 1, len(stem), len(stem) + 1)
    )


# Case endings removed by name_stem(), longest first.
# fmt: off
_NAME_ENDINGS = (
    "ами", "ями", "ого", "его", "ому", "ему", "ыми", "ими",
    "ой", "ей", "ом", "ем", "ою", "ею", "ах", "ях", "ам", "ям", "ым", "им", "ую", "ию",
    "а", "я", "е", "и", "у", "ю", "ы", "о", "ь", "й",
)
# fmt: on


@lru_cache(maxsize=20_000)
def name_stem(word: str) -> str:
    """Strip one Russian case ending so inflected names meet: "анне"/"анна" -> "анн"."""
    if not _CYRILLIC.search(word):
        return word
    for ending in _NAME_ENDINGS:
        if word.endswith(ending) and len(word) - len(ending) >= 3:
            return word[: -len(ending)]
    return word


# fmt: off
_TRANSLIT = str.maketrans(
    {
        "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ж": "zh", "з": "z",
        "и": "i", "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p",
        "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts", "ч": "ch",
        "ш": "sh", "щ": "sch", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "yu", "я": "ya",
    }
)
# fmt: on


def translit(word: str) -> str:
    """Rough Cyrillic -> Latin transliteration ("казань" -> "kazan")."""
    return word.translate(_TRANSLIT)
