"""A PgBouncer of the test's own (Debian's /usr/sbin/pgbouncer): its configuration in a
temporary folder, a free port, transaction pooling, in front of one database of a PostgreSQL
server (the shared one on 5432, a database the test made)."""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

from kit.servers import free_port

BINARY = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"


def available() -> bool:
    return Path(BINARY).exists() and (os.geteuid() != 0 or shutil.which("runuser") is not None)


def version() -> tuple[int, ...]:
    """PgBouncer's version, e.g. (1, 18, 0)."""
    out = subprocess.run([BINARY, "--version"], capture_output=True, text=True).stdout
    return tuple(int(part) for part in out.split()[1].split("."))


class PgBouncer:
    """``start()`` serves ``database`` of the server at ``host:port`` on ``self.port``;
    ``url`` is the ``postgresql://`` URL through it; ``stop()`` ends it and its folder."""

    def __init__(
        self,
        folder: Path,
        database: str,
        *,
        host: str = "127.0.0.1",
        port: int = 5432,
        pool_size: int = 4,
        pool_mode: str = "transaction",
        ignore_startup_parameters: str = "",
    ) -> None:
        self.folder = folder
        self.port = free_port()
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/{database}"
        self.proc: subprocess.Popen | None = None
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "users.txt").write_text('"postgres" ""\n')
        (folder / "pgbouncer.ini").write_text(
            "[databases]\n"
            f"{database} = host={host} port={port} dbname={database}\n"
            "[pgbouncer]\n"
            "listen_addr = 127.0.0.1\n"
            f"listen_port = {self.port}\n"
            f"unix_socket_dir = {folder}\n"
            "auth_type = trust\n"
            f"auth_file = {folder / 'users.txt'}\n"
            f"pool_mode = {pool_mode}\n"
            f"default_pool_size = {pool_size}\n"
            "max_client_conn = 500\n"
            f"logfile = {folder / 'pgbouncer.log'}\n"
            "admin_users = postgres\n"
            f"ignore_startup_parameters = {ignore_startup_parameters}\n"
        )
        # PgBouncer refuses to run as root: run it as the "postgres" account then.
        self.user = "postgres" if os.geteuid() == 0 else None
        if self.user:
            account = pwd.getpwnam(self.user)
            for path in (folder, *folder.iterdir()):
                os.chown(path, account.pw_uid, account.pw_gid)

    def start(self) -> None:
        command = [BINARY, str(self.folder / "pgbouncer.ini")]
        if self.user:
            command = ["runuser", "-u", self.user, "--", *command]
        self.proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"pgbouncer exited: {self.proc.stdout.read().decode()}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("pgbouncer did not start")

    def log(self) -> str:
        path = self.folder / "pgbouncer.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)  # runuser passes it on: immediate shutdown
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None
        shutil.rmtree(self.folder, ignore_errors=True)


ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


async def create_database(name: str) -> str:
    """A database of the test's own on the shared server; its ``postgresql://`` URL."""
    import asyncpg

    conn = await asyncpg.connect(ADMIN_URL)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"


async def drop_database(name: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(ADMIN_URL)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


def admin_show(bouncer: PgBouncer, what: str) -> list[dict[str, str]]:
    """``SHOW <what>`` on PgBouncer's admin console (psql: it speaks the simple protocol only)."""
    done = subprocess.run(
        ["psql", "-h", "127.0.0.1", "-p", str(bouncer.port), "-U", "postgres", "-d", "pgbouncer",
         "-A", "-F", "\t", "-P", "footer=off", "-c", f"SHOW {what}"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    header, *rows = done.stdout.strip().splitlines()
    names = header.split("\t")
    return [dict(zip(names, row.split("\t"), strict=True)) for row in rows]
