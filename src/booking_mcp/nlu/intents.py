"""Intent classification from keyword tables.

How it works (all tables below are plain data - extend them, not the code):

1. :data:`PHRASES` - multi-word regular expressions are searched in the
   normalised text first ("не смогу прийти", "what can you do"); the words they
   cover are not looked at again.
2. :data:`KEYWORDS` - every remaining word is compared with keyword *stems*
   (its surface form first, then its lemmas).  A stem of 4+ letters matches any
   word starting with it ("отмен" -> "отмените", "отмена"); shorter keywords must
   match the whole word ("my", "кто").  The longest stem wins, so "записан"
   (= "I am booked") beats "запис" (= "booking").  Words unknown to the
   dictionary may differ from a 5+ letter stem by one typo ("запеши", "отминить",
   "cancell").
3. Each found *signal* and each kind of extracted entity (``@catalogue``,
   ``@when`` ...) adds the weights of :data:`INTENT_WEIGHTS` to the intents.
   A weight named ``"A+B"`` applies when *all* its parts are present
   ("CANCEL+BOOK": cancel one thing and book another = reschedule); a negative
   weight holds an intent back (a question such as "есть ли ...?" is not an
   order to book).  The best total wins; ties go to the intent listed first in
   :data:`PRIORITY`.  Totals below :data:`MIN_SCORE` give ``unknown``.

Guiding rules behind the tables: an explicit booking verb ("запишите", "book
me") means ``book_appointment``; a question about availability ("есть ли ...",
"можно ли ...", "anything on Friday?") means ``available_slots`` when it names a
day or a time and ``list_services`` otherwise; asking *how* to book, or saying
one is lost, means ``help``; asking for a recommendation ("посоветуйте", "a good
...") or needing a kind of specialist without a date means ``find_specialist``.
"""

from __future__ import annotations

import math
import re
from functools import lru_cache

from .text import Token, is_known, prefix_similar

# Signal -> keyword stems (Russian and English, lower case, "ё" written as "е").
# fmt: off
KEYWORDS: dict[str, tuple[str, ...]] = {
    "BOOK": (
        "запиш", "записат", "записыв", "забронир", "бронир", "запишусь", "прийти", "приду",
        "book", "schedule", "reserve",
    ),
    "WANT": ("хотеть", "хотеться", "хочу", "можно", "нужно", "нужный", "надо", "want", "wanna",
             "need", "like"),
    "CANCEL": ("отмен", "cancel", "удали", "удалит", "аннулир", "отказат", "отказыв", "сними",
               "снять"),
    "RESCHEDULE": (
        "перенес", "перенос", "перенест", "перезапис", "поменя", "сдвин", "передвин",
        "перемест", "измени", "отлож", "reschedul", "postpone", "move", "change", "shift",
        "push", "bump", "delay",
    ),
    "APPOINTMENT": ("запис", "визит", "брон", "appointment", "booking", "reservation", "visit"),
    "BOOKED": ("записан", "записал", "booked", "scheduled"),
    "MY": ("мой", "my", "mine"),
    "FREE": ("свобод", "free", "availab", "окошк", "окно", "окошечк", "слот", "slot", "vacanc",
             "opening"),
    "SERVICES": (
        "услуг", "прайс", "цена", "ценник", "расценк", "стоимост", "стоит", "процедур",
        "меню", "service", "price", "pricing", "cost", "menu", "treatment", "offer",
    ),
    "SPECIALISTS": (
        "мастер", "мастерица", "специалист", "врач", "доктор", "сотрудник", "персонал",
        "master", "specialist", "doctor", "staff", "stylist", "employee", "team",
    ),
    "SHOW": ("покаж", "показ", "список", "какой", "каков", "перечисл", "есть", "show", "list",
             "which"),
    "WHO": ("кто", "who"),
    "FIND": ("найд", "найти", "поиск", "искать", "ищу", "посовет", "совет", "порекоменд",
             "рекоменд", "find", "search", "recommend", "suggest", "advise"),
    # Asking for a *good* one is asking to choose among specialists.
    "QUALITY": ("хороший", "лучший", "толковый", "опытный", "проверенный", "нормальный",
                "good", "best", "experienced", "decent", "reliable"),
    "INSTEAD": ("вместо", "взамен", "instead"),
    "GREET": ("привет", "приветик", "здравств", "здрасьт", "здрасте", "хай", "салют",
              "hi", "hello", "hey", "hiya", "howdy", "хелло", "ку", "прив", "helo", "hallo",
              "hii", "heya"),
    "HELP": ("помощ", "помог", "помоч", "справк", "команд", "инструкц", "help", "assist",
             "умеешь", "умеете"),
    "REGISTER": ("регистр", "зарегистр", "зарега", "регнуться", "register", "registration",
                 "signup", "аккаунт", "account"),
    "CLIENT": ("клиент", "client", "customer"),
}
# fmt: on

