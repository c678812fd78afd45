"""An English user reads the catalogue in English: the English twins (``*_en``) the API
returns, wherever the dialog names a service, a category, a specialization or a city."""

from __future__ import annotations

import datetime as dt
import re

from booking_common.conversation import Service, Specialist
from booking_mcp.localized import (
    has_specialization,
    name_in,
    russian_city,
    same_city,
    specialization_in,
)
from kit.mcp import known_client, next_weekday, say
from mcp import Client

PEOPLE = ("Анна", "Иванова", "Мария", "Петрова", "Олег", "Смирнов", "Елена", "Кузнецова",
          "Дмитрий", "Волков", "Ольга", "Соколова")  # fmt: skip


def cyrillic_besides_names(text: str) -> list[str]:
    words = re.findall(r"[А-Яа-яЁё]+", text)
    return [w for w in words if w not in PEOPLE]


def test_the_english_twin_when_there_is_one() -> None:
    svc = Service(id=1, name="Маникюр", name_en="Manicure", price="1", duration=1, specialist=1)
    bare = Service(id=2, name="Педикюр", price="1", duration=1, specialist=1)
    assert (name_in(svc, "en"), name_in(svc, "ru"), name_in(bare, "en")) == (
        "Manicure",
        "Маникюр",
        "Педикюр",
    )
    anna = Specialist(
        id=1, name="Анна", specialization="Мастер маникюра", specialization_en="Nail technician",
        city="Казань", city_en="Kazan",
    )  # fmt: skip
    assert specialization_in(anna, "en") == "Nail technician"
    assert same_city(anna, "kazan") and same_city(anna, "Казань") and not same_city(anna, "Moscow")
    assert has_specialization(anna, "nail") and has_specialization(anna, "маникюр")
    assert russian_city("Kazan", [anna]) == "Казань" and russian_city("Тула", [anna]) == "Тула"


async def test_english_booking_names_the_service_in_english(mcp_server, live_api) -> None:
    thursday = next_weekday(3, weeks=6)  # a day no other test books
    now = dt.datetime.combine(thursday - dt.timedelta(days=1), dt.time(10)).isoformat()
    user = "810001"
    await known_client(mcp_server, user, name="Peter Smith")
    async with Client(mcp_server) as client:
        reply = await say(client, user, "What services do you have?", now)
        assert "Pedicure" in reply["response"] and "Педикюр" not in reply["response"], reply
        labels = [o["label"] for a in reply["actions"] for o in a["payload"].get("options", [])]
        assert any(x.startswith("Pedicure — ") for x in labels), labels  # a page of 8, in English
        assert not [x for x in labels if cyrillic_besides_names(x)], labels
        reply = await say(client, user, "I'd like a pedicure tomorrow at 16:00", now)
        assert reply["context"]["pending"] == "book", reply
        assert "Pedicure" in reply["response"], reply
        assert cyrillic_besides_names(reply["response"]) == [], reply["response"]
        reply = await say(client, user, "yes", now)
        assert "Pedicure" in reply["response"] and not cyrillic_besides_names(reply["response"])
        reply = await say(client, user, "my bookings", now)
        assert "Pedicure" in reply["response"], reply
        assert cyrillic_besides_names(reply["response"]) == [], reply["response"]


def test_prices_are_written_the_way_each_language_writes_them() -> None:
    from booking_mcp.i18n import format_price

    assert format_price("2500.00", "en") == "2,500 ₽"
    assert format_price("2500.50", "en") == "2,500.50 ₽"
    assert format_price("2500.00", "ru") == "2 500 ₽"
    assert format_price("1500.5") == "1 500,50 ₽"


def test_a_reason_after_a_colon_goes_on_in_small_letters() -> None:
    from booking_mcp.i18n import after_colon

    assert after_colon("Специалист не работает в этот день недели") == (
        "специалист не работает в этот день недели"
    )
    assert after_colon("The specialist does not work that day") == (
        "the specialist does not work that day"
    )
    assert after_colon("API is down") == "API is down"  # an abbreviation stays
