"""``booking``: the one command of the project, like Django's manage.py."""

from __future__ import annotations

import asyncio
import getpass
import os
import sys

import typer

from booking_api.core.config import get_settings

app = typer.Typer(
    help="Booking Assistant: API, MCP server, Telegram bot and their tools.",
    no_args_is_help=True,
    add_completion=False,
)


@app.command()
def api(
    host: str = typer.Option("127.0.0.1", help="Interface to listen on"),
    port: int = typer.Option(8000, help="Port"),
    workers: int = typer.Option(1, help="Worker processes"),
    reload: bool = typer.Option(False, help="Restart on code changes (development)"),
    ssl_certfile: str | None = typer.Option(None, help="TLS certificate (PEM)"),
    ssl_keyfile: str | None = typer.Option(None, help="TLS private key (PEM)"),
) -> None:
    """Serve the REST API (migrates an embedded SQLite database on first start)."""
    import uvicorn

    from booking_common.logging import configure_logging, logging_config

    settings = get_settings()
    configure_logging(settings.log_level, settings.log_format)
    if settings.is_sqlite or workers > 1:
        from booking_api.migrate import upgrade_sync

        upgrade_sync(settings.database_url)
    uvicorn.run(
        "booking_api.main:app",
        host=host,
        port=port,
        workers=workers,
        reload=reload,
        proxy_headers=True,
        forwarded_allow_ips=os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1"),
        ssl_certfile=ssl_certfile,
        ssl_keyfile=ssl_keyfile,
        log_config=logging_config(settings.log_level, settings.log_format),
        log_level=settings.log_level.lower(),
        access_log=False,  # RequestIdMiddleware writes one access line per request
        timeout_graceful_shutdown=settings.shutdown_grace_seconds,
        # httptools with limits on the request line and headers (size and read time); the
        # same size limit for uvicorn's h11 parser. Bodies are limited in the app.
        http="booking_api.core.protocol:LimitedHttpToolsProtocol",
        h11_max_incomplete_event_size=settings.max_request_header_bytes,
    )


@app.command()
def migrate(revision: str = typer.Argument("head")) -> None:
    """Create or upgrade the database schema (adopts a database Django already migrated)."""
    from booking_api.migrate import upgrade_sync

    upgrade_sync(get_settings().database_url, revision)
    typer.echo("Database is up to date.")


@app.command()
def createsuperuser(
    username: str | None = typer.Option(None),
    email: str | None = typer.Option(None),
    password: str | None = typer.Option(None, help="Prefer DJANGO_SUPERUSER_PASSWORD"),
    noinput: bool = typer.Option(False, "--noinput", "--no-input"),
) -> None:
    """Create a staff superuser (asks interactively unless everything is given)."""
    password = password or os.environ.get("DJANGO_SUPERUSER_PASSWORD")
    if noinput or (username and password):
        if not username or not password:
            raise typer.BadParameter("--username and --password are required with --noinput")
    else:
        username = username or typer.prompt("Username")
        email = email if email is not None else typer.prompt("Email address", default="")
        while not password:
            first = getpass.getpass("Password: ")
            if first != getpass.getpass("Password (again): "):
                typer.echo("Error: Your passwords didn't match.", err=True)
                continue
            if len(first) < 8:
                typer.echo(
                    "This password is too short. It must contain at least 8 characters.", err=True
                )
                continue
            password = first
    asyncio.run(_createsuperuser(username, email or "", password))


async def _createsuperuser(username: str, email: str, password: str) -> None:
    from sqlalchemy import select

    from booking_api.core.db import Database
    from booking_api.core.security import make_password
    from booking_api.migrate import upgrade
    from booking_api.models import User

    settings = get_settings()
    await upgrade(settings.database_url)
    db = Database.from_settings(settings)
    async with db.write_sessions() as session:
        if await session.scalar(select(User.id).where(User.username == username)):
            typer.echo("Error: That username is already taken.", err=True)
            await db.dispose()
            sys.exit(1)
        session.add(
            User(
                username=username,
                email=email,
                is_staff=True,
                is_superuser=True,
                password=make_password(password, iterations=settings.password_hash_iterations),
            )
        )
        await session.commit()
    await db.dispose()
    typer.echo("Superuser created successfully.")


@app.command("seed-demo")
def seed_demo() -> None:
    """Fill an empty database with a demo catalogue (two cities, six specialists)."""

    async def run() -> bool:
        from booking_api.core.db import Database
        from booking_api.demo import seed_demo as seed
        from booking_api.migrate import upgrade

        settings = get_settings()
        await upgrade(settings.database_url)
        db = Database.from_settings(settings)
        async with db.write_sessions() as session:
            created = await seed(session, settings)
        await db.dispose()
        return created

    created = asyncio.run(run())
    typer.echo("Demo catalogue created." if created else "The catalogue is not empty: left as is.")


