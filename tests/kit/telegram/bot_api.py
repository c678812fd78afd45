"""The Bot API methods the bot calls, as :class:`FakeTelegram` answers them (a mixin of it;
the state it works on is set up in ``FakeTelegram.__init__``)."""

from __future__ import annotations

import asyncio
import copy
import time
from typing import Any

from kit.telegram.types import CallbackAnswer, StoredMessage, UploadedFile
from kit.telegram.wire import (
    MAX_CALLBACK_DATA_BYTES,
    MAX_TEXT_LENGTH,
    ApiError,
    as_int,
    plain_text,
)


class BotApi:
    """Chats and messages as the bot changes them, and one handler per Bot API method."""

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
            raise ApiError(400, "Bad Request: chat not found")
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

    def _find(self, chat_id: Any, message_id: Any) -> StoredMessage | None:
        for stored in self._chats.get(as_int(chat_id), []):
            if stored.raw["message_id"] == as_int(message_id) and not stored.deleted:
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
            stored = StoredMessage(raw, from_bot, kind, self._next_revision())
            self._chats.setdefault(chat_id, []).append(stored)
            return copy.deepcopy(raw)

    def _apply_markup(self, chat_id: int, content: dict[str, Any], markup: Any) -> None:
        """Attach an inline keyboard to the message, or remember a reply keyboard for the chat."""
        if not isinstance(markup, dict):
            return
        if "inline_keyboard" in markup:
            for button in (b for row in markup["inline_keyboard"] for b in row):
                data = button.get("callback_data")
                if data is not None and not 1 <= len(data.encode()) <= MAX_CALLBACK_DATA_BYTES:
                    raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
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
                    raise ApiError(
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
        chat_id = as_int(params.get("chat_id"))
        text = params.get("text") or ""
        if not str(text).strip():
            raise ApiError(400, "Bad Request: message text is empty")
        plain = plain_text(str(text), params.get("parse_mode"))
        if len(plain) > MAX_TEXT_LENGTH:
            raise ApiError(400, "Bad Request: message is too long")
        content: dict[str, Any] = {"text": plain}
        with self._lock:
            self._apply_markup(chat_id, content, params.get("reply_markup"))
            return self._store(chat_id, content, from_bot=True, kind="text")

    def _send_media(self, params: dict[str, Any], kind: str, media: Any) -> dict[str, Any]:
        chat_id = as_int(params.get("chat_id"))
        content: dict[str, Any] = {kind: media}
        if params.get("caption"):
            content["caption"] = plain_text(str(params["caption"]), params.get("parse_mode"))
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

    def _edit_target(self, params: dict[str, Any]) -> StoredMessage:
        stored = self._find(params.get("chat_id"), params.get("message_id"))
        if stored is None or not stored.from_bot:
            raise ApiError(400, "Bad Request: message to edit not found")
        return stored

    def _apply_edit(self, stored: StoredMessage, changes: dict[str, Any], markup: Any) -> dict:
        """Apply an edit like Telegram: markup omitted = keyboard removed; no-op edits fail."""
        new_raw = {**stored.raw, **changes}
        new_raw.pop("reply_markup", None)
        self._apply_markup(stored.raw["chat"]["id"], new_raw, markup)
        before = {k: v for k, v in stored.raw.items() if k != "edit_date"}
        if before == new_raw:
            raise ApiError(
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
            raise ApiError(400, "Bad Request: message text is empty")
        plain = plain_text(text, params.get("parse_mode"))
        with self._lock:
            stored = self._edit_target(params)
            if "text" not in stored.raw:
                raise ApiError(400, "Bad Request: there is no text in the message to edit")
            return self._apply_edit(stored, {"text": plain}, params.get("reply_markup"))

    def _edit_message_caption(self, params: dict[str, Any]) -> dict[str, Any] | bool:
        if params.get("inline_message_id"):
            return True
        caption = plain_text(str(params.get("caption") or ""), params.get("parse_mode"))
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
                raise ApiError(400, "Bad Request: message to delete not found")
            stored.deleted = True
            self._next_revision()
        return True

    def _answer_callback_query(self, params: dict[str, Any]) -> bool:
        query_id = str(params.get("callback_query_id"))
        with self._lock:
            if query_id not in self._open_callbacks:
                raise ApiError(
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
