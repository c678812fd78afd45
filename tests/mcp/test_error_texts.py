"""Every Russian text the API refuses with (the contract's and the product's own) has an
English rendering without Cyrillic, so an English conversation never shows the API's Russian."""

from __future__ import annotations

import datetime as dt
import re
from types import SimpleNamespace

import pytest

from booking_api.appointments import idempotency, lifecycle
from booking_api.appointments import service as booking
from booking_api.availability import routes as free_time_routes
from booking_api.availability import service as free_time
from booking_api.clients import service as clients
from booking_api.holds import service as holds
from booking_api.waitlist import service as waitlist
from booking_mcp.api_client import ApiError
from booking_mcp.error_texts import english, has_cyrillic, in_language
from booking_mcp.errors import ToolFailure, user_message
from kit.mcp import next_weekday
from mcp import Client


def api_texts() -> list[str]:
    """Each text as the API sends it (templates filled in as the API fills them)."""
    texts = [
        booking.TAKEN,
        booking.NOT_WORKING,
        booking.OUTSIDE_HOURS,
        booking.END_BEFORE_START,
        booking.WRONG_SPECIALIST,
        booking.IN_PAST,
        booking.BEYOND_HORIZON.format(days=60),
        booking.ON_BREAK,
        booking.TIME_OFF,
        free_time.NOT_WORKING,
        free_time.BAD_SERVICE,
        free_time_routes.BAD_DATE,
        free_time_routes.BAD_MONTH,
        free_time_routes.NO_CRITERION,
        lifecycle.NOT_STARTED,
        idempotency.IdempotencyConflict.default_detail,
        clients.NOT_A_CLIENT,
        holds.HOLD_EXPIRED,
        holds.HOLD_RELEASED,
        holds.HOLD_BOOKED,
        waitlist.ALREADY_WAITING,
        waitlist.OFFER_GONE,
        waitlist.OFFER_EXPIRED,
        waitlist.PAST_DAY,
        waitlist.WRONG_SPECIALIST,
        waitlist.INACTIVE_SERVICE,
        waitlist.TIMES_ORDER,
        "Файл слишком большой: не более 5 МБ.",  # catalogue/photos.py
        "Перенести можно только активную запись.",  # lifecycle.reschedule
    ]
    for verb in lifecycle.VERBS.values():
        for status in lifecycle.STATUS_NAMES.values():
            texts.append(f"Нельзя {verb} запись, которая {status}.")
    for status in lifecycle.STATUS_NAMES.values():
        texts.append(f"Нельзя подтвердить визит: запись {status}.")
    settings = SimpleNamespace(cancel_cutoff_minutes=120)
    for verb in ("Отменить", "Перенести"):
        texts.append(lifecycle._cut_off(settings, verb).body["error"])  # noqa: SLF001
    return texts


@pytest.mark.parametrize("text", api_texts())
def test_every_api_text_has_an_english_rendering(text: str) -> None:
    assert has_cyrillic(text)
    rendered = english(text)
    assert not has_cyrillic(rendered), rendered
    assert in_language(text, "ru") == text  # a Russian user reads the API's own words


def test_numbers_and_words_are_carried_over() -> None:
    assert english("Запись возможна не более чем на 60 дн. вперёд.") == (
        "Bookings can be made at most 60 days ahead."
    )
    assert english("Нельзя отменить запись, которая завершена.") == (
        "You cannot cancel a booking that is completed."
    )
    assert english("date: Неверный формат даты. Используйте YYYY-MM-DD") == (
        "date: Wrong date format. Use YYYY-MM-DD"
    )


def test_an_unknown_text_falls_back_to_the_meaning_of_its_code() -> None:
    exc = ApiError(400, "Что-то новое.", {"non_field_errors": ["Что-то новое."]})
    assert user_message(exc, "ru") == "Что-то новое."
    assert not has_cyrillic(user_message(exc, "en"))
    assert user_message(ApiError(400, booking.TAKEN), "en") == "That time is already booked."


def test_a_tool_error_carries_the_english_text() -> None:
    out = ToolFailure("time_unavailable", free_time.NOT_WORKING).result().structured_content
    assert out["error"]["message"] == free_time.NOT_WORKING
    assert out["error"]["message_en"] == "The specialist does not work on that day of the week"


async def test_an_english_user_reads_a_refusal_in_english(mcp_server, live_api) -> None:
    """Anna works Monday to Friday: a pedicure on Sunday is refused by the API in Russian."""
    sunday = next_weekday(6, weeks=3)
    now = dt.datetime.combine(sunday - dt.timedelta(days=2), dt.time(10)).isoformat()
    async with Client(mcp_server) as client:
        args = {"user_id": "820001", "message": f"I'd like a pedicure on {sunday:%B} {sunday.day}"}
        result = await client.call_tool("process_message", {**args, "now": now})
        reply = result.structured_content["response"]
    assert "does not work" in reply, reply
    people = {"Анна", "Иванова"}
    assert [w for w in re.findall("[А-Яа-яЁё]+", reply) if w not in people] == [], reply
