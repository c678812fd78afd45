"""Held-out evaluation of the free-text recogniser.

The table below was written and annotated *without* looking at the recogniser's code or its own
tests, and before running anything. Each row asserts the intent and only the entities a careful
human annotator is sure of (dates are resolved against Tuesday 2026-11-24 10:00; times are 24h;
"после обеда"/"afternoon"/"morning"/"evening" get no time). Entities the row does not mention are
not checked, so a recogniser that fills in extra (correct or not) values is not penalised here.

The thresholds are a floor to catch regressions, not a target.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from booking_mcp.nlu import CatalogItem, Catalogue, recognize

NOW = datetime(2026, 11, 24, 10, 0)  # Tuesday

CATALOGUE = Catalogue(
    specialists=(
        CatalogItem(1, "Анна Иванова", ("Мастер маникюра",)),
        CatalogItem(2, "Мария Петрова", ("Парикмахер",)),
        CatalogItem(3, "Олег Смирнов", ("Стоматолог",)),
        CatalogItem(4, "Елена Кузнецова", ("Массажист",)),
        CatalogItem(5, "Дмитрий Волков", ("Барбер",)),
        CatalogItem(6, "Ольга Соколова", ("Косметолог",)),
    ),
    services=(
        CatalogItem(1, "Маникюр", ("Ногтевой сервис",)),
        CatalogItem(2, "Педикюр", ("Ногтевой сервис",)),
        CatalogItem(3, "Стрижка женская", ("Волосы",)),
        CatalogItem(4, "Стрижка мужская", ("Волосы",)),
        CatalogItem(5, "Окрашивание", ("Волосы",)),
        CatalogItem(6, "Профессиональная чистка зубов", ("Стоматология",)),
        CatalogItem(7, "Массаж спины", ("Массаж",)),
        CatalogItem(8, "Чистка лица", ("Косметология",)),
    ),
    categories=(
        CatalogItem(1, "Ногтевой сервис"),
        CatalogItem(2, "Волосы"),
        CatalogItem(3, "Стоматология"),
        CatalogItem(4, "Массаж"),
        CatalogItem(5, "Косметология"),
    ),
    cities=("Казань", "Москва"),
)

TOMORROW = "2026-11-25"
DAY_AFTER = "2026-11-26"
TODAY = "2026-11-24"
WED = "2026-11-25"
FRI = "2026-11-27"
SAT = "2026-11-28"
MON = "2026-11-30"
DEC1 = "2026-12-01"

BOOK = "book_appointment"
CANCEL = "cancel_appointment"
RESCHED = "reschedule_appointment"
MINE = "my_appointments"
SLOTS = "available_slots"
FIND = "find_specialist"
SERVICES = "list_services"

# (utterance, expected intent, expected entities)
CASES: list[tuple[str, str, dict[str, Any]]] = [
    # ---------------------------------------------------------------- Russian (60)
    ("Привет!", "greeting", {}),
    ("здравствуйте", "greeting", {}),
    ("Добрый вечер 🙂", "greeting", {}),
    ("что ты умеешь?", "help", {}),
    ("помогите, не понимаю как записаться", "help", {}),
    (
        "Запишите меня на маникюр завтра в 15:00",
        BOOK,
        {"service_id": 1, "date": TOMORROW, "time": "15:00"},
    ),
    (
        "хочу записаться на педикюр в пятницу в 11",
        BOOK,
        {"service_id": 2, "date": FRI, "time": "11:00"},
    ),
    (
        "можно к Анне Ивановой на маникюр в понедельник в 10 утра?",
        BOOK,
        {"specialist_id": 1, "service_id": 1, "date": MON, "time": "10:00"},
    ),
    (
        "запиши к Марии на стрижку женскую послезавтра в пять вечера",
        BOOK,
        {"specialist_id": 2, "service_id": 3, "date": DAY_AFTER, "time": "17:00"},
    ),
    (
        "мне нужна мужская стрижка у Дмитрия Волкова в субботу в 12:30",
        BOOK,
        {"specialist_id": 5, "service_id": 4, "date": SAT, "time": "12:30"},
    ),
    (
        "запишите на окрашивание 1 декабря в 14:00",
        BOOK,
        {"service_id": 5, "date": DEC1, "time": "14:00"},
    ),
    (
        "хочу почистить зубы у Смирнова завтра после обеда",
        BOOK,
        {"specialist_id": 3, "service_id": 6, "date": TOMORROW},
    ),
    (
        "запись на массаж спины к Кузнецовой в среду в 18:00",
        BOOK,
        {"specialist_id": 4, "service_id": 7, "date": WED, "time": "18:00"},
    ),
    (
        "Запишите на чистку лица к Ольге Соколовой 27 ноября в 16:30",
        BOOK,
        {"specialist_id": 6, "service_id": 8, "date": FRI, "time": "16:30"},
    ),
    (
        "зафтра на маникур можно? часов в 12",
        BOOK,
        {"service_id": 1, "date": TOMORROW, "time": "12:00"},
    ),
    ("запиште меня на педикюп к анне", BOOK, {"service_id": 2, "specialist_id": 1}),
    (
        "ээ привет можно записаться на маникюр на завтра часа в три дня к анне иванвой",
        BOOK,
        {"service_id": 1, "specialist_id": 1, "date": TOMORROW, "time": "15:00"},
    ),
    ("хочу к стоматологу в пятницу", BOOK, {"specialization": "Стоматолог", "date": FRI}),
    (
        "запишите на двадцать седьмое ноября на стрижку мужскую",
        BOOK,
        {"service_id": 4, "date": FRI},
    ),
    (
        "можно на массаж в Москве в субботу в полдень",
        BOOK,
        {"city": "Москва", "date": SAT, "time": "12:00"},
    ),
    (
        "Запишите к Диме на стрижку в 19.30 сегодня",
        BOOK,
        {"specialist_id": 5, "date": TODAY, "time": "19:30"},
    ),
    (
        "к Маше на окрашивание можно через неделю?",
        BOOK,
        {"specialist_id": 2, "service_id": 5, "date": DEC1},
    ),
    (
        "хочу записаться на маникюр в половине третьего завтра",
        BOOK,
        {"service_id": 1, "date": TOMORROW, "time": "14:30"},
    ),
    ("Отмените мою запись", CANCEL, {}),
    ("отмени запись №123", CANCEL, {"appointment_id": 123}),
    ("не смогу прийти завтра, отмените пожалуйста", CANCEL, {"date": TOMORROW}),
    ("отменить бронь 45", CANCEL, {"appointment_id": 45}),
    ("я передумал, отменяй маникюр", CANCEL, {"service_id": 1}),
    ("перенесите мою запись на пятницу", RESCHED, {"date": FRI}),
    (
        "можно перенести запись 77 на завтра на 16:00?",
        RESCHED,
        {"appointment_id": 77, "date": TOMORROW, "time": "16:00"},
    ),
    ("сдвиньте пожалуйста мой педикюр на час позже", RESCHED, {"service_id": 2}),
    ("отмени запись на завтра и запиши на понедельник вместо неё", RESCHED, {}),
    (
        "поменяйте время записи к Олегу Смирнову на 11:00",
        RESCHED,
        {"specialist_id": 3, "time": "11:00"},
    ),
    ("мои записи", MINE, {}),
    ("на когда я записана?", MINE, {}),
    ("покажи мои брони", MINE, {}),
    ("у меня есть записи на эту неделю?", MINE, {}),
    ("есть свободное время у Анны завтра?", SLOTS, {"specialist_id": 1, "date": TOMORROW}),
    ("какие окошки на пятницу на маникюр?", SLOTS, {"service_id": 1, "date": FRI}),
    (
        "свободные слоты к стоматологу в Казани на понедельник",
        SLOTS,
        {"specialization": "Стоматолог", "city": "Казань", "date": MON},
    ),
    ("когда можно попасть к Кузнецовой?", SLOTS, {"specialist_id": 4}),
    ("во сколько свободна Ольга Соколова 1 декабря", SLOTS, {"specialist_id": 6, "date": DEC1}),
    (
        "есть что-нибудь сегодня вечером на стрижку мужскую?",
        SLOTS,
        {"service_id": 4, "date": TODAY},
    ),
    (
        "найдите мастера маникюра в Казани",
        FIND,
        {"specialization": "Мастер маникюра", "city": "Казань"},
    ),
    (
        "какие у вас есть стоматологи в москве",
        FIND,
        {"specialization": "Стоматолог", "city": "Москва"},
    ),
    ("посоветуйте хорошего массажиста", FIND, {"specialization": "Массажист"}),
    ("кто делает окрашивание?", FIND, {"service_id": 5}),
    ("барбер в мск есть?", FIND, {"specialization": "Барбер", "city": "Москва"}),
    ("нужен косметолог", FIND, {"specialization": "Косметолог"}),
    ("какие услуги у вас есть?", SERVICES, {}),
    ("прайс покажите", SERVICES, {}),
    ("что есть по волосам?", SERVICES, {"category_id": 2}),
    ("сколько стоит чистка лица", SERVICES, {"service_id": 8}),
    ("какие услуги в категории ногтевой сервис", SERVICES, {"category_id": 1}),
    ("список услуг стоматологии", SERVICES, {"category_id": 3}),
    ("хочу зарегистрироваться", "register", {}),
    ("как создать аккаунт? мой номер +7 999 123-45-67", "register", {}),
    ("какая погода в Казани?", "unknown", {}),
    ("расскажи анекдот", "unknown", {}),
    ("сколько будет 2+2?", "unknown", {}),
    # ---------------------------------------------------------------- English (40)
    ("hi", "greeting", {}),
    ("Hello there 👋", "greeting", {}),
    ("what can you do?", "help", {}),
    ("help", "help", {}),
    (
        "Book me a manicure tomorrow at 3pm",
        BOOK,
        {"service_id": 1, "date": TOMORROW, "time": "15:00"},
    ),
    (
        "I'd like a pedicure on Friday at 11am with Anna",
        BOOK,
        {"service_id": 2, "date": FRI, "time": "11:00", "specialist_id": 1},
    ),
    (
        "can i get a men's haircut with Dmitry on saturday at 12:30",
        BOOK,
        {"service_id": 4, "specialist_id": 5, "date": SAT, "time": "12:30"},
    ),
    (
        "I want to book a teeth cleaning with Dr Smirnov on Monday 10am",
        BOOK,
        {"service_id": 6, "specialist_id": 3, "date": MON, "time": "10:00"},
    ),
    (
        "book back massage w/ Elena Kuznetsova dec 1 at 6pm",
        BOOK,
        {"service_id": 7, "specialist_id": 4, "date": DEC1, "time": "18:00"},
    ),
    (
        "facial with Olga on the 27th at 4:30 pm please",
        BOOK,
        {"service_id": 8, "specialist_id": 6, "date": FRI, "time": "16:30"},
    ),
    (
        "need a hair colouring appointment tomorrow morning",
        BOOK,
        {"service_id": 5, "date": TOMORROW},
    ),
    (
        "can you book me in for a womens haircut at noon the day after tomorrow",
        BOOK,
        {"service_id": 3, "date": DAY_AFTER, "time": "12:00"},
    ),
    ("i want to see the dentist on friday", BOOK, {"specialization": "Стоматолог", "date": FRI}),
    (
        "schedule a manicure for half past two tomorrow",
        BOOK,
        {"service_id": 1, "date": TOMORROW, "time": "14:30"},
    ),
    (
        "Book manicure in Kazan tmrw 10am",
        BOOK,
        {"service_id": 1, "city": "Казань", "date": TOMORROW, "time": "10:00"},
    ),
    ("Cancel my appointment", CANCEL, {}),
    ("please cancel booking #45", CANCEL, {"appointment_id": 45}),
    ("I can't make it tomorrow, cancel it", CANCEL, {"date": TOMORROW}),
    ("cancel my pedicure with Anna", CANCEL, {"service_id": 2, "specialist_id": 1}),
    ("Can I reschedule my appointment to Friday?", RESCHED, {"date": FRI}),
    (
        "move booking 77 to tomorrow at 4pm",
        RESCHED,
        {"appointment_id": 77, "date": TOMORROW, "time": "16:00"},
    ),
    ("push my haircut to next week", RESCHED, {}),
    ("change the time of my massage to 6 pm", RESCHED, {"time": "18:00"}),
    ("show my bookings", MINE, {}),
    ("when is my next appointment?", MINE, {}),
    ("do I have anything booked this week", MINE, {}),
    ("any free slots with Anna tomorrow?", SLOTS, {"specialist_id": 1, "date": TOMORROW}),
    ("what times are available on Friday for a pedicure", SLOTS, {"service_id": 2, "date": FRI}),
    ("is Olga free on Monday afternoon?", SLOTS, {"specialist_id": 6, "date": MON}),
    ("find me a barber in Moscow", FIND, {"specialization": "Барбер", "city": "Москва"}),
    ("who does massage in Kazan?", FIND, {"city": "Казань"}),
    ("looking for a good cosmetologist", FIND, {"specialization": "Косметолог"}),
    ("what services do you offer?", SERVICES, {}),
    ("show me the price list", SERVICES, {}),
    ("what hair services do you have", SERVICES, {"category_id": 2}),
    ("how much is a manicure?", SERVICES, {"service_id": 1}),
    ("I want to register", "register", {}),
    ("sign up as a new client, my name is John", "register", {}),
    ("what's the weather like in Moscow", "unknown", {}),
    ("tell me a joke 😂", "unknown", {}),
]

INTENT_FLOOR = 0.80
ENTITY_FLOOR = 0.80


def _same(expected: Any, got: Any) -> bool:
    """Compare one entity value; the contract does not fix ids as int vs str or string case."""
    if got is None:
        return False
    if isinstance(expected, int):
        return str(got).strip() == str(expected)
    return str(got).strip().casefold() == str(expected).strip().casefold()


def test_table_shape() -> None:
    assert len(CASES) == 100
    cyrillic = [c for c in CASES if any("а" <= ch.lower() <= "я" for ch in c[0])]
    assert len(cyrillic) == 60


def test_holdout_accuracy() -> None:
    intent_hits = 0
    entity_total = 0
    entity_hits = 0
    intent_misses: list[str] = []
    entity_misses: list[str] = []

    for text, intent, entities in CASES:
        result = recognize(text, CATALOGUE, now=NOW)
        got_entities = dict(result.entities)
        if result.intent == intent:
            intent_hits += 1
        else:
            intent_misses.append(f"  {text!r}: expected {intent}, got {result.intent}")
        for key, value in entities.items():
            entity_total += 1
            got = got_entities.get(key)
            if _same(value, got):
                entity_hits += 1
            else:
                entity_misses.append(
                    f"  {text!r}: {key} expected {value!r}, got {got!r}"
                    f"  (all: { {k: v for k, v in got_entities.items() if v is not None} })"
                )

    intent_acc = intent_hits / len(CASES)
    entity_acc = entity_hits / entity_total
    print(f"\nintent accuracy: {intent_hits}/{len(CASES)} = {intent_acc:.3f}")
    print(f"entity accuracy: {entity_hits}/{entity_total} = {entity_acc:.3f}")
    print(f"intent misses ({len(intent_misses)}):")
    print("\n".join(intent_misses) or "  none")
    print(f"entity misses ({len(entity_misses)}):")
    print("\n".join(entity_misses) or "  none")

    assert intent_acc >= INTENT_FLOOR
    assert entity_acc >= ENTITY_FLOOR


# ------------------------------------------------ the held-out half of issue 12's evaluation set

#: Targets of issue 12 on the held-out half of ``tests/mcp/eval/utterances.yaml`` (the rules
#: were tuned on the other half only; ``tests/mcp/eval/run.py --half held-out`` prints them).
HELD_OUT_INTENT_TARGET = 0.97
HELD_OUT_ENTITY_TARGET = 0.95


def _conv_eval() -> Any:
    """``tests/mcp/eval/conv_eval.py`` (not a package: loaded by its path, once)."""
    import importlib.util  # noqa: PLC0415
    import sys  # noqa: PLC0415
    from pathlib import Path  # noqa: PLC0415

    if "conv_eval" not in sys.modules:
        path = Path(__file__).parent / "eval" / "conv_eval.py"
        spec = importlib.util.spec_from_file_location("conv_eval", path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules["conv_eval"] = module
        spec.loader.exec_module(module)
    return sys.modules["conv_eval"]


def test_held_out_half_of_the_evaluation_set_meets_the_targets() -> None:
    conv_eval = _conv_eval()
    cases = [case for case in conv_eval.load_utterances() if case.half == "held-out"]
    score = conv_eval.score_utterances(cases)
    assert len(cases) >= 150
    # Only the figures are shown on failure: the held-out entries are not for tuning.
    assert score.intent_accuracy >= HELD_OUT_INTENT_TARGET, score.line()
    assert score.entity_accuracy >= HELD_OUT_ENTITY_TARGET, score.line()
