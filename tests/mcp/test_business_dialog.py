"""Questions about the business are answered from its profile (``/api/business/``, the demo's)
in the user's language, then the assistant offers to book; a booking under way is kept."""

from __future__ import annotations

import datetime as dt

from booking_mcp.dialog.business import find_faq
from booking_mcp.schemas import FaqItem
from mcp import Client

NOW = dt.datetime(2031, 3, 3, 10).isoformat()


async def say(client: Client, user: str, text: str) -> dict:
    result = await client.call_tool(
        "process_message", {"user_id": user, "message": text, "now": NOW}
    )
    assert not result.is_error, result.content
    return result.structured_content


async def test_where_are_you_is_answered_with_the_address(mcp_server, live_api) -> None:
    async with Client(mcp_server) as client:
        reply = await say(client, "830001", "где вы находитесь?")
    assert "ул. Баумана, 15" in reply["response"], reply
    assert "записаться" in reply["response"]  # the offer to book
    assert reply["context"]["flow"] is None  # a question, not a booking


async def test_english_questions_get_the_english_faq_answers(mcp_server, live_api) -> None:
    async with Client(mcp_server) as client:
        parking = await say(client, "830002", "is there parking?")
        way = await say(client, "830002", "how do I get there?")
        hours = await say(client, "830002", "what are your opening hours?")
        phone = await say(client, "830002", "what's your phone number?")
        pay = await say(client, "830002", "can I pay by card?")
    assert "free parking in the courtyard" in parking["response"], parking
    assert "Would you like to book?" in parking["response"]
    assert "Kremlyovskaya metro" in way["response"], way
    assert "Mon–Fri 9am–9pm" in hours["response"], hours
    assert "+7 843 200-00-00" in phone["response"], phone
    assert "Cash, card" in pay["response"], pay
    for reply in (parking, way, hours, phone, pay):
        assert not any("а" <= ch.lower() <= "я" for ch in reply["response"]), reply["response"]


async def test_a_question_in_the_middle_of_a_booking_keeps_it(mcp_server, live_api) -> None:
    async with Client(mcp_server) as client:
        reply = await say(client, "830003", "хочу записаться на педикюр")
        assert reply["context"]["flow"] == "book"
        service_id = reply["context"]["service_id"]
        reply = await say(client, "830003", "а парковка у вас есть?")
        assert "парковка во дворе" in reply["response"], reply
        assert "Продолжим запись?" in reply["response"]
        assert reply["context"]["flow"] == "book"
        assert reply["context"]["service_id"] == service_id


def test_faq_found_by_topic_words_or_by_a_close_question() -> None:
    faq = [
        FaqItem(question="Есть ли парковка?", answer="Да", question_en="Is there parking?"),
        FaqItem(
            question="Можно ли с собакой?",
            answer="Нет",
            question_en="Can I bring my dog?",
            answer_en="No",
        ),  # fmt: skip
    ]
    assert find_faq(faq, "parking", "где поставить машину", "ru") is faq[0]
    assert find_faq(faq, None, "can i bring my dog", "en") is faq[1]
    assert find_faq(faq, None, "do you sell gift cards", "en") is None
