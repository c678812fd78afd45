"""``booking chat``: talk to the assistant in a terminal, through the MCP dialog the bot uses.

It connects as an MCP client to a running MCP server (the one ``booking run`` started, or
``MCP_SERVER_URL``) and calls its ``process_message`` tool; given no server, or when none
answers there, it starts the MCP server in-process (which needs the API at ``API_URL``).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
from typing import Any

import httpx

from mcp import Client

from .config import Settings
from .i18n import t
from .server import build_server


def terminal_language(environ: dict[str, str] | None = None) -> str:
    """The terminal's language from the POSIX locale variables: English for ``en_*``, else
    Russian (the default). The assistant's replies follow each message's own language."""
    env = os.environ if environ is None else environ
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        if env.get(name):
            return "en" if env[name].lower().startswith("en") else "ru"
    return "ru"


async def _reachable(url: str) -> bool:
    health = url.rsplit("/mcp", 1)[0] + "/health"
    try:
        async with httpx.AsyncClient(timeout=2) as http:
            return (await http.get(health)).status_code == 200
    except httpx.HTTPError:
        return False


def _reply(result: Any) -> dict[str, Any]:
    if getattr(result, "is_error", False):  # a tool error: its message, never an empty line
        error = (result.structured_content or {}).get("error") or {}
        text = error.get("message") or "".join(getattr(c, "text", "") for c in result.content)
        return {"response": text or "?", "actions": []}
    if result.structured_content:
        return result.structured_content
    text = "".join(getattr(c, "text", "") for c in result.content)
    try:
        return json.loads(text)
    except ValueError:
        return {"response": text, "actions": []}


async def chat_loop(
    settings: Settings, server_url: str | None = None, user_id: str | None = None
) -> None:
    """Read lines from stdin, print the assistant's replies and the buttons it offers.

    ``server_url``: the MCP server to talk to (``…/mcp``); without one, or when it does not
    answer, an MCP server runs in this process.
    """
    target: Any
    lang = terminal_language()
    if server_url and await _reachable(server_url):
        target = server_url
        print(t(lang, "chat_server", url=server_url))
    else:
        if server_url:
            print(t(lang, "chat_unreachable", url=server_url))
        print(t(lang, "chat_in_process", url=settings.api_url))
        target = build_server(settings)
    user_id = user_id or settings.booking_telegram_id or f"terminal-{os.getuid()}"
    print(t(lang, "chat_prompt"))
    async with Client(target) as client:
        while True:
            try:
                line = await asyncio.to_thread(input, "> ")
            except EOFError:
                break
            if not line.strip():
                break
            result = await client.call_tool(
                "process_message", {"user_id": user_id, "message": line}
            )
            reply = _reply(result)
            print(reply.get("response", ""))
            for action in reply.get("actions", []):
                options = (action.get("payload") or {}).get("options") or []
                if options:
                    print("  " + "  ".join(f"[{o['value']}] {o['label']}" for o in options[:12]))


def main(server_url: str | None = None) -> None:
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(chat_loop(Settings(), server_url))
