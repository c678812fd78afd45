"""The staff account the MCP server uses on the embedded default (created once, kept locally)."""

from __future__ import annotations

import asyncio
import json
import secrets
from pathlib import Path

from sqlalchemy import select

from booking_api.core.config import Settings
from booking_api.core.db import Database
from booking_api.core.security import check_password, make_password
from booking_api.models import User

USERNAME = "assistant"
CREDENTIALS = Path(".booking-service-account.json")


def ensure_service_account(settings: Settings) -> tuple[str, str]:
    """Username and password of the local service account, made to work in this database.

    The password is kept in :data:`CREDENTIALS` (created on first use). The account itself is
    checked on every start: a new or another database (``DATABASE_URL`` changed, the SQLite
    file deleted) gets the account again with the kept password, instead of an assistant whose
    every sign-in is refused.
    """
    if CREDENTIALS.exists():
        password = json.loads(CREDENTIALS.read_text())["password"]
    else:
        password = secrets.token_urlsafe(24)

    async def ensure() -> None:
        db = Database.from_settings(settings)
        try:
            async with db.write_sessions() as session:
                user = await session.scalar(select(User).where(User.username == USERNAME))
                if user is None:
                    user = User(username=USERNAME, email="", is_staff=True)
                    session.add(user)
                elif user.is_staff and check_password(password, user.password or ""):
                    return
                user.is_staff = True
                user.is_active = True
                user.password = make_password(
                    password, iterations=settings.password_hash_iterations
                )
                await session.commit()
        finally:
            await db.dispose()

    asyncio.run(ensure())
    if not CREDENTIALS.exists():
        CREDENTIALS.write_text(json.dumps({"username": USERNAME, "password": password}))
        CREDENTIALS.chmod(0o600)
    return USERNAME, password
