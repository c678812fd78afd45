"""Staff sign-in for the admin: Django's ``auth_user`` rows, a session signed with SECRET_KEY.

Like ``django.contrib.admin``: active staff get in; the session remembers the user and a
digest of their password hash, so changing the password (or losing staff/active) ends every
session at the next request. A specialist's own user (not staff) gets in too, to the board and
the dashboard of their own column only (the model views are for staff: ``StaffView``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from typing import TYPE_CHECKING, Any

import anyio
from sqladmin.authentication import AuthenticationBackend
from sqlalchemy import select
from starlette.requests import Request
from starlette.responses import Response

from booking_api.core.security import check_password, make_password
from booking_api.models import Specialist, User

if TYPE_CHECKING:
    from sqladmin import Admin
    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

SESSION_COOKIE = "booking_admin"
SESSION_AGE = 14 * 24 * 3600  # Django's SESSION_COOKIE_AGE
LOGIN_ERROR = (
    "Неверное имя пользователя или пароль, либо у пользователя нет доступа к администрированию."
)


class StaffAuth(AuthenticationBackend):
    def __init__(
        self,
        secret_key: str,
        sessions: async_sessionmaker[AsyncSession],
        *,
        password_iterations: int,
        https_only: bool = False,
    ) -> None:
        super().__init__(  # Starlette's SessionMiddleware, signed with SECRET_KEY
            secret_key,
            session_cookie=SESSION_COOKIE,
            max_age=SESSION_AGE,
            path="/admin",
            # Actions are GET links (sqladmin's design): a strict cookie is never sent from
            # another site, which keeps them safe from cross-site requests.
            same_site="strict",
            https_only=https_only,
        )
        self._secret = secret_key.encode()
        self._sessions = sessions
        self.admin: Admin | None = None  # set by mount_admin, to render the login page
        self._iterations = password_iterations
        self._dummy_hash: str | None = None

    async def _dummy(self) -> str:
        """Checked when the username is unknown, so the answer takes as long either way."""
        if self._dummy_hash is None:
            self._dummy_hash = await anyio.to_thread.run_sync(
                lambda: make_password(secrets.token_urlsafe(), iterations=self._iterations)
            )
        return self._dummy_hash

    def _auth_hash(self, user: User) -> str:
        return hmac.new(self._secret, user.password.encode(), hashlib.sha256).hexdigest()

    async def login(self, request: Request) -> Response | bool:
        form = await request.form()
        username = str(form.get("username") or "").strip()
        password = str(form.get("password") or "")
        async with self._sessions() as session:
            user = await session.scalar(select(User).where(User.username == username))
            encoded = user.password if user is not None else await self._dummy()
            valid = bool(username and password) and await anyio.to_thread.run_sync(
                check_password, password, encoded
            )
            if not (valid and user is not None and await _may_enter(session, user)):
                return await self._refused(request)
            user.last_login = dt.datetime.now(dt.UTC)
            await session.commit()
        request.session.clear()  # a fresh session on every sign-in
        request.session.update({"user_id": user.id, "auth_hash": self._auth_hash(user)})
        return True

    async def _refused(self, request: Request) -> Response | bool:
        if self.admin is None:
            return False
        return await self.admin.templates.TemplateResponse(
            request, "sqladmin/login.html", {"error": LOGIN_ERROR}, status_code=400
        )

    async def logout(self, request: Request) -> Response | bool:
        request.session.clear()
        return False  # sqladmin then redirects to the login page

    async def authenticate(self, request: Request) -> Response | bool:
        user_id = request.session.get("user_id")
        if not isinstance(user_id, int):
            return False
        async with self._sessions() as session:
            user = await session.get(User, user_id)
            specialist = await _specialist_of(session, user) if user is not None else None
        if (
            user is None
            or not (user.is_active and (user.is_staff or specialist is not None))
            or not hmac.compare_digest(
                str(request.session.get("auth_hash", "")), self._auth_hash(user)
            )
        ):
            request.session.clear()
            return False
        request.state.admin_user = user
        request.state.admin_specialist_id = specialist
        return True


async def _specialist_of(session: AsyncSession, user: User) -> int | None:
    """The id of the specialist linked to ``user``, if any."""
    return await session.scalar(select(Specialist.id).where(Specialist.user_id == user.id))


async def _may_enter(session: AsyncSession, user: User) -> bool:
    if not user.is_active:
        return False
    return bool(user.is_staff) or await _specialist_of(session, user) is not None


def current_user(request: Request) -> Any:
    """The signed-in user (set by ``StaffAuth.authenticate``), or None."""
    return getattr(request.state, "admin_user", None)


def is_staff(request: Request) -> bool:
    user = current_user(request)
    return bool(user is not None and user.is_staff)


def current_specialist(request: Request) -> int | None:
    """The signed-in specialist's id when the user is a specialist's own user."""
    return getattr(request.state, "admin_specialist_id", None)
