"""The business profile as the API reads it in and shows it out."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from booking_api.core.errors import ValidationError
from booking_api.core.fields import CharField, FieldError, validate_fields
from booking_api.core.fields import Field as InputField

EN = "The English text (empty when there is none)"
MAX_FAQ = 30


class FaqItem(BaseModel):
    question: str = Field(examples=["Есть ли парковка?"])
    answer: str = Field(examples=["Да, бесплатная парковка во дворе."])
    question_en: str = Field("", examples=["Is there parking?"], description=EN)
    answer_en: str = Field("", examples=["Yes, free parking in the courtyard."], description=EN)


class BusinessOut(BaseModel):
    name: str = Field(examples=["Салон «Жасмин»"])
    name_en: str = Field(examples=["Jasmine beauty salon"], description=EN)
    address: str = Field(examples=["Казань, ул. Баумана, 15"])
    address_en: str = Field(examples=["15 Baumana St, Kazan"], description=EN)
    phone: str = Field(examples=["+7 843 200-00-00"])
    opening_hours: str = Field(examples=["Пн–Пт 9:00–21:00, Сб 10:00–18:00"])
    opening_hours_en: str = Field(examples=["Mon–Fri 9am–9pm, Sat 10am–6pm"], description=EN)
    faq: list[FaqItem] = Field(description="Questions clients often ask, with the answers")


def _text(max_length: int, help_text: str = "") -> CharField:
    return CharField(
        max_length=max_length, required=False, allow_blank=True, default="", help_text=help_text
    )


FAQ_ITEM_FIELDS: dict[str, InputField] = {
    "question": CharField(max_length=300),
    "answer": CharField(max_length=2000),
    "question_en": _text(300, EN),
    "answer_en": _text(2000, EN),
}


class FaqField(InputField):
    """A list of question/answer pairs (checked item by item in :func:`validate_profile`)."""

    def convert(self, value: Any) -> Any:
        if not isinstance(value, list):
            raise FieldError(f'Expected a list of items but got type "{type(value).__name__}".')
        if len(value) > MAX_FAQ:
            raise FieldError(f"Ensure this field has no more than {MAX_FAQ} elements.")
        return value

    def json_schema(self) -> dict[str, Any]:
        return {
            "type": "array",
            "maxItems": MAX_FAQ,
            "description": self.help_text,
            "items": {
                "type": "object",
                "properties": {n: f.json_schema() for n, f in FAQ_ITEM_FIELDS.items()},
                "required": ["question", "answer"],
            },
        }


PROFILE_FIELDS: dict[str, InputField] = {
    "name": _text(200),
    "name_en": _text(200, EN),
    "address": _text(1000),
    "address_en": _text(1000, EN),
    "phone": _text(40),
    "opening_hours": _text(1000),
    "opening_hours_en": _text(1000, EN),
    "faq": FaqField(required=False, default=list, help_text="Question/answer pairs"),
}

EXAMPLE = {
    "name": "Салон «Жасмин»",
    "name_en": "Jasmine beauty salon",
    "address": "Казань, ул. Баумана, 15",
    "address_en": "15 Baumana St, Kazan",
    "phone": "+7 843 200-00-00",
    "opening_hours": "Пн–Пт 9:00–21:00, Сб 10:00–18:00",
    "opening_hours_en": "Mon–Fri 9am–9pm, Sat 10am–6pm",
    "faq": [
        {
            "question": "Есть ли парковка?",
            "answer": "Да, бесплатная парковка во дворе.",
            "question_en": "Is there parking?",
            "answer_en": "Yes, free parking in the courtyard.",
        }
    ],
}


def validate_profile(data: Any, *, partial: bool) -> dict[str, Any]:
    """The fields, then each FAQ item; errors of both reported together, an item's as DRF's
    nested list serializer does (``{"faq": [{}, {"answer": ["This field is required."]}]}``)."""
    errors: dict[str, Any] = {}
    values: dict[str, Any] = {}
    try:
        values = validate_fields(PROFILE_FIELDS, data, partial=partial)
    except ValidationError as exc:
        if not isinstance(data, dict):
            raise
        errors = dict(exc.errors)
        if "faq" not in errors and isinstance(data.get("faq"), list):
            values["faq"] = data["faq"]  # its items are judged too
    if isinstance(values.get("faq"), list):
        items, item_errors = [], []
        for raw in values["faq"]:
            try:
                items.append(validate_fields(FAQ_ITEM_FIELDS, raw))
                item_errors.append({})
            except ValidationError as exc:
                item_errors.append(exc.errors)
        if any(item_errors):
            errors["faq"] = item_errors
        values["faq"] = items
    if errors:
        order = list(PROFILE_FIELDS)
        raise ValidationError(dict(sorted(errors.items(), key=lambda kv: order.index(kv[0]))))
    return values


def represent(obj: Any) -> dict[str, Any]:
    """A profile row (or None: nothing written yet, every text empty)."""
    if obj is None:
        return {name: [] if name == "faq" else "" for name in PROFILE_FIELDS}
    data = {name: getattr(obj, name) for name in PROFILE_FIELDS}
    data["faq"] = [
        {key: str(item.get(key, "")) for key in FAQ_ITEM_FIELDS} for item in obj.faq or []
    ]
    return data
