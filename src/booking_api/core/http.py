"""Request parsing and response rendering the way DRF does them."""

from __future__ import annotations

import datetime as dt
import functools
import json
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import orjson
from fastapi import Request
from starlette.datastructures import UploadFile
from starlette.responses import Response

from booking_api.core.errors import NotFound, ParseError, UnsupportedMediaType


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError


class JSON(Response):
    """Fast JSON (orjson) with DRF's formats: ``date``/``time`` ISO, decimals as strings."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content, default=_default)


def format_datetime(value: dt.datetime | None, tz: dt.tzinfo) -> str | None:
    """DRF's DateTimeField: local time with offset, microseconds only when non-zero."""
    if value is None:
        return None
    return _local_iso(value, tz)


@functools.lru_cache(maxsize=8192)
def _local_iso(value: dt.datetime, tz: dt.tzinfo) -> str:
    """Remembered: a list shows the same rows' timestamps request after request (a front
    desk's first page), and the zone conversion plus ``isoformat`` cost ~2 µs each, a tenth
    of the staff list's CPU; hashing the (UTC) value costs 0.1 µs."""
    text = value.astimezone(tz).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def format_decimal(value: Decimal | float | None, places: int = 2) -> str | None:
    if value is None:
        return None
    return str(Decimal(value).quantize(Decimal(1).scaleb(-places)))


def parse_json(raw: bytes) -> Any:
    """DRF's JSONParser: anything the json module refuses is a ParseError (400) with its message.

    Deep nesting makes the json module give up with a RecursionError (not a ValueError); DRF's
    message form holds for it too: "JSON parse error - maximum recursion depth exceeded …".
    """
    try:
        return json.loads(raw.decode("utf-8"))
    except (ValueError, RecursionError) as exc:  # UnicodeDecodeError is a ValueError
        raise ParseError(f"JSON parse error - {exc}") from None


FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


async def read_body(request: Request) -> Any:
    """``request.data``: JSON, or form data where DRF accepts it; anything else is a 415."""
    content_type = request.headers.get("content-type", "")
    media = content_type.split(";", 1)[0].strip().lower()
    if media == "application/json" or media.endswith("+json"):
        raw = await request.body()
        if not raw:
            return {}  # DRF does not parse an empty body: the data is just empty
        return parse_json(raw)
    if media in FORM_TYPES:
        form = await request.form()
        data: dict[str, Any] = {}
        for key, value in form.multi_items():
            data[key] = value
        return data
    if not content_type:
        if await request.body():
            raise UnsupportedMediaType("")
        return {}
    raise UnsupportedMediaType(content_type)


def is_upload(value: Any) -> bool:
    return isinstance(value, UploadFile)


# --- query strings -----------------------------------------------------------------------------


def replace_query_param(url: str, key: str, value: Any) -> str:
    """DRF's ``replace_query_param``: repeated parameters are kept, keys sorted."""
    scheme, netloc, path, query, fragment = urlsplit(url)
    params = parse_qs(query, keep_blank_values=True)
    params[key] = [str(value)]
    return urlunsplit(
        (scheme, netloc, path, urlencode(sorted(params.items()), doseq=True), fragment)
    )


def remove_query_param(url: str, key: str) -> str:
    """DRF's ``remove_query_param``."""
    scheme, netloc, path, query, fragment = urlsplit(url)
    params = parse_qs(query, keep_blank_values=True)
    params.pop(key, None)
    return urlunsplit(
        (scheme, netloc, path, urlencode(sorted(params.items()), doseq=True), fragment)
    )


def positive_int(value: str | None, *, cutoff: int | None = None) -> int | None:
    """DRF's ``_positive_int(strict=True)``: None for anything that is not a positive integer."""
    if value is None:
        return None
    try:
        number = int(value)
    except ValueError:
        return None
    if number <= 0:
        return None
    return min(number, cutoff) if cutoff else number


class Page:
    """DRF's PageNumberPagination over a known total."""

    def __init__(self, request: Request, page_size: int, total: int):
        self.request = request
        self.page_size = page_size
        self.total = total
        self.num_pages = max(1, -(-total // page_size))
        number = self.requested(request)
        self.number = self.num_pages if number is None else number
        if self.number > self.num_pages:
            raise NotFound("Invalid page.")

    @staticmethod
    def requested(request: Request) -> int | None:
        """The page number asked for (``?page=``, 1 by default), None for ``last``; a number
        that cannot be a page is DRF's 404 "Invalid page." whatever the total."""
        raw = request.query_params.get("page", "1")
        if raw == "last":
            return None
        try:
            number = int(raw)  # Django's Paginator: "2.0" is not a page number
        except ValueError:
            raise NotFound("Invalid page.") from None
        if number < 1:
            raise NotFound("Invalid page.")
        return number

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.page_size

    def envelope(self, results: list[Any]) -> dict[str, Any]:
        url = str(self.request.url)
        next_url = previous_url = None
        if self.number < self.num_pages:
            next_url = replace_query_param(url, "page", self.number + 1)
        if self.number > 1:
            previous_url = (
                remove_query_param(url, "page")
                if self.number == 2
                else replace_query_param(url, "page", self.number - 1)
            )
        return {"count": self.total, "next": next_url, "previous": previous_url, "results": results}
