"""The stand-in itself: :class:`FakeTelegram`, an HTTP server in a thread of its own, with
fault injection, webhook delivery, and what a test reads and waits for."""

from __future__ import annotations

import asyncio
import copy
import itertools
import json
import socket
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

import httpx
import uvicorn
from starlette.applications import Starlette
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from kit.telegram.bot_api import BotApi
from kit.telegram.types import (
    CallbackAnswer,
    ChatMessage,
    StoredMessage,
    UploadedFile,
    User,
    UserRef,
    user_id_of,
)
from kit.telegram.users import ScriptedUsers
from kit.telegram.wire import DEFAULT_ERROR_DESCRIPTIONS, ApiError, Failure, decode_field

T = TypeVar("T")


class FakeTelegram(BotApi, ScriptedUsers):
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
        self._chats: dict[int, list[StoredMessage]] = {}
        self._next_message_id: dict[int, int] = {}
        self._reply_keyboards: dict[int, list[list[dict[str, Any]]] | None] = {}
        self._open_callbacks: set[str] = set()
        self._answered: list[CallbackAnswer] = []
        self._calls: list[tuple[str, dict[str, Any]]] = []
        self._failures: dict[str, list[Failure]] = {}
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
            return ApiError(401, "Unauthorized").response()
        prefix = token.split(":")[0]
        if prefix.isdigit():
            self._bot_id = int(prefix)
        params = await self._read_params(request)
        with self._lock:
            self._calls.append((method, params))
            queued = self._failures.get(method.lower())
            failure = queued.pop(0) if queued else None
        if failure is not None:
            return ApiError(failure.status, failure.description, failure.retry_after).response()
        handler = self._handlers.get(method.lower())
        try:
            result = handler(params) if handler else True
            if asyncio.iscoroutine(result):
                result = await result
        except ApiError as error:
            return error.response()
        except (KeyError, TypeError, ValueError) as error:  # malformed params: answer like Telegram
            return ApiError(400, f"Bad Request: {type(error).__name__}: {error}").response()
        return JSONResponse({"ok": True, "result": result})

    async def _handle_file(self, request: Request) -> JSONResponse:
        return ApiError(404, "Not Found").response()

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
            key: decode_field(key, value) if isinstance(value, str) else value
            for key, value in raw.items()
        }

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
            queue.extend(Failure(status, description, retry_after) for _ in range(times))

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
            return [m.snapshot() for m in self._chats.get(user_id_of(user), []) if not m.deleted]

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
            rows = self._reply_keyboards.get(user_id_of(user))
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
                f"no bot message to {user_id_of(user)} containing {contains!r} within {timeout}s; "
                f"the user sees: {seen}"
            ) from None
