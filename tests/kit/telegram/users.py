"""What a scripted user does: messages, commands, contacts, media, button presses (a mixin of
:class:`FakeTelegram`; helpers are plain synchronous methods, callable from any thread)."""

from __future__ import annotations

import copy
from typing import Any

from kit.telegram.types import ChatMessage, User


class ScriptedUsers:
    """Updates from users, queued for the bot's ``getUpdates`` (or a webhook)."""

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
        if user.last_name:
            contact["last_name"] = user.last_name
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
