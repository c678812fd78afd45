"""Calendar feed links in the bot: what the client sees from "My appointments" and the
specialist from ``/feed`` (:mod:`.specialist`): the link, how to use it, and a new link
(the old one stops working) after a question.

The links come from the MCP server's tools (``get_calendar_feed`` / ``rotate_calendar_feed``
for the client, ``get_specialist_calendar_feed`` / ``rotate_specialist_calendar_feed`` for a
specialist), called through the gateway's session.
"""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from pydantic import BaseModel

from booking_bot.gateway.results import unwrap
from booking_bot.gateway.tools import McpGateway
from booking_bot.handlers.common import show
from booking_bot.keyboards.common import _button, menu_row

CLIENT, SPECIALIST = "c", "s"
TOOLS = {
    CLIENT: ("get_calendar_feed", "rotate_calendar_feed"),
    SPECIALIST: ("get_specialist_calendar_feed", "rotate_specialist_calendar_feed"),
}


class FeedCb(CallbackData, prefix="feed"):
    whose: str  # c (the client's) | s (the specialist's)
    action: str  # show | rotate (asks first) | rotate_yes


class FeedLink(BaseModel):
    url: str
    webcal_url: str


async def fetch(gateway: McpGateway, whose: str, user_id: str, *, rotate: bool = False) -> FeedLink:
    """The link (a new one with ``rotate``); ToolFailed when there is none for this user."""
    data = await gateway.session.call(TOOLS[whose][rotate], user_id=user_id)
    return FeedLink.model_validate(unwrap(data))


def _text(whose: str, link: FeedLink, *, new: bool) -> str:
    if whose == SPECIALIST:
        head = (
            _("📆 A new link to your work calendar: the old one no longer works.")
            if new
            else _("📆 Your work calendar: every booking with you, kept up to date.")
        )
    else:
        head = (
            _("📆 A new link to your calendar: the old one no longer works.")
            if new
            else _("📆 Your bookings in your calendar app, kept up to date.")
        )
    return "\n\n".join(
        (
            head,
            _(
                "Add this link as a calendar subscription (Google Calendar: “Other calendars” "
                "→ “From URL”; iPhone: Settings → Calendar → Accounts → “Add Subscribed "
                "Calendar”; Outlook: “Subscribe from web”):"
            ),
            link.url,
            _("Keep it to yourself: anyone with the link sees these bookings."),
        )
    )


def _markup(whose: str) -> InlineKeyboardMarkup:
    rows: list[list[InlineKeyboardButton]] = [
        [_button(_("🔄 New link"), FeedCb(whose=whose, action="rotate").pack())]
    ]
    if whose == CLIENT:
        rows.append(menu_row())
    return InlineKeyboardMarkup(inline_keyboard=rows)


async def show_link(
    event: Message | CallbackQuery, whose: str, link: FeedLink, *, new: bool = False
) -> None:
    await show(event, _text(whose, link, new=new), _markup(whose))


async def ask_rotate(callback: CallbackQuery, whose: str) -> None:
    await show(
        callback,
        _(
            "Make a new link? The old one stops working at once: calendars subscribed to it "
            "stop updating, and you add the new one instead."
        ),
        InlineKeyboardMarkup(
            inline_keyboard=[
                [_button(_("🔄 Yes, a new link"), FeedCb(whose=whose, action="rotate_yes").pack())],
                [_button(_("« Keep the current link"), FeedCb(whose=whose, action="show").pack())],
            ]
        ),
    )
