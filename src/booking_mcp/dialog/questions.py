"""Questions answered, not turned into bookings: price, duration, who a specialist is, which
days they work, what a category holds. Each answer offers to book what it was about (its
buttons; "записать?" then goes on with that service)."""

from __future__ import annotations

from typing import Any

from booking_common.conversation import Service
from booking_mcp.dialog.render import Turn, offer_services
from booking_mcp.dialog.state import DialogState
from booking_mcp.i18n import format_price, join_list, t, weekday_names
from booking_mcp.localized import city_in, description_in, name_in, specialization_in
from booking_mcp.service import BookingService

QUESTIONS = frozenset({"ask_price", "ask_duration", "ask_specialist", "ask_schedule"})


class Questions:
    """Answers from the catalogue and the specialists' schedules (read through the API)."""

    def __init__(self, service: BookingService) -> None:
        self.service = service

    async def answer(
        self, state: DialogState, intent: str, entities: dict[str, Any], turn: Turn
    ) -> bool:
        """Answer the question ``intent``; False when the message does not say what about."""
        _, index = await self.service.catalogue()
        services: dict[int, Service] = index["services"]
        svc = services.get(entities.get("service_id") or -1)
        spec = index["specialists"].get(entities.get("specialist_id") or -1)
        if state.flow and intent in ("ask_price", "ask_duration") and svc is spec is None:
            svc = services.get(state.service_id or -1)  # "а сколько он стоит?": the draft's
            if svc is None:
                return False
            turn.say("price_line", service=name_in(svc, turn.lang),
                     specialist=svc.specialist_name or "",
                     price=format_price(svc.price, turn.lang), duration=svc.duration)  # fmt: skip
            return True  # the draft stays; its current question follows
        if svc is None and entities.get("service_name") and intent in ("ask_price", "ask_duration"):
            # "сколько стоит мужская стрижка?": a service several specialists offer
            name = str(entities["service_name"]).lower()
            same = [s for s in services.values() if s.name.lower() == name]
            if spec is not None:
                same = [s for s in same if s.specialist == spec.id] or same
            svc = same[0] if same else None
        if intent in ("ask_price", "ask_duration") and svc is None and spec is not None:
            mine = [s for s in services.values() if s.specialist == spec.id]
            self.about_services(state, turn, mine, spec.name)
            return True
        if intent in ("ask_price", "ask_duration") and svc is not None:
            if spec is not None and svc.specialist != spec.id:
                svc = next((s for s in services.values() if s.specialist == spec.id
                            and s.name == svc.name), svc)  # fmt: skip
            same = [s for s in services.values() if s.name == svc.name]
            for one in same if spec is None else [svc]:
                turn.say(
                    "price_line",
                    service=name_in(one, turn.lang),
                    specialist=one.specialist_name or "",
                    price=format_price(one.price, turn.lang),
                    duration=one.duration,
                )
            turn.say("offer_to_book")
            self.remember(state, svc if len(same) == 1 or spec is not None else None)
            offer_services(turn, same if spec is None else [svc])
            return True
        if intent in ("ask_specialist", "ask_schedule") and spec is not None:
            mine = [s for s in services.values() if s.specialist == spec.id]
            if intent == "ask_specialist":
                turn.say(
                    "specialist_about",
                    name=spec.name,
                    specialization=specialization_in(spec, turn.lang),
                    city=city_in(spec, turn.lang),
                    # a description with no English twin is not shown to an English user
                    about=description_in(spec, turn.lang)
                    if turn.lang == "ru" or spec.description_en
                    else "",
                )
            else:
                rows = await self.service.schedule(spec.id)
                if rows:
                    names = weekday_names(turn.lang)
                    days = [
                        t(turn.lang, "schedule_day", day=names[r["day_of_week"]],
                          start=str(r["start_time"])[:5], end=str(r["end_time"])[:5])
                        for r in sorted(rows, key=lambda r: r["day_of_week"])
                    ]  # fmt: skip
                    turn.say("schedule_answer", name=spec.name, days=join_list(days, turn.lang, 7))
                else:
                    turn.say("schedule_none", name=spec.name)
            self.about_services(state, turn, mine, spec.name, intro=False)
            return True
        return False

    async def compare(self, service_ids: list[int], turn: Turn) -> None:
        """The price and the length of each service offered ("what's the difference?")."""
        _, index = await self.service.catalogue()
        for svc in (index["services"].get(i) for i in service_ids):
            if svc is not None:
                turn.say(
                    "price_line",
                    service=name_in(svc, turn.lang),
                    specialist=svc.specialist_name or "",
                    price=format_price(svc.price, turn.lang),
                    duration=svc.duration,
                )
                about = description_in(svc, turn.lang)
                if about and (turn.lang == "ru" or getattr(svc, "description_en", "")):
                    turn.lines.append(about)

    def about_services(
        self,
        state: DialogState,
        turn: Turn,
        offered: list[Service],
        name: str,
        *,
        intro: bool = True,
    ) -> None:
        if intro:
            turn.say(
                "services_of",
                name=name,
                items="\n".join(
                    t(turn.lang, "service_line", name=name_in(s, turn.lang),
                      price=format_price(s.price, turn.lang), duration=s.duration,
                      specialist=s.specialist_name or "")
                    for s in offered
                ),
            )  # fmt: skip
        turn.say("offer_to_book")
        self.remember(state, offered[0] if len(offered) == 1 else None)
        if offered:
            state.about_specialist_id = offered[0].specialist
        offer_services(turn, offered)

    @staticmethod
    def remember(state: DialogState, svc: Service | None) -> None:
        """Forget the flow in progress; "а записаться можно на завтра?" goes on with ``svc``."""
        state.clear()
        state.about_service_id = svc.id if svc is not None else None
