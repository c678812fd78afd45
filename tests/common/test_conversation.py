"""The conversation protocol both the MCP server and the bot speak (booking_common.conversation)."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

from booking_common.conversation import (
    JOIN_WAITLIST,
    NO,
    RESET,
    YES,
    Action,
    ActionType,
    Appointment,
    Command,
    NearestSlot,
    Option,
    Pick,
    Reply,
    Service,
    WaitlistEntry,
    pick,
)

API_APPOINTMENT = {
    "id": 41,
    "client": 3,
    "service": 7,
    "service_name": "Маникюр",
    "specialist": 2,
    "specialist_name": "Анна Иванова",
    "date": "2026-11-25",
    "start_time": "14:30:00",
    "end_time": "15:30:00",
    "status": "pending",
    "notes": "an API field the tools do not pass on",
}


def test_every_command_parses_back() -> None:
    slot = pick(Pick.SLOT, 2, 7, dt.date(2026, 11, 25), "14:30")
    assert slot == "/pick slot 2 7 2026-11-25 14:30"
    assert Command.parse(slot) == ("pick", ["slot", "2", "7", "2026-11-25", "14:30"])
    assert Command.parse(pick(Pick.TIME, "09:00")) == ("pick", ["time", "09:00"])
    assert Command.parse(YES) == ("yes", [])
    assert Command.parse(NO) == ("no", [])
    assert Command.parse(RESET) == ("reset", [])
    assert Command.parse(JOIN_WAITLIST) == ("waitlist", ["join"])
    assert Command.parse("/PICK Date 2026-11-25") == ("pick", ["Date", "2026-11-25"])


def test_free_text_is_not_a_command() -> None:
    assert Command.parse("завтра в 15:00") is None
    assert Command.parse("да /yes") is None
    assert Command.parse("/") is None


def test_dates_and_prices_are_typed_in_python_and_strings_on_the_wire() -> None:
    appointment = Appointment.model_validate(API_APPOINTMENT)
    assert appointment.date == dt.date(2026, 11, 25)
    assert (appointment.start_time, appointment.end_time) == ("14:30", "15:30")
    assert appointment.active
    wire = json.loads(appointment.model_dump_json())
    assert wire["date"] == "2026-11-25" and "notes" not in wire
    assert appointment.model_dump()["date"] == "2026-11-25"  # payloads stay plain JSON
    service = Service.model_validate(
        {"id": 7, "name": "Маникюр", "price": "1500.00", "duration": 60, "specialist": 2}
    )
    assert service.price == Decimal("1500") and service.model_dump()["price"] == "1500.00"
    assert service.model_json_schema(mode="serialization")["properties"]["price"]["type"] == (
        "string"
    )
    assert NearestSlot.model_json_schema(mode="serialization")["properties"]["date"] == {
        "description": "YYYY-MM-DD",
        "title": "Date",
        "type": "string",
    }


def test_statuses() -> None:
    for status, active in (("pending", True), ("confirmed", True), ("cancelled", False)):
        assert Appointment.model_validate({**API_APPOINTMENT, "status": status}).active is active
    entry = {"id": 1, "service": 7, "date": "2026-11-25"}
    assert WaitlistEntry.model_validate({**entry, "status": "offered"}).waiting
    assert not WaitlistEntry.model_validate({**entry, "status": "booked"}).waiting


def test_an_action_carries_its_options_last_as_plain_json() -> None:
    day = dt.date(2026, 11, 25)
    action = Action.of(
        ActionType.CHOOSE_DATE,
        days=[day.isoformat()],
        options=[Option(label="ср, 25 нояб", value=pick(Pick.DATE, day), date=day)],
    )
    assert action.type == "choose_date"
    assert list(action.payload) == ["days", "options"]
    assert action.payload["options"] == [
        {"label": "ср, 25 нояб", "value": "/pick date 2026-11-25", "date": "2026-11-25"}
    ]
    assert json.loads(action.model_dump_json())["payload"] == action.payload
    assert Action.of(ActionType.APPOINTMENTS, appointments=[]).payload == {"appointments": []}


def test_a_reply_read_back() -> None:
    """What the bot does with a reply it received as JSON."""
    booked = Action.of(ActionType.BOOKED, appointment=API_APPOINTMENT)
    confirm = Action.of(
        ActionType.CONFIRM,
        what="book",
        options=[Option(label="Да", value=YES), Option(label="Нет", value=NO)],
    )
    sent = Reply(response="Готово", actions=[booked, confirm]).model_dump(mode="json")
    sent["actions"][1]["payload"]["options"].append({"label": "no value"})  # left out
    reply = Reply.model_validate(json.loads(json.dumps(sent)))
    assert [(o.label, o.value) for o in reply.options] == [("Да", "/yes"), ("Нет", "/no")]
    news, question = reply.actions
    assert news.appointment is not None and news.appointment.date == dt.date(2026, 11, 25)
    assert question.appointment is None and news.options == []


def test_only_news_of_a_booking_carries_an_appointment() -> None:
    listing = Action.of(ActionType.APPOINTMENTS, appointment=API_APPOINTMENT)
    assert listing.appointment is None
    broken = Action.of(ActionType.CANCELLED, appointment={"id": 1})
    assert broken.appointment is None
    moved = Action.of(ActionType.RESCHEDULED, appointment=API_APPOINTMENT)
    assert moved.appointment is not None and moved.appointment.id == 41
