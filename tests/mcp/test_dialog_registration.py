"""The contact a client writes in answer to ``ask_contact``, in the usual forms, read with
``phonenumbers`` (Russian numbering unless the number says otherwise)."""

from __future__ import annotations

import pytest

from booking_mcp.dialog.registration import read_contact


@pytest.mark.parametrize(
    ("text", "name", "phone"),
    [
        ("/contact +79001234567 Анна Петрова", "Анна Петрова", "+79001234567"),
        ("/contact 79001234567 Анна", "Анна", "+79001234567"),  # Telegram's, without "+"
        ("Анна, +7 900 123-45-67", "Анна", "+79001234567"),
        ("John Smith 8 916 111 22 33", "John Smith", "+79161112233"),
        ("please register me: John Smith, phone +7 900 123-45-67", "John Smith", "+79001234567"),
        ("меня зовут Ольга Петрова, телефон +7 927 111 22 33", "Ольга Петрова", "+79271112233"),
        ("I'm Peter, my phone is 8 916 111 22 33", "Peter", "+79161112233"),
        ("/contact +447911123456 John Smith", "John Smith", "+447911123456"),
        ("+7 900 123-45-67", None, "+79001234567"),
        ("Мария", "Мария", None),
    ],
)
def test_usual_forms_give_the_name_and_the_e164_number(text, name, phone) -> None:
    contact = read_contact(text)
    assert (contact.name, contact.phone, contact.bad_phone) == (name, phone, False)


@pytest.mark.parametrize("text", ["Иван 12345", "Mary Jones 555 12", "+7 123 45"])
def test_a_number_that_is_no_phone_number_is_flagged(text) -> None:
    contact = read_contact(text)
    assert contact.phone is None and contact.bad_phone


def test_yes_is_no_name() -> None:
    assert read_contact("да").name is None and read_contact("yes").name is None
