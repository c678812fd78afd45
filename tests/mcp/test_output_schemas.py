"""Answers an agent can act on: every tool declares its output schema — its result, or the
error with its code — and every result, failed or not, matches it; write tools take an
idempotency key; descriptions say when to use a tool. Checked in process, and with the
official MCP Inspector CLI (from npm) over stdio, whose TypeScript client checks a result
against the output schema, errors included."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from booking_mcp import errors
from booking_mcp.api_client import ApiError, ApiUnavailable
from booking_mcp.idempotency import KeptResults
from kit.free_time import free_day
from kit.live_api import STAFF_PASSWORD, STAFF_USER
from kit.mcp import next_weekday
from mcp import Client

WRITE_TOOLS = {
    "register_client",
    "rotate_calendar_feed",
    "rotate_specialist_calendar_feed",
    "hold_slot",
    "confirm_hold",
    "release_hold",
    "create_appointment",
    "cancel_appointment",
    "confirm_attendance",
    "reschedule_appointment",
    "join_waitlist",
    "leave_waitlist",
    "claim_waitlist_offer",
    "process_message",
}


async def test_every_tool_declares_its_result_or_its_error(mcp_server) -> None:
    async with Client(mcp_server) as client:
        tools = (await client.list_tools()).tools
    assert {"hold_slot", "confirm_hold", "release_hold"} <= {t.name for t in tools}
    for tool in tools:
        schema = tool.output_schema
        assert schema is not None and schema["type"] == "object", tool.name
        jsonschema.Draft202012Validator.check_schema(schema)
        result, error = schema["anyOf"]
        assert error == {"$ref": "#/$defs/ToolErrorOut"}, tool.name
        assert result.get("properties"), tool.name
        # A description for choosing: short, and it says when (or, for reads, what for).
        assert 40 <= len(tool.description) <= 300, (tool.name, len(tool.description))
        writes = not tool.annotations.read_only_hint
        assert writes == (tool.name in WRITE_TOOLS), tool.name
        if writes:
            assert "idempotency_key" in tool.input_schema["properties"], tool.name


async def test_results_and_errors_match_the_declared_schema(mcp_server) -> None:
    async with Client(mcp_server) as client:
        schemas = {t.name: t.output_schema for t in (await client.list_tools()).tools}

        async def checked(tool: str, **args: object):  # type: ignore[no-untyped-def]
            result = await client.call_tool(tool, args)
            jsonschema.validate(result.structured_content, schemas[tool])
            return result

        assert not (await checked("list_categories")).is_error
        missing = await checked("get_specialist_services", specialist_id=99999)
        assert missing.is_error
        assert missing.structured_content["error"]["code"] == "not_found"
        assert missing.structured_content["error"]["next_step"]["tool"] == "get_specialists"
        service = (await checked("list_services", search="Маникюр")).structured_content["result"][0]
        day, starts = await free_day(client, service, 8)
        slot = {
            "user_id": "730001",
            "specialist_id": service["specialist"],
            "service_id": service["id"],
            "date": day.isoformat(),
            "start_time": starts[0],
        }
        assert not (await checked("hold_slot", **slot)).is_error
        taken = await checked("hold_slot", **{**slot, "user_id": "730002"})
        assert taken.structured_content["error"]["code"] == "slot_taken"
        off_hours = await checked("create_appointment", **{**slot, "start_time": "06:00"})
        assert off_hours.structured_content["error"]["code"] == "time_unavailable"
        nameless = await checked("get_my_appointments")
        assert nameless.structured_content["error"]["code"] == "validation_error"
        wrong = await checked("find_nearest_slots")
        assert wrong.structured_content["error"]["code"] == "validation_error"

        # Cancelling needs a yes; the error says how to get one.
        booked = await checked("create_appointment", **{**slot, "start_time": starts[-1]})
        unconfirmed = await checked(
            "cancel_appointment",
            user_id="730001",
            appointment_id=booked.structured_content["id"],
        )
        error = unconfirmed.structured_content["error"]
        assert error["code"] == "needs_confirmation"
        assert error["next_step"]["tool"] == "cancel_appointment"
        assert unconfirmed.content[0].text.startswith("Needs confirmation")
        # With a key, a repeated cancellation answers as the first one did.
        first = await checked(
            "cancel_appointment",
            user_id="730001",
            appointment_id=booked.structured_content["id"],
            confirm=True,
            idempotency_key="c-1",
        )
        again = await checked(
            "cancel_appointment",
            user_id="730001",
            appointment_id=booked.structured_content["id"],
            confirm=True,
            idempotency_key="c-1",
        )
        assert not again.is_error and again.structured_content == first.structured_content
        unkeyed = await checked(
            "cancel_appointment",
            user_id="730001",
            appointment_id=booked.structured_content["id"],
            confirm=True,
        )
        assert unkeyed.structured_content["error"]["code"] == "invalid_state"


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (ApiError(400, "Выбранное время уже занято.", {"non_field_errors": ["…"]}), "slot_taken"),
        (ApiError(400, "Нельзя записаться на прошедшее время.", {}), "time_unavailable"),
        (ApiError(400, "Запись возможна не более чем на 90 дн. вперёд.", {}), "time_unavailable"),
        (ApiError(400, "…", {"error": "…", "code": "hold_expired"}), "hold_expired"),
        (ApiError(400, "Отменить запись можно не позднее чем за 60 мин.", {}), "too_late"),
        (
            ApiError(400, "Нельзя отменить запись, которая отменена.", {"error": "…"}),
            "invalid_state",
        ),
        (ApiError(400, "date: Enter a valid date.", {"date": ["…"]}), "validation_error"),
        (ApiError(403, "Сначала зарегистрируйтесь как клиент.", {}), "not_registered"),
        (ApiError(403, "You do not have permission to perform this action.", {}), "not_allowed"),
        (ApiError(404, "Not found.", {}), "not_found"),
        (ApiError(422, "Этот Idempotency-Key уже использован", {}), "idempotency_conflict"),
        (ApiError(429, "Request was throttled.", {}), "rate_limited"),
        (ApiError(401, "Given token not valid", {}), "not_authenticated"),
        (
            ApiUnavailable(503, "The booking service is unavailable (ConnectError)."),
            "api_unavailable",
        ),
    ],
)
def test_refusals_of_the_api_have_codes(error: ApiError, code: str) -> None:
    failure = errors.failure(error, "create_appointment")
    assert failure.code == code
    assert failure.retryable is (code in ("rate_limited", "api_unavailable"))
    assert code in errors.CODES


async def test_a_key_runs_a_call_once_even_when_its_twin_runs() -> None:
    kept = KeptResults()
    calls = []

    async def act() -> int:
        calls.append(1)
        return len(calls)

    first, twin = await asyncio.gather(
        kept.run("t", "tg:1", "k", {"a": 1}, act), kept.run("t", "tg:1", "k", {"a": 1}, act)
    )
    assert first == twin == 1 and len(calls) == 1
    assert await kept.run("t", "tg:2", "k", {"a": 1}, act) == 2  # another client's key
    assert await kept.run("t", "tg:1", None, {"a": 1}, act) == 3  # no key: always acts
    with pytest.raises(errors.ToolFailure) as refused:
        await kept.run("t", "tg:1", "k", {"a": 2}, act)
    assert refused.value.code == "idempotency_conflict"

    async def fails() -> int:
        raise ApiUnavailable(503, "down")

    with pytest.raises(ApiUnavailable):
        await kept.run("t", "tg:1", "k2", {}, fails)
    assert await kept.run("t", "tg:1", "k2", {}, act) == 4  # a failure kept nothing


# --- the official MCP Inspector CLI ----------------------------------------------------------

INSPECTOR_DIR = Path(
    os.environ.get("MCP_INSPECTOR_DIR", Path.home() / ".cache" / "booking-tests" / "inspector")
)


def inspector_cli() -> Path | None:
    """The official MCP Inspector CLI from npm, installed once into a cache folder."""
    binary = INSPECTOR_DIR / "node_modules" / ".bin" / "mcp-inspector"
    if binary.exists():
        return binary
    if shutil.which("npm") is None:
        return None
    INSPECTOR_DIR.mkdir(parents=True, exist_ok=True)
    result = subprocess.run(
        ["npm", "install", "--silent", "--no-audit", "--no-fund", "--prefix", str(INSPECTOR_DIR),
         "@modelcontextprotocol/inspector"],
        capture_output=True,
        text=True,
        timeout=300,
    )  # fmt: skip
    return binary if result.returncode == 0 and binary.exists() else None


@pytest.mark.slow
def test_the_inspector_cli_lists_output_schemas_and_calls_tools(live_api, tmp_path) -> None:
    cli = inspector_cli()
    if cli is None:
        pytest.skip("npm (and the @modelcontextprotocol/inspector package) is not available")
    config = tmp_path / "mcp.json"
    config.write_text(
        json.dumps(
            {
                "mcpServers": {
                    "booking": {
                        "command": sys.executable,
                        "args": ["-m", "booking_mcp", "--transport", "stdio"],
                        "env": {
                            "API_URL": live_api.url,
                            "API_USERNAME": STAFF_USER,
                            "API_PASSWORD": STAFF_PASSWORD,
                            "PATH": os.environ.get("PATH", ""),
                        },
                    }
                }
            }
        )
    )

    def inspect(*args: str) -> dict:
        out = subprocess.run(
            [str(cli), "--cli", "--config", str(config), "--server", "booking", *args],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert out.returncode == 0, out.stderr + out.stdout
        return json.loads(out.stdout)

    tools = {t["name"]: t for t in inspect("--method", "tools/list")["tools"]}
    assert {"hold_slot", "confirm_hold", "release_hold"} <= set(tools)
    assert all(t["outputSchema"]["type"] == "object" for t in tools.values())
    assert tools["hold_slot"]["outputSchema"]["anyOf"][0]["properties"]["expires_at"]
    service = asyncio.run(live_api.service("Маникюр"))
    day, start = asyncio.run(live_api.free_slot("Маникюр", after=next_weekday(0, weeks=9)))
    args = [
        "--tool-arg",
        f"specialist_id={service['specialist']}",
        f"service_id={service['id']}",
        f"date={day.isoformat()}",
        f"start_time={start}",
    ]
    held = inspect("--method", "tools/call", "--tool-name", "hold_slot", *args, "user_id=740001")
    assert not held.get("isError") and held["structuredContent"]["status"] == "held"
    # An error, checked by the Inspector's client against the same schema.
    taken = inspect("--method", "tools/call", "--tool-name", "hold_slot", *args, "user_id=740002")
    assert taken["isError"] is True
    assert taken["structuredContent"]["error"]["code"] == "slot_taken"
