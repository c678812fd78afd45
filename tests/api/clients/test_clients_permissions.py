"""Who may read and change clients (contract section 3)."""

from __future__ import annotations

import pytest

from kit.roles import ROLES, check_row, expect, user_of


async def test_client_list_visibility(client, env, cat):
    seen = {}
    for role in ROLES:
        r = await client.get("/api/clients/", headers=env.auth(user_of(cat, role)))
        seen[role] = r.status_code if r.status_code != 200 else [c["name"] for c in r.json()]
    assert seen == {
        "anon": 401,
        "alice": ["Алиса"],
        "bob": ["Борис"],
        "anna": [],
        "stranger": [],
        "staff": ["Алиса", "Борис"],
    }


@pytest.mark.parametrize(
    ("method", "body", "expected"),
    [
        ("GET", None, expect(401, 200, 404, 404, 404, 200)),
        ("PATCH", {"phone": "+79990000000"}, expect(401, 200, 404, 404, 404, 200)),
        ("PUT", {"name": "Алиса", "city": "Казань"}, expect(401, 200, 404, 404, 404, 200)),
        ("DELETE", None, expect(401, 403, 403, 403, 403, 204)),
    ],
)
async def test_client_detail_permissions(client, env, cat, method, body, expected):
    await check_row(
        client, env, cat, method, f"/api/clients/{cat.client_a.id}/", expected, body=body
    )


async def test_client_create_permissions(client, env, cat):
    # Alice and Bob already have a profile; the specialist's user and the stranger may make one.
    await check_row(
        client,
        env,
        cat,
        "POST",
        "/api/clients/",
        expect(401, 403, 403, 201, 201, 201),
        body={"name": "Новый клиент"},
    )


async def test_client_cannot_take_telegram_id_or_user(client, env, cat):
    r = await client.patch(
        f"/api/clients/{cat.client_a.id}/",
        headers=env.auth(cat.alice),
        json={"telegram_id": "999", "name": "Алиса Б."},
    )
    assert r.status_code == 200
    assert r.json()["telegram_id"] == "1001" and r.json()["name"] == "Алиса Б."


async def test_clients_me(client, env, cat):
    await check_row(
        client, env, cat, "GET", "/api/clients/me/", expect(401, 200, 200, 404, 404, 404)
    )
    r = await client.patch("/api/clients/me/", headers=env.auth(cat.alice), json={"city": "Москва"})
    assert r.status_code == 200 and r.json()["city"] == "Москва"
    assert r.json()["id"] == cat.client_a.id
    r = await client.patch("/api/clients/me/", json={"city": "Москва"})
    assert r.status_code == 401
    r = await client.patch("/api/clients/me/", headers=env.auth(cat.alice), json={"email": "bad"})
    assert r.json() == {"email": ["Enter a valid email address."]}


async def test_clients_me_other_methods(client, env, cat):
    r = await client.put("/api/clients/me/", json={}, headers=env.auth(cat.alice))
    assert r.status_code == 405 and r.json() == {"detail": 'Method "PUT" not allowed.'}
    assert r.headers["allow"] == "GET, PATCH"
    r = await client.delete("/api/clients/me/")
    assert r.status_code == 401
