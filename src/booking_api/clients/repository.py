"""The SQL of clients."""

from __future__ import annotations

import weakref
from typing import Any

from sqlalchemy import Engine, Select, and_, false, func, inspect, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased, joinedload, with_expression

from booking_api.api.repository import SearchField, icontains
from booking_api.core import crypto
from booking_api.core.config import Settings
from booking_api.models import Appointment, Client

MIN_PHONE_DIGITS = 7  # shorter search terms are parts of numbers, not numbers

CLIENT_SEARCH: tuple[SearchField, ...] = (
    icontains(Client.name),
    icontains(Client.phone),
    icontains(Client.email),
    icontains(Client.city),
)


def client_search(settings: Settings) -> tuple[SearchField, ...]:
    """Under ENCRYPTION_KEY the phone column holds a mask ("+7•••••4567"), so a search term
    that is a whole phone number is also matched through the keyed hash."""
    keyring = crypto.cached_keyring(settings)
    if keyring is None:
        return CLIENT_SEARCH

    def whole_phone(term: str) -> Any:
        if len(crypto.normalise_phone(term)) < MIN_PHONE_DIGITS:
            return false()
        return Client.phone_hash.in_(keyring.lookup_hashes(term))

    return (*CLIENT_SEARCH, whole_phone)


def phone_matches(phone: str, settings: Settings) -> Any:
    """``?phone=`` exact match: the keyed hash under ENCRYPTION_KEY (current or old keys, and
    rows not yet encrypted), the plain column without it."""
    keyring = crypto.cached_keyring(settings)
    if keyring is None:
        return Client.phone == phone
    return or_(
        Client.phone_hash.in_(keyring.lookup_hashes(phone)),
        and_(Client.phone_encrypted.is_(None), Client.phone == phone),
    )


def no_shows_of(client_id: Any) -> Any:
    """How many visits of the client ``client_id`` (a column of the enclosing query) nobody
    came to. The one wording of that count: it is read from the partial index of no-show
    rows (migration 0012), which PostgreSQL uses only for this condition (``no_show IS
    true``)."""
    missed = aliased(Appointment)
    return (
        select(func.count(missed.id))
        .where(missed.client_id == client_id, missed.no_show.is_(True))
        .scalar_subquery()
    )


def no_show_count() -> Any:
    """``Client.no_show_count`` (the admin's and the board's client rows)."""
    return no_shows_of(Client.id)


def client_loaders() -> list[Any]:
    return [joinedload(Client.user), with_expression(Client.no_show_count, no_show_count())]


def visible_clients(user_id: int, *, staff: bool) -> Select[Any]:
    """Staff see every client; anyone else only the profile linked to them."""
    return select(Client) if staff else select(Client).where(Client.user_id == user_id)


def filter_clients(stmt: Select[Any], *, phone: str | None, settings: Settings) -> Select[Any]:
    return stmt.where(phone_matches(phone, settings)) if phone else stmt


async def profile_of(session: AsyncSession, user_id: int) -> Client | None:
    """The client linked to a user, with the user."""
    stmt = select(Client).where(Client.user_id == user_id).options(*client_loaders())
    return await session.scalar(stmt)


async def has_profile(session: AsyncSession, user_id: int) -> bool:
    return await session.scalar(select(Client.id).where(Client.user_id == user_id)) is not None


async def client_with_user(session: AsyncSession, client_id: int) -> Client | None:
    stmt = select(Client).where(Client.id == client_id).options(*client_loaders())
    return await session.scalar(stmt.execution_options(populate_existing=True))


async def by_telegram_id(session: AsyncSession, telegram_id: str) -> Client | None:
    """The first client with this Telegram id."""
    stmt = select(Client).where(Client.telegram_id == telegram_id).order_by(Client.id).limit(1)
    return await session.scalar(stmt)


async def insert(session: AsyncSession, client: Client) -> Client:
    session.add(client)
    await session.flush()
    return client


# Whether booking_client.telegram_id takes NULL, per engine: the column is nullable in the
# tables our migrations create, but a Django model may have declared it NOT NULL (blank is
# then stored as ''), and such a database is adopted as it is.
_TELEGRAM_ID_NULLABLE: weakref.WeakKeyDictionary[Engine, bool] = weakref.WeakKeyDictionary()


async def telegram_id_takes_null(session: AsyncSession) -> bool:
    engine = session.get_bind()
    known = _TELEGRAM_ID_NULLABLE.get(engine)  # type: ignore[arg-type]
    if known is None:

        def read(sync_session: Any) -> bool:
            columns = inspect(sync_session.connection()).get_columns(Client.__tablename__)
            return next(c["nullable"] for c in columns if c["name"] == "telegram_id")

        known = bool(await session.run_sync(read))
        _TELEGRAM_ID_NULLABLE[engine] = known  # type: ignore[index]
    return known
