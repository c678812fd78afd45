"""Recognition rules of issue 12 (items 2 and 6): dialog acts, questions, times in words,
colloquial and English words, services shared by several specialists, English names.

Each row is a message a client could write and what a user would notice if it were read
wrongly: the intent, and the entities the dialog acts on (``None`` = must be absent). "Now" is
Tuesday 2026-11-24 10:00.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from booking_mcp.nlu import CatalogItem, Catalogue, recognize

NOW = datetime(2026, 11, 24, 10, 0)  # a Tuesday
TODAY, TOMORROW, WED, SAT = "2026-11-24", "2026-11-25", "2026-11-25", "2026-11-28"

# The demo salon: two specialists offer "Стрижка мужская" (the hairdresser and the barber).
ANNA, MARIA, OLEG, ELENA, DMITRY, OLGA = 1, 2, 3, 4, 5, 6
MANICURE, GEL, PEDICURE, MENS_MARIA, BACK, MENS_DMITRY, FACIAL = 1, 2, 3, 5, 9, 11, 13
NAILS, COSMETOLOGY = 1, 5
CATALOGUE = Catalogue(
    specialists=(
        CatalogItem(ANNA, "Анна Иванова", ("Мастер маникюра",)),
        CatalogItem(MARIA, "Мария Петрова", ("Парикмахер",)),
        CatalogItem(OLEG, "Олег Смирнов", ("Стоматолог",)),
        CatalogItem(ELENA, "Елена Кузнецова", ("Массажист",)),
        CatalogItem(DMITRY, "Дмитрий Волков", ("Барбер",)),
        CatalogItem(OLGA, "Ольга Соколова", ("Косметолог",)),
    ),
    services=(
        CatalogItem(MANICURE, "Маникюр", ("Ногтевой сервис",), owner=ANNA),
        CatalogItem(GEL, "Маникюр с покрытием гель-лак", ("Ногтевой сервис",), owner=ANNA),
        CatalogItem(PEDICURE, "Педикюр", ("Ногтевой сервис",), owner=ANNA),
        CatalogItem(4, "Стрижка женская", ("Волосы",), owner=MARIA),
        CatalogItem(MENS_MARIA, "Стрижка мужская", ("Волосы",), owner=MARIA),
        CatalogItem(7, "Профессиональная чистка зубов", ("Стоматология",), owner=OLEG),
        CatalogItem(BACK, "Массаж спины", ("Массаж",), owner=ELENA),
        CatalogItem(10, "Общий массаж", ("Массаж",), owner=ELENA),
        CatalogItem(MENS_DMITRY, "Стрижка мужская", ("Волосы",), owner=DMITRY),
        CatalogItem(12, "Оформление бороды", ("Волосы",), owner=DMITRY),
        CatalogItem(FACIAL, "Чистка лица", ("Косметология",), owner=OLGA),
    ),
    categories=(
        CatalogItem(NAILS, "Ногтевой сервис"),
        CatalogItem(2, "Волосы"),
        CatalogItem(3, "Стоматология"),
        CatalogItem(4, "Массаж"),
        CatalogItem(COSMETOLOGY, "Косметология"),
    ),
    cities=("Казань", "Москва"),
)

BOOK, SLOTS, SERVICES, FIND = (
    "book_appointment",
    "available_slots",
    "list_services",
    "find_specialist",
)

# (message, intent or None when any intent will do, entities)
RULES: list[tuple[str, str | None, dict[str, Any]]] = [
    # A service name several specialists share, resolved by the one named (or their title).
    ("запиши на мужскую стрижку к барберу", BOOK, {"service_id": MENS_DMITRY}),
    ("у барбера стрижку на субботу", BOOK, {"service_id": MENS_DMITRY, "date": SAT}),
    ("book a haircut with the barber", BOOK, {"service_id": MENS_DMITRY}),
    ("мужская стрижка у Марии в среду", BOOK, {"service_id": MENS_MARIA, "specialist_id": MARIA}),
    ("стрижку мужскую к Дмитрию", BOOK, {"service_id": MENS_DMITRY}),
    ("мужскую стрижку", BOOK, {"service_id": None}),  # two of them, nobody named: ask
    # The most specific service wins.
    ("запишите на маникюр с гель лаком", BOOK, {"service_id": GEL}),
    ("gel polish manicure tomorrow", BOOK, {"service_id": GEL}),
    ("запишите на маникюр", BOOK, {"service_id": MANICURE}),
    # Colloquial and diminutive forms (vocabulary.yaml).
    ("schedule a mani for me tomorrow", BOOK, {"service_id": MANICURE}),
    ("pedi on saturday", None, {"service_id": PEDICURE}),
    ("хочу на маникюрчик", BOOK, {"service_id": MANICURE}),
    ("хочу на бровки", BOOK, {"service_name": "бровь"}),
    ("что у вас есть для ноготочков", SERVICES, {"category_id": NAILS}),
    # English job titles.
    ("i need a massage therapist tomorrow", None, {"specialization": "Массажист"}),
    ("find me a manicurist", FIND, {"specialization": "Мастер маникюра"}),
    ("looking for a hairdresser", FIND, {"specialization": "Парикмахер"}),
    ("is there a dentist in Kazan", FIND, {"specialization": "Стоматолог"}),
    ("a masseur please", None, {"specialization": "Массажист"}),
    ("book the cosmetologist", BOOK, {"specialization": "Косметолог"}),
    # Times in words.
    ("на чистку лица в среду без двадцати пять", BOOK, {"time": "16:40", "date": WED}),
    ("без пяти три", None, {"time": "14:55"}),
    ("без 10 минут 5", None, {"time": "16:50"}),
    ("в полпятого", None, {"time": "16:30"}),
    ("в пол пятого", None, {"time": "16:30"}),
    ("без четверти пять", None, {"time": "16:45"}),
    ("в двадцать пять минут третьего", None, {"time": "14:25", "date": None}),
    ("half past four", None, {"time": "16:30"}),
    ("at quarter to five", None, {"time": "16:45"}),
    ("twenty past four", None, {"time": "16:20"}),
    ("at ten to five", None, {"time": "16:50"}),
    ("at noon", None, {"time": "12:00"}),
    ("at midnight", None, {"time": "00:00"}),
    ("в пять вечера", None, {"time": "17:00"}),
    # Parts of the day are vague: a time of day, never a clock time.
    ("утром", None, {"time_of_day": "morning", "time": None}),
    ("днём", None, {"time_of_day": "afternoon", "time": None}),
    ("после обеда", None, {"time_of_day": "afternoon", "time": None}),
    ("вечером", None, {"time_of_day": "evening", "time": None}),
    ("in the morning", None, {"time_of_day": "morning", "time": None}),
    ("afternoon", None, {"time_of_day": "afternoon", "time": None}),
    ("after work", None, {"time_of_day": "evening", "time": None}),
    # Availability questions are not bookings.
    ("есть что нибудь сегодня вечером?", SLOTS, {"date": TODAY, "time_of_day": "evening"}),
    ("do you have room tomorrow afternoon?", SLOTS, {"date": TOMORROW}),
    ("when's the soonest I can get a facial", SLOTS, {"service_id": FACIAL, "nearest": True}),
    ("what's in cosmetology?", SERVICES, {"category_id": COSMETOLOGY}),
    ("what do you have on monday", SLOTS, {"date": "2026-11-30"}),
    ("в какие дни можно на массаж", SLOTS, {}),
    ("есть запись на вечер?", SLOTS, {"time_of_day": "evening"}),
    ("на завтра есть?", SLOTS, {"date": TOMORROW}),
    ("у меня есть запись на вечер?", "my_appointments", {}),
    ("что входит в косметологию", SERVICES, {"category_id": COSMETOLOGY}),
    # An ordinal is a choice, never a date; "first available" is the nearest.
    ("первую", "choose", {"ordinal": 1, "date": None}),
    ("the first one", "choose", {"ordinal": 1, "date": None}),
    ("давай вторую", "choose", {"ordinal": 2}),
    ("the last one", "choose", {"ordinal": -1}),
    ("first available", SLOTS, {"nearest": True, "ordinal": None, "date": None}),
    ("первое свободное время", SLOTS, {"nearest": True, "ordinal": None, "date": None}),
    ("на первое декабря", None, {"date": "2026-12-01", "ordinal": None}),
    ("the 2nd one", "choose", {"ordinal": 2, "date": None}),
    ("давайте 3-й вариант", "choose", {"ordinal": 3}),
    ("2nd of december", None, {"date": "2026-12-02", "ordinal": None}),
    # ... and in a cancellation it says which booking, not booking №1
    ("cancel the first one", "cancel_appointment", {"ordinal": 1, "appointment_id": None}),
    ("отмените вторую", "cancel_appointment", {"ordinal": 2, "appointment_id": None}),
    (
        "cancel the manicure one",
        "cancel_appointment",
        {"service_id": MANICURE, "appointment_id": None},
    ),
    ("отмени 12", "cancel_appointment", {"appointment_id": 12}),
    # Corrections: the value ruled out is never taken.
    ("ой, не в пятницу, а в субботу", "correct", {"date": SAT}),
    ("not on friday, saturday", "correct", {"date": SAT}),
    ("не в 3, а в 5", "correct", {"time": "17:00"}),
    ("same time but on wednesday", "correct", {"same_time": True, "date": WED}),
    ("no wait, make it 11", "correct", {"time": "11:00"}),
    ("how about Friday", "correct", {"date": "2026-11-27"}),
    ("нет, в 11", "correct", {"time": "11:00"}),
    ("а если в 4?", "correct", {"time": "16:00"}),
    ("can we do 3 instead", "correct", {"time": "15:00"}),
    ("не к Анне, а к Марии", "correct", {"specialist_id": MARIA}),
    ("not with Anna, with Maria", "correct", {"specialist_id": MARIA}),
    ("no, with Dmitry", "correct", {"specialist_id": DMITRY}),
    ("wait, not tuesday — wednesday", "correct", {"date": WED}),
    ("на час позже", "correct", {"time_shift": 60}),
    ("чуть позже", "correct", {"time_shift": 30}),
    ("на 2 часа позже", "correct", {"time_shift": 120, "time": None}),
    ("на два часа раньше", "correct", {"time_shift": -120, "time": None}),
    ("на 15 минут позже", "correct", {"time_shift": 15, "time": None}),
    ("half an hour earlier", "correct", {"time_shift": -30}),
    ("two hours later", "correct", {"time_shift": 120}),
    ("на час пораньше", "correct", {"time_shift": -60}),
    ("в это же время", None, {"same_time": True}),
    ("next available", SLOTS, {"nearest": True}),
    ("earlier", "correct", {"time_shift": -30}),
    ("на то же время", None, {"same_time": True}),
    ("same time", None, {"same_time": True}),
    ("ближайшее", None, {"nearest": True}),
    ("nearest", None, {"nearest": True}),
    ("as soon as possible", None, {"nearest": True}),
    ("as early as possible", None, {"nearest": True}),
    # Leaving a flow.
    ("стоп", "stop", {}),
    ("не надо", "stop", {}),
    ("передумала", "stop", {}),
    ("не хочу", "stop", {}),
    ("never mind", "stop", {}),
    ("cancel that", "stop", {}),
    ("what are my options", "help", {}),
    ("а что можно сделать?", "help", {}),
    ("ok cool", "confirm", {}),
    ("мне надо к зубному", BOOK, {"specialization": "Стоматолог"}),
    # Small talk.
    ("спасибо", "thanks", {}),
    ("нет, спасибо", "deny", {}),
    ("не, не то", "deny", {}),
    ("no, that's wrong", "deny", {}),
    ("yes that's right", "confirm", {}),
    ("no thanks", "deny", {}),
    ("thanks", "thanks", {}),
    ("привет", "greeting", {}),
    ("до свидания", "goodbye", {}),
    ("goodbye, have a nice day", "goodbye", {}),
    ("досвидания", "goodbye", {}),
    ("ладно, пока", "goodbye", {}),
    ("пока не знаю", "unknown", {}),
    ("прив", "greeting", {}),
    ("пасиб", "thanks", {}),
    ("manicre tomorrow", BOOK, {"service_id": MANICURE}),
    ("скока стоит маникюр", "ask_price", {"service_id": MANICURE}),
    # Registration: a name and a phone number in any usual format (E.164, region RU).
    (
        "I'm Peter, my phone is 8 916 111 22 33",
        "register",
        {"name": "Peter", "phone": "+79161112233"},
    ),
    (
        "Я Ольга, 89161112233",
        "register",
        {"name": "Ольга", "phone": "+79161112233", "specialist_id": None},
    ),
    (
        "меня зовут Мария Петрова, +7 (900) 123-45-67",
        "register",
        {"name": "Мария Петрова", "phone": "+79001234567", "specialist_id": None},
    ),
    ("Иван Петров 89161112233", "register", {"name": "Иван Петров", "specialist_id": None}),
    ("+7 900 123 45 67, John Smith", "register", {"name": "John Smith", "phone": "+79001234567"}),
    ("Запишите Анну 89161112233", BOOK, {"name": None, "specialist_id": ANNA}),
    ("Пётр Иванов", "inform", {"name": "Пётр Иванов", "specialist_id": None}),
    ("John Smith", "inform", {"name": "John Smith"}),
    ("Анна Иванова", BOOK, {"name": None, "specialist_id": ANNA}),
    ("Чистка Лица", BOOK, {"name": None, "service_id": FACIAL}),
    ("меня Ольга зовут", "inform", {"name": "Ольга", "specialist_id": None}),
    ("name: John Smith", "inform", {"name": "John Smith"}),
    ("мой телефон 8-916-111-22-33, Ольга", "register", {"name": "Ольга", "phone": "+79161112233"}),
    ("мой номер телефона +7(916)1112233", "inform", {"phone": "+79161112233"}),
    ("I'm new here", "register", {}),
    # Questions about the business.
    ("где вы находитесь", "business_info", {"topic": "address"}),
    ("how do I get there", "business_info", {"topic": "directions"}),
    ("parking?", "business_info", {"topic": "parking"}),
    ("what are your hours", "business_info", {"topic": "hours"}),
    ("what time do you close", "business_info", {"topic": "hours"}),
    ("режим работы", "business_info", {"topic": "hours"}),
    ("ваш телефон", "business_info", {"topic": "phone"}),
    ("где припарковаться", "business_info", {"topic": "parking"}),
    ("как вас найти", "business_info", {"topic": "directions"}),
    ("do you have wifi", "business_info", {"topic": "other"}),
    ("are you open on sunday", "business_info", {"topic": "hours"}),
    ("можно оплатить картой?", "business_info", {"topic": "payment"}),
    # Questions about the catalogue.
    ("сколько стоит педикюр", "ask_price", {"service_id": PEDICURE}),
    ("цена мужской стрижки у барбера", "ask_price", {"service_id": MENS_DMITRY}),
    ("how long does a manicure take", "ask_duration", {"service_id": MANICURE}),
    ("сколько времени займет педикюр", "ask_duration", {"service_id": PEDICURE}),
    ("а сколько длится?", "ask_duration", {"service_id": None}),
    ("кто такая Анна", "ask_specialist", {"specialist_id": ANNA}),
    ("who is Anna", "ask_specialist", {"specialist_id": ANNA}),
    ("who's Dmitry", "ask_specialist", {"specialist_id": DMITRY}),
    ("кто у вас работает", FIND, {}),
    ("кто победил в футбол", "unknown", {}),
    ("what's Olga like", "ask_specialist", {"specialist_id": OLGA}),
    ("что за мастер Ольга", "ask_specialist", {"specialist_id": OLGA}),
    ("is Anna working on Sunday?", "ask_schedule", {"specialist_id": ANNA}),
    ("в какие дни работает Олег", "ask_schedule", {"specialist_id": OLEG}),
    ("which days does Oleg work", "ask_schedule", {"specialist_id": OLEG}),
    # The language.
    ("/language", "set_language", {"language": None}),
    ("сменить язык", "set_language", {"language": None}),
    ("говорите по-английски", "set_language", {"language": "en"}),
    ("switch to English", "set_language", {"language": "en"}),
    ("English please", "set_language", {"language": "en"}),
    ("по-русски пожалуйста", "set_language", {"language": "ru"}),
    ("русский", "set_language", {"language": "ru"}),
]


@pytest.mark.parametrize(("text", "intent", "entities"), RULES, ids=[r[0] for r in RULES])
def test_rule(text: str, intent: str | None, entities: dict[str, Any]) -> None:
    result = recognize(text, CATALOGUE, NOW)
    got = {key: result.entities[key] for key in entities}
    assert (result.intent if intent else None, got) == (intent, entities)


# English names of the bilingual catalogue arrive in ``extra`` next to the Russian synonyms.
BILINGUAL = Catalogue(
    specialists=(
        CatalogItem(1, "Анна Иванова", ("Бровист", "Brow artist", "Anna Ivanova")),
        CatalogItem(2, "Мария Петрова", ("Парикмахер", "Hairdresser")),
    ),
    services=(
        CatalogItem(
            7, "Ламинирование ресниц", ("Брови и ресницы", "Lash lift", "Brows & lashes"), owner=1
        ),
        CatalogItem(
            8, "Коррекция бровей", ("Брови и ресницы", "Brow shaping", "Brows & lashes"), owner=1
        ),
        CatalogItem(9, "Окрашивание", ("Волосы", "Colouring", "Hair"), owner=2),
    ),
    categories=(
        CatalogItem(3, "Брови и ресницы", ("Brows & lashes",)),
        CatalogItem(4, "Волосы", ("Hair",)),
    ),
)


@pytest.mark.parametrize(
    ("text", "entities"),
    [
        ("lash lift tomorrow", {"service_id": 7}),
        ("book a brow shaping", {"service_id": 8}),
        ("colouring with Maria", {"service_id": 9, "specialist_id": 2}),
        # the category's English name in a service's extra names the category, not the service
        ("what's in brows & lashes?", {"category_id": 3, "service_id": None}),
        # an English specialization is the same specialization, under its own (first) name
        ("i need a brow artist", {"specialization": "Бровист"}),
        ("with Anna Ivanova", {"specialist_id": 1, "specialization": None}),
    ],
)
def test_english_names_in_extra(text: str, entities: dict[str, Any]) -> None:
    result = recognize(text, BILINGUAL, NOW)
    assert {key: result.entities[key] for key in entities} == entities
