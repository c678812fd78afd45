"""The demo catalogue speaks English too: every name and description has its English twin,
and the business profile answers the usual questions."""

from __future__ import annotations

import re

from booking_api.demo import seed_demo

CYRILLIC = re.compile("[а-яё]", re.IGNORECASE)


async def test_demo_has_english_for_everything(client, env) -> None:
    async with env.db.write_sessions() as session:
        assert await seed_demo(session, env.settings)
    english = []
    for item in (await client.get("/api/categories/")).json():
        english += [item["name_en"], item["description_en"]]
    for item in (await client.get("/api/services/")).json():
        english += [item["name_en"], item["description_en"], item["category_name_en"]]
    for item in (await client.get("/api/specialists/")).json():
        english += [item["specialization_en"], item["city_en"], item["description_en"]]
    assert len(english) > 50
    assert all(text and not CYRILLIC.search(text) for text in english), english

    profile = (await client.get("/api/business/")).json()
    assert profile["address"] and profile["phone"] and profile["opening_hours_en"]
    questions = " ".join(item["question_en"] for item in profile["faq"]).lower()
    assert "parking" in questions and "get there" in questions and "pay" in questions
    assert not CYRILLIC.search(profile["address_en"] + profile["opening_hours_en"])
