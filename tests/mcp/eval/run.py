"""Print the figures of the conversation evaluation set (issue 12).

    uv run python tests/mcp/eval/run.py              # both halves, utterances and dialogs
    uv run python tests/mcp/eval/run.py --half held-out --no-dialogs -v

Utterances are scored offline against the demo catalogue; dialogs run through
``process_message`` of an in-process MCP server talking to a real API (a fresh SQLite
database with the demo catalogue, served on a free port), and each is judged by the rows it
leaves. ``-v`` lists what went wrong.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import logging
import sys
import tempfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
sys.path[:0] = [str(HERE), str(HERE.parents[1])]  # conv_eval, and the tests' kit

from conv_eval import (  # noqa: E402
    HALVES,
    Dialog,
    dialog_now,
    load_dialogs,
    load_utterances,
    row_matches,
    score_utterances,
)

from booking_mcp.api_client import ClientAuth  # noqa: E402
from booking_mcp.server import build_server  # noqa: E402
from kit.live_api import LiveApi, serve_api  # noqa: E402
from mcp import Client  # noqa: E402

USER_BASE = 970_000


def print_utterances(halves: list[str], verbose: bool) -> None:
    cases = load_utterances()
    for name in halves:
        mine = [c for c in cases if c.half == name]
        score = score_utterances(mine)
        print(f"utterances {name:8} ({len(mine)}): {score.line()}")
        for lang in ("ru", "en"):
            part = score_utterances([c for c in mine if c.language == lang])
            print(f"    {lang}: {part.line()}")
        if verbose:
            for miss in score.misses:
                print(f"    MISS {miss}")


async def _reply(client: Client, user: str, message: str, now: str) -> dict[str, Any]:
    result = await client.call_tool(
        "process_message", {"user_id": user, "message": message, "now": now}
    )
    if result.is_error:
        raise RuntimeError(f"process_message failed: {result.content}")
    return result.structured_content or {}


def _press(reply: dict[str, Any], which: int | str) -> str:
    options = [o for a in reply.get("actions", []) for o in a["payload"].get("options", [])]
    if isinstance(which, int):
        if len(options) < which:
            raise LookupError(f"no button {which}")
        return options[which - 1]["value"]
    for option in options:
        if str(which).lower() in option["label"].lower():
            return option["value"]
    raise LookupError(f"no button {which!r}")


async def run_dialog(
    server: Any, api: LiveApi, dialog: Dialog, user: str, now: dt.datetime
) -> tuple[bool, list[str]]:
    """Play one dialog; (success, transcript and problems)."""
    service = server.booking_service
    log: list[str] = []
    monday = now.date()
    who = ClientAuth(telegram_id=user)
    if dialog.setup.get("registered", True):
        await service.register(who, name=f"Клиент {user}", phone=f"+7917{user}0")
    _, index = await service.catalogue()
    before: list[int] = []
    for wanted in dialog.setup.get("bookings", []):
        svc = next(s for s in index["services"].values() if s.name == wanted["service"])
        day = (monday + dt.timedelta(days=int(wanted["day"]))).isoformat()
        booked = await service.book(who, svc.specialist, svc.id, day, wanted["time"])
        before.append(booked.id)
    async with Client(server) as client:
        reply: dict[str, Any] = {}
        for turn in dialog.turns:
            try:
                text = _press(reply, turn["press"]) if isinstance(turn, dict) else turn
            except LookupError as exc:
                log.append(f"  !! {exc}")
                text = None
            if text is None:
                break
            reply = await _reply(client, user, text, now.isoformat())
            log.append(f"  > {text}\n  < " + reply.get("response", "").replace("\n", "\n    "))
    client_row = next(
        (c for c in await api.items("clients/") if str(c.get("telegram_id")) == user), None
    )
    rows = []
    if client_row is not None:
        rows = sorted(
            await api.items("appointments/", client_id=client_row["id"]), key=lambda r: r["id"]
        )
    problems: list[str] = []
    new = [r for r in rows if r["id"] not in before and r["status"] in ("pending", "confirmed")]
    wanted_new = dialog.expect.get("bookings", [])
    if len(new) != len(wanted_new):
        problems.append(f"{len(new)} new bookings, expected {len(wanted_new)}")
    else:
        for row, wanted in zip(new, wanted_new, strict=True):
            problems += row_matches(row, wanted, monday)
    by_id = {r["id"]: r for r in rows}
    for booking_id, wanted in zip(before, dialog.expect.get("existing", []), strict=False):
        differences = row_matches(by_id[booking_id], wanted, monday)
        problems += [f"booking {booking_id}: {p}" for p in differences]
    if "client" in dialog.expect:
        for key, value in dialog.expect["client"].items():
            got = (client_row or {}).get(key)
            if got != value:
                problems.append(f"client {key} {got!r} != {value!r}")
    for row in rows:  # free the times for the next dialogs
        if row["status"] in ("pending", "confirmed"):
            await api.post(f"appointments/{row['id']}/cancel/")
    return not problems, log + [f"  XX {p}" for p in problems]


async def run_dialogs(api: LiveApi, dialogs: list[Dialog], verbose: bool) -> dict[str, list]:
    server = build_server(api.mcp_settings())
    now = dialog_now(dt.date.today())
    results: dict[str, list] = {name: [] for name in HALVES}
    try:
        for number, dialog in enumerate(load_dialogs()):
            if dialog not in dialogs:
                continue
            user = str(USER_BASE + number)
            ok, log = await run_dialog(server, api, dialog, user, now)
            results[dialog.half].append((dialog, ok))
            if verbose and not ok:
                print(f"FAILED {dialog.id} ({dialog.half})\n" + "\n".join(log))
    finally:
        await server.booking_service.aclose()
    return results


def print_dialogs(halves: list[str], verbose: bool) -> None:
    dialogs = [d for d in load_dialogs() if d.half in halves]
    quiet = dict(cache_backend="off", throttle_auth="", throttle_booking="")
    with tempfile.TemporaryDirectory() as tmp, serve_api(Path(tmp), **quiet) as api:
        results = asyncio.run(run_dialogs(api, dialogs, verbose))
    for name in halves:
        done = results[name]
        right = sum(ok for _, ok in done)
        share = right / len(done) if done else 0.0
        print(f"dialogs    {name:8} ({len(done)}): success {share:6.1%} ({right}/{len(done)})")
        for lang in ("ru", "en"):
            part = [ok for d, ok in done if d.language == lang]
            print(f"    {lang}: {sum(part)}/{len(part)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--half", choices=[*HALVES, "all"], default="all")
    parser.add_argument("--no-dialogs", action="store_true")
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args()
    logging.disable(logging.WARNING)  # the API's and httpx's request logs
    halves = list(HALVES) if args.half == "all" else [args.half]
    print_utterances(halves, args.verbose)
    if not args.no_dialogs:
        print_dialogs(halves, args.verbose)


if __name__ == "__main__":
    main()
