"""Input validation with Django REST Framework's semantics and messages.

Why not pydantic here: DRF clients depend on DRF's exact coercions (``"12.0"`` is a valid
integer, numbers are valid strings, blank is not null, whitespace is trimmed) and on its exact
texts. Mapping pydantic's error types onto those would be as long as this module and still
subtly different, so these small field classes state the rules directly. Each field also
describes itself as JSON Schema, so the OpenAPI document comes from the same declaration.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from booking_api.core.errors import ValidationError

REQUIRED = "This field is required."
NULL = "This field may not be null."
BLANK = "This field may not be blank."

_MISSING = object()


class FieldError(Exception):
    def __init__(self, message: str):
        self.message = message


class Field:
    """One writable attribute of a resource."""

    schema_type: dict[str, Any] = {}

    def __init__(
        self,
        *,
        required: bool = True,
        allow_null: bool = False,
        default: Any = _MISSING,
        help_text: str = "",
        write_only: bool = False,
    ):
        self.required = required and default is _MISSING
        self.allow_null = allow_null
        self.default = default
        self.help_text = help_text
        self.write_only = write_only

    def convert(self, value: Any) -> Any:
        return value

    def json_schema(self) -> dict[str, Any]:
        schema = dict(self.schema_type)
        if self.allow_null:
            schema = {"anyOf": [schema, {"type": "null"}]}
        if self.help_text:
            schema["description"] = self.help_text
        if self.default is not _MISSING and not callable(self.default):
            schema["default"] = self.default
        if self.write_only:
            schema["writeOnly"] = True
        return schema


class CharField(Field):
    def __init__(self, *, max_length: int | None = None, allow_blank: bool = False, **kw: Any):
        super().__init__(**kw)
        self.max_length = max_length
        self.allow_blank = allow_blank

    def convert(self, value: Any) -> str:
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise FieldError("Not a valid string.")
        value = str(value).strip()
        if value == "" and not self.allow_blank:
            raise FieldError(BLANK)
        if self.max_length is not None and len(value) > self.max_length:
            raise FieldError(f"Ensure this field has no more than {self.max_length} characters.")
        if "\x00" in value:  # DRF's ProhibitNullCharactersValidator (no database stores NUL)
            raise FieldError("Null characters are not allowed.")
        if surrogate := next((c for c in value if "\ud800" <= c <= "\udfff"), None):
            raise FieldError(f"Surrogate characters are not allowed: U+{ord(surrogate):X}.")
        return value

    def json_schema(self) -> dict[str, Any]:
        self.schema_type = {"type": "string"}
        if self.max_length:
            self.schema_type["maxLength"] = self.max_length
        return super().json_schema()


_EMAIL = re.compile(
    r"^[-!#$%&'*+/=?^_`{}|~0-9A-Z]+(\.[-!#$%&'*+/=?^_`{}|~0-9A-Z]+)*"
    r"@((?:[A-Z0-9](?:[A-Z0-9-]{0,61}[A-Z0-9])?\.)+[A-Z0-9-]{2,63}(?<!-))$",
    re.IGNORECASE,
)


class EmailField(CharField):
    def __init__(self, **kw: Any):
        kw.setdefault("max_length", 254)
        super().__init__(**kw)

    def convert(self, value: Any) -> str:
        value = super().convert(value)
        if value and not _EMAIL.match(value):
            raise FieldError("Enter a valid email address.")
        return value

    def json_schema(self) -> dict[str, Any]:
        schema = super().json_schema()
        (schema["anyOf"][0] if "anyOf" in schema else schema)["format"] = "email"
        return schema


class IntegerField(Field):
    _trailing_zeros = re.compile(r"\.0*\s*$")

    def __init__(self, *, min_value: int | None = None, max_value: int | None = None, **kw: Any):
        super().__init__(**kw)
        self.min_value = min_value
        self.max_value = max_value

    def convert(self, value: Any) -> int:
        if isinstance(value, str) and len(value) > 1000:
            raise FieldError("String value too large.")
        if isinstance(value, bool):
            raise FieldError("A valid integer is required.")
        try:
            number = int(self._trailing_zeros.sub("", str(value)))
        except (TypeError, ValueError):
            raise FieldError("A valid integer is required.") from None
        if self.min_value is not None and number < self.min_value:
            raise FieldError(f"Ensure this value is greater than or equal to {self.min_value}.")
        if self.max_value is not None and number > self.max_value:
            raise FieldError(f"Ensure this value is less than or equal to {self.max_value}.")
        return number

    def json_schema(self) -> dict[str, Any]:
        self.schema_type = {"type": "integer"}
        if self.min_value is not None:
            self.schema_type["minimum"] = self.min_value
        if self.max_value is not None:
            self.schema_type["maximum"] = self.max_value
        return super().json_schema()


class DecimalField(Field):
    def __init__(
        self, *, max_digits: int, decimal_places: int, min_value: Decimal | None = None, **kw: Any
    ):
        super().__init__(**kw)
        self.max_digits = max_digits
        self.decimal_places = decimal_places
        self.min_value = min_value

    def convert(self, value: Any) -> Decimal:
        if isinstance(value, bool):
            raise FieldError("A valid number is required.")
        text = str(value).strip()
        if len(text) > 1000:
            raise FieldError("String value too large.")
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise FieldError("A valid number is required.") from None
        if not number.is_finite():
            raise FieldError("A valid number is required.")
        sign, digits, exponent = number.as_tuple()
        assert isinstance(exponent, int)
        if exponent >= 0:
            total, places = len(digits) + exponent, 0
        elif len(digits) > abs(exponent):
            total, places = len(digits), abs(exponent)
        else:
            total = places = abs(exponent)
        whole = total - places
        if total > self.max_digits:
            raise FieldError(
                f"Ensure that there are no more than {self.max_digits} digits in total."
            )
        if places > self.decimal_places:
            raise FieldError(
                f"Ensure that there are no more than {self.decimal_places} decimal places."
            )
        if whole > self.max_digits - self.decimal_places:
            raise FieldError(
                "Ensure that there are no more than "
                f"{self.max_digits - self.decimal_places} digits before the decimal point."
            )
        if self.min_value is not None and number < self.min_value:
            raise FieldError(f"Ensure this value is greater than or equal to {self.min_value}.")
        return number.quantize(Decimal(1).scaleb(-self.decimal_places))

    def json_schema(self) -> dict[str, Any]:
        self.schema_type = {
            "type": "string",
            "format": "decimal",
            "pattern": rf"^-?\d{{0,{self.max_digits - self.decimal_places}}}"
            rf"(?:\.\d{{0,{self.decimal_places}}})?$",
            "examples": ["1500.00"],
        }
        return super().json_schema()


class BooleanField(Field):
    TRUE = {"t", "T", "y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON", "1"}
    FALSE = {
        "f",
        "F",
        "n",
        "N",
        "no",
        "No",
        "NO",
        "false",
        "False",
        "FALSE",
        "off",
        "Off",
        "OFF",
        "0",
    }
    schema_type = {"type": "boolean"}

    def convert(self, value: Any) -> bool:
        if value is True or value is False:
            return value
        if isinstance(value, int | float) and value in (0, 1):
            return bool(value)
        if isinstance(value, str):
            if value in self.TRUE:
                return True
            if value in self.FALSE:
                return False
        raise FieldError("Must be a valid boolean.")


_DATE_RE = re.compile(r"(?P<year>\d{4})-(?P<month>\d{1,2})-(?P<day>\d{1,2})$")
_TIME_RE = re.compile(
    r"(?P<hour>\d{1,2}):(?P<minute>\d{1,2})"
    r"(?::(?P<second>\d{1,2})(?:[.,](?P<microsecond>\d{1,6})\d{0,6})?)?$"
)


def parse_date(value: Any) -> dt.date | None:
    """Django's ``parse_date``: ISO dates, and ``YYYY-M-D``. None when it is not a date."""
    if not isinstance(value, str):
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        match = _DATE_RE.match(value)
        if not match:
            return None
        try:
            return dt.date(**{k: int(v) for k, v in match.groupdict().items()})
        except ValueError:
            return None


