"""Questions about the business itself ("где вы находитесь?", "is there parking?"): answered
from the business profile (``GET /api/business/``) in the user's language, then an offer to
book. The NLU's intent ``business_info`` names the ``topic`` (address, directions, parking,
hours, phone, payment); a question the profile's fields do not answer is matched against its
FAQ, by the topic's keywords and by how close the question's words are (rapidfuzz)."""

from __future__ import annotations

from rapidfuzz import fuzz

from booking_mcp.dialog.render import Turn
from booking_mcp.localized import text_in
from booking_mcp.schemas import BusinessInfo, FaqItem
from booking_mcp.service import BookingService

#: A topic's words in a FAQ question (either language; stems, lower case).
TOPIC_WORDS: dict[str, tuple[str, ...]] = {
    "address": ("адрес", "где", "address", "where", "locat"),
    "directions": (
        "добрат",
        "доехат",
        "проехат",
        "пройти",
        "метро",
        "get there",
        "direction",
        "metro",
    ),
    "parking": ("парков", "машин", "parking", "park", "car"),
    "hours": ("час", "работа", "открыт", "hours", "open"),
    "phone": ("телефон", "звон", "phone", "call"),
    "payment": ("оплат", "карт", "налич", "pay", "card", "cash"),
}
#: How close (0–100) a FAQ question must be to the message to answer it without a topic.
MIN_SIMILARITY = 60


def _field_answer(info: BusinessInfo, topic: str | None, lang: str) -> tuple[str, str] | None:
    """(message key, value) when a field of the profile answers the topic."""
    if topic == "address":
        address = text_in(info.address, info.address_en, lang)
        return ("business_address", address) if address else None
    if topic == "phone":
        return ("business_phone", info.phone) if info.phone else None
    if topic == "hours":
        hours = text_in(info.opening_hours, info.opening_hours_en, lang)
        return ("business_hours", hours) if hours else None
    return None


def find_faq(faq: list[FaqItem], topic: str | None, message: str, lang: str) -> FaqItem | None:
    """The FAQ item that answers the message: one whose question has the topic's words, else
    the question closest to the message."""
    words = TOPIC_WORDS.get(topic or "", ())
    if words:
        for item in faq:
            question = f"{item.question} {item.question_en}".lower()
            if any(word in question for word in words):
                return item
    text = message.lower()
    scored = [
        (fuzz.token_set_ratio(text, text_in(item.question, item.question_en, lang).lower()), i)
        for i, item in enumerate(faq)
    ]
    best = max(scored, default=(0, -1))
    return faq[best[1]] if best[0] >= MIN_SIMILARITY else None


async def answer(service: BookingService, topic: str | None, message: str, turn: Turn,
                 *, booking: bool) -> None:  # fmt: skip
    """Say what the profile knows about ``topic``, then offer to book (or to go on with the
    booking under way)."""
    info = await service.business()
    lang = turn.lang
    found = _field_answer(info, topic, lang)
    if found is not None:
        key, value = found
        turn.say(key, **{key.removeprefix("business_"): value})
    elif (item := find_faq(info.faq, topic, message, lang)) is not None:
        turn.lines.append(text_in(item.answer, item.answer_en, lang))
    else:
        turn.say("business_unknown")
        if info.phone:
            turn.say("business_call", phone=info.phone)
    turn.say("business_continue" if booking else "business_offer")
