"""Structured logs: a JSON (or text) formatter, a request id in every line, secret redaction.

* ``request_id_var`` holds the current request id; the request-id middleware sets it from
  ``X-Request-ID`` (or makes one), the MCP server's API client forwards it, so one id follows
  a user's message from the bot through the MCP server to the API.
* :class:`JsonFormatter` writes one JSON object per line: ``ts``, ``level``, ``logger``,
  ``msg``, ``request_id`` and any ``extra={...}`` fields.
* :class:`RedactFilter` (installed on the handler, so it sees every logger's records, uvicorn's
  included) replaces bearer tokens, JWTs, Telegram bot tokens, ``password=``-style pairs and
  the configured secret values (SECRET_KEY, TELEGRAM_BOT_TOKEN, ENCRYPTION_KEY, …) by
  ``[redacted]``.

``LOG_LEVEL`` (default INFO) and ``LOG_FORMAT`` (``auto`` | ``json`` | ``text``; auto, the
default, is text on a terminal and JSON otherwise) configure it; in text the per-request
chatter of libraries is hidden (see ``TERMINAL_QUIET``);
:func:`logging_config` gives the same set-up as a ``dictConfig`` dict for uvicorn, which applies
it in every worker process.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import logging.config
import os
import re
import secrets
import sys
from contextvars import ContextVar, Token
from typing import Any

import orjson

request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)

REQUEST_ID_HEADER = "X-Request-ID"
_VALID_ID = re.compile(r"^[A-Za-z0-9._:\-]{1,128}$")
REDACTED = "[redacted]"

# LogRecord's own attributes: anything else in record.__dict__ came from ``extra=``.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}

_PATTERNS = [
    # Authorization: Bearer <token> / Basic <creds>
    (re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=\-]+"), r"\1 " + REDACTED),
    # JWTs (header.payload.signature, base64url)
    (re.compile(r"eyJ[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]*"), REDACTED),
    # Telegram bot tokens: 123456789:AA…
    (re.compile(r"(?<!\d)\d{5,12}:[A-Za-z0-9_\-]{30,}"), REDACTED),
    # Fernet tokens (encrypted personal data)
    (re.compile(r"gAAAAA[A-Za-z0-9_\-=]{20,}"), REDACTED),
    # password=…, "token": "…", secret: … (key/value pairs in messages, query strings, JSON)
    (
        re.compile(
            r"(?i)([\"']?\b(?:password|passwd|secret|secret_key|token|access|refresh|hash|"
            r"api_key|authorization|encryption_key)\b[\"']?\s*[=:]\s*)"
            r"(\"[^\"]*\"|'[^']*'|[^\s&,;}\]]+)"
        ),
        r"\1" + '"' + REDACTED + '"',
    ),
]

# Every pattern above needs one of these words to match: a text without any of them (most
# log lines: an access line is "GET /api/services/ 200 3.2ms") skips the five substitutions.
_TRIGGER = re.compile(
    r"(?i)bearer|basic|eyJ|\d{5,12}:|gAAAAA|passw|secret|token|access|refresh|hash|api_key|"
    r"authorization|encryption_key"
)

_secret_values: set[str] = set()
_secrets_longest_first: tuple[str, ...] = ()


def register_secret(*values: Any) -> None:
    """Values never to be written to a log (SecretStr, str or None; short ones are ignored)."""
    global _secrets_longest_first
    for value in values:
        if value is None:
            continue
        if hasattr(value, "get_secret_value"):
            value = value.get_secret_value()
        for part in str(value).split(","):
            part = part.strip()
            if len(part) >= 8:
                _secret_values.add(part)
    _secrets_longest_first = tuple(sorted(_secret_values, key=len, reverse=True))


# The trigger's words, for the quick look every log line gets: Python's ``re`` tries the
# case-blind alternation at every position (24 µs on an access line, most of the line's
# cost); substring searches on the case-folded text take ~4 µs. Case folding finds all the
# regex does (and a little more, e.g. "ß" as "ss": more redaction, never less).
_TRIGGER_WORDS = (
    "bearer", "basic", "eyj", "gaaaaa", "passw", "secret", "token", "access", "refresh",
    "hash", "api_key", "authorization", "encryption_key",
)  # fmt: skip


_TOKEN_CHARACTERS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")


def _bot_token_like(text: str) -> bool:
    """``\d{5,}:`` followed by 30 token characters somewhere (what the bot-token pattern needs),
    without the regex's scan. Ids with a colon after them (a job's ``specialist:created:12345:…``
    key) are not: a line of them is written as is, not run through every pattern."""
    at = text.find(":")
    while at != -1:
        if at >= 5 and text[at - 5 : at].isdigit():
            tail = text[at + 1 : at + 31]
            if len(tail) == 30 and _TOKEN_CHARACTERS.issuperset(tail):
                return True
        at = text.find(":", at + 1)
    return False


def _needs_redacting(text: str) -> bool:
    """Whether :func:`redact` could change ``text`` (when False, the line is written as is)."""
    if any(secret in text for secret in _secrets_longest_first):
        return True
    folded = text.casefold()
    return any(word in folded for word in _TRIGGER_WORDS) or _bot_token_like(text)


def redact(text: str) -> str:
    for secret in _secrets_longest_first:
        if secret in text:
            text = text.replace(secret, REDACTED)
    if _TRIGGER.search(text) is None:
        return text
    for pattern, repl in _PATTERNS:
        text = pattern.sub(repl, text)
    return text


# Settings that hold secrets, by their environment names, in every part of the project. A
# worker process that uvicorn starts builds its filters from the log config alone, so the
# filter reads these itself; each part also registers its own settings' secrets at start-up
# (values that came from a ``.env`` file rather than the environment).
SECRET_ENV_NAMES = (
    "SECRET_KEY",
    "TELEGRAM_BOT_TOKEN",
    "ENCRYPTION_KEY",
    "ENCRYPTION_OLD_KEYS",
    "API_PASSWORD",
    "MCP_AUTH_TOKEN",
    "BOOKING_CLIENT_TOKEN",
    "TELEGRAM_WEBHOOK_SECRET",
)


def _register_settings_secrets() -> None:
    register_secret(*(os.environ.get(name) for name in SECRET_ENV_NAMES))


class RedactFilter(logging.Filter):
    """Rewrites each record's message with secrets removed (never drops a record)."""

    def __init__(self, name: str = "") -> None:
        super().__init__(name)
        _register_settings_secrets()

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001
            return True
        fields = [
            (key, value)
            for key, value in record.__dict__.items()
            if key not in _STANDARD and isinstance(value, str)
        ]
        # Most lines hold nothing to redact: one look at the message and every field together
        # (joined by a newline, which no trigger word or secret value crosses) settles that.
        if not _needs_redacting("\n".join([message, *(value for _, value in fields)])):
            if record.args:
                record.msg, record.args = message, None
        else:
            record.msg, record.args = redact(message), None
            for key, value in fields:
                setattr(record, key, redact(value))
        if record.exc_info and not record.exc_text:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
        elif record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = request_id_var.get()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line."""

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "ts": dt.datetime.fromtimestamp(record.created, dt.UTC)
            .isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
            "request_id": getattr(record, "request_id", None) or request_id_var.get(),
        }
        for key, value in record.__dict__.items():
            if key not in _STANDARD and key not in out and not key.startswith("_"):
                out[key] = value
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            out["exc"] = record.exc_text
        if out["request_id"] is None:
            del out["request_id"]
        try:
            return orjson.dumps(out, default=str).decode()
        except TypeError:  # what orjson refuses (an int beyond 64 bits, a non-str key)
            return json.dumps(out, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """For a person at a terminal: ``21:20:26 INFO booking_api.access: GET /api/ 200 2.1ms
    [4b5f4b6910b44824]`` — the time of day, the level, the logger, the message, and the request
    id when there is one (then the traceback, if any)."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s", datefmt="%H:%M:%S")

    def formatMessage(self, record: logging.LogRecord) -> str:  # noqa: N802 - logging's name
        line = super().formatMessage(record)
        request_id = getattr(record, "request_id", None) or request_id_var.get()
        return f"{line} [{request_id}]" if request_id else line


