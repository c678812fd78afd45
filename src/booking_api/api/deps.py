"""FastAPI dependencies, aliased with ``Annotated`` so routes read like their signatures."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import make_transient_to_detached

from booking_api.api import repository
from booking_api.core.config import Settings
from booking_api.core.db import Database
from booking_api.core.errors import AuthenticationFailed, NotAuthenticated, PermissionDenied
from booking_api.core.security import NO_USER_ID, TokenError, decode_token
from booking_api.models import User

WWW_AUTHENTICATE = 'Bearer realm="api"'


async def get_settings(request: Request) -> Settings:
    return request.app.state.settings


async def get_database(request: Request) -> Database:
    return request.app.state.db


async def read_session(request: Request) -> AsyncIterator[AsyncSession]:
    async with request.app.state.db.read_sessions() as session:
        yield session


async def write_session(request: Request) -> AsyncIterator[AsyncSession]:
    async with request.app.state.db.write_sessions() as session:
        yield session


async def replica_session(request: Request) -> AsyncIterator[AsyncSession]:
    """Reads that may be a little stale (the catalogue): the read replica when
    DATABASE_REPLICA_URL is set and it answers, else the primary (``Database.replica_session``).
    Never for booking checks, free time, or anything written in the same request."""
    async with request.app.state.db.replica_session() as session:
        yield session


SettingsDep = Annotated[Settings, Depends(get_settings)]
DatabaseDep = Annotated[Database, Depends(get_database)]
ReadSession = Annotated[AsyncSession, Depends(read_session)]
WriteSession = Annotated[AsyncSession, Depends(write_session)]
ReplicaSession = Annotated[AsyncSession, Depends(replica_session)]


def invalid_bearer(message: str) -> AuthenticationFailed:
    return AuthenticationFailed(
        "Given token not valid for any token type",
        code="token_not_valid",
        messages=[{"token_class": "AccessToken", "token_type": "access", "message": message}],
    )


async def authenticate(request: Request) -> User | None:
    """simplejwt's JWTAuthentication: no header is anonymous; a bad token is always a 401."""
    header = request.headers.get("authorization")
    if not header:
        return None
    parts = header.split()
    if not parts or parts[0] != "Bearer":
        return None
    if len(parts) != 2:
        raise AuthenticationFailed(
            "Authorization header must contain two space-delimited values",
            code="bad_authorization_header",
        )
    state = request.scope.get("state")
    if state and "auth_user" in state:  # authenticated already (the cache middleware)
        return state["auth_user"]
    raw = parts[1]
    cache = getattr(request.app.state, "cache", None)
    users = cache.users if cache is not None and cache.users.seconds > 0 else None
    if users is not None and (values := users.get(raw)) is not None:
        user = _cached_user(values)
        request.state.user_id = user.id
        request.state.auth_user = user
        return user
    settings: Settings = request.app.state.settings
    try:
        token = decode_token(raw, settings.secret_key.get_secret_value(), "access")
    except TokenError as exc:
        raise invalid_bearer(str(exc)) from None
    if token.user_id is None:
        raise AuthenticationFailed(NO_USER_ID, code="token_not_valid")
    async with request.app.state.db.read_sessions() as session:
        user = await repository.user_by_id(session, token.user_id)
    if user is None:
        raise AuthenticationFailed("User not found", code="user_not_found")
    if not user.is_active:
        raise AuthenticationFailed("User is inactive", code="user_inactive")
    if users is not None:
        users.put(raw, {c: getattr(user, c) for c in _USER_COLUMNS}, token.exp.timestamp())
    request.state.user_id = user.id
    request.state.auth_user = user
    return user


_USER_COLUMNS = tuple(c.key for c in User.__mapper__.column_attrs)


def _cached_user(values: dict) -> User:
    """A fresh detached User per request (never one instance shared between sessions), its
    columns put in place as the ORM's own loading does (a third of the constructor's cost,
    which fires an attribute event per column)."""
    user = _new_user()
    user.__dict__.update(values)
    make_transient_to_detached(user)
    return user


_new_user = User.__mapper__.class_manager.new_instance


@dataclass
class Ctx:
    """Who is asking, and the bits of their profile that decide what they may see."""

    request: Request
    settings: Settings
    user: User | None
    _client_id: int | None = field(default=None, init=False)
    _specialist_id: int | None = field(default=None, init=False)
    _profiles_loaded: bool = field(default=False, init=False)

    @property
    def is_authenticated(self) -> bool:
        return self.user is not None

    @property
    def is_staff(self) -> bool:
        return bool(self.user and self.user.is_staff)

    def require_user(self) -> User:
        if self.user is None:
            raise NotAuthenticated(headers={"WWW-Authenticate": WWW_AUTHENTICATE})
        return self.user

    def require_staff(self) -> User:
        user = self.require_user()
        if not user.is_staff:
            raise PermissionDenied()
        return user

    async def load_profiles(self, session: AsyncSession) -> None:
        """The client and specialist rows linked to the user (one query)."""
        if self._profiles_loaded or self.user is None:
            return
        self._client_id, self._specialist_id = await repository.profile_ids(session, self.user.id)
        self._profiles_loaded = True

    def set_profiles(self, client_id: int | None, specialist_id: int | None) -> None:
        """The profile ids, when a caller loaded them along with something else."""
        self._client_id, self._specialist_id = client_id, specialist_id
        self._profiles_loaded = True

    @property
    def client_id(self) -> int | None:
        return self._client_id

    @property
    def specialist_id(self) -> int | None:
        return self._specialist_id


async def get_ctx(request: Request) -> Ctx:
    user = await authenticate(request)
    return Ctx(request=request, settings=request.app.state.settings, user=user)


CtxDep = Annotated[Ctx, Depends(get_ctx)]