# Signal -> regular expressions over the normalised text (checked before KEYWORDS).
# fmt: off
PHRASES: dict[str, tuple[str, ...]] = {
    "CANCEL": (
        r"не\s+(?:смогу|сможем|получится|успею|успеваю)\s+(?:прийти|придти|приехать|подойти)",
        r"не\s+(?:приду|придем|прийду)", r"can\s*not\s+(?:come|make\s+it)",
        r"can\s*t\s+(?:come|make\s+it)", r"won\s*t\s+(?:come|make\s+it)", r"call\s+off",
    ),
    "RESCHEDULE": (
        r"друг(?:ое|ой|ую)\s+(?:время|день|дату)", r"(?:another|different)\s+(?:time|day|date)",
        r"\bput\s+off\b", r"\bbring\s+(?:it\s+)?forward\b", r"\bpush\s+back\b",
    ),
    # How to use the bot / how to book: a request for instructions, not a booking.
    "HOWTO": (
        r"\bкак\s+(?:мне\s+|у\s+вас\s+|тут\s+|здесь\s+|можно\s+|же\s+)*"
        r"(?:записаться|записать\w*|забронировать|сделать\s+запись|пользоваться|работать)\b",
        r"\bhow\s+(?:do|can|should|would)\s+i\s+(?:book|make\s+an?\s+(?:appointment|booking)"
        r"|use|get\s+an?\s+appointment|sign\s+up\s+for)",
        r"\bhow\s+to\s+(?:book|make\s+an?\s+(?:appointment|booking)|use)\b",
    ),
    # Being lost ("не понимаю", "I'm confused").
    "LOST": (
        r"\bне\s+(?:понимаю|понятно|понял\w*|разобрал\w*|разберусь|могу\s+разобраться"
        r"|знаю\s+как|соображу)", r"\bзапутал\w*", r"\bdon\s*t\s+(?:understand|get\s+it"
        r"|know\s+how)", r"\bconfus\w*", r"\bnot\s+sure\s+how\b", r"\bi\s*m\s+lost\b",
    ),
    # A question about what there is ("есть ли", "можно ли", "anything on Friday?").
    "ASK": (
        r"\bесть\s+ли\b", r"\bнет\s+ли\b", r"\bможно\s+ли\b", r"\bполучится\s+ли\b",
        r"\bнайд[её]тся\b", r"\bбудет\s+ли\b",
        r"\bесть\s+(?:у\s+вас\s+)?(?:что[\s-]?нибудь|что[\s-]?то|чего[\s-]?нибудь|кто[\s-]?нибудь"
        r"|кто[\s-]?то)",
        r"\b(?:что[\s-]?нибудь|что[\s-]?то)\s+(?:есть|будет|найдется)\b",
        r"\b(?:is|are)\s+there\b", r"\bis\s+anything\b", r"\banything\b",
        r"\bany\s+chance\b", r"\bgot\s+any",
        r"\bесть$",
    ),
    "MY": (r"\bу\s+меня\b", r"\bi\s+have\b"),
    "BOOKED": (r"\bam\s+i\s+(?:booked|scheduled)", r"\bя\s+записан", r"когда\s+у\s+меня"),
    "FREE": (
        r"когда\s+(?:можно|есть|свободн\w*)(?:\s+(?:записаться|записать\w*|прийти|подойти))?",
        r"есть\s+(?:ли\s+)?(?:время|места|место|окн\w*)",
        r"what\s+times?", r"when\s+(?:can|could)\s+i(?:\s+(?:book|come|get))?", r"any\s+time",
        r"какое\s+время", r"have\s+anything",
        r"есть\s+(?:что[\s-]?нибудь|что[\s-]?то)\s+(?:на|в)\b",
        # "do you have room tomorrow", "got any space on friday", "any availability"
        r"\b(?:have|got|is\s+there)\s+(?:any\s+)?(?:room|space|spots?|openings?|availability)\b",
        r"\bany\s+(?:room|space|spots?|openings?|availability)\b",
        r"(?<!меня\s)\bесть\s+(?:ли\s+)?(?:запис\w*|свободн\w*)\s+(?:на|в|во)\b",
    ),
    "SERVICES": (r"сколько\s+стоит", r"how\s+much", r"что\s+(?:вы\s+)?(?:делаете|предлагаете)",
                 r"what\s+do\s+you\s+(?:do|offer|have)",
                 # "что есть по волосам?", "что у вас для ногтей?", "what have you got for hair"
                 r"\bчто\s+(?:у\s+вас\s+)?(?:есть\s+|бывает\s+|имеется\s+)?(?:по|для)\s",
                 r"\bwhat\s+(?:have\s+you\s+got|is\s+there|s\s+there|kinds?\s+of)\b",
                 # "what's in cosmetology?", "что входит в косметологию", "что в категории ..."
                 r"\bwhat\s+(?:s|is|else\s+is)\s+(?:there\s+)?(?:in|under)\b",
                 r"\bчто\s+(?:есть\s+|входит\s+|у\s+вас\s+)?в\s+(?:категори\w*|раздел\w*)",
                 r"\bчто\s+входит\s+в\b"),
    "HELP": (r"что\s+(?:ты|вы)\s+(?:умеешь|умеете|можешь|можете)", r"как\s+(?:это\s+)?работает",
             r"как\s+(?:тобой|этим|ботом)\s+пользоваться", r"what\s+can\s+you\s+do",
             r"how\s+does\s+(?:this|it)\s+work", r"how\s+to\s+use", r"^/?start$", r"^/help$",
             r"\bчто\s+(?:тут\s+|здесь\s+)?(?:можно|я\s+могу)\s+(?:сделать|делать)$",
             r"\bwhat\s+are\s+my\s+options\b", r"^(?:а\s+)?что\s+дальше$",
             r"^what\s+(?:now|next)$"),
    "GREET": (r"\bдобр\w*\s+(?:утр\w*|дн\w*|день|вечер\w*)", r"доброго\s+времени\s+суток",
              r"good\s+(?:morning|afternoon|evening|day)"),
    "SIGNUP": (r"sign\s+(?:me\s+)?up",),
    "SPECIALISTS": (r"\bкто\s+(?:у\s+вас\s+|там\s+|сейчас\s+)?(?:работает|принимает)\b",
                    r"\bwho\s+(?:works|is\s+working)\s+(?:here|there|at|in)\b"),
    "FIND": (r"\blook(?:ing)?\s+for\b", r"\bsearch(?:ing)?\s+for\b",
             r"\bподскаж\w*\s+(?:хорош\w*|толков\w*|какого|какую|кого|к\s+кому)"),
    # A question about when there is room, stronger than the words of a booking or of the
    # services list it contains ("what do you have on monday", "в какие дни можно на массаж").
    "WHEN_FREE": (
        r"\bwhat\s+(?:do\s+you\s+have|have\s+you\s+got|s\s+(?:free|open|available))\s+"
        r"(?:on|at|this|next|tomorrow|today|tonight)\b",
        r"\b(?:в\s+)?какие\s+дни\s+(?:можно|есть|свободн\w*)\b",
        r"\bwhich\s+days\s+(?:can|are|is)\b",
    ),
    "OFFER": (r"у\s+вас\s+(?:есть|делают|делаете)", r"do\s+you\s+(?:do|offer|have)"),
    "REGISTER": (r"create\s+(?:an\s+|my\s+)?account", r"стать\s+(?:вашим\s+)?клиент\w*"),
    "BOOK": (r"make\s+an?\s+appointment", r"get\s+an?\s+appointment", r"\bbook\s+me\b",
             r"хочу\s+(?:к|на)\b", r"можно\s+(?:к|на)\b",
             r"(?:надо|нужно|мне\s+бы)\s+(?:к|на)\s+(?!что\b|какие\b)",
             r"(?:сдела|оформ|созда)\w*\s+(?:мне\s+)?запис\w*"),
}
# fmt: on