def parse_time(value: Any) -> dt.time | None:
    """Django's ``parse_time``: ``HH:MM[:ss[.uuuuuu]]``. None when it is not a time."""
    if not isinstance(value, str):
        return None
    match = _TIME_RE.match(value)
    if not match:
        return None
    parts = match.groupdict()
    micro = (parts["microsecond"] or "").ljust(6, "0")
    try:
        return dt.time(
            int(parts["hour"]), int(parts["minute"]), int(parts["second"] or 0), int(micro or 0)
        )
    except ValueError:
        return None


class DateField(Field):
    schema_type = {"type": "string", "format": "date"}

    def convert(self, value: Any) -> dt.date:
        if isinstance(value, dt.datetime):
            raise FieldError("Expected a date but got a datetime.")
        parsed = parse_date(value)
        if parsed is None:
            raise FieldError("Date has wrong format. Use one of these formats instead: YYYY-MM-DD.")
        return parsed


class TimeField(Field):
    schema_type = {"type": "string", "format": "time", "examples": ["14:30"]}

    def convert(self, value: Any) -> dt.time:
        parsed = parse_time(value)
        if parsed is None:
            raise FieldError(
                "Time has wrong format. Use one of these formats instead: hh:mm[:ss[.uuuuuu]]."
            )
        return parsed


