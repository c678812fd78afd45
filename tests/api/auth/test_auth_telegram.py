"""Telegram sign-in (contract section 2): Login Widget data, Mini App initData, and the
service account's exchange."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from urllib.parse import parse_qsl, urlencode

import pytest
from jose import jwt

BOT_TOKEN = "123456:TEST-TOKEN"  # kit.api's make_settings


def widget_data(tg_id: int = 555001, *, age: int = 0, **extra: str) -> dict[str, str]:
    """Login Widget data signed as https://core.telegram.org/widgets/login describes."""
    data = {
        "id": str(tg_id),
        "first_name": "Иван",
        "last_name": "Петров",
        "username": "ivan",
        "auth_date": str(int(time.time()) - age),
        **extra,
    }
    check = "\n".join(f"{k}={data[k]}" for k in sorted(data))
    secret = hashlib.sha256(BOT_TOKEN.encode()).digest()
    data["hash"] = hmac.new(secret, check.encode(), hashlib.sha256).hexdigest()
    return data


def init_data(tg_id: int = 555002, *, age: int = 0) -> str:
    """Mini App initData signed as https://core.telegram.org/bots/webapps describes."""
    fields = {
        "query_id": "AAHdF6IQAAAAAN0XohDhrOrc",
        "user": json.dumps(
            {
                "id": tg_id,
                "first_name": "Мария",
                "last_name": "",
                "username": "maria",
                "language_code": "en",
            },
            ensure_ascii=False,
            separators=(",", ":"),
        ),
        "auth_date": str(int(time.time()) - age),
    }
    check = "\n".join(f"{k}={fields[k]}" for k in sorted(fields))
    secret = hmac.new(b"WebAppData", BOT_TOKEN.encode(), hashlib.sha256).digest()
    fields["hash"] = hmac.new(secret, check.encode(), hashlib.sha256).hexdigest()
    return urlencode(fields)


async def test_telegram_login_widget_registers_once(client, env, cat):
    r = await client.post("/api/auth/telegram/", json=widget_data())
    assert r.status_code == 200, r.text
    body = r.json()
    assert set(body) >= {"refresh", "access", "client"}
    assert body["client"]["name"] == "Иван Петров"
    assert body["client"]["telegram_id"] == "555001"
    r2 = await client.post("/api/auth/telegram/", json=widget_data())
    assert r2.json()["client"]["id"] == body["client"]["id"]
    me = await client.get("/api/clients/me/", headers={"Authorization": f"Bearer {body['access']}"})
    assert me.json()["id"] == body["client"]["id"]


async def test_telegram_existing_client_by_telegram_id(client, cat):
    r = await client.post("/api/auth/telegram/", json=widget_data(1001))
    assert r.status_code == 200
    assert r.json()["client"]["id"] == cat.client_a.id


async def test_telegram_bad_hash_and_stale(client, cat):
    data = widget_data()
    data["first_name"] = "Другой"
    r = await client.post("/api/auth/telegram/", json=data)
    assert r.status_code == 401
    r = await client.post("/api/auth/telegram/", json=widget_data(age=2 * 86400))
    assert r.status_code == 401


async def test_telegram_mini_app(client, cat):
    r = await client.post("/api/auth/telegram/", json={"init_data": init_data()})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["client"]["telegram_id"] == "555002" and body["client"]["language"] == "en"
    again = await client.post("/api/auth/telegram/", json={"init_data": init_data()})
    assert again.json()["client"]["id"] == body["client"]["id"]
    tampered = init_data().replace("555002", "555003")
    assert (
        await client.post("/api/auth/telegram/", json={"init_data": tampered})
    ).status_code == 401
    stale = init_data(age=3 * 86400)
    assert (await client.post("/api/auth/telegram/", json={"init_data": stale})).status_code == 401


async def test_telegram_exchange(client, env, cat):
    r = await client.post(
        "/api/auth/telegram/", json={"telegram_id": "1001"}, headers=env.auth(cat.staff)
    )
    assert r.status_code == 200 and r.json()["client"]["id"] == cat.client_a.id
    claims = jwt.get_unverified_claims(r.json()["access"])
    assert claims["user_id"] == str(cat.alice.id)
    r = await client.post(
        "/api/auth/telegram/",
        json={"telegram_id": "777", "name": "Новый"},
        headers=env.auth(cat.staff),
    )
    assert r.status_code == 200 and r.json()["client"]["name"] == "Новый"
    r = await client.post(
        "/api/auth/telegram/", json={"telegram_id": "1001"}, headers=env.auth(cat.bob)
    )
    assert r.status_code == 403
    assert r.json() == {"detail": "You do not have permission to perform this action."}
    r = await client.post("/api/auth/telegram/", json={"telegram_id": "1001"})
    assert r.status_code == 401
    assert r.json() == {"detail": "Authentication credentials were not provided."}


@pytest.mark.parametrize("bad_hash", ["ф" * 64, "\u00e9", "\ud800"])
async def test_telegram_hash_beyond_ascii_is_a_bad_signature(client, cat, bad_hash):
    async def post(body):  # ASCII escapes carry even a lone surrogate
        headers = {"Content-Type": "application/json"}
        return await client.post("/api/auth/telegram/", content=json.dumps(body), headers=headers)

    r = await post({**widget_data(), "hash": bad_hash})
    assert r.status_code == 401
    assert r.json() == {"detail": "Invalid Telegram signature.", "code": "telegram_invalid"}
    fields = {k: v for k, v in parse_qsl(init_data()) if k != "hash"}
    r = await post({"init_data": f"{urlencode(fields)}&hash={bad_hash}"})
    assert r.status_code == 401
    assert r.json() == {"detail": "Invalid Telegram signature.", "code": "telegram_invalid"}


async def test_deeply_nested_user_in_init_data_is_a_bad_signature(client, cat):
    fields = dict(parse_qsl(init_data()))
    fields["user"] = "[" * 100_000 + "]" * 100_000  # the json module gives up (RecursionError)
    r = await client.post("/api/auth/telegram/", json={"init_data": urlencode(fields)})
    assert r.status_code == 401
    assert r.json() == {"detail": "Invalid Telegram signature.", "code": "telegram_invalid"}