def _is_terminal(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


# Chatter a person at a terminal does not need, hidden there unless LOG_LEVEL=DEBUG: httpx's
# line per outgoing request (the API's access line tells the same, with its status and time),
# one-off start-up notes of libraries. JSON logs (for machines) keep them.
TERMINAL_QUIET = ("httpx", "httpcore", "pymorphy3", "mcp.server.streamable_http_manager")
ALWAYS_QUIET = ("alembic.runtime.plugins",)  # one line per alembic plugin at every start


def logging_config(level: str | None = None, fmt: str | None = None) -> dict[str, Any]:
    """The ``dictConfig`` for LOG_LEVEL / LOG_FORMAT (uvicorn gets it as ``log_config``)."""
    level = (level or os.environ.get("LOG_LEVEL") or "INFO").upper()
    fmt = (fmt or os.environ.get("LOG_FORMAT") or "auto").lower()
    if fmt == "auto":  # people read a terminal; machines read everything else
        fmt = "text" if _is_terminal(sys.stderr) else "json"
    quiet = list(ALWAYS_QUIET)
    if fmt == "text" and level != "DEBUG":
        quiet += TERMINAL_QUIET
    formatter = (
        "booking_common.logging.TextFormatter"
        if fmt == "text"
        else "booking_common.logging.JsonFormatter"
    )
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {
            "request_id": {"()": "booking_common.logging.RequestIdFilter"},
            "redact": {"()": "booking_common.logging.RedactFilter"},
        },
        "formatters": {"default": {"()": formatter}},
        "handlers": {
            "default": {
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stderr",
                "formatter": "default",
                "filters": ["request_id", "redact"],
            },
        },
        "root": {"level": level, "handlers": ["default"]},
        "loggers": {
            **{
                name: {"level": level, "handlers": [], "propagate": True}
                for name in (
                    "uvicorn",
                    "uvicorn.error",
                    "uvicorn.access",
                    "booking_api",
                    "booking_mcp",
                    "booking_bot",
                )
            },
            **{name: {"level": "WARNING", "handlers": [], "propagate": True} for name in quiet},
        },
    }


