"""``booking chat`` speaks the terminal's language: an English locale never reads Russian
interface text from the chat itself (the assistant's replies follow each message)."""

import re

from booking_mcp.chat import terminal_language
from booking_mcp.i18n import t

CYRILLIC = re.compile("[А-Яа-яЁё]")


def test_the_locale_picks_the_language() -> None:
    assert terminal_language({"LANG": "en_GB.UTF-8"}) == "en"
    assert terminal_language({"LC_ALL": "en_US.UTF-8", "LANG": "ru_RU.UTF-8"}) == "en"
    assert terminal_language({"LANG": "ru_RU.UTF-8"}) == "ru"
    assert terminal_language({}) == "ru"  # Russian is the default


def test_english_chat_texts_have_no_cyrillic() -> None:
    url = "http://127.0.0.1:5000/mcp"
    for key in ("chat_server", "chat_unreachable", "chat_in_process", "chat_prompt"):
        text = t("en", key, url=url)
        assert text and not CYRILLIC.search(text), text
        assert CYRILLIC.search(t("ru", key, url=url))


def test_a_tool_error_is_printed_not_an_empty_line() -> None:
    from types import SimpleNamespace

    from booking_mcp.chat import _reply

    failed = SimpleNamespace(
        is_error=True,
        structured_content={"error": {"code": "api_unavailable", "message": "API is down"}},
        content=[SimpleNamespace(text="API is down")],
    )
    assert _reply(failed)["response"] == "API is down"
    plain = SimpleNamespace(
        is_error=True, structured_content=None, content=[SimpleNamespace(text="boom")]
    )
    assert _reply(plain)["response"] == "boom"