class DateTimeField(Field):
    """ISO 8601; a value without an offset stays naive for the resource to place in a zone."""

    schema_type = {"type": "string", "format": "date-time"}

    def convert(self, value: Any) -> dt.datetime:
        message = (
            "Datetime has wrong format. Use one of these formats instead: "
            "YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z]."
        )
        if not isinstance(value, str):
            raise FieldError(message)
        try:
            parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise FieldError(message) from None
        return parsed


class ChoiceField(Field):
    """DRF's ChoiceField: a value is taken when its text is a choice's text, so ``3`` and
    ``"3"`` both pick the integer choice 3 (a model field with ``choices``)."""

    def __init__(self, choices: Iterable[Any], **kw: Any):
        super().__init__(**kw)
        self.choices = tuple(choices)
        self._by_text = {str(choice): choice for choice in self.choices}

    def convert(self, value: Any) -> Any:
        if not isinstance(value, bool) and str(value) in self._by_text:
            return self._by_text[str(value)]
        shown = str(value).encode("utf-8", "backslashreplace").decode()  # lone surrogates too
        raise FieldError(f'"{shown}" is not a valid choice.')

    def json_schema(self) -> dict[str, Any]:
        kind = "integer" if all(isinstance(c, int) for c in self.choices) else "string"
        self.schema_type = {"type": kind, "enum": list(self.choices)}
        return super().json_schema()


# Ids are looked up in 32-bit integer columns (what migrations/ creates). Like Django 5, which
# answers a lookup by an out-of-range integer with "no such row" instead of a database error,
# an id outside that range is simply one that does not exist. (A Django-made database may
# have 64-bit ids; it would take over two billion rows for one to fall outside this range.)
ID_MIN, ID_MAX = -(2**31), 2**31 - 1
NO_SUCH_ID = ID_MIN  # a storable id no row has: what an out-of-range id is looked up as


def lookup_id(number: int) -> int:
    """``number``, or :data:`NO_SUCH_ID` when no id column could hold it."""
    return number if ID_MIN <= number <= ID_MAX else NO_SUCH_ID


def lookup_id_text(digits: str) -> int:
    """:func:`lookup_id` of a string of ASCII digits of any length (Python refuses to parse
    more than 4,300 digits; no id has more than 19)."""
    return lookup_id(int(digits)) if len(digits) <= 19 else NO_SUCH_ID


class PrimaryKeyField(Field):
    """A related object's id. Existence is checked by the resource, in one query per field."""

    schema_type = {"type": "integer"}

    def __init__(self, model: type, **kw: Any):
        super().__init__(**kw)
        self.model = model

    def convert(self, value: Any) -> int:
        if isinstance(value, bool):
            raise FieldError("Incorrect type. Expected pk value, received bool.")
        try:
            if isinstance(value, float) and not value.is_integer():
                raise ValueError
            number = int(value)
        except (TypeError, ValueError, OverflowError):
            raise FieldError(
                f"Incorrect type. Expected pk value, received {type(value).__name__}."
            ) from None
        if not ID_MIN <= number <= ID_MAX:
            raise FieldError(missing_pk(value))
        return number


def missing_pk(value: Any) -> str:
    return f'Invalid pk "{value}" - object does not exist.'


def validate_fields(
    fields: Mapping[str, Field], data: Any, *, partial: bool = False
) -> dict[str, Any]:
    """Check and convert ``data`` field by field; all errors are reported together (as DRF)."""
    if data is None:  # a JSON ``null`` body: DRF's serializer says there is no data
        raise ValidationError(["No data provided"])
    if not isinstance(data, dict):
        raise ValidationError(
            [f"Invalid data. Expected a dictionary, but got {type(data).__name__}."]
        )
    values: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    for name, field in fields.items():
        raw = data.get(name, _MISSING)
        if raw is _MISSING:
            if partial:
                continue
            if field.default is not _MISSING:
                values[name] = field.default() if callable(field.default) else field.default
            elif field.required:
                errors[name] = [REQUIRED]
            continue
        if raw is None:
            if field.allow_null:
                values[name] = None
            else:
                errors[name] = [NULL]
            continue
        if raw == "" and isinstance(
            field, DateField | TimeField | IntegerField | DecimalField | ChoiceField
        ):
            if field.allow_null:
                values[name] = None
                continue
        try:
            values[name] = field.convert(raw)
        except FieldError as exc:
            errors[name] = [exc.message]
    if errors:
        raise ValidationError(errors)
    return values


def object_schema(fields: Mapping[str, Field], *, partial: bool = False) -> dict[str, Any]:
    """JSON Schema of a request body made of ``fields``."""
    required = [n for n, f in fields.items() if f.required and not partial]
    schema: dict[str, Any] = {
        "type": "object",
        "properties": {n: f.json_schema() for n, f in fields.items()},
    }
    if required:
        schema["required"] = required
    return schema
