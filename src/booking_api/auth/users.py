"""Creating the ``auth_user`` rows that clients and specialists are linked to."""

from __future__ import annotations

import re
import secrets

from sqlalchemy.ext.asyncio import AsyncSession

from booking_api.auth import repository
from booking_api.core.config import Settings
from booking_api.core.errors import ValidationError
from booking_api.core.security import make_password
from booking_api.models import User

_USERNAME = re.compile(r"^[\w.@+-]+$")
TAKEN = "A user with that username already exists."
INVALID_USERNAME = (
    "Enter a valid username. This value may contain only letters, numbers, and @/./+/-/_ "
    "characters."
)


async def create_linked_user(
    session: AsyncSession,
    settings: Settings,
    *,
    prefix: str,
    username: str | None = None,
    password: str | None = None,
    email: str = "",
    first_name: str = "",
) -> User:
    """A user for a new client or specialist; a generated username when none is given."""
    if username:
        if not _USERNAME.match(username):
            raise ValidationError({"username": [INVALID_USERNAME]})
        if await repository.username_taken(session, username):
            raise ValidationError({"username": [TAKEN]})
    else:
        username = f"{prefix}_{secrets.token_hex(5)}"
    user = User(
        username=username,
        password=make_password(password, iterations=settings.password_hash_iterations),
        email=email or "",
        first_name=first_name[:150],
    )
    try:
        return await repository.insert_user(session, user)
    except repository.UsernameTaken:  # the same name, taken a moment ago by another request
        raise ValidationError({"username": [TAKEN]}) from None
