"""``booking chat``: talk to the assistant in a terminal, through the MCP dialog the bot uses.

It connects as an MCP client to the running MCP server (``MCP_SERVER_URL``, as started by
``booking run``) and calls its ``process_message`` tool; when no server answers there, it
starts the MCP server in-process (it still needs the API at ``API_URL``).
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
from .server import build_server


def _server_url() -> str:
    return os.environ.get("MCP_SERVER_URL", "http://127.0.0.1:5000/mcp")


async def _reachable(url: str) -> bool:
    health = url.rsplit("/mcp", 1)[0] + "/health"
    try:
        async with httpx.AsyncClient(timeout=2) as http:
            return (await http.get(health)).status_code == 200
    except httpx.HTTPError:
        return False


def _reply(result: Any) -> dict[str, Any]:
    if result.structured_content:
        return result.structured_content
    text = "".join(getattr(c, "text", "") for c in result.content)
    try:
        return json.loads(text)
    except ValueError:
        return {"response": text, "actions": []}


async def chat_loop(settings: Settings, user_id: str | None = None) -> None:
    """Read lines from stdin, print the assistant's replies and the buttons it offers."""
    url = _server_url()
    target: Any = url if await _reachable(url) else build_server(settings)
    user_id = user_id or settings.booking_telegram_id or f"terminal-{os.getuid()}"
    print("Напишите сообщение (пустая строка или Ctrl-D — выход). Кнопки показаны как [значение].")
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


def main() -> None:
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(chat_loop(Settings()))
