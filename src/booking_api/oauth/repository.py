"""SQL of the authorization server: clients, codes, tokens, and the users they name."""

from __future__ import annotations

from sqlalchemy import delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from booking_api.models import User
from booking_api.oauth.models import (
    OAuthAuthorizationCode,
    OAuthClient,
    OAuthToken,
    digest,
    now,
)


async def client(session: AsyncSession, client_id: str) -> OAuthClient | None:
    return await session.scalar(select(OAuthClient).where(OAuthClient.client_id == client_id))


async def add(session: AsyncSession, row: object) -> None:
    session.add(row)
    await session.flush()


async def user(session: AsyncSession, user_id: int) -> User | None:
    found = await session.get(User, user_id)
    return found if found is not None and found.is_active else None


async def user_by_username(session: AsyncSession, username: str) -> User | None:
    return await session.scalar(select(User).where(User.username == username))


async def authorization_code(
    session: AsyncSession, code: str, client_id: str
) -> OAuthAuthorizationCode | None:
    return await session.scalar(
        select(OAuthAuthorizationCode).where(
            OAuthAuthorizationCode.code_hash == digest(code),
            OAuthAuthorizationCode.client_id == client_id,
            OAuthAuthorizationCode.expires_at > now(),
        )
    )


async def use_authorization_code(session: AsyncSession, code_id: int) -> bool:
    """Delete a code as it is exchanged; False when another request already did (so a code
    is never exchanged twice, even by two requests at once)."""
    result = await session.execute(
        delete(OAuthAuthorizationCode).where(OAuthAuthorizationCode.id == code_id)
    )
    return result.rowcount == 1


async def token_by_access(session: AsyncSession, token: str) -> OAuthToken | None:
    return await session.scalar(
        select(OAuthToken).where(OAuthToken.access_token_hash == digest(token))
    )


async def token_by_refresh(session: AsyncSession, token: str) -> OAuthToken | None:
    return await session.scalar(
        select(OAuthToken).where(OAuthToken.refresh_token_hash == digest(token))
    )


async def token_by_either(session: AsyncSession, token: str) -> OAuthToken | None:
    hashed = digest(token)
    return await session.scalar(
        select(OAuthToken).where(
            or_(OAuthToken.access_token_hash == hashed, OAuthToken.refresh_token_hash == hashed)
        )
    )


async def revoke(session: AsyncSession, token_id: int) -> bool:
    """Revoke a token pair; False when it was revoked already (a refresh token used twice)."""
    result = await session.execute(
        update(OAuthToken)
        .where(OAuthToken.id == token_id, OAuthToken.revoked_at.is_(None))
        .values(revoked_at=now())
    )
    return result.rowcount == 1
