"""A persistent aiogram FSM storage in one SQLite file, for when there is no Redis.

Why SQLite (via aiosqlite) rather than a JSON file: every state change is one small
transaction, so a crash or restart mid-write never leaves a half-written file, concurrent
updates of different users don't rewrite each other's data, and WAL mode keeps writes cheap.
The file holds only conversation state (where the user is in a flow and the choices made so
far), never bookings: those live behind the MCP server.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import aiosqlite
from aiogram.fsm.state import State
from aiogram.fsm.storage.base import (
    BaseStorage,
    DefaultKeyBuilder,
    KeyBuilder,
    StateType,
    StorageKey,
)

SCHEMA = """
CREATE TABLE IF NOT EXISTS fsm (
    key   TEXT PRIMARY KEY,
    state TEXT,
    data  TEXT NOT NULL DEFAULT '{}'
)
"""


class SQLiteStorage(BaseStorage):
    def __init__(self, path: str | Path, key_builder: KeyBuilder | None = None) -> None:
        self.path = Path(path)
        self.key_builder = key_builder or DefaultKeyBuilder(with_bot_id=True, with_destiny=True)
        self._db: aiosqlite.Connection | None = None
        self._open_lock = asyncio.Lock()

    async def _conn(self) -> aiosqlite.Connection:
        if self._db is None:
            async with self._open_lock:
                if self._db is None:
                    self.path.parent.mkdir(parents=True, exist_ok=True)
                    db = await aiosqlite.connect(self.path)
                    await db.execute("PRAGMA journal_mode=WAL")
                    await db.execute("PRAGMA synchronous=NORMAL")
                    await db.execute(SCHEMA)
                    await db.commit()
                    self._db = db
        return self._db

    def _key(self, key: StorageKey) -> str:
        return self.key_builder.build(key)

    async def set_state(self, key: StorageKey, state: StateType = None) -> None:
        value = state.state if isinstance(state, State) else state
        db = await self._conn()
        await db.execute(
            "INSERT INTO fsm (key, state) VALUES (?, ?) "
            "ON CONFLICT(key) DO UPDATE SET state = excluded.state",
            (self._key(key), value),
        )
        await db.commit()

    async def get_state(self, key: StorageKey) -> str | None:
        db = await self._conn()
        async with db.execute("SELECT state FROM fsm WHERE key = ?", (self._key(key),)) as cur:
            row = await cur.fetchone()
        return row[0] if row else None

    async def set_data(self, key: StorageKey, data: Mapping[str, Any]) -> None:
        if not isinstance(data, Mapping):
            raise TypeError(f"Data must be a dict or dict-like object, got {type(data).__name__}")
        db = await self._conn()
        await db.execute(
            "INSERT INTO fsm (key, data) VALUES (?, ?) "
            "ON CONFLICT(key) DO UPDATE SET data = excluded.data",
            (self._key(key), json.dumps(dict(data), ensure_ascii=False, default=str)),
        )
        await db.commit()

    async def get_data(self, key: StorageKey) -> dict[str, Any]:
        db = await self._conn()
        async with db.execute("SELECT data FROM fsm WHERE key = ?", (self._key(key),)) as cur:
            row = await cur.fetchone()
        return json.loads(row[0]) if row and row[0] else {}

    async def close(self) -> None:
        if self._db is not None:
            await self._db.close()
            self._db = None
