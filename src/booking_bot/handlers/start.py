"""/start and registration: name (typed or the Telegram name), then phone via the contact
button (skippable), then ``register_client`` on the MCP server."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import CommandStart
from aiogram.fsm.context import FSMContext
from aiogram.types import KeyboardButton, Message, ReplyKeyboardMarkup, ReplyKeyboardRemove
from aiogram.utils.i18n import gettext as _

from booking_bot.gateway.tools import McpGateway
from booking_bot.handlers.common import reset_flow, uid
from booking_bot.i18n import current_locale
from booking_bot.keyboards import contact_keyboard, main_menu
from booking_bot.states import Registration


def menu_text() -> str:
    return _("What would you like to do?")


async def start(message: Message, state: FSMContext) -> None:
    data = await reset_flow(state)
    if data.get("registered"):
        await message.answer(
            _("Welcome back, {name}! 👋").format(name=data.get("name") or ""),
            reply_markup=ReplyKeyboardRemove(),
        )
        await message.answer(menu_text(), reply_markup=main_menu())
        return
    await state.set_state(Registration.name)
    first_name = message.from_user.first_name if message.from_user else ""
    keyboard = (
        ReplyKeyboardMarkup(
            keyboard=[[KeyboardButton(text=first_name)]],
            resize_keyboard=True,
            one_time_keyboard=True,
        )
        if first_name
        else ReplyKeyboardRemove()
    )
    await message.answer(
        _(
            "Hello! 👋 I'm the booking assistant: I'll help you book a visit, move or cancel "
            "it.\n\nHow should we address you? Type your name or tap the button below."
        ),
        reply_markup=keyboard,
    )


async def got_name(message: Message, state: FSMContext) -> None:
    name = (message.text or "").strip()
    if not name or name.startswith("/") or len(name) > 100:
        await message.answer(_("Please send just your name, for example: Anna"))
        return
    await state.update_data(name=name)
    await state.set_state(Registration.phone)
    await message.answer(
        _(
            "Nice to meet you, {name}! 📱 Share your phone number so the salon can reach you "
            "about your visit, or tap “Skip”."
        ).format(name=name),
        reply_markup=contact_keyboard(),
    )


async def name_not_text(message: Message) -> None:
    await message.answer(_("Please send your name as text, for example: Anna"))


async def _finish(message: Message, state: FSMContext, gateway: McpGateway, phone: str | None):
    data = await state.get_data()
    name = data.get("name") or (message.from_user.first_name if message.from_user else "")
    await gateway.register_client(uid(message.from_user), name, phone, current_locale())
    await state.update_data(registered=True)
    await reset_flow(state)
    await message.answer(
        _("Thank you, {name}! You're all set. ✅").format(name=name),
        reply_markup=ReplyKeyboardRemove(),
    )
    await message.answer(
        _(
            "Book with the buttons below, or just write to me, for example: "
            "“manicure tomorrow after 6 pm”."
        ),
        reply_markup=main_menu(),
    )


async def got_contact(message: Message, state: FSMContext, gateway: McpGateway) -> None:
    contact = message.contact
    if contact is None or (
        contact.user_id and message.from_user and contact.user_id != message.from_user.id
    ):
        await message.answer(
            _("Please share your own number with the button below, or tap “Skip”."),
            reply_markup=contact_keyboard(),
        )
        return
    phone = contact.phone_number
    if phone and not phone.startswith("+"):
        phone = "+" + phone
    await _finish(message, state, gateway, phone)


async def skipped_or_typed(message: Message, state: FSMContext, gateway: McpGateway) -> None:
    text = (message.text or "").strip()
    digits = "".join(ch for ch in text if ch.isdigit())
    if text == _("Skip") or text.lower() in ("skip", "пропустить", "-"):
        await _finish(message, state, gateway, None)
    elif 10 <= len(digits) <= 15:
        await _finish(message, state, gateway, "+" + digits)
    else:
        await message.answer(
            _("Tap “📱 Share my phone number” below, type a number, or tap “Skip”."),
            reply_markup=contact_keyboard(),
        )


def create_router() -> Router:
    """A fresh router for the start feature (one per dispatcher)."""
    router = Router(name="start")
    router.message.register(start, CommandStart())
    router.message.register(got_name, Registration.name, F.text)
    router.message.register(name_not_text, Registration.name)
    router.message.register(got_contact, Registration.phone, F.contact)
    router.message.register(skipped_or_typed, Registration.phone, F.text)
    return router
