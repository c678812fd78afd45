"""Run the MCP server: ``booking mcp --transport stdio|http`` or ``python -m booking_mcp``."""

from __future__ import annotations

import argparse
import logging

from .config import Settings


def run(
    transport: str = "stdio",
    host: str = "127.0.0.1",
    port: int | None = None,
    settings: Settings | None = None,
) -> None:
    """Serve over ``stdio`` or streamable ``http`` (at ``/mcp``); blocks until stopped."""
    settings = settings or Settings()
    if transport == "stdio":
        from .server import build_server

        build_server(settings).run("stdio")
        return
    if transport not in ("http", "streamable-http"):
        raise SystemExit(f"Unknown transport {transport!r}: use stdio or http")
    import uvicorn

    from .http_app import build_http_app

    app = build_http_app(settings, host=host)
    uvicorn.run(app, host=host, port=port or settings.mcp_server_port, log_level="info")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="booking_mcp", description=__doc__)
    parser.add_argument("--transport", choices=["stdio", "http"], default="stdio")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=None, help="default: MCP_SERVER_PORT (5000)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    run(args.transport, args.host, args.port)
