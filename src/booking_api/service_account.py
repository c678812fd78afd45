"""The staff account the MCP server uses on the embedded default (created once, kept locally)."""

from __future__ import annotations

import asyncio
import json
import secrets
from pathlib import Path

from sqlalchemy import select

from booking_api.core.config import Settings
from booking_api.core.db import Database
from booking_api.core.security import make_password
from booking_api.models import User

USERNAME = "assistant"
CREDENTIALS = Path(".booking-service-account.json")


def ensure_service_account(settings: Settings) -> tuple[str, str]:
    """Username and password of the local service account, creating it on first use."""
    if CREDENTIALS.exists():
        data = json.loads(CREDENTIALS.read_text())
        return data["username"], data["password"]
    password = secrets.token_urlsafe(24)

    async def create() -> None:
        db = Database.from_settings(settings)
        async with db.write_sessions() as session:
            user = await session.scalar(select(User).where(User.username == USERNAME))
            if user is None:
                user = User(username=USERNAME, email="", is_staff=True)
                session.add(user)
            user.is_staff = True
            user.password = make_password(password, iterations=settings.password_hash_iterations)
            await session.commit()
        await db.dispose()

    asyncio.run(create())
    CREDENTIALS.write_text(json.dumps({"username": USERNAME, "password": password}))
    CREDENTIALS.chmod(0o600)
    return USERNAME, password
