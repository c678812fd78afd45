"""The dialog's stored state: typed, versioned, and contexts stored by the first dialog
(version 1, a plain dictionary without a version) still load and go on."""

from __future__ import annotations

import datetime as dt

from booking_mcp.api_client import ClientAuth
from booking_mcp.dialog import STATE_VERSION, DialogState
from kit.mcp import next_weekday
from mcp import Client

# Contexts exactly as the first dialog (booking_mcp/dialog.py before the split) stored them.
V1_ASKING_DAY = {
    "flow": "book", "pending": None, "service_id": 3, "service_name": None,
    "specialist_id": 1, "lang": "ru", "date": None, "time": None,
}  # fmt: skip
V1_SEARCHING = {
    "flow": "book", "pending": None, "service_name": "стрижка", "service_id": None,
    "date": "2026-12-25", "time": None, "specialist_id": None, "lang": "ru",
}  # fmt: skip
V1_CONFIRMING = {
    "flow": "book", "pending": "book", "service_id": 3, "service_name": None, "specialist_id": 1,
    "lang": "en", "date": "2026-12-23", "time": "11:00",
    "idem": "0f9a3c52-8f1e-4c52-9d0c-1b5e8d1e2a11",
    "waitlist": {"specialist_id": 1, "service_id": 3, "date": "2026-12-22"},
}  # fmt: skip


# A context as version 2 stored it: the offered options as plain values, no whole choices.
V2_CHOOSING_TIME = {
    "version": 2, "flow": "book", "lang": "ru", "specialist_id": 1, "service_id": 3,
    "date": "2026-12-23", "time": None, "pending": None,
    "offered": ["/pick time 09:00", "/pick time 09:30"], "last_time": "15:00",
}  # fmt: skip


def test_version_2_contexts_load() -> None:
    state = DialogState.load(V2_CHOOSING_TIME)
    assert state.version == STATE_VERSION == 4
    assert state.offered == ["/pick time 09:00", "/pick time 09:30"]
    assert (state.date, state.last_time, state.choices, state.lang_chosen) == (
        "2026-12-23", "15:00", [], False,
    )  # fmt: skip
    assert DialogState.load(state.dump()) == state


def test_version_1_contexts_load() -> None:
    state = DialogState.load(V1_ASKING_DAY)
    assert (state.version, state.flow, state.specialist_id, state.service_id) == (
        STATE_VERSION, "book", 1, 3,
    )  # fmt: skip
    assert DialogState.load(V1_SEARCHING).service_name == "стрижка"
    confirming = DialogState.load(V1_CONFIRMING)
    assert confirming.pending == "book" and confirming.time == "11:00"
    assert confirming.waitlist is not None and confirming.waitlist.date == "2026-12-22"
    assert DialogState.load(confirming.dump()) == confirming


def test_unreadable_or_future_state_starts_afresh_keeping_the_language() -> None:
    assert DialogState.load({"flow": "dance", "lang": "en"}) == DialogState(lang="en")
    assert DialogState.load({"version": STATE_VERSION + 1, "lang": "en", "flow": "book"}) == (
        DialogState(lang="en")
    )
    assert DialogState.load({"date": "tomorrow"}).date is None
    assert DialogState.load(None) == DialogState()


def test_clear_forgets_the_flow_not_the_language() -> None:
    state = DialogState.load(V1_CONFIRMING)
    state.clear()
    assert state == DialogState(lang="en")


async def test_a_stored_version_1_context_goes_on(mcp_server, live_api) -> None:
    """A conversation stored by the old code before an upgrade continues after it."""
    wednesday = next_weekday(2, weeks=7)
    now = dt.datetime.combine(wednesday - dt.timedelta(days=1), dt.time(10)).isoformat()
    user = "800101"
    service = mcp_server.booking_service
    await service.register(ClientAuth(telegram_id=user), name="Анна", phone="+79001112233")
    await service.save_context(f"tg:{user}", {**V1_ASKING_DAY, "date": wednesday.isoformat()})
    async with Client(mcp_server) as client:
        result = await client.call_tool(
            "process_message", {"user_id": user, "message": "в 11", "now": now}
        )
    context = result.structured_content["context"]
    assert context["pending"] == "book" and context["version"] == STATE_VERSION
    assert "Педикюр" in result.structured_content["response"]