@app.command()
def mcp(
    transport: str = typer.Option("stdio", help="stdio | http"),
    host: str = typer.Option("127.0.0.1"),
    port: int | None = typer.Option(None, help="Default: MCP_SERVER_PORT (5000)"),
    ssl_certfile: str | None = typer.Option(None, help="TLS certificate (PEM), --transport http"),
    ssl_keyfile: str | None = typer.Option(None, help="TLS private key (PEM), --transport http"),
) -> None:
    """Serve the MCP server (stdio for a desktop assistant, streamable HTTP at /mcp)."""
    from booking_mcp.cli import run as run_mcp

    run_mcp(
        transport=transport,
        host=host,
        port=port,
        ssl_certfile=ssl_certfile,
        ssl_keyfile=ssl_keyfile,
    )


@app.command("rotate-key")
def rotate_key(
    batch: int = typer.Option(200, help="Rows per transaction"),
) -> None:
    """Encrypt personal data with ENCRYPTION_KEY: plaintext rows and rows under
    ENCRYPTION_OLD_KEYS are (re-)encrypted; rows already under the current key are skipped."""
    from booking_api.core.crypto import cached_keyring
    from booking_api.privacy.rotation import rotate_all

    settings = get_settings()
    if settings.encryption_key is None:
        typer.echo("ENCRYPTION_KEY is not set: nothing to encrypt.", err=True)
        raise typer.Exit(2)

    async def run() -> dict[str, int]:
        from booking_api.core.db import Database
        from booking_api.migrate import upgrade

        await upgrade(settings.database_url)
        db = Database.from_settings(settings)
        try:
            return await rotate_all(db, cached_keyring(settings), batch=batch)
        finally:
            await db.dispose()

    counts = asyncio.run(run())
    typer.echo(
        f"Clients: {counts['clients_updated']} of {counts['clients_scanned']} re-encrypted; "
        f"dialog contexts: {counts['dialogs_updated']} of {counts['dialogs_scanned']} "
        f"re-encrypted; webhook secrets: {counts['webhook_secrets_updated']} re-encrypted."
    )


@app.command()
def recount() -> None:
    """Count the appointments afresh for the staff's list (the database keeps their number;
    needed only after writes that bypassed its triggers, such as a restore with
    --disable-triggers)."""
    from booking_api.api.repository import recount_rows

    settings = get_settings()

    async def run() -> dict[str, tuple[int, int]]:
        from booking_api.core.db import Database
        from booking_api.migrate import upgrade

        await upgrade(settings.database_url)
        db = Database.from_settings(settings)
        try:
            async with db.write_sessions() as session:
                found = await recount_rows(session)
                await session.commit()
            return found
        finally:
            await db.dispose()

    for name, (kept, counted) in asyncio.run(run()).items():
        verdict = "was right" if kept == counted else f"was {kept}, now corrected"
        typer.echo(f"{name}: {counted} rows; the kept count {verdict}.")


@app.command()
def bot(
    webhook: bool = typer.Option(False, help="Serve a webhook instead of long polling"),
    host: str = typer.Option("127.0.0.1", help="Webhook interface"),
    port: int = typer.Option(8080, help="Webhook port"),
) -> None:
    """Run the Telegram bot (long polling, or --webhook)."""
    from booking_bot.config import BotSettings
    from booking_bot.main import configure_bot_logging, run_bot

    settings = BotSettings()
    configure_bot_logging(settings)
    asyncio.run(run_bot(settings, webhook=webhook, host=host, port=port))


@app.command()
def chat() -> None:
    """Talk to the assistant in the terminal, through the same MCP dialog as the bot.

    It talks to MCP_SERVER_URL when set, else to the MCP server of the `booking run` started in
    this folder, else to an MCP server of its own (which needs the API at API_URL)."""
    from booking_cli import run_state
    from booking_mcp.chat import main as chat_main

    running = run_state.read()
    chat_main(os.environ.get("MCP_SERVER_URL") or (running.mcp_url if running else None))


@app.command()
def worker() -> None:
    """Run the job worker: arq on Redis when REDIS_URL is set, else a database poller."""
    from booking_api.jobs.runtime import run_worker

    run_worker()


@app.command()
def run(
    demo: bool = typer.Option(False, help="Seed the demo catalogue into an empty database"),
    api_port: int = typer.Option(8000),
    mcp_port: int = typer.Option(5000),
) -> None:
    """Start the whole assistant: API, MCP server and (with a token) the Telegram bot."""
    from booking_cli.supervisor import run_all

    sys.exit(run_all(demo=demo, api_port=api_port, mcp_port=mcp_port))


def main() -> None:
    app()


if __name__ == "__main__":
    main()
