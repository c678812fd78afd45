"""A small, real-HTTP stand-in for the Telegram Bot API, for end-to-end bot tests.

Telegram cannot be reached from the test machine, so tests point the bot (aiogram 3) at
this server instead.  It is a Starlette app served by uvicorn on ``127.0.0.1`` on a free
port, in a background thread with its own event loop.  Because the bot only talks HTTP to
it, the bot may run in the test's event loop *or* in a subprocess.

Typical use::

    from aiogram import Bot
    from aiogram.client.session.aiohttp import AiohttpSession
    from aiogram.client.telegram import TelegramAPIServer

    async with FakeTelegram(bot_username="booking_bot") as tg:
        bot = Bot("123:ABC", session=AiohttpSession(api=TelegramAPIServer.from_base(tg.base_url)))
        ...start polling (dp.start_polling(bot, handle_signals=False)) as a task...
        alice = User(id=1001, first_name="Alice", language_code="en")
        tg.send_command(alice, "/start")
        msg = await tg.wait_for_message(alice, contains="Welcome")
        tg.press_button(alice, "Book")
        await tg.wait_for(lambda: tg.answered_callbacks)

What the user "sees" is recorded: :meth:`FakeTelegram.messages_to` returns the bot's
messages with their *current* text (after edits) and inline keyboard, deleted messages
excluded.  Every API call is kept in :attr:`FakeTelegram.calls`.

Thread-safety: all state lives behind one re-entrant lock.  Scripting helpers (``send_*``,
``press*``, ``tap_reply_button``) are plain synchronous methods that may be called from
any thread or event loop; they wake pending ``getUpdates`` long polls in the server's loop
with ``call_soon_threadsafe``.  Reading helpers return copies (snapshots).

The stand-in imitates the Telegram behaviours that commonly catch bot bugs: "message is
not modified" on identical edits, "message to edit/delete not found", callback queries
that can be answered only once, callback_data over 64 bytes, unsupported HTML tags,
409 for getUpdates while a webhook is set.  It is deliberately not a full Bot API.

Known limits: private chats are the focus (group/channel chats get a generic Chat object,
``@username`` chat ids are rejected); Markdown parse modes only lose their backslash
escapes; methods without a handler answer ``true``, so aiogram calls that expect an object
(``getChat``, ``sendSticker``, ``forwardMessage``, ...) fail to parse until a handler is
added to ``FakeTelegram._handlers``; webhook updates are pushed only when a test calls
``deliver_to_webhook``/``deliver_pending_to_webhook``; file downloads answer 404.
"""

from __future__ import annotations

import asyncio
import copy
import itertools
import json
import socket
import threading
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any, TypeVar

import httpx
import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

__all__ = [
    "CallbackAnswer",
    "ChatMessage",
    "FakeTelegram",
    "UploadedFile",
    "User",
]

