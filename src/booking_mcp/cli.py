"""Run the MCP server: ``booking mcp --transport stdio|http`` or ``python -m booking_mcp``."""

from __future__ import annotations

import argparse
import logging
import os

from .config import Settings


def run(
    transport: str = "stdio",
    host: str = "127.0.0.1",
    port: int | None = None,
    settings: Settings | None = None,
    ssl_certfile: str | None = None,
    ssl_keyfile: str | None = None,
) -> None:
    """Serve over ``stdio`` or streamable ``http`` (at ``/mcp``); blocks until stopped.

    ``ssl_certfile``/``ssl_keyfile`` serve HTTPS directly (HSTS is then sent); behind a
    TLS-terminating reverse proxy leave them out (see the README's Production section).
    """
    settings = settings or Settings()
    if transport == "stdio":
        from .server import build_server

        build_server(settings).run("stdio")
        return
    if transport not in ("http", "streamable-http"):
        raise SystemExit(f"Unknown transport {transport!r}: use stdio or http")
    import uvicorn

    from booking_common.logging import configure_logging, logging_config

    from .http_app import build_http_app

    if bool(ssl_certfile) != bool(ssl_keyfile):
        raise SystemExit("--ssl-certfile and --ssl-keyfile go together")
    configure_logging()
    app = build_http_app(settings, host=host)
    uvicorn.run(
        app,
        host=host,
        port=port or settings.mcp_server_port,
        log_config=logging_config(),
        access_log=False,  # the request-id middleware writes one access line per request
        proxy_headers=True,
        forwarded_allow_ips=os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1"),
        ssl_certfile=ssl_certfile,
        ssl_keyfile=ssl_keyfile,
        timeout_graceful_shutdown=int(os.environ.get("SHUTDOWN_GRACE_SECONDS", "20")),
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="booking_mcp", description=__doc__)
    parser.add_argument("--transport", choices=["stdio", "http"], default="stdio")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=None, help="default: MCP_SERVER_PORT (5000)")
    parser.add_argument("--ssl-certfile", default=None, help="TLS certificate (PEM), http only")
    parser.add_argument("--ssl-keyfile", default=None, help="TLS private key (PEM), http only")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    run(
        args.transport,
        args.host,
        args.port,
        ssl_certfile=args.ssl_certfile,
        ssl_keyfile=args.ssl_keyfile,
    )
