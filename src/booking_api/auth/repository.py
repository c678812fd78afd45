"""The SQL of users and of simplejwt's token blacklist tables."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from booking_api.models import BlacklistedToken, OutstandingToken, User


class UsernameTaken(Exception):
    """The unique index refused a username (taken between the check and the insert)."""


async def user_by_id(session: AsyncSession, user_id: int) -> User | None:
    return await session.get(User, user_id)


async def user_by_username(session: AsyncSession, username: str) -> User | None:
    return await session.scalar(select(User).where(User.username == username))


async def username_taken(session: AsyncSession, username: str) -> bool:
    return bool(await session.scalar(select(User.id).where(User.username == username)))


async def insert_user(session: AsyncSession, user: User) -> User:
    """Add ``user``; a username taken meanwhile rolls the transaction back and raises
    :class:`UsernameTaken`."""
    session.add(user)
    try:
        await session.flush()
    except IntegrityError as exc:
        if "username" not in str(exc.orig):
            raise
        await session.rollback()
        raise UsernameTaken from None
    return user


async def record_outstanding(
    session: AsyncSession,
    *,
    raw: str,
    jti: str,
    user_id: int | None,
    created_at: dt.datetime | None,
    expires_at: dt.datetime,
) -> OutstandingToken:
    """simplejwt's OutstandingToken row of an issued refresh token."""
    row = OutstandingToken(
        token=raw, created_at=created_at, expires_at=expires_at, user_id=user_id, jti=jti
    )
    session.add(row)
    await session.flush()
    return row


async def outstanding_by_jti(session: AsyncSession, jti: str) -> OutstandingToken | None:
    return await session.scalar(select(OutstandingToken).where(OutstandingToken.jti == jti))


async def is_blacklisted(session: AsyncSession, jti: str) -> bool:
    stmt = (
        select(BlacklistedToken.id)
        .join(OutstandingToken, OutstandingToken.id == BlacklistedToken.token_id)
        .where(OutstandingToken.jti == jti)
    )
    return (await session.scalar(stmt)) is not None


async def blacklist(session: AsyncSession, token: OutstandingToken) -> None:
    session.add(BlacklistedToken(token_id=token.id))
    await session.flush()
