"""The Bot API's wire: error bodies, form fields, parse modes and limits, as Telegram has them."""

from __future__ import annotations

import json
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any

from starlette.responses import JSONResponse

#: Descriptions Telegram uses for the error codes tests usually inject.
DEFAULT_ERROR_DESCRIPTIONS: dict[int, str] = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden: bot was blocked by the user",
    404: "Not Found",
    409: "Conflict: terminated by other getUpdates request; "
    "make sure that only one bot instance is running",
    500: "Internal Server Error",
    502: "Bad Gateway",
}

#: Form fields whose value is JSON (aiogram serialises nested objects into JSON strings).
JSON_FIELDS = frozenset(
    {
        "reply_markup",
        "entities",
        "caption_entities",
        "commands",
        "scope",
        "menu_button",
        "allowed_updates",
        "link_preview_options",
        "reply_parameters",
        "media",
        "results",
        "message_ids",
        "options",
        "explanation_entities",
        "rights",
    }
)

#: Fields that are always strings, even when they look like numbers, booleans or JSON.
STRING_FIELDS = frozenset(
    {
        "text",
        "caption",
        "description",
        "short_description",
        "title",
        "name",
        "question",
        "explanation",
        "secret_token",
        "url",
        "callback_query_id",
        "inline_message_id",
        "file_id",
        "action",
        "parse_mode",
        "emoji",
        "first_name",
        "last_name",
        "phone_number",
        "address",
    }
)

#: Tags Telegram accepts with parse_mode=HTML.
ALLOWED_HTML_TAGS = frozenset(
    {
        "b",
        "strong",
        "i",
        "em",
        "u",
        "ins",
        "s",
        "strike",
        "del",
        "a",
        "code",
        "pre",
        "span",
        "tg-spoiler",
        "tg-emoji",
        "blockquote",
    }
)

MAX_TEXT_LENGTH = 4096
MAX_CALLBACK_DATA_BYTES = 64


@dataclass
class Failure:
    status: int
    description: str
    retry_after: int | None


class ApiError(Exception):
    """Raised inside a method handler; becomes a Telegram error response."""

    def __init__(self, status: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.retry_after = retry_after

    def response(self) -> JSONResponse:
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.status,
            "description": self.description,
        }
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return JSONResponse(body, status_code=self.status)


class HtmlToText(HTMLParser):
    """Strips Telegram HTML to plain text and notes the first unsupported tag."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.error: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ALLOWED_HTML_TAGS and self.error is None:
            self.error = f'Unsupported start tag "{tag}"'

    def handle_endtag(self, tag: str) -> None:
        if tag not in ALLOWED_HTML_TAGS and self.error is None:
            self.error = f'Unexpected end tag "{tag}"'

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def plain_text(text: str, parse_mode: str | None) -> str:
    """What the user reads: formatting markup removed (HTML fully, Markdown escapes only)."""
    mode = (parse_mode or "").lower()
    if mode == "html":
        parser = HtmlToText()
        parser.feed(text)
        parser.close()
        if parser.error:
            raise ApiError(400, f"Bad Request: can't parse entities: {parser.error}")
        return "".join(parser.parts)
    if mode in ("markdown", "markdownv2"):
        out: list[str] = []
        chars = iter(text)
        for char in chars:
            out.append(next(chars, "") if char == "\\" else char)
        return "".join(out)
    return text


def decode_field(key: str, value: str) -> Any:
    """Turn a form value back into the JSON type aiogram serialised it from."""
    if key in STRING_FIELDS:
        return value
    if key in JSON_FIELDS or value[:1] in ("{", "["):
        try:
            return json.loads(value)
        except ValueError:
            return value
    if value in ("true", "false"):
        return value == "true"
    if key.endswith("_id") or key in ("offset", "limit", "timeout", "cache_time"):
        try:
            return int(value)
        except ValueError:
            return value
    return value


def as_int(value: Any) -> Any:
    """chat_id / message_id as int when numeric (channels may use "@name")."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return value