# Intent -> weight of each signal / entity (entities are written with "@").
# fmt: off
INTENT_WEIGHTS: dict[str, dict[str, float]] = {
    "book_appointment": {"BOOK": 3.0, "WANT": 1.0, "SIGNUP": 1.0, "@catalogue": 1.5, "@when": 1.0,
                         "ASK": -1.0},
    "cancel_appointment": {"CANCEL": 4.0, "@appointment_id": 0.5},
    "reschedule_appointment": {"RESCHEDULE": 4.0, "@appointment_id": 0.5,
                               "CANCEL+BOOK": 5.0, "INSTEAD": 1.0},
    "my_appointments": {"MY": 1.0, "APPOINTMENT": 1.0, "BOOKED": 3.0},
    "available_slots": {"FREE": 3.5, "@when": 0.5, "ASK+@when": 2.5, "WHEN_FREE": 6.0},
    "list_services": {"SERVICES": 3.0, "SHOW": 1.0, "OFFER": 2.0, "ASK": 1.2},
    # "кто" alone asks about anything ("кто победил в футбол"): about who does a service only
    # with a service or specialist word.
    "find_specialist": {"SPECIALISTS": 2.0, "SHOW": 0.5, "WHO": 1.0, "WHO+@catalogue": 1.0,
                        "WHO+@city": 1.0, "FIND": 2.0, "OFFER": 1.5,
                        "@city": 0.3, "@specialization": 1.5, "QUALITY": 1.5, "ASK": 1.0,
                        "WANT+@specialization": 1.5},
    "register": {"REGISTER": 4.0, "SIGNUP": 1.5, "CLIENT": 1.5},
    "greeting": {"GREET": 1.2},
    "help": {"HELP": 3.0, "HOWTO": 2.5, "LOST": 2.0},
}
# fmt: on

