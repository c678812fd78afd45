"""What a test sees of Telegram: users, messages as displayed, callback answers, uploads;
and the server's own record of a message."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any


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


@dataclass
class StoredMessage:
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
            inline_keyboard=keyboard_rows(raw.get("reply_markup")),
            kind=self.kind,
            edited=self.edited,
            revision=self.revision,
            raw=raw,
        )


def keyboard_rows(markup: Any) -> InlineKeyboard:
    """Rows of (text, callback_data) of an InlineKeyboardMarkup dict, [] for anything else."""
    if not isinstance(markup, dict):
        return []
    return [
        [(button.get("text", ""), button.get("callback_data")) for button in row]
        for row in markup.get("inline_keyboard", [])
    ]


def user_id_of(user: UserRef) -> int:
    return user.id if isinstance(user, User) else int(user)
