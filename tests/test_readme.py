"""The README tells the truth: CI runs its test command, and its lists of MCP tools,
`booking` commands and options, and settings are the ones the code has."""

from __future__ import annotations

import re
from pathlib import Path

import typer.main

from booking_api.core.config import Settings as ApiSettings
from booking_bot.config import BotSettings
from booking_cli.main import app
from booking_common.settings import CommonSettings
from booking_mcp.config import Settings as McpSettings
from booking_mcp.server import build_server

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()


def section(title: str) -> str:
    start = README.index(f"## {title}")
    end = README.find("\n## ", start + 1)
    return README[start : end if end > 0 else None]


def bash_lines() -> list[str]:
    blocks = re.findall(r"```bash\n(.*?)```", README, flags=re.S)
    return [line.strip() for block in blocks for line in block.splitlines() if line.strip()]


def test_ci_runs_the_readmes_test_command() -> None:
    [command] = [line for line in bash_lines() if "pytest" in line]
    assert command == "python3 scripts/uv.py run pytest"
    ci = (ROOT / ".ci" / "run").read_text().splitlines()
    assert command in ci


def test_the_contract_is_in_the_repository() -> None:
    links = re.findall(r"\]\(([^)#]*CONTRACT\.md)\)", README)
    assert links and all(link == "docs/CONTRACT.md" for link in links)
    assert (ROOT / "docs" / "CONTRACT.md").read_text().startswith("# The booking REST contract")


def test_every_mcp_tool_is_listed() -> None:
    server = build_server(McpSettings(_env_file=None))  # type: ignore[call-arg]
    registered = {tool.name for tool in server._tool_manager.list_tools()}  # noqa: SLF001
    text = section("Connecting an AI assistant (MCP)")
    listed = set(re.findall(r"`([a-z_]+)`", text)) & (registered | _tool_like(text))
    assert listed == registered, (registered - listed, listed - registered)
    assert f"exposes {len(registered)} tools" in text


def _tool_like(text: str) -> set[str]:
    """Names in the tools table (the first column): a listed tool that is not registered."""
    table = text[text.index("| tools |") :]
    names: set[str] = set()
    for row in table.splitlines()[2:]:
        if not row.startswith("|"):
            break
        names |= set(re.findall(r"`([a-z_]+)`", row.split("|")[1]))
    return names


def test_every_command_and_option_is_listed() -> None:
    table = section("The `booking` command")
    group = typer.main.get_command(app)
    for name, command in group.commands.items():  # type: ignore[attr-defined]
        rows = [row for row in table.splitlines() if row.startswith(f"| `booking {name}")]
        assert rows, f"booking {name} is not in the command table"
        for param in command.params:
            if param.param_type_name == "option":
                assert any(opt in rows[0] for opt in param.opts), f"booking {name} {param.opts}"


def test_every_setting_is_listed() -> None:
    table = section("Settings (environment or `.env`)")
    documented = set(re.findall(r"`([A-Z][A-Z0-9_]+)`", table))
    names = {
        name.upper()
        for cls in (CommonSettings, ApiSettings, McpSettings, BotSettings)
        for name in cls.model_fields
    }
    assert names <= documented, sorted(names - documented)
