"""The SQL of the business profile: one row, id 1."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from booking_api.business.models import BusinessProfile

PROFILE_ID = 1


async def load(session: AsyncSession) -> BusinessProfile | None:
    return await session.scalar(select(BusinessProfile).where(BusinessProfile.id == PROFILE_ID))


async def _locked(session: AsyncSession) -> BusinessProfile | None:
    stmt = select(BusinessProfile).where(BusinessProfile.id == PROFILE_ID).with_for_update()
    return await session.scalar(stmt)


async def save(session: AsyncSession, values: dict[str, Any], *, replace: bool) -> BusinessProfile:
    """Write ``values`` into the row (made when missing); ``replace`` empties what is not given."""
    profile = await _locked(session)
    if profile is None:
        try:  # the first write; another one may make the row meanwhile
            async with session.begin_nested():
                session.add(BusinessProfile(id=PROFILE_ID, faq=[]))
        except IntegrityError:
            pass
        profile = await _locked(session)
        assert profile is not None
    if replace:
        for column in ("name", "name_en", "address", "address_en", "phone", "opening_hours",
                       "opening_hours_en"):  # fmt: skip
            setattr(profile, column, "")
        profile.faq = []
    for key, value in values.items():
        setattr(profile, key, value)
    await session.commit()
    return profile
