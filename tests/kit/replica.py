"""A PostgreSQL primary and its streaming replica, both the test's own (initdb, pg_basebackup,
pg_ctl in temporary folders, free ports; run as the "postgres" account when the test runs as
root). The shared server on 5432 allows no replication connections (its pg_hba.conf has no
``replication`` line), so the primary is a private one too: initdb's pg_hba.conf trusts
replication from 127.0.0.1, and PostgreSQL 15's defaults (wal_level=replica,
max_wal_senders=10) stream."""

from __future__ import annotations

import asyncio
import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path

import asyncpg

from kit.private_postgres import PrivatePostgres, available
from kit.servers import free_port

__all__ = ["PrivatePostgres", "StreamingReplica", "available", "primary_with_replica"]


class StreamingReplica:
    """A hot standby of ``primary`` (``pg_basebackup -R``), serving reads on ``self.port``;
    ``url`` names its ``booking`` database."""

    def __init__(self, primary: PrivatePostgres, folder: Path) -> None:
        self.primary = primary
        self.folder = folder
        self.data = folder / "data"
        self.port = free_port()
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/booking"
        folder.mkdir(parents=True, exist_ok=True)
        if primary.user:
            account = pwd.getpwnam(primary.user)
            os.chown(folder, account.pw_uid, account.pw_gid)
        self._run("pg_basebackup", "-h", "127.0.0.1", "-p", str(primary.port), "-U", "postgres",
                  "-D", str(self.data), "-R", "-X", "stream", "--checkpoint=fast")  # fmt: skip

    def _run(self, tool: str, *args: str) -> None:
        command = [str(self.primary.bin / tool), *args]
        if self.primary.user:
            command = ["runuser", "-u", self.primary.user, "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, cwd=self.folder)
        if done.returncode != 0:
            raise RuntimeError(f"{tool} failed: {done.stdout}\n{done.stderr}")

    def start(self) -> None:
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1"
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.folder / "log"),
                  "-w", "start")  # fmt: skip

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    def destroy(self) -> None:
        try:
            self.stop()
        except RuntimeError:
            pass  # already stopped
        shutil.rmtree(self.folder, ignore_errors=True)

    # --- replay ------------------------------------------------------------------------------

    async def _execute(self, sql: str) -> object:
        conn = await asyncpg.connect(self.url)
        try:
            return await conn.fetchval(sql)
        finally:
            await conn.close()

    async def pause_replay(self) -> None:
        """The replica stops applying the primary's changes (it still receives them)."""
        await self._execute("SELECT pg_wal_replay_pause()")

    async def resume_replay(self) -> None:
        await self._execute("SELECT pg_wal_replay_resume()")

    async def catch_up(self) -> None:
        """Wait (up to 30 s) until the replica has applied everything the primary wrote so far."""
        primary = await asyncpg.connect(self.primary.url)
        try:
            target = await primary.fetchval("SELECT pg_current_wal_lsn()::text")
        finally:
            await primary.close()
        query = f"SELECT pg_last_wal_replay_lsn() >= '{target}'::pg_lsn"  # noqa: S608 - an LSN
        async with asyncio.timeout(30):
            for _ in iter(int, 1):  # until caught up; polling a server has no event to wait on
                if await self._execute(query):
                    return
                await asyncio.sleep(0.05)


def primary_with_replica() -> tuple[PrivatePostgres, StreamingReplica]:
    """A started primary with an empty ``booking`` database, and a started replica of it."""
    primary = PrivatePostgres(Path(tempfile.mkdtemp(prefix="booking-primary-")))
    primary.start()
    try:
        primary.create_database()
        replica = StreamingReplica(primary, Path(tempfile.mkdtemp(prefix="booking-replica-")))
        replica.start()
    except Exception:
        primary.destroy()
        raise
    return primary, replica
