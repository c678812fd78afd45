"""simplejwt's token views as functions: obtain, refresh, verify, blacklist."""

from __future__ import annotations

import datetime as dt

import anyio
from sqlalchemy.ext.asyncio import AsyncSession

from booking_api.auth import repository
from booking_api.clients import repository as clients
from booking_api.core.config import Settings
from booking_api.core.errors import AuthenticationFailed
from booking_api.core.security import (
    NO_USER_ID,
    Token,
    TokenError,
    check_password,
    decode_token,
    issue_token,
)
from booking_api.models import Client, User

# Checked when the username is unknown, so both answers take as long (as Django does).
_DUMMY_HASH = "pbkdf2_sha256$1000000$dummysalt$cAk4hzjfKpKsAQQuiPvx0Zb5UVMoGD/p0J9bTSgZAnU="


class InvalidToken(AuthenticationFailed):
    """simplejwt's InvalidToken: ``{"detail": <reason>, "code": "token_not_valid"}``."""

    def __init__(self, reason: str):
        super().__init__(reason, code="token_not_valid")


def _key(settings: Settings) -> str:
    return settings.secret_key.get_secret_value()


async def token_pair(session: AsyncSession, settings: Settings, user: User) -> dict[str, str]:
    """A refresh/access pair; the refresh token is recorded for the blacklist (simplejwt)."""
    refresh = issue_token(
        user.id,
        "refresh",
        dt.timedelta(minutes=settings.refresh_token_lifetime_minutes),
        _key(settings),
    )
    access = issue_token(
        user.id,
        "access",
        dt.timedelta(minutes=settings.access_token_lifetime_minutes),
        _key(settings),
    )
    await repository.record_outstanding(
        session,
        raw=refresh.raw,
        jti=refresh.jti,
        user_id=user.id,
        created_at=refresh.iat,
        expires_at=refresh.exp,
    )
    await session.commit()
    return {"refresh": refresh.raw, "access": access.raw}


async def client_token_pair(
    session: AsyncSession, settings: Settings, client: Client
) -> tuple[dict[str, str], Client]:
    """Tokens of a client's linked user, and the client with that user loaded."""
    assert client.user_id is not None
    user = await repository.user_by_id(session, client.user_id)
    assert user is not None
    pair = await token_pair(session, settings, user)
    loaded = await clients.client_with_user(session, client.id)
    assert loaded is not None
    return pair, loaded


async def obtain(session: AsyncSession, settings: Settings, username: str, password: str) -> dict:
    user = await repository.user_by_username(session, username)
    encoded = user.password if user is not None else _DUMMY_HASH
    valid = await anyio.to_thread.run_sync(check_password, password, encoded)
    if user is None or not valid or not user.is_active:
        raise AuthenticationFailed("No active account found with the given credentials")
    return await token_pair(session, settings, user)


async def _decode(
    session: AsyncSession, settings: Settings, raw: object, kind: str | None
) -> Token:
    try:
        token = decode_token(raw, _key(settings), kind)
    except TokenError as exc:
        raise InvalidToken(str(exc)) from None
    if token.token_type == "refresh" and await repository.is_blacklisted(session, token.jti):
        raise InvalidToken("Token is blacklisted")
    return token


async def refresh(session: AsyncSession, settings: Settings, raw: object) -> dict[str, str]:
    token = await _decode(session, settings, raw, "refresh")
    if token.user_id is None:
        raise InvalidToken(NO_USER_ID)
    user = await repository.user_by_id(session, token.user_id)
    if user is None or not user.is_active:
        raise AuthenticationFailed(
            "No active account found for the given token.", code="no_active_account"
        )
    access = issue_token(
        user.id,
        "access",
        dt.timedelta(minutes=settings.access_token_lifetime_minutes),
        _key(settings),
    )
    return {"access": access.raw}


async def verify(session: AsyncSession, settings: Settings, raw: object) -> dict:
    await _decode(session, settings, raw, None)
    return {}


async def blacklist(session: AsyncSession, settings: Settings, raw: object) -> dict:
    token = await _decode(session, settings, raw, "refresh")
    outstanding = await repository.outstanding_by_jti(session, token.jti)
    if outstanding is None:  # issued by the Django service before its blacklist app existed
        # Like simplejwt's ``blacklist()``: no user, so a token of a deleted user can be revoked.
        outstanding = await repository.record_outstanding(
            session,
            raw=token.raw,
            jti=token.jti,
            user_id=None,
            created_at=token.iat,
            expires_at=token.exp,
        )
    await repository.blacklist(session, outstanding)
    await session.commit()
    return {}
