"""The server as a subprocess: stdio, streamable HTTP (with and without the bearer token),
and the old deployment's JSON routes."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client

from kit.live_api import STAFF_PASSWORD, STAFF_USER
from kit.servers import free_port
from mcp import Client, StdioServerParameters

pytestmark = pytest.mark.slow
TOKEN = "secret-mcp-token"


def server_env(live_api, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MCP_", "BOOKING_"))}
    env.update(API_URL=live_api.url, API_USERNAME=STAFF_USER, API_PASSWORD=STAFF_PASSWORD, **extra)
    return env


async def test_stdio_subprocess(live_api) -> None:
    params = StdioServerParameters(
        command=sys.executable,
        args=["-m", "booking_mcp", "--transport", "stdio"],
        env=server_env(live_api),
    )
    async with Client(params) as client:
        names = {t.name for t in (await client.list_tools()).tools}
        assert "create_appointment" in names
        result = await client.call_tool("get_specialists", {"city": "Казань"})
        assert not result.is_error
        assert {s["city"] for s in result.structured_content["result"]} == {"Казань"}


@pytest.fixture(scope="module")
def http_server(live_api) -> Iterator[str]:
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "booking_mcp",
            "--transport",
            "http",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        env=server_env(live_api, MCP_AUTH_TOKEN=TOKEN),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.time() + 30
    while True:
        try:
            if httpx.get(base + "/health", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if time.time() > deadline or process.poll() is not None:
            process.kill()
            raise RuntimeError(process.stderr.read().decode() if process.stderr else "no start")
        time.sleep(0.2)
    yield base
    process.terminate()
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        process.kill()


async def test_http_requires_bearer(http_server: str) -> None:
    async with httpx.AsyncClient(base_url=http_server) as http:
        response = await http.post("/mcp", json={"jsonrpc": "2.0", "id": 1, "method": "ping"})
        assert response.status_code == 401
        assert (await http.get("/functions")).status_code == 401
        assert (
            await http.post("/process", json={"user_id": "1", "message": "hi"})
        ).status_code == 401
        wrong = await http.get("/functions", headers={"Authorization": "Bearer nope"})
        assert wrong.status_code == 401


async def test_http_mcp_with_bearer(http_server: str) -> None:
    http = create_mcp_http_client(headers={"Authorization": f"Bearer {TOKEN}"})
    async with (
        http,
        Client(streamable_http_client(http_server + "/mcp", http_client=http)) as client,
    ):
        tools = {t.name for t in (await client.list_tools()).tools}
        assert {"process_message", "cancel_appointment"} <= tools
        result = await client.call_tool("list_categories", {})
        assert not result.is_error and result.structured_content["result"]


async def test_legacy_routes(http_server: str) -> None:
    headers = {"Authorization": f"Bearer {TOKEN}"}
    async with httpx.AsyncClient(base_url=http_server, headers=headers, timeout=20) as http:
        functions = (await http.get("/functions")).json()["functions"]
        assert "get_available_slots" in {f["name"] for f in functions}
        intents = (await http.get("/intents")).json()
        assert "book_appointment" in intents["intents"] and "date" in intents["entities"]
        reply = await http.post(
            "/process", json={"user_id": "900001", "message": "Хочу на маникюр", "context": {}}
        )
        assert reply.status_code == 200, reply.text
        body = reply.json()
        assert set(body) == {"response", "context", "actions"}
        assert body["context"]["flow"] == "book"
        assert (await http.post("/process", json={"user_id": "1"})).status_code == 400


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
        [
            "npm",
            "install",
            "--silent",
            "--no-audit",
            "--no-fund",
            "--prefix",
            str(INSPECTOR_DIR),
            "@modelcontextprotocol/inspector",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    return binary if result.returncode == 0 and binary.exists() else None


def test_official_inspector_cli_lists_and_calls_tools(live_api) -> None:
    cli = inspector_cli()
    if cli is None:
        pytest.skip("npm (and the @modelcontextprotocol/inspector package) is not available")
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "booking_mcp", "--transport", "http", "--port", str(port)],
        env=server_env(live_api),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}/mcp"
    try:
        deadline = time.time() + 30
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.time() < deadline and process.poll() is None, "MCP server did not start"
            time.sleep(0.2)

        def inspect(*args: str) -> dict:
            out = subprocess.run(
                [str(cli), "--cli", url, "--transport", "http", *args],
                capture_output=True,
                text=True,
                timeout=120,
            )
            assert out.returncode == 0, out.stderr
            return json.loads(out.stdout)

        tools = {t["name"]: t for t in inspect("--method", "tools/list")["tools"]}
        assert {
            "create_appointment",
            "cancel_appointment",
            "find_nearest_slots",
            "process_message",
        } <= set(tools)
        assert tools["cancel_appointment"]["annotations"]["destructiveHint"] is True
        assert tools["list_categories"]["annotations"]["readOnlyHint"] is True
        called = inspect(
            "--method", "tools/call", "--tool-name", "get_specialists", "--tool-arg", "city=Москва"
        )
        assert not called.get("isError")
        cities = {s["city"] for s in called["structuredContent"]["result"]}
        assert cities == {"Москва"}
    finally:
        process.terminate()
        process.wait(10)
