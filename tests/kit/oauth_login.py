"""A person at the API's sign-in and consent page, played with a real HTTP client (httpx):
what the OAuth tests use as the "login step" of an assistant's authorization flow."""

from __future__ import annotations

import hashlib
import hmac
import html
import json
import re
import time
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

_TICKET = re.compile(r'name="ticket" value="([^"]+)"')


def ticket_of(page: str) -> str:
    found = _TICKET.search(page)
    assert found, f"no consent form on the page:\n{page[:2000]}"
    return html.unescape(found.group(1))


def telegram_widget(bot_token: str, tg_id: int, **extra: Any) -> dict[str, Any]:
    """What Telegram's Login Widget hands the page's ``onTelegramAuth`` (signed with the bot
    token as https://core.telegram.org/widgets/login describes)."""
    data: dict[str, Any] = {
        "id": tg_id,
        "first_name": "Иван",
        "username": "ivan",
        "auth_date": int(time.time()),
        **extra,
    }
    check = "\n".join(f"{k}={data[k]}" for k in sorted(data))
    secret = hashlib.sha256(bot_token.encode()).digest()
    data["hash"] = hmac.new(secret, check.encode(), hashlib.sha256).hexdigest()
    return data


async def consent_page(
    http: httpx.AsyncClient,
    authorization_url: str,
    *,
    username: str | None = None,
    password: str | None = None,
    telegram: dict[str, Any] | None = None,
) -> httpx.Response:
    """Open the page and sign in; returns the consent page (or the refusal)."""
    page = await http.get(authorization_url)
    assert page.status_code == 200, page.text
    form = (
        {"action": "telegram", "telegram": json.dumps(telegram)}
        if telegram is not None
        else {"action": "password", "username": username or "", "password": password or ""}
    )
    return await http.post(authorization_url, data=form)


async def sign_in_and_allow(
    authorization_url: str,
    *,
    username: str | None = None,
    password: str | None = None,
    telegram: dict[str, Any] | None = None,
    http: httpx.AsyncClient | None = None,
) -> str:
    """Sign in and press "Allow"; returns where the page sends the browser back to."""
    own = http is None
    http = http or httpx.AsyncClient(timeout=30)
    try:
        consent = await consent_page(
            http, authorization_url, username=username, password=password, telegram=telegram
        )
        assert consent.status_code == 200, consent.text
        allowed = await http.post(
            authorization_url, data={"action": "allow", "ticket": ticket_of(consent.text)}
        )
        assert allowed.status_code == 302, allowed.text
        return allowed.headers["location"]
    finally:
        if own:
            await http.aclose()


def callback_params(location: str) -> dict[str, str]:
    """The query of the redirect back to the assistant (code, state, iss, or error)."""
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}
