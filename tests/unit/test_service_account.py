"""The embedded default's service account works in whatever database the assistant starts on."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from sqlalchemy import select

from booking_api import service_account
from booking_api.core.db import Database
from booking_api.core.security import check_password
from booking_api.migrate import upgrade_sync
from booking_api.models import User
from kit.api import make_settings


def _account(settings) -> User | None:
    async def read() -> User | None:
        db = Database.from_settings(settings)
        try:
            async with db.write_sessions() as session:
                return await session.scalar(select(User).where(User.username == "assistant"))
        finally:
            await db.dispose()

    return asyncio.run(read())


def test_a_new_database_gets_the_kept_account_again(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(service_account, "CREDENTIALS", tmp_path / "account.json")
    first = make_settings(f"sqlite+aiosqlite:///{tmp_path / 'one.sqlite3'}", tmp_path)
    upgrade_sync(first.database_url)
    username, password = service_account.ensure_service_account(first)
    assert json.loads((tmp_path / "account.json").read_text())["password"] == password

    # The SQLite file is deleted (or DATABASE_URL points elsewhere): the same kept password
    # must sign in there too, not leave an assistant whose every request gets a 401.
    second = make_settings(f"sqlite+aiosqlite:///{tmp_path / 'two.sqlite3'}", tmp_path)
    upgrade_sync(second.database_url)
    assert _account(second) is None
    assert service_account.ensure_service_account(second) == (username, password)
    user = _account(second)
    assert user is not None and user.is_staff and check_password(password, user.password)


@pytest.mark.parametrize("damage", ["password", "staff"])
def test_a_changed_account_is_repaired(tmp_path: Path, monkeypatch, damage: str) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(service_account, "CREDENTIALS", tmp_path / "account.json")
    settings = make_settings(f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite3'}", tmp_path)
    upgrade_sync(settings.database_url)
    _, password = service_account.ensure_service_account(settings)

    async def spoil() -> None:
        db = Database.from_settings(settings)
        async with db.write_sessions() as session:
            user = await session.scalar(select(User).where(User.username == "assistant"))
            if damage == "password":
                user.password = "pbkdf2_sha256$1$x$y"
            else:
                user.is_staff = False
            await session.commit()
        await db.dispose()

    asyncio.run(spoil())
    service_account.ensure_service_account(settings)
    user = _account(settings)
    assert user is not None and user.is_staff and check_password(password, user.password)
