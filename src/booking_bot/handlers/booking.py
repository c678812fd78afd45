"""Booking by buttons: category → specialist (or any) → service → calendar → time → confirm.

Also the tail of rescheduling (calendar → time → confirm), which differs only in what the
confirmation does; ``flow`` in the state data says which one is running.

State data keys: ``flow`` (book | reschedule), ``category_ids``, ``category_id``,
``specialist_ids``, ``specialist_id`` (0 = any), ``service_ids``, ``candidates``
([[specialist_id, service_id, specialist_name]]), ``service`` (name/price/duration),
``month``, ``days``, ``date``, ``times``, ``confirm`` (the pending confirmation with its
idempotency key), ``done_keys`` (confirmed keys: a second tap says "already booked"),
``waitlist_day`` (the fully booked day whose "🔔 notify me" button is shown; see
``handlers/waitlist.py``).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from typing import Any

from aiogram import Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _

from booking_bot.callbacks import (
    BackCb,
    CalendarCb,
    CategoryCb,
    ConfirmCb,
    ServiceCb,
    SpecialistCb,
    TimeCb,
)
from booking_bot.formatting import day_in_words, time_range, today
from booking_bot.gateway.session import ToolFailed
from booking_bot.gateway.tools import McpGateway
from booking_bot.handlers.common import answer, booking_summary, reset_flow, show, stale, uid
from booking_bot.keyboards import (
    categories_keyboard,
    confirm_keyboard,
    month_calendar,
    services_keyboard,
    specialists_keyboard,
    time_grid,
)
from booking_bot.keyboards.common import menu_row, waitlist_join_keyboard
from booking_bot.states import Booking
from booking_bot.webapp import calendar_rows
from booking_common.conversation import Slot

HORIZON_MONTHS = 3


# --------------------------------------------------------------------------- steps


async def show_categories(
    event: Message | CallbackQuery, state: FSMContext, gateway: McpGateway
) -> None:
    categories = await gateway.list_categories()
    await reset_flow(state)
    await state.update_data(flow="book", category_ids=[c.id for c in categories])
    await state.set_state(Booking.category)
    if not categories:
        await show(event, _("There is nothing to book yet, sorry."))
        return
    await show(
        event, _("What would you like to book? Choose a category:"), categories_keyboard(categories)
    )


async def show_specialists(
    event: Message | CallbackQuery, state: FSMContext, gateway: McpGateway, category_id: int
) -> None:
    specialists = await gateway.get_specialists(category_id=category_id)
    await state.update_data(
        category_id=category_id,
        specialist_ids=[s.id for s in specialists],
        specialist_names={str(s.id): s.name for s in specialists},
    )
    await state.set_state(Booking.specialist)
    await show(event, _("Who would you like to see?"), specialists_keyboard(specialists))


async def show_services(
    event: Message | CallbackQuery, state: FSMContext, gateway: McpGateway, specialist_id: int
) -> None:
    data = await state.get_data()
    category_id = data.get("category_id")
    names: dict[str, str] = data.get("specialist_names", {})
    groups: dict[str, list[list[Any]]] = defaultdict(list)
    if specialist_id:
        services = await gateway.get_specialist_services(specialist_id, category_id)
        shown = services
        for s in services:
            groups[str(s.id)].append([specialist_id, s.id, names.get(str(specialist_id), "")])
        price_from: set[int] = set()
    else:  # any specialist: one button per service name, the cheapest "from" price
        services = await gateway.list_services(category_id=category_id)
        by_name: dict[str, list[Any]] = defaultdict(list)
        for s in services:
            by_name[s.name.casefold()].append(s)
        shown, price_from = [], set()
        for same in by_name.values():
            same.sort(key=lambda s: s.price)
            first = same[0]
            shown.append(first)
            if len({s.price for s in same}) > 1:
                price_from.add(first.id)
            for s in same:
                groups[str(first.id)].append(
                    [
                        s.specialist,
                        s.id,
                        s.specialist_name or names.get(str(s.specialist), ""),
                    ]
                )
    info = {
        str(s.id): {
            "name": s.name,
            "price": str(s.price),
            "duration": s.duration,
        }
        for s in services
    }
    await state.update_data(
        specialist_id=specialist_id,
        service_groups=groups,
        service_ids=[s.id for s in shown],
        service_info=info,
    )
    await state.set_state(Booking.service)
    if not shown:
        await show(
            event,
            _("No services available here right now. Try another choice:"),
            InlineKeyboardMarkup(inline_keyboard=[menu_row()]),
        )
        return
    await show(event, _("Choose a service:"), services_keyboard(shown, price_from=price_from))


async def _days(gateway: McpGateway, candidates: list[list[Any]], month: str) -> list[dt.date]:
    days: set[dt.date] = set()
    for specialist_id, service_id, _name in candidates:
        days.update(await gateway.get_available_days(specialist_id, service_id, month))
    return sorted(d for d in days if d >= today())


async def show_calendar(
    event: Message | CallbackQuery, state: FSMContext, gateway: McpGateway, month: str | None = None
) -> None:
    data = await state.get_data()
    candidates = data.get("candidates") or []
    start = today()
    year, mon = (int(x) for x in month.split("-")) if month else (start.year, start.month)
    days = await _days(gateway, candidates, f"{year:04d}-{mon:02d}")
    if month is None:  # jump to the first month with room
        for _i in range(HORIZON_MONTHS):
            if days:
                break
            index = year * 12 + mon
            year, mon = index // 12, index % 12 + 1
            days = await _days(gateway, candidates, f"{year:04d}-{mon:02d}")
    await state.update_data(month=f"{year:04d}-{mon:02d}", days=[d.isoformat() for d in days])
    await state.set_state(Booking.day)
    service = data.get("service", {})
    back = "services" if data.get("flow") == "book" else None
    text = _("📅 {service}: choose a day. Only days with free time can be pressed.").format(
        service=service.get("name", "")
    )
    if not days:
        text += "\n\n" + _("No free days this month — try the next one ›")
        if data.get("flow") == "book":
            text += "\n" + _(
                "🔔 Or press a day marked “·”: if it is fully booked, I can "
                "message you when a time frees up."
            )
    markup = month_calendar(
        year, mon, days, today=start, horizon_months=HORIZON_MONTHS, back_to=back
    )
    if data.get("flow") == "book":  # the Mini App, opened at this service (WEBAPP_URL)
        markup.inline_keyboard[:0] = calendar_rows(candidates)
    if back is None:
        markup.inline_keyboard.append(menu_row())
    await show(event, text, markup)


async def _slots(
    gateway: McpGateway, candidates: list[list[Any]], day: dt.date
) -> tuple[list[tuple[int, int, Slot]], list[ToolFailed]]:
    """Free times of the day across the candidates, and the refusals (a day off says so)."""
    seen: dict[str, tuple[int, int, Slot]] = {}
    refused: list[ToolFailed] = []
    for specialist_id, service_id, _name in candidates:
        try:
            found = await gateway.get_available_slots(specialist_id, day, service_id)
        except ToolFailed as error:
            refused.append(error)
            continue
        for slot in found:
            seen.setdefault(slot.start_time, (specialist_id, service_id, slot))
    return [seen[t] for t in sorted(seen)], refused


async def show_times(
    event: Message | CallbackQuery, state: FSMContext, gateway: McpGateway, day: dt.date
) -> None:
    data = await state.get_data()
    candidates = data.get("candidates") or []
    slots, refused = await _slots(gateway, candidates, day)
    if refused and len(refused) == len(candidates):
        raise refused[0]  # nobody works that day: the API's reason, as before
    await state.update_data(
        date=day.isoformat(), times=[[s, v, sl.start_time, sl.end_time] for s, v, sl in slots]
    )
    await state.set_state(Booking.time)
    if not slots:
        await show_full_day(event, state, day)
        return
    await show(event, _("🕐 Free times on {day}:").format(day=day_in_words(day)), time_grid(slots))


async def show_full_day(event: Message | CallbackQuery, state: FSMContext, day: dt.date) -> None:
    """No free time on the day: offer the waitlist for it (booking only, not a move)."""
    data = await state.get_data()
    text = _("Sorry, {day} is fully booked now. Please choose another day:").format(
        day=day_in_words(day)
    )
    if data.get("flow") != "book":
        await show(event, text, time_grid([]))
        return
    await state.update_data(waitlist_day=day.isoformat())
    text += "\n\n" + _(
        "🔔 Or I can message you if a time frees up on that day — "
        "whoever presses “Book” first gets it."
    )
    await show(event, text, waitlist_join_keyboard(day.isoformat()))


async def show_confirmation(
    event: Message | CallbackQuery,
    state: FSMContext,
    specialist_id: int,
    service_id: int,
    day: dt.date,
    start: str,
    end: str | None,
) -> None:
    data = await state.get_data()
    names = {str(c[0]): c[2] for c in data.get("candidates") or []}
    info = (data.get("service_info") or {}).get(str(service_id)) or data.get("service") or {}
    key = uuid.uuid4().hex[:16]
    pending = {
        "key": key,
        "specialist_id": specialist_id,
        "service_id": service_id,
        "date": day.isoformat(),
        "start_time": start,
        "end_time": end,
    }
    await state.update_data(confirm=pending)
    await state.set_state(Booking.confirm)
    summary = booking_summary(
        service=info.get("name", ""),
        specialist=names.get(str(specialist_id), ""),
        day=day,
        start=start,
        end=end,
        minutes=info.get("duration"),
        cost=info.get("price"),
    )
    if data.get("flow") == "reschedule":
        old = data.get("old_summary", "")
        text = _("Move your appointment?\n\nNow:\n{old}\n\nNew time:\n{new}").format(
            old=old, new=summary
        )
    else:
        text = _("Please check your booking:\n\n{summary}").format(summary=summary)
    await show(event, text, confirm_keyboard(key))


# --------------------------------------------------------------------------- handlers


async def book_command(message: Message, state: FSMContext, gateway: McpGateway) -> None:
    await show_categories(message, state, gateway)


async def category_chosen(
    callback: CallbackQuery, callback_data: CategoryCb, state: FSMContext, gateway: McpGateway
) -> None:
    data = await state.get_data()
    if callback_data.id not in data.get("category_ids", []):
        await stale(callback)
        return
    await show_specialists(callback, state, gateway, callback_data.id)
    await answer(callback)


async def specialist_chosen(
    callback: CallbackQuery, callback_data: SpecialistCb, state: FSMContext, gateway: McpGateway
) -> None:
    data = await state.get_data()
    if "category_id" not in data or (
        callback_data.id and callback_data.id not in data.get("specialist_ids", [])
    ):
        await stale(callback)
        return
    await show_services(callback, state, gateway, callback_data.id)
    await answer(callback)


async def service_chosen(
    callback: CallbackQuery, callback_data: ServiceCb, state: FSMContext, gateway: McpGateway
) -> None:
    data = await state.get_data()
    if callback_data.id not in data.get("service_ids", []):
        await stale(callback)
        return
    candidates = data.get("service_groups", {}).get(str(callback_data.id), [])
    service = data.get("service_info", {}).get(str(callback_data.id), {})
    await state.update_data(candidates=candidates, service=service)
    await show_calendar(callback, state, gateway)
    await answer(callback)


async def calendar_pressed(
    callback: CallbackQuery, callback_data: CalendarCb, state: FSMContext, gateway: McpGateway
) -> None:
    data = await state.get_data()
    if callback_data.action == "noop":
        await answer(callback, _("No free time that day — please pick a highlighted date."))
        return
    if not data.get("candidates"):
        await stale(callback)
        return
    if callback_data.action == "nav":
        try:
            year, month = (int(x) for x in callback_data.value.split("-"))
            first = dt.date(year, month, 1)
        except ValueError:
            await stale(callback)
            return
        now = today()
        if (year, month) < (now.year, now.month) or (first - now).days > 31 * HORIZON_MONTHS:
            await stale(callback)
            return
        await show_calendar(callback, state, gateway, f"{year:04d}-{month:02d}")
        await answer(callback)
        return
    if callback_data.action == "day" and callback_data.value in data.get("days", []):
        await show_times(callback, state, gateway, dt.date.fromisoformat(callback_data.value))
        await answer(callback)
        return
    if callback_data.action == "full":
        await full_day_pressed(callback, state, gateway, callback_data.value)
        return
    await stale(callback)


async def full_day_pressed(
    callback: CallbackQuery, state: FSMContext, gateway: McpGateway, value: str
) -> None:
    """A "·" day: a day off (say why) or fully booked (offer the waitlist)."""
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        await stale(callback)
        return
    data = await state.get_data()
    month = data.get("month", "")
    if day < today() or value[:7] != month:
        await stale(callback)
        return
    slots, refused = await _slots(gateway, data.get("candidates") or [], day)
    if slots:  # the calendar was out of date: there is time after all
        await show_times(callback, state, gateway, day)
        await answer(callback)
        return
    if refused and len(refused) == len(data.get("candidates") or []):
        reason = refused[0].message.split(": ", 1)[-1]
        await answer(callback, reason, alert=True)
        return
    await state.update_data(date=day.isoformat(), times=[])
    await state.set_state(Booking.time)
    await show_full_day(callback, state, day)
    await answer(callback)


async def time_chosen(callback: CallbackQuery, callback_data: TimeCb, state: FSMContext) -> None:
    data = await state.get_data()
    start = f"{callback_data.time[:2]}:{callback_data.time[2:4]}"
    match = next(
        (
            t
            for t in data.get("times", [])
            if t[0] == callback_data.specialist and t[1] == callback_data.service and t[2] == start
        ),
        None,
    )
    if match is None or not data.get("date"):
        await stale(callback)
        return
    await show_confirmation(
        callback,
        state,
        match[0],
        match[1],
        dt.date.fromisoformat(data["date"]),
        start,
        match[3] or None,
    )
    await answer(callback)


async def confirmed(
    callback: CallbackQuery, callback_data: ConfirmCb, state: FSMContext, gateway: McpGateway
) -> None:
    data = await state.get_data()
    done = data.get("done_keys", [])
    if callback_data.key in done:
        await answer(callback, _("Already done ✅ — you don't need to press it again."))
        return
    pending = data.get("confirm")
    if not pending or pending.get("key") != callback_data.key:
        await stale(callback)
        return
    day = dt.date.fromisoformat(pending["date"])
    user_id = uid(callback.from_user)
    if data.get("flow") == "reschedule":
        await gateway.reschedule_appointment(
            user_id, int(data["appointment_id"]), day, pending["start_time"], confirm=True
        )
        headline = _("✅ Done! Your appointment has been moved.")
    else:
        await gateway.create_appointment(
            user_id,
            pending["specialist_id"],
            pending["service_id"],
            day,
            pending["start_time"],
            idempotency_key=pending["key"],
        )
        headline = _("✅ You're booked!")
    names = {str(c[0]): c[2] for c in data.get("candidates") or []}
    info = (
        (data.get("service_info") or {}).get(str(pending["service_id"]))
        or data.get("service")
        or {}
    )
    summary = booking_summary(
        service=info.get("name", ""),
        specialist=names.get(str(pending["specialist_id"]), ""),
        day=day,
        start=pending["start_time"],
        end=pending.get("end_time"),
        minutes=info.get("duration"),
        cost=info.get("price"),
    )
    await state.update_data(done_keys=[*done, callback_data.key][-20:])
    await reset_flow(state)
    await show(
        callback,
        headline
        + "\n\n"
        + summary
        + "\n\n"
        + _("See you! You can find it under “🗂 My appointments”."),
        InlineKeyboardMarkup(inline_keyboard=[menu_row()]),
    )
    await answer(callback, _("Done ✅"))


async def back(
    callback: CallbackQuery, callback_data: BackCb, state: FSMContext, gateway: McpGateway
) -> None:
    data = await state.get_data()
    to = callback_data.to
    if to == "categories":
        await show_categories(callback, state, gateway)
    elif to == "specialists" and data.get("category_id"):
        await show_specialists(callback, state, gateway, data["category_id"])
    elif to == "services" and "specialist_id" in data:
        await show_services(callback, state, gateway, data["specialist_id"])
    elif to == "calendar" and data.get("candidates"):
        await show_calendar(callback, state, gateway, data.get("month"))
    elif to == "times" and data.get("candidates") and data.get("date"):
        await show_times(callback, state, gateway, dt.date.fromisoformat(data["date"]))
    else:
        await stale(callback)
        return
    await answer(callback)


def create_router() -> Router:
    """A fresh router for the booking feature (one per dispatcher)."""
    router = Router(name="booking")
    router.message.register(book_command, Command("book"))
    router.callback_query.register(category_chosen, CategoryCb.filter())
    router.callback_query.register(specialist_chosen, SpecialistCb.filter())
    router.callback_query.register(service_chosen, ServiceCb.filter())
    router.callback_query.register(calendar_pressed, CalendarCb.filter())
    router.callback_query.register(time_chosen, TimeCb.filter())
    router.callback_query.register(confirmed, ConfirmCb.filter())
    router.callback_query.register(back, BackCb.filter())
    return router


__all__ = ["create_router", "show_calendar", "show_categories", "show_confirmation", "time_range"]
