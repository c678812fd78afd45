"""The main menu, help, and the catalogue overviews (services, specialists).

"Book" and "Language" are messages of the conversation (``/book``, ``/language``), answered
by the MCP server; "My appointments" is :mod:`.my_appointments` (the same as ``/my``)."""

from __future__ import annotations

from collections import defaultdict

from aiogram import Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _

from booking_bot.callbacks import MenuCb
from booking_bot.formatting import duration, price
from booking_bot.gateway.tools import McpGateway
from booking_bot.handlers.common import answer, reset_flow, show
from booking_bot.handlers.conversation import converse
from booking_bot.handlers.start import menu_text
from booking_bot.i18n import current_locale
from booking_bot.keyboards import main_menu
from booking_bot.keyboards.common import menu_row
from booking_common.localized import category_name_in, city_in, name_in, specialization_in

#: Menu buttons that are messages of the conversation (``booking_common.conversation``).
CONVERSATION = {"book": "/book", "language": "/language"}


def help_text() -> str:
    return _(
        "I can book you in, show your appointments, move or cancel them.\n\n"
        "• “📅 Book an appointment” — step by step with buttons;\n"
        "• or just write, for example: “haircut on Friday at 3 pm”, "
        "“what's free tomorrow for a manicure?”, “cancel my appointment”;\n"
        "• /menu — the main menu, /my — your appointments, /start — start over."
    )


def _back() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[menu_row()])


async def menu_command(message: Message, state: FSMContext) -> None:
    await reset_flow(state)
    await message.answer(menu_text(), reply_markup=main_menu())


async def help_command(message: Message) -> None:
    await message.answer(help_text(), reply_markup=main_menu())


async def services_text(gateway: McpGateway) -> str:
    categories = await gateway.list_categories()
    services = await gateway.list_services()
    lang = current_locale()
    names = {c.id: name_in(c, lang) for c in categories}
    grouped: dict[str, list[str]] = defaultdict(list)
    for service in services:
        title = category_name_in(service, lang) or names.get(service.category or -1) or _("Other")
        line = f"• {name_in(service, lang)}"
        extra = [x for x in (price(service.price), duration(service.duration)) if x]
        if extra:
            line += " — " + ", ".join(extra)
        if service.specialist_name:
            line += f" ({service.specialist_name})"
        grouped[title].append(line)
    if not grouped:
        return _("The list of services is empty for now.")
    blocks = [f"{title}:\n" + "\n".join(lines) for title, lines in grouped.items()]
    return _("Our services:") + "\n\n" + "\n\n".join(blocks)


async def specialists_text(gateway: McpGateway) -> str:
    specialists = await gateway.get_specialists()
    if not specialists:
        return _("The list of specialists is empty for now.")
    lang = current_locale()
    lines = []
    for s in specialists:
        line = f"• {s.name}"
        if s.specialization:
            line += f" — {specialization_in(s, lang)}"
        if s.city:
            line += f", {city_in(s, lang)}"
        lines.append(line)
    return _("Our specialists:") + "\n\n" + "\n".join(lines)


async def menu_button(
    callback: CallbackQuery, callback_data: MenuCb, state: FSMContext, gateway: McpGateway
) -> None:
    from booking_bot.handlers.my_appointments import show_my_appointments

    action = callback_data.action
    if action in CONVERSATION:  # the conversation's own: it answers with its buttons
        await answer(callback)
        await converse(callback, state, gateway, CONVERSATION[action])
        return
    if action == "main":
        await reset_flow(state)
        await show(callback, menu_text(), main_menu())
    elif action == "my":
        await reset_flow(state)
        await show_my_appointments(callback, gateway)
    elif action == "services":
        await show(callback, await services_text(gateway), _back())
    elif action == "specialists":
        await show(callback, await specialists_text(gateway), _back())
    elif action == "help":
        await show(callback, help_text(), _back())
    else:
        from booking_bot.handlers.common import stale

        await stale(callback)
        return
    await answer(callback)


def create_router() -> Router:
    """A fresh router for the menu feature (one per dispatcher)."""
    router = Router(name="menu")
    router.message.register(menu_command, Command("menu"))
    router.message.register(help_command, Command("help"))
    router.callback_query.register(menu_button, MenuCb.filter())
    return router
