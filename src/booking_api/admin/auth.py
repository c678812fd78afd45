"""Staff sign-in for the admin: Django's ``auth_user`` rows, a session signed with SECRET_KEY.

Like ``django.contrib.admin``: only active staff get in; the session remembers the user and a
digest of their password hash, so changing the password (or losing staff/active) ends every
session at the next request.
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
from booking_api.models import User

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
            if not (valid and user is not None and user.is_active and user.is_staff):
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
        if (
            user is None
            or not (user.is_active and user.is_staff)
            or not hmac.compare_digest(
                str(request.session.get("auth_hash", "")), self._auth_hash(user)
            )
        ):
            request.session.clear()
            return False
        request.state.admin_user = user
        return True


def current_user(request: Request) -> Any:
    """The signed-in staff user (set by ``StaffAuth.authenticate``), or None."""
    return getattr(request.state, "admin_user", None)
