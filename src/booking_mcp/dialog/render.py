"""How a reply is put together: the texts (through :mod:`booking_mcp.i18n`) and the actions.

A :class:`Turn` collects the sentences and the actions of one reply while the flows advance;
the ``offer_*`` functions turn what the flows found (days, times, services …) into actions
with options of the shared reply protocol (:mod:`booking_common.conversation`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from booking_common.conversation import (
    JOIN_WAITLIST,
    LANG,
    NO,
    YES,
    Action,
    ActionType,
    Category,
    NearestSlot,
    Option,
    Pick,
    Service,
    Slot,
    Specialist,
    page,
    pick,
)
from booking_mcp.dialog.state import Choice
from booking_mcp.i18n import LANGUAGES, format_price, format_short_day, t
from booking_mcp.localized import name_in, specialization_in

#: At most this many options on one page of a choice; a "more" option shows the next page.
PAGE_SIZE = 8


class Turn:
    """What one reply is made of, collected while the dialog advances."""

    def __init__(self, lang: str) -> None:
        self.lang = lang
        self.lines: list[str] = []
        self.actions: list[Action] = []
        self.paging = False  # a page of the choices already offered (``/page n``)

    def say(self, key: str, **values: Any) -> None:
        self.lines.append(t(self.lang, key, **values))

    def offer(self, action: Action) -> None:
        self.actions.append(action)

    def drop(self, kind: ActionType) -> None:
        """Take back the actions of ``kind`` and the sentence that asked for them."""
        if any(a.type == kind for a in self.actions):
            self.actions = [a for a in self.actions if a.type != kind]
            self.lines = self.lines[:-1]

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


def remember(action: Action) -> Choice:
    """The whole choice of ``action`` (all its options), to page through and pick from."""
    payload = {k: v for k, v in action.payload.items() if k != "options"}
    return Choice(type=action.type, options=action.payload.get("options") or [], payload=payload)


def paged(choice: Choice, number: int, lang: str) -> Action:
    """Page ``number`` (1-based, clamped) of ``choice``, with "back" and "more" options."""
    pages = max(1, -(-len(choice.options) // PAGE_SIZE))
    choice.page = number = min(max(1, number), pages)
    options = list(choice.options[(number - 1) * PAGE_SIZE : number * PAGE_SIZE])
    if number > 1:
        options.append({"label": t(lang, "page_back"), "value": page(number - 1)})
    if number < pages:
        options.append({"label": t(lang, "page_more"), "value": page(number + 1)})
    return Action(type=choice.type, payload={**choice.payload, "options": options})


def shown(choice: Choice) -> list[dict[str, Any]]:
    """The options of ``choice`` on its current page ("the second one" counts these)."""
    if len(choice.options) <= PAGE_SIZE:
        return choice.options
    return choice.options[(choice.page - 1) * PAGE_SIZE : choice.page * PAGE_SIZE]


def offer_categories(turn: Turn, categories: Sequence[Category]) -> None:
    turn.offer(
        Action.of(
            ActionType.CHOOSE_CATEGORY,
            options=[
                Option(label=name_in(c, turn.lang), value=pick(Pick.CATEGORY, c.id), id=c.id)
                for c in categories
            ],
        )
    )


def offer_languages(turn: Turn) -> None:
    turn.offer(
        Action.of(
            ActionType.CHOOSE_LANGUAGE,
            options=[
                Option(label=t(code, "language_name"), value=f"{LANG} {code}", code=code)
                for code in LANGUAGES
            ],
        )
    )


def ask_contact(turn: Turn, need: list[str]) -> None:
    turn.offer(Action.of(ActionType.ASK_CONTACT, need=need))


def calendar_file(turn: Turn, appointment_id: int, content: str) -> None:
    turn.offer(
        Action.of(
            ActionType.CALENDAR_FILE,
            filename=f"appointment-{appointment_id}.ics",
            content=content,
            appointment_id=appointment_id,
        )
    )


def offer_specialists(turn: Turn, people: Sequence[Specialist]) -> None:
    turn.offer(
        Action.of(
            ActionType.CHOOSE_SPECIALIST,
            options=[
                Option(
                    label=f"{p.name} ({specialization_in(p, turn.lang)})",
                    value=pick(Pick.SPECIALIST, p.id),
                    id=p.id,
                )
                for p in people
            ],
        )
    )


def offer_services(turn: Turn, options: Sequence[Service]) -> None:
    turn.offer(
        Action.of(
            ActionType.CHOOSE_SERVICE,
            options=[
                Option(
                    label=f"{name_in(s, turn.lang)} — {format_price(s.price, turn.lang)}",
                    value=pick(Pick.SERVICE, s.id),
                    id=s.id,
                )
                for s in options
            ],
        )
    )


def offer_nearest(turn: Turn, slots: Sequence[NearestSlot]) -> None:
    items = [
        t(
            turn.lang,
            "nearest_line",
            date=format_short_day(s.date, turn.lang),
            time=s.start_time,
            specialist=s.specialist_name,
        )
        for s in slots
    ]
    turn.say("nearest", items="; ".join(items))
    turn.offer(
        Action.of(
            ActionType.CHOOSE_SLOT,
            options=[
                Option(
                    label=f"{format_short_day(s.date, turn.lang)} {s.start_time}"
                    f" — {s.specialist_name}",
                    value=pick(Pick.SLOT, s.specialist_id, s.service_id, s.date, s.start_time),
                    **s.model_dump(mode="json"),
                )
                for s in slots
            ],
        )
    )


def offer_days(turn: Turn, days: Sequence[str]) -> None:
    turn.offer(
        Action.of(
            ActionType.CHOOSE_DATE,
            days=list(days),
            options=[
                Option(label=format_short_day(d, turn.lang), value=pick(Pick.DATE, d), date=d)
                for d in days
            ],
        )
    )


def offer_times(turn: Turn, date: str, slots: Sequence[Slot]) -> None:
    turn.offer(
        Action.of(
            ActionType.CHOOSE_TIME,
            date=date,
            slots=[s.model_dump(mode="json") for s in slots],
            options=[
                Option(label=s.start_time, value=pick(Pick.TIME, s.start_time)) for s in slots
            ],
        )
    )


def offer_confirm(turn: Turn, what: str, summary: dict[str, Any]) -> None:
    turn.offer(
        Action.of(
            ActionType.CONFIRM,
            what=what,
            summary=summary,
            options=[
                Option(label=t(turn.lang, "yes"), value=YES),
                Option(label=t(turn.lang, "no"), value=NO),
            ],
        )
    )


def offer_waitlist(turn: Turn, specialist_id: int, service_id: int, date: str) -> None:
    turn.say("waitlist_hint")
    turn.offer(
        Action.of(
            ActionType.JOIN_WAITLIST,
            specialist_id=specialist_id,
            service_id=service_id,
            date=date,
            options=[Option(label=t(turn.lang, "waitlist_button"), value=JOIN_WAITLIST)],
        )
    )