def configure_logging(
    level: str | None = None, fmt: str | None = None, stream: Any = None
) -> logging.Handler:
    """Install the handler on the root logger (replacing one installed before); returns it."""
    config = logging_config(level, fmt)
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_booking", False):
            root.removeHandler(handler)
    handler = logging.StreamHandler(stream or sys.stderr)
    handler._booking = True  # type: ignore[attr-defined]
    handler.addFilter(RequestIdFilter())
    handler.addFilter(RedactFilter())
    handler.setFormatter(
        TextFormatter()
        if config["formatters"]["default"]["()"].endswith("TextFormatter")
        else JsonFormatter()
    )
    root.addHandler(handler)
    root.setLevel(config["root"]["level"])
    for name, spec in config["loggers"].items():
        logging.getLogger(name).setLevel(spec["level"])
    return handler


# --------------------------------------------------------------------------- request ids


def new_request_id() -> str:
    return secrets.token_hex(8)


def clean_request_id(value: str | bytes | None) -> str | None:
    """An incoming id if it is sane (no spaces or control characters, ≤128), else None."""
    if isinstance(value, bytes):
        value = value.decode("latin-1")
    return value if value and _VALID_ID.match(value) else None


def set_request_id(value: str | None) -> Token[str | None]:
    return request_id_var.set(value)


def get_request_id() -> str | None:
    return request_id_var.get()