# Tie-break order (most specific first).
PRIORITY: tuple[str, ...] = (
    "cancel_appointment",
    "reschedule_appointment",
    "register",
    "my_appointments",
    "available_slots",
    "book_appointment",
    "list_services",
    "find_specialist",
    "help",
    "greeting",
)
MIN_SCORE = 1.2  # a date alone ("завтра в 15:00") is not enough to guess an intent

_COMPILED_PHRASES = tuple(
    (signal, re.compile(pattern)) for signal, patterns in PHRASES.items() for pattern in patterns
)
# (stem, signal), longest stems first so the most specific one wins.
_STEMS = sorted(
    ((stem, signal) for signal, stems in KEYWORDS.items() for stem in stems),
    key=lambda item: len(item[0]),
    reverse=True,
)


@lru_cache(maxsize=20_000)
def _exact_signal(form: str) -> str | None:
    for stem, signal in _STEMS:
        if form == stem or (len(stem) >= 4 and form.startswith(stem)):
            return signal
    return None


@lru_cache(maxsize=20_000)
def _typo_signal(word: str) -> str | None:
    if len(word) < 5 or is_known(word):
        return None
    for stem, signal in _STEMS:
        if len(stem) >= 5 and prefix_similar(word, stem):
            return signal
    return None


def word_signal(token: Token) -> str | None:
    """The signal a single word carries, if any (surface form, then lemmas, then typos)."""
    for form in token.forms:
        signal = _exact_signal(form)
        if signal:
            return signal
    return _typo_signal(token.text)


def find_signals(text: str, tokens: list[Token]) -> set[str]:
    """All signals present in the normalised text."""
    signals: set[str] = set()
    covered: list[tuple[int, int]] = []
    for signal, pattern in _COMPILED_PHRASES:
        for match in pattern.finditer(text):
            signals.add(signal)
            covered.append(match.span())
    for token in tokens:
        if token.text.isdigit() or any(a <= token.start < b for a, b in covered):
            continue
        signal = word_signal(token)
        if signal:
            signals.add(signal)
    return signals


# "A+B" weight names split into their parts once.
_WEIGHT_PARTS: dict[str, frozenset[str]] = {
    name: frozenset(name.split("+")) for weights in INTENT_WEIGHTS.values() for name in weights
}


def classify(signals: set[str], features: set[str]) -> tuple[str, float]:
    """Pick the intent for the given signals and entity features; return (intent, confidence)."""
    present = signals | features
    scores = {
        intent: sum(weight for name, weight in weights.items() if _WEIGHT_PARTS[name] <= present)
        for intent, weights in INTENT_WEIGHTS.items()
    }
    ranked = sorted(PRIORITY, key=lambda intent: -scores[intent])  # stable: ties keep PRIORITY
    best, runner_up = ranked[0], ranked[1]
    top = scores[best]
    if top < MIN_SCORE:
        return "unknown", round(0.1 + 0.2 * top / MIN_SCORE, 2) if top else 0.05
    margin = top - scores[runner_up]
    strength = 1 - math.exp(-top / 2)  # 0.39 for a weak 1.0, 0.86 for 4.0
    return best, round(min(0.99, strength * (0.6 + 0.4 * min(margin / top, 1.0))), 2)
