"""The sign-in and consent page of ``/oauth/authorize``, in Russian and English.

Server-rendered (Jinja2, autoescaped), no cookies, no script but Telegram's Login Widget: a
Content-Security-Policy with a per-page nonce, and no framing (clickjacking).
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse

from booking_common.oauth_scopes import BOOKINGS_READ, BOOKINGS_WRITE, CATALOGUE_READ

_templates = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=select_autoescape(["html"]),
)

SCOPE_TEXTS = {
    "ru": {
        CATALOGUE_READ: "смотреть услуги, мастеров и свободное время",
        BOOKINGS_READ: "видеть ваши записи и лист ожидания",
        BOOKINGS_WRITE: "записывать вас, переносить и отменять ваши записи",
    },
    "en": {
        CATALOGUE_READ: "see services, specialists and free times",
        BOOKINGS_READ: "see your bookings and waitlist",
        BOOKINGS_WRITE: "book for you, move and cancel your bookings",
    },
}

TEXTS = {
    "ru": {
        "title": "Вход — запись онлайн",
        "asks": "«{client}» просит доступ к вашим записям",
        "will_be_able": "Помощник сможет:",
        "returns_to": "После входа вы вернётесь на {host}.",
        "username": "Имя пользователя",
        "password": "Пароль",
        "sign_in": "Войти",
        "or_telegram": "или войдите через Telegram",
        "cancel": "Отмена",
        "signed_in_as": "Вы вошли как {name}. Разрешить доступ?",
        "allow": "Разрешить",
        "deny": "Запретить",
        "error_title": "Ошибка входа",
        "bad_credentials": "Неверное имя пользователя или пароль.",
        "bad_telegram": "Не удалось войти через Telegram. Попробуйте ещё раз.",
        "expired": "Время на подтверждение истекло. Войдите ещё раз.",
        "other_lang": "English",
    },
    "en": {
        "title": "Sign in — online booking",
        "asks": "“{client}” asks to access your bookings",
        "will_be_able": "The assistant will be able to:",
        "returns_to": "After you sign in, you go back to {host}.",
        "username": "Username",
        "password": "Password",
        "sign_in": "Sign in",
        "or_telegram": "or sign in with Telegram",
        "cancel": "Cancel",
        "signed_in_as": "You are signed in as {name}. Allow access?",
        "allow": "Allow",
        "deny": "Deny",
        "error_title": "Sign-in error",
        "bad_credentials": "Wrong username or password.",
        "bad_telegram": "Could not sign in with Telegram. Please try again.",
        "expired": "The time to confirm has run out. Please sign in again.",
        "other_lang": "Русский",
    },
}


def language(request: Request) -> str:
    """``ui_locales`` of the request (OpenID's name), else the browser's preference, else ru."""
    wanted = request.query_params.get("ui_locales", "")
    if not wanted:
        header = request.headers.get("accept-language", "")
        wanted = " ".join(part.split(";")[0] for part in header.split(","))
    for tag in wanted.replace(",", " ").split():
        if tag.strip().lower()[:2] in TEXTS:
            return tag.strip().lower()[:2]
    return "ru"


def text(lang: str, key: str) -> str:
    return TEXTS[lang][key]


def render(
    request: Request,
    step: str,
    *,
    client_name: str = "",
    redirect_uri: str = "",
    scope: str = "",
    error: str | None = None,
    user_name: str = "",
    ticket: str = "",
    telegram_bot: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    """``step``: ``login`` (sign in), ``consent`` (allow or deny) or ``error``."""
    lang = language(request)
    query = [(k, v) for k, v in request.query_params.multi_items() if k != "ui_locales"]
    other = "en" if lang == "ru" else "ru"
    nonce = secrets.token_urlsafe(16)
    context: dict[str, Any] = {
        "lang": lang,
        "t": TEXTS[lang],
        "step": step,
        "nonce": nonce,
        "client_name": client_name,
        "redirect_host": urlsplit(redirect_uri).netloc or redirect_uri,
        "scopes": [SCOPE_TEXTS[lang][s] for s in scope.split() if s in SCOPE_TEXTS[lang]],
        "error": error,
        "user_name": user_name,
        "ticket": ticket,
        "telegram_bot": telegram_bot,
        "action_url": f"{request.url.path}?{urlencode([*query, ('ui_locales', lang)])}",
        "other_lang_url": f"{request.url.path}?{urlencode([*query, ('ui_locales', other)])}",
    }
    html = _templates.get_template("authorize.html").render(context)
    telegram = "https://telegram.org" if telegram_bot else ""
    policy = (
        f"default-src 'none'; style-src 'nonce-{nonce}'; script-src 'nonce-{nonce}' {telegram}; "
        "img-src 'self' https://telegram.org https://t.me; frame-src https://oauth.telegram.org; "
        "frame-ancestors 'none'; base-uri 'none'"
    )
    return HTMLResponse(
        html,
        status_code=status_code,
        headers={
            "Content-Security-Policy": policy,
            "X-Frame-Options": "DENY",
            "Cache-Control": "no-store",
            "Referrer-Policy": "no-referrer",
        },
    )