T = TypeVar("T")

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
_JSON_FIELDS = frozenset(
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
_STRING_FIELDS = frozenset(
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
_ALLOWED_HTML_TAGS = frozenset(
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

_MAX_TEXT_LENGTH = 4096
_MAX_CALLBACK_DATA_BYTES = 64


# --------------------------------------------------------------------------- public types


@dataclass(frozen=True)
class User:
    """A scripted Telegram user.  Their private chat with the bot has ``chat_id == id``."""

    id: int
    first_name: str = "Test"
    username: str | None = None
    language_code: str = "ru"
    last_name: str | None = None
    #: Used when the user taps a reply button that requests their contact.
    phone: str | None = None

    def to_api(self) -> dict[str, Any]:
        """The Bot API ``User`` object."""
        data: dict[str, Any] = {
            "id": self.id,
            "is_bot": False,
            "first_name": self.first_name,
            "language_code": self.language_code,
        }
        if self.last_name:
            data["last_name"] = self.last_name
        if self.username:
            data["username"] = self.username
        return data

    def private_chat(self) -> dict[str, Any]:
        """The Bot API ``Chat`` object of the user's private chat with the bot."""
        chat: dict[str, Any] = {"id": self.id, "type": "private", "first_name": self.first_name}
        if self.last_name:
            chat["last_name"] = self.last_name
        if self.username:
            chat["username"] = self.username
        return chat


#: Anywhere a user is expected, a ``User`` or a bare user/chat id is accepted.
UserRef = User | int

#: An inline keyboard as the user sees it: rows of (button text, callback_data or None).
InlineKeyboard = list[list[tuple[str, str | None]]]


@dataclass(frozen=True)
class ChatMessage:
    """A snapshot of one message in a chat, as currently displayed."""

    message_id: int
    chat_id: int
    #: True for messages the bot sent, False for the scripted user's own messages.
    from_bot: bool
    #: Plain text (formatting removed) or the caption of a media message; None if neither.
    text: str | None
    #: Current inline keyboard; empty list when there is none.
    inline_keyboard: InlineKeyboard
    #: "text", "photo", "document", "contact", "sticker", "voice", ...
    kind: str
    edited: bool
    #: Global change counter when the message was created or last edited (see ``mark()``).
    revision: int
    #: The full Bot API ``Message`` object (a copy).
    raw: dict[str, Any]

    @property
    def buttons(self) -> list[tuple[str, str | None]]:
        """All inline buttons, flattened row by row."""
        return [button for row in self.inline_keyboard for button in row]

    @property
    def button_texts(self) -> list[str]:
        """The texts of all inline buttons."""
        return [text for text, _ in self.buttons]


@dataclass(frozen=True)
class CallbackAnswer:
    """What the bot passed to ``answerCallbackQuery``."""

    callback_query_id: str
    text: str | None
    show_alert: bool
    url: str | None


@dataclass(frozen=True)
class UploadedFile:
    """A file the bot uploaded in a multipart request (kept in ``calls`` params)."""

    filename: str | None
    content_type: str | None
    data: bytes = field(repr=False)

    @property
    def size(self) -> int:
        return len(self.data)


# --------------------------------------------------------------------------- internals


@dataclass
class _StoredMessage:
    """Mutable server-side record of a message."""

    raw: dict[str, Any]
    from_bot: bool
    kind: str
    revision: int
    edited: bool = False
    deleted: bool = False

    def snapshot(self) -> ChatMessage:
        raw = copy.deepcopy(self.raw)
        return ChatMessage(
            message_id=raw["message_id"],
            chat_id=raw["chat"]["id"],
            from_bot=self.from_bot,
            text=raw.get("text", raw.get("caption")),
            inline_keyboard=_keyboard_rows(raw.get("reply_markup")),
            kind=self.kind,
            edited=self.edited,
            revision=self.revision,
            raw=raw,
        )


@dataclass
class _Failure:
    status: int
    description: str
    retry_after: int | None


class _ApiError(Exception):
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


class _HtmlToText(HTMLParser):
    """Strips Telegram HTML to plain text and notes the first unsupported tag."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.error: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in _ALLOWED_HTML_TAGS and self.error is None:
            self.error = f'Unsupported start tag "{tag}"'

    def handle_endtag(self, tag: str) -> None:
        if tag not in _ALLOWED_HTML_TAGS and self.error is None:
            self.error = f'Unexpected end tag "{tag}"'

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def _plain_text(text: str, parse_mode: str | None) -> str:
    """What the user reads: formatting markup removed (HTML fully, Markdown escapes only)."""
    mode = (parse_mode or "").lower()
    if mode == "html":
        parser = _HtmlToText()
        parser.feed(text)
        parser.close()
        if parser.error:
            raise _ApiError(400, f"Bad Request: can't parse entities: {parser.error}")
        return "".join(parser.parts)
    if mode in ("markdown", "markdownv2"):
        out: list[str] = []
        chars = iter(text)
        for char in chars:
            out.append(next(chars, "") if char == "\\" else char)
        return "".join(out)
    return text


def _keyboard_rows(markup: Any) -> InlineKeyboard:
    """Rows of (text, callback_data) of an InlineKeyboardMarkup dict, [] for anything else."""
    if not isinstance(markup, dict):
        return []
    return [
        [(button.get("text", ""), button.get("callback_data")) for button in row]
        for row in markup.get("inline_keyboard", [])
    ]


def _user_id(user: UserRef) -> int:
    return user.id if isinstance(user, User) else int(user)


def _decode_field(key: str, value: str) -> Any:
    """Turn a form value back into the JSON type aiogram serialised it from."""
    if key in _STRING_FIELDS:
        return value
    if key in _JSON_FIELDS or value[:1] in ("{", "["):
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


# --------------------------------------------------------------------------- the server


class FakeTelegram:
    """Telegram Bot API stand-in.  See the module docstring for an overview.

    :param bot_username: username returned by ``getMe`` and used in ``from`` of bot messages.
    :param bot_first_name: the bot's display name.
    :param token: if given, requests with any other token get 401 Unauthorized.
    :param host: interface to listen on.
    """

    def __init__(
        self,
        *,
        bot_username: str = "test_booking_bot",
        bot_first_name: str = "Booking Assistant",
        token: str | None = None,
        host: str = "127.0.0.1",
    ) -> None:
        self.bot_username = bot_username
        self.bot_first_name = bot_first_name
        self.token = token
        self.host = host
        self.port: int | None = None

        self._lock = threading.RLock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._closing = False

        self._bot_id = int(token.split(":")[0]) if token and token.split(":")[0].isdigit() else 123
        self._update_ids = itertools.count(1)
        self._callback_ids = itertools.count(1)
        self._file_ids = itertools.count(1)
        self._revisions = itertools.count(1)
        self._revision = 0
        self._pending: list[dict[str, Any]] = []
        self._all_updates: list[dict[str, Any]] = []
        self._allowed_updates: list[str] | None = None
        self._poll_waiters: set[asyncio.Event] = set()
        self._users: dict[int, User] = {}
        self._chats: dict[int, list[_StoredMessage]] = {}
        self._next_message_id: dict[int, int] = {}
        self._reply_keyboards: dict[int, list[list[dict[str, Any]]] | None] = {}
        self._open_callbacks: set[str] = set()
        self._answered: list[CallbackAnswer] = []
        self._calls: list[tuple[str, dict[str, Any]]] = []
        self._failures: dict[str, list[_Failure]] = {}
        self._commands: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self._menu_buttons: dict[int | None, dict[str, Any]] = {}
        self._webhook_url: str | None = None
        self._webhook_secret: str | None = None

        self._handlers: dict[str, Callable[[dict[str, Any]], Any]] = {
            "getme": self._get_me,
            "getupdates": self._get_updates,
            "deletewebhook": self._delete_webhook,
            "setwebhook": self._set_webhook,
            "getwebhookinfo": self._get_webhook_info,
            "setmycommands": self._set_my_commands,
            "deletemycommands": self._delete_my_commands,
            "getmycommands": self._get_my_commands,
            "setchatmenubutton": self._set_chat_menu_button,
            "getchatmenubutton": self._get_chat_menu_button,
            "sendmessage": self._send_message,
            "editmessagetext": self._edit_message_text,
            "editmessagecaption": self._edit_message_caption,
            "editmessagereplymarkup": self._edit_message_reply_markup,
            "deletemessage": self._delete_message,
            "answercallbackquery": self._answer_callback_query,
            "sendchataction": lambda params: True,
            "sendphoto": self._send_photo,
            "senddocument": self._send_document,
        }
        self.app = Starlette(
            routes=[
                Route("/bot{token}/{method}", self._handle_api, methods=["GET", "POST"]),
                Route("/file/bot{token}/{path:path}", self._handle_file, methods=["GET"]),
            ]
        )

    # ----------------------------------------------------------------- lifecycle

    @property
    def base_url(self) -> str:
        """Pass this to ``TelegramAPIServer.from_base``."""
        if self.port is None:
            raise RuntimeError("FakeTelegram is not started")
        return f"http://{self.host}:{self.port}"

    def api_server(self) -> Any:
        """An aiogram ``TelegramAPIServer`` pointing at this stand-in."""
        from aiogram.client.telegram import TelegramAPIServer

        return TelegramAPIServer.from_base(self.base_url)

    def start(self, timeout: float = 10) -> None:
        """Start serving in a background thread; returns once the port accepts connections."""
        if self._thread is not None:
            raise RuntimeError("FakeTelegram can only be started once")
        # proto=IPPROTO_TCP matters: asyncio only sets TCP_NODELAY on accepted sockets whose
        # proto is TCP; with proto=0 every keep-alive response stalls ~40 ms (delayed ACK).
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, 0))
        self.port = sock.getsockname()[1]
        config = uvicorn.Config(
            self.app,
            log_config=None,
            log_level="warning",
            access_log=False,
            lifespan="off",
            timeout_graceful_shutdown=1,
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=lambda: asyncio.run(self._serve(sock)), name="fake-telegram", daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("FakeTelegram server failed to start")
            time.sleep(0.005)

    async def _serve(self, sock: socket.socket) -> None:
        self._loop = asyncio.get_running_loop()
        assert self._server is not None
        await self._server.serve(sockets=[sock])

    def stop(self, timeout: float = 5) -> None:
        """Release pending long polls, shut the server down and join its thread."""
        with self._lock:
            self._closing = True
            self._wake_pollers()
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout)

    async def __aenter__(self) -> FakeTelegram:
        await asyncio.to_thread(self.start)
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await asyncio.to_thread(self.stop)

    def __enter__(self) -> FakeTelegram:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # ----------------------------------------------------------------- HTTP layer

    async def _handle_api(self, request: Request) -> JSONResponse:
        token: str = request.path_params["token"]
        method: str = request.path_params["method"]
        if self.token is not None and token != self.token:
            return _ApiError(401, "Unauthorized").response()
        prefix = token.split(":")[0]
        if prefix.isdigit():
            self._bot_id = int(prefix)
        params = await self._read_params(request)
        with self._lock:
            self._calls.append((method, params))
            queued = self._failures.get(method.lower())
            failure = queued.pop(0) if queued else None
        if failure is not None:
            return _ApiError(failure.status, failure.description, failure.retry_after).response()
        handler = self._handlers.get(method.lower())
        try:
            result = handler(params) if handler else True
            if asyncio.iscoroutine(result):
                result = await result
        except _ApiError as error:
            return error.response()
        except (KeyError, TypeError, ValueError) as error:  # malformed params: answer like Telegram
            return _ApiError(400, f"Bad Request: {type(error).__name__}: {error}").response()
        return JSONResponse({"ok": True, "result": result})

    async def _handle_file(self, request: Request) -> JSONResponse:
        return _ApiError(404, "Not Found").response()

    async def _read_params(self, request: Request) -> dict[str, Any]:
        """Merge query string and JSON / urlencoded / multipart body into one decoded dict."""
        raw: dict[str, Any] = dict(request.query_params)
        content_type = request.headers.get("content-type", "")
        if content_type.startswith("application/json"):
            body = await request.json()
            if isinstance(body, dict):
                raw.update(body)
        elif content_type.startswith(("multipart/form-data", "application/x-www-form-urlencoded")):
            uploads: dict[str, UploadedFile] = {}
            async with request.form() as form:
                for key, value in form.multi_items():
                    if isinstance(value, UploadFile):
                        data = await value.read()
                        uploads[key] = UploadedFile(value.filename, value.content_type, data)
                    else:
                        raw[key] = value
            for key, value in list(raw.items()):
                if isinstance(value, str) and value.startswith("attach://"):
                    raw[key] = uploads.pop(value.removeprefix("attach://"), value)
            raw.update(uploads)  # files sent under their own field name
        return {
            key: _decode_field(key, value) if isinstance(value, str) else value
            for key, value in raw.items()
        }

    # ----------------------------------------------------------------- shared helpers

    def _bot_user(self) -> dict[str, Any]:
        return {
            "id": self._bot_id,
            "is_bot": True,
            "first_name": self.bot_first_name,
            "username": self.bot_username,
        }

    def _chat(self, chat_id: int) -> dict[str, Any]:
        if not isinstance(chat_id, int):
            raise _ApiError(400, "Bad Request: chat not found")
        if chat_id in self._users:
            return self._users[chat_id].private_chat()
        if chat_id > 0:
            return {"id": chat_id, "type": "private", "first_name": f"User {chat_id}"}
        return {"id": chat_id, "type": "supergroup", "title": f"Chat {chat_id}"}

    def _next_revision(self) -> int:
        self._revision = next(self._revisions)
        return self._revision

    def _new_file(self, **extra: Any) -> dict[str, Any]:
        number = next(self._file_ids)
        return {"file_id": f"file-{number}", "file_unique_id": f"uniq-{number}", **extra}

    def _find(self, chat_id: Any, message_id: Any) -> _StoredMessage | None:
        for stored in self._chats.get(_as_int(chat_id), []):
            if stored.raw["message_id"] == _as_int(message_id) and not stored.deleted:
                return stored
        return None

    def _store(self, chat_id: int, content: dict[str, Any], *, from_bot: bool, kind: str) -> dict:
        """Append a message to a chat and return a copy of its Bot API object."""
        with self._lock:
            message_id = self._next_message_id.get(chat_id, 1)
            self._next_message_id[chat_id] = message_id + 1
            sender = self._bot_user() if from_bot else self._users[chat_id].to_api()
            raw = {
                "message_id": message_id,
                "date": int(time.time()),
                "chat": self._chat(chat_id),
                "from": sender,
                **content,
            }
            stored = _StoredMessage(raw, from_bot, kind, self._next_revision())
            self._chats.setdefault(chat_id, []).append(stored)
            return copy.deepcopy(raw)

    def _apply_markup(self, chat_id: int, content: dict[str, Any], markup: Any) -> None:
        """Attach an inline keyboard to the message, or remember a reply keyboard for the chat."""
        if not isinstance(markup, dict):
            return
        if "inline_keyboard" in markup:
            for button in (b for row in markup["inline_keyboard"] for b in row):
                data = button.get("callback_data")
                if data is not None and not 1 <= len(data.encode()) <= _MAX_CALLBACK_DATA_BYTES:
                    raise _ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
            content["reply_markup"] = markup
        elif "keyboard" in markup:
            self._reply_keyboards[chat_id] = [
                [b if isinstance(b, dict) else {"text": b} for b in row]
                for row in markup["keyboard"]
            ]
        elif markup.get("remove_keyboard"):
            self._reply_keyboards[chat_id] = None

    # ----------------------------------------------------------------- Bot API methods

    def _get_me(self, params: dict[str, Any]) -> dict[str, Any]:
        return {
            **self._bot_user(),
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }

    async def _get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        """Long polling: confirm updates below ``offset``, wait up to ``timeout`` for new ones."""
        offset = int(params.get("offset", 0))
        limit = min(max(int(params.get("limit", 100)), 1), 100)
        deadline = time.monotonic() + max(float(params.get("timeout", 0)), 0)
        if params.get("allowed_updates"):
            self._allowed_updates = list(params["allowed_updates"])
        while True:
            waiter = asyncio.Event()
            with self._lock:
                if self._webhook_url:
                    raise _ApiError(
                        409,
                        "Conflict: can't use getUpdates method while webhook is active; "
                        "use deleteWebhook to delete the webhook first",
                    )
                if offset > 0:
                    self._pending = [u for u in self._pending if u["update_id"] >= offset]
                elif offset < 0:
                    self._pending = self._pending[offset:]
                batch = [u for u in self._pending if self._is_allowed(u)][:limit]
                if batch or self._closing:
                    return copy.deepcopy(batch)
                self._poll_waiters.add(waiter)
            try:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return []
                await asyncio.wait_for(waiter.wait(), remaining)
            except TimeoutError:
                return []
            finally:
                with self._lock:
                    self._poll_waiters.discard(waiter)

    def _is_allowed(self, update: dict[str, Any]) -> bool:
        if not self._allowed_updates:
            return True
        return any(kind in update for kind in self._allowed_updates)

    def _delete_webhook(self, params: dict[str, Any]) -> bool:
        with self._lock:
            self._webhook_url = None
            self._webhook_secret = None
            if params.get("drop_pending_updates"):
                self._pending.clear()
        return True

    def _set_webhook(self, params: dict[str, Any]) -> bool:
        with self._lock:
            self._webhook_url = params.get("url") or None
            self._webhook_secret = params.get("secret_token")
            if params.get("allowed_updates"):
                self._allowed_updates = list(params["allowed_updates"])
            if params.get("drop_pending_updates"):
                self._pending.clear()
            self._wake_pollers()  # a pending getUpdates must now see the conflict
        return True

    def _get_webhook_info(self, params: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            return {
                "url": self._webhook_url or "",
                "has_custom_certificate": False,
                "pending_update_count": len(self._pending),
            }

    @staticmethod
    def _commands_key(params: dict[str, Any]) -> tuple[str, str]:
        scope = params.get("scope") or {}
        return (scope.get("type", "default"), params.get("language_code") or "")

    def _set_my_commands(self, params: dict[str, Any]) -> bool:
        with self._lock:
            self._commands[self._commands_key(params)] = list(params.get("commands") or [])
        return True

    def _delete_my_commands(self, params: dict[str, Any]) -> bool:
        with self._lock:
            self._commands.pop(self._commands_key(params), None)
        return True

    def _get_my_commands(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        with self._lock:
            return copy.deepcopy(self._commands.get(self._commands_key(params), []))

    def _set_chat_menu_button(self, params: dict[str, Any]) -> bool:
        with self._lock:
            self._menu_buttons[params.get("chat_id")] = params.get("menu_button") or {
                "type": "default"
            }
        return True

    def _get_chat_menu_button(self, params: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            return copy.deepcopy(self._menu_buttons.get(params.get("chat_id"), {"type": "default"}))

    def _send_message(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = _as_int(params.get("chat_id"))
        text = params.get("text") or ""
        if not str(text).strip():
            raise _ApiError(400, "Bad Request: message text is empty")
        plain = _plain_text(str(text), params.get("parse_mode"))
        if len(plain) > _MAX_TEXT_LENGTH:
            raise _ApiError(400, "Bad Request: message is too long")
        content: dict[str, Any] = {"text": plain}
        with self._lock:
            self._apply_markup(chat_id, content, params.get("reply_markup"))
            return self._store(chat_id, content, from_bot=True, kind="text")

    def _send_media(self, params: dict[str, Any], kind: str, media: Any) -> dict[str, Any]:
        chat_id = _as_int(params.get("chat_id"))
        content: dict[str, Any] = {kind: media}
        if params.get("caption"):
            content["caption"] = _plain_text(str(params["caption"]), params.get("parse_mode"))
        with self._lock:
            self._apply_markup(chat_id, content, params.get("reply_markup"))
            return self._store(chat_id, content, from_bot=True, kind=kind)

    def _send_photo(self, params: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            sizes = [self._new_file(width=90, height=90), self._new_file(width=800, height=800)]
        return self._send_media(params, "photo", sizes)

    def _send_document(self, params: dict[str, Any]) -> dict[str, Any]:
        document = params.get("document")
        name = document.filename if isinstance(document, UploadedFile) else None
        with self._lock:
            file = self._new_file(file_name=name or "document")
        return self._send_media(params, "document", file)

    def _edit_target(self, params: dict[str, Any]) -> _StoredMessage:
        stored = self._find(params.get("chat_id"), params.get("message_id"))
        if stored is None or not stored.from_bot:
            raise _ApiError(400, "Bad Request: message to edit not found")
        return stored

    def _apply_edit(self, stored: _StoredMessage, changes: dict[str, Any], markup: Any) -> dict:
        """Apply an edit like Telegram: markup omitted = keyboard removed; no-op edits fail."""
        new_raw = {**stored.raw, **changes}
        new_raw.pop("reply_markup", None)
        self._apply_markup(stored.raw["chat"]["id"], new_raw, markup)
        before = {k: v for k, v in stored.raw.items() if k != "edit_date"}
        if before == new_raw:
            raise _ApiError(
                400,
                "Bad Request: message is not modified: specified new message content and "
                "reply markup are exactly the same as a current content and reply markup "
                "of the message",
            )
        new_raw["edit_date"] = int(time.time())
        stored.raw = new_raw
        stored.edited = True
        stored.revision = self._next_revision()
        return copy.deepcopy(new_raw)

    def _edit_message_text(self, params: dict[str, Any]) -> dict[str, Any] | bool:
        if params.get("inline_message_id"):
            return True
        text = str(params.get("text") or "")
        if not text.strip():
            raise _ApiError(400, "Bad Request: message text is empty")
        plain = _plain_text(text, params.get("parse_mode"))
        with self._lock:
            stored = self._edit_target(params)
            if "text" not in stored.raw:
                raise _ApiError(400, "Bad Request: there is no text in the message to edit")
            return self._apply_edit(stored, {"text": plain}, params.get("reply_markup"))

    def _edit_message_caption(self, params: dict[str, Any]) -> dict[str, Any] | bool:
        if params.get("inline_message_id"):
            return True
        caption = _plain_text(str(params.get("caption") or ""), params.get("parse_mode"))
        with self._lock:
            stored = self._edit_target(params)
            return self._apply_edit(stored, {"caption": caption}, params.get("reply_markup"))

    def _edit_message_reply_markup(self, params: dict[str, Any]) -> dict[str, Any] | bool:
        if params.get("inline_message_id"):
            return True
        with self._lock:
            stored = self._edit_target(params)
            return self._apply_edit(stored, {}, params.get("reply_markup"))

    def _delete_message(self, params: dict[str, Any]) -> bool:
        with self._lock:
            stored = self._find(params.get("chat_id"), params.get("message_id"))
            if stored is None:
                raise _ApiError(400, "Bad Request: message to delete not found")
            stored.deleted = True
            self._next_revision()
        return True

    def _answer_callback_query(self, params: dict[str, Any]) -> bool:
        query_id = str(params.get("callback_query_id"))
        with self._lock:
            if query_id not in self._open_callbacks:
                raise _ApiError(
                    400,
                    "Bad Request: query is too old and response timeout expired "
                    "or query ID is invalid",
                )
            self._open_callbacks.discard(query_id)
            self._answered.append(
                CallbackAnswer(
                    callback_query_id=query_id,
                    text=params.get("text"),
                    show_alert=bool(params.get("show_alert", False)),
                    url=params.get("url"),
                )
            )
        return True

    # ----------------------------------------------------------------- scripting the user

    def enqueue_update(self, update: dict[str, Any]) -> dict[str, Any]:
        """Queue any raw update (``update_id`` is assigned if missing); returns a copy of it."""
        with self._lock:
            update = {"update_id": next(self._update_ids), **copy.deepcopy(update)}
            self._pending.append(update)
            self._all_updates.append(update)
            self._wake_pollers()
            return copy.deepcopy(update)

    def _wake_pollers(self) -> None:
        """Wake every getUpdates waiting in the server loop (callable from any thread)."""
        with self._lock:
            if self._loop is None or self._loop.is_closed():
                return
            for waiter in self._poll_waiters:
                self._loop.call_soon_threadsafe(waiter.set)

    def _user_message(self, user: User, kind: str, content: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            self._users[user.id] = user
            message = self._store(user.id, content, from_bot=False, kind=kind)
            return self.enqueue_update({"message": message})

    def send_text(self, user: User, text: str) -> dict[str, Any]:
        """The user sends a plain text message.  Returns the Update."""
        return self._user_message(user, "text", {"text": text})

    def send_command(self, user: User, command: str) -> dict[str, Any]:
        """The user sends a command such as ``"/start"`` or ``"/start ref_42"``."""
        if not command.startswith("/"):
            command = "/" + command
        length = len(command.split(maxsplit=1)[0])
        entities = [{"type": "bot_command", "offset": 0, "length": length}]
        return self._user_message(user, "text", {"text": command, "entities": entities})

    def send_contact(self, user: User, phone: str, *, own: bool = True) -> dict[str, Any]:
        """The user shares a contact; ``own=True`` means their own (``user_id`` is set)."""
        contact: dict[str, Any] = {"phone_number": phone, "first_name": user.first_name}
        if own:
            contact["user_id"] = user.id
        return self._user_message(user, "contact", {"contact": contact})

    def send_sticker(self, user: User, emoji: str = "👍") -> dict[str, Any]:
        """The user sends a (static, regular) sticker."""
        with self._lock:
            sticker = self._new_file(
                type="regular",
                width=512,
                height=512,
                is_animated=False,
                is_video=False,
                emoji=emoji,
            )
        return self._user_message(user, "sticker", {"sticker": sticker})

    def send_photo(self, user: User, caption: str | None = None) -> dict[str, Any]:
        """The user sends a photo (two sizes), optionally with a caption."""
        with self._lock:
            sizes = [self._new_file(width=90, height=90), self._new_file(width=1280, height=960)]
        content: dict[str, Any] = {"photo": sizes}
        if caption is not None:
            content["caption"] = caption
        return self._user_message(user, "photo", content)

    def send_voice(self, user: User, duration: int = 3) -> dict[str, Any]:
        """The user sends a voice note."""
        with self._lock:
            voice = self._new_file(duration=duration, mime_type="audio/ogg")
        return self._user_message(user, "voice", {"voice": voice})

    def press(self, user: User, message: ChatMessage | int, callback_data: str) -> dict[str, Any]:
        """The user presses an inline button with ``callback_data`` under a bot message.

        ``callback_data`` is not checked against the keyboard, so tests can also simulate
        stale or forged presses; use :meth:`press_button` to press what is displayed.
        """
        message_id = message.message_id if isinstance(message, ChatMessage) else message
        with self._lock:
            self._users[user.id] = user
            stored = self._find(user.id, message_id)
            if stored is None or not stored.from_bot:
                raise AssertionError(f"no bot message {message_id} in the chat with {user.id}")
            query_id = str(next(self._callback_ids))
            self._open_callbacks.add(query_id)
            query = {
                "id": query_id,
                "from": user.to_api(),
                "message": copy.deepcopy(stored.raw),
                "chat_instance": f"ci-{user.id}",
                "data": callback_data,
            }
            return self.enqueue_update({"callback_query": query})

    def press_button(self, user: User, text: str) -> dict[str, Any]:
        """Press the inline button whose text contains ``text`` (exact match preferred)
        on the newest bot message to ``user`` that has one."""
        messages = [m for m in reversed(self.messages_to(user)) if m.inline_keyboard]
        for message in messages:
            matches = [b for b in message.buttons if text in b[0]]
            matches.sort(key=lambda button: button[0] != text)  # exact matches first
            if matches:
                label, data = matches[0]
                if data is None:
                    raise AssertionError(f"button {label!r} has no callback_data (URL button?)")
                return self.press(user, message, data)
        shown = "\n".join(
            f"  message {m.message_id} ({(m.text or '')[:40]!r}): {m.inline_keyboard}"
            for m in messages
        )
        raise AssertionError(
            f"no inline button containing {text!r} for user {user.id}; "
            f"available buttons:\n{shown or '  (none)'}"
        )

    def tap_reply_button(self, user: User, text: str) -> dict[str, Any]:
        """Tap a button of the reply keyboard currently shown to ``user`` (exact text, or a
        unique substring).  Buttons with ``request_contact`` share the user's contact."""
        keyboard = self.reply_keyboard(user) or []
        buttons = [button for row in keyboard for button in row]
        with self._lock:
            rows = self._reply_keyboards.get(user.id) or []
            by_text = {b["text"]: b for row in rows for b in row}
        chosen = [b for b in buttons if b == text] or [b for b in buttons if text in b]
        if len(chosen) != 1:
            problem = "no" if not chosen else "more than one"
            raise AssertionError(
                f"{problem} reply button matching {text!r} for user {user.id}; "
                f"reply keyboard: {keyboard or '(none shown)'}"
            )
        button = by_text[chosen[0]]
        if button.get("request_contact"):
            return self.send_contact(user, user.phone or "+10000000000")
        return self.send_text(user, chosen[0])

    # ----------------------------------------------------------------- fault injection

    def fail_next(
        self,
        method: str,
        status: int = 429,
        *,
        retry_after: int | None = None,
        description: str | None = None,
        times: int = 1,
    ) -> None:
        """Make the next ``times`` calls of ``method`` fail with a Telegram error body.

        429 gets ``parameters.retry_after`` (default 1 s), which aiogram turns into
        ``TelegramRetryAfter``; 5xx become ``TelegramServerError``.  Failed attempts are
        still recorded in ``calls``.
        """
        if status == 429 and retry_after is None:
            retry_after = 1
        if description is None:
            description = (
                f"Too Many Requests: retry after {retry_after}"
                if status == 429
                else DEFAULT_ERROR_DESCRIPTIONS.get(status, "Error")
            )
        with self._lock:
            queue = self._failures.setdefault(method.lower(), [])
            queue.extend(_Failure(status, description, retry_after) for _ in range(times))

    # ----------------------------------------------------------------- webhook mode

    @property
    def webhook_url(self) -> str | None:
        """URL registered by ``setWebhook`` (None when polling)."""
        with self._lock:
            return self._webhook_url

    @property
    def secret_token(self) -> str | None:
        """``secret_token`` registered by ``setWebhook``."""
        with self._lock:
            return self._webhook_secret

    async def deliver_to_webhook(
        self, update: dict[str, Any] | str, *, secret_token: str | None = None
    ) -> httpx.Response:
        """POST one update to the registered webhook, as Telegram would.

        The ``X-Telegram-Bot-Api-Secret-Token`` header carries the registered secret, or
        ``secret_token`` if given (to test rejection of a wrong secret).
        """
        url, registered_secret = self.webhook_url, self.secret_token
        if not url:
            raise AssertionError("no webhook registered (setWebhook was not called)")
        if isinstance(update, str):
            update = json.loads(update)
        if "update_id" not in update:
            with self._lock:
                update = {"update_id": next(self._update_ids), **update}
        headers = {}
        secret = secret_token if secret_token is not None else registered_secret
        if secret:
            headers["X-Telegram-Bot-Api-Secret-Token"] = secret
        async with httpx.AsyncClient(timeout=10) as client:
            return await client.post(url, json=update, headers=headers)

    async def deliver_pending_to_webhook(self) -> list[httpx.Response]:
        """Deliver every queued update (e.g. from ``send_text``) to the webhook in order.

        Updates answered with a 2xx status are removed from the queue.
        """
        with self._lock:
            pending = copy.deepcopy(self._pending)
        responses = []
        for update in pending:
            response = await self.deliver_to_webhook(update)
            responses.append(response)
            if response.is_success:
                with self._lock:
                    self._pending = [
                        u for u in self._pending if u["update_id"] != update["update_id"]
                    ]
        return responses

    # ----------------------------------------------------------------- reading state

    @property
    def calls(self) -> list[tuple[str, dict[str, Any]]]:
        """Every API request received so far, as (method name, decoded params)."""
        with self._lock:
            return list(self._calls)

    def calls_of(self, method: str) -> list[dict[str, Any]]:
        """Params of every call of ``method`` (case-insensitive)."""
        return [params for name, params in self.calls if name.lower() == method.lower()]

    @property
    def answered_callbacks(self) -> list[CallbackAnswer]:
        """Every successful ``answerCallbackQuery``, in order."""
        with self._lock:
            return list(self._answered)

    @property
    def updates(self) -> list[dict[str, Any]]:
        """Every update ever queued (delivered or not)."""
        with self._lock:
            return copy.deepcopy(self._all_updates)

    @property
    def pending_updates(self) -> int:
        """Number of queued updates the bot has not confirmed yet."""
        with self._lock:
            return len(self._pending)

    @property
    def commands(self) -> dict[tuple[str, str], list[dict[str, Any]]]:
        """Commands from ``setMyCommands`` keyed by (scope type, language code or "")."""
        with self._lock:
            return copy.deepcopy(self._commands)

    @property
    def menu_buttons(self) -> dict[int | None, dict[str, Any]]:
        """Menu buttons from ``setChatMenuButton`` keyed by chat id (None = default)."""
        with self._lock:
            return copy.deepcopy(self._menu_buttons)

    def mark(self) -> int:
        """Current change counter; pass it as ``since`` to wait only for newer changes."""
        with self._lock:
            return self._revision

    def conversation(self, user: UserRef) -> list[ChatMessage]:
        """Both sides of the private chat with ``user``, oldest first, deleted excluded."""
        with self._lock:
            return [m.snapshot() for m in self._chats.get(_user_id(user), []) if not m.deleted]

    def messages_to(self, user: UserRef) -> list[ChatMessage]:
        """The bot's messages to ``user`` as displayed now (after edits/deletions)."""
        return [m for m in self.conversation(user) if m.from_bot]

    def last_message(self, user: UserRef) -> ChatMessage | None:
        """The newest bot message to ``user``, or None."""
        messages = self.messages_to(user)
        return messages[-1] if messages else None

    def reply_keyboard(self, user: UserRef) -> list[list[str]] | None:
        """Texts of the reply keyboard currently shown to ``user``, or None."""
        with self._lock:
            rows = self._reply_keyboards.get(_user_id(user))
            return [[b["text"] for b in row] for row in rows] if rows else None

    async def wait_for(
        self,
        predicate: Callable[[], T],
        timeout: float = 10,  # noqa: ASYNC109 - a plain deadline reads best in tests
        interval: float = 0.02,
    ) -> T:
        """Poll ``predicate()`` until it returns something truthy, and return that.

        Raises AssertionError (with the last recorded calls) after ``timeout`` seconds.
        """
        deadline = time.monotonic() + timeout
        while True:
            result = predicate()
            if result:
                return result
            if time.monotonic() > deadline:
                recent = "\n".join(f"  {name} {params}" for name, params in self.calls[-10:])
                raise AssertionError(
                    f"condition not met within {timeout}s; last API calls:\n{recent or '  (none)'}"
                )
            await asyncio.sleep(interval)

    async def wait_for_message(
        self,
        user: UserRef,
        contains: str | None = None,
        *,
        since: int | None = None,
        timeout: float = 10,  # noqa: ASYNC109
    ) -> ChatMessage:
        """Wait for a bot message to ``user`` whose current text contains ``contains``.

        The newest match is returned.  With ``since=tg.mark()`` only messages created or
        edited after the mark count.
        """

        def find() -> ChatMessage | None:
            for message in reversed(self.messages_to(user)):
                if since is not None and message.revision <= since:
                    continue
                if contains is None or contains in (message.text or ""):
                    return message
            return None

        try:
            return await self.wait_for(find, timeout=timeout)
        except AssertionError:
            seen = [m.text for m in self.messages_to(user)]
            raise AssertionError(
                f"no bot message to {_user_id(user)} containing {contains!r} within {timeout}s; "
                f"the user sees: {seen}"
            ) from None


def _as_int(value: Any) -> Any:
    """chat_id / message_id as int when numeric (channels may use "@name")."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return value


@pytest.fixture
async def tg() -> AsyncIterator[FakeTelegram]:
    """A fresh stand-in per test (the bot's and the job runner's Telegram)."""
    async with FakeTelegram(bot_username="booking_bot") as fake:
        yield fake
