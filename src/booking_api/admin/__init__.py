"""The staff admin panel at ``/admin/`` (sqladmin), Django-admin style.

``mount_admin(app)`` serves it from the app's write engine, so it works on SQLite and
PostgreSQL alike; sign-in is for active staff users of ``auth_user``.
"""

from __future__ import annotations

from fastapi import FastAPI
from sqladmin.i18n import I18nConfig
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from booking_api.admin.auth import StaffAuth
from booking_api.admin.site import BookingAdmin
from booking_api.admin.views import VIEWS
from booking_api.admin.views.board import BoardView

TITLE = "Booking Assistant — администрирование"
BASE_URL = "/admin"


def mount_admin(app: FastAPI) -> BookingAdmin:
    settings = app.state.settings
    database = app.state.db
    sessions = async_sessionmaker(
        database.write_engine, class_=AsyncSession, expire_on_commit=False, autoflush=False
    )
    auth = StaffAuth(
        settings.secret_key.get_secret_value(),
        sessions,
        password_iterations=settings.password_hash_iterations,
        https_only=settings.environment == "production",
    )
    admin = BookingAdmin(
        app,
        settings=settings,
        session_maker=sessions,
        base_url=BASE_URL,
        title=TITLE,
        authentication_backend=auth,
        # The interface in Russian whatever the browser asks for.
        i18n_config=I18nConfig(
            default_locale="ru", language_cookie_name=None, language_header_name=None
        ),
    )
    auth.admin = admin
    board = {"settings": settings, "db": database, "sessions": sessions}
    board_view = type(BoardView.__name__, (BoardView,), board)
    admin.add_base_view(board_view)
    board_view.identity = "board"  # sqladmin leaves the last route's: the menu links the page
    for view in VIEWS:
        # sqladmin keeps the session maker and the Admin on the view class: a class per app,
        # so two apps in one process (tests, SQLite and PostgreSQL) never share them.
        admin.add_view(type(view.__name__, (view,), view.configure(settings)))
    return admin


__all__ = ["TITLE", "mount_admin"]
