"""Personal data at rest: ciphertext in the rows, plaintext through the API, rotation."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from pydantic import SecretStr
from sqlalchemy import text

from booking_api.app import create_app
from booking_api.core import crypto
from booking_api.core.db import Database
from booking_api.privacy.rotation import rotate_all

KEY_A = "key-A-0123456789abcdef0123456789abcdef"
KEY_B = "key-B-0123456789abcdef0123456789abcdef"
PHONE, EMAIL = "+79001234567", "secret.person@example.com"


class Keyed:
    """A second app on the test database, with ENCRYPTION_KEY set."""

    def __init__(self, env, key: str, old: str | None = None) -> None:
        self.settings = env.settings.model_copy(
            update={
                "encryption_key": SecretStr(key),
                "encryption_old_keys": SecretStr(old) if old else None,
            }
        )
        self.db = Database.from_settings(self.settings)
        self.app = create_app(self.settings, self.db)
        self.keyring = crypto.cached_keyring(self.settings)

    def client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(
            transport=httpx.ASGITransport(app=self.app), base_url="http://testserver"
        )


@pytest.fixture
async def keyed(env) -> AsyncIterator[Keyed]:
    k = Keyed(env, KEY_A)
    yield k
    await k.db.dispose()


async def raw_clients(env) -> dict[int, dict]:
    async with env.db.write_engine.connect() as conn:
        rows = (
            (
                await conn.execute(
                    text(
                        "SELECT id, name, phone, email, phone_encrypted, email_encrypted, "
                        "phone_hash FROM booking_client ORDER BY id"
                    )
                )
            )
            .mappings()
            .all()
        )
    return {row["id"]: dict(row) for row in rows}


async def test_row_holds_no_plaintext_and_api_returns_it(env, cat, keyed):
    auth = env.auth(cat.staff)
    async with keyed.client() as http:
        r = await http.post(
            "/api/clients/", headers=auth, json={"name": "Вера", "phone": PHONE, "email": EMAIL}
        )
        assert r.status_code == 201, r.text
        cid = r.json()["id"]
        assert (r.json()["phone"], r.json()["email"]) == (PHONE, EMAIL)
        row = (await raw_clients(env))[cid]
        assert row["phone"] == "+7•••••4567" and row["email"] == "s•••@example.com"
        for value in row.values():
            assert PHONE not in str(value) and "secret.person" not in str(value)
        assert row["phone_encrypted"].startswith("gAAAA") and len(row["phone_hash"]) == 64

        r = await http.get(f"/api/clients/{cid}/", headers=auth)
        assert (r.json()["phone"], r.json()["email"]) == (PHONE, EMAIL)
        r = await http.get("/api/clients/", headers=auth, params={"phone": PHONE})
        assert [c["id"] for c in r.json()] == [cid]
        # Not yet encrypted rows (written without the key) still match by the plain column.
        r = await http.get("/api/clients/", headers=auth, params={"phone": "+79000000001"})
        assert [c["name"] for c in r.json()] == ["Алиса"]
        r = await http.get("/api/clients/", headers=auth, params={"phone": "+79001234568"})
        assert r.json() == []
        # ?search= finds a whole number through the hash, and the last digits in the mask.
        for term in (PHONE, "4567", "Вера " + PHONE):
            r = await http.get("/api/clients/", headers=auth, params={"search": term})
            assert [c["id"] for c in r.json()] == [cid], term
        for term in ("+79001234568", "9001234"):
            r = await http.get("/api/clients/", headers=auth, params={"search": term})
            assert r.json() == [], term

        r = await http.patch(f"/api/clients/{cid}/", headers=auth, json={"phone": "+79995550011"})
        assert r.json()["phone"] == "+79995550011"
        row = (await raw_clients(env))[cid]
        assert row["phone"] == "+7•••••0011" and "+79995550011" not in str(row)
        r = await http.get("/api/clients/", headers=auth, params={"phone": "+79995550011"})
        assert [c["id"] for c in r.json()] == [cid]
        r = await http.patch(f"/api/clients/{cid}/", headers=auth, json={"name": "Вера П."})
        assert r.json()["phone"] == "+79995550011" and r.json()["email"] == EMAIL

        # Dialog context: one encrypted JSON blob.
        r = await http.put(
            "/api/dialog-contexts/tg:42/",
            headers=auth,
            json={"data": {"phone": PHONE, "step": "confirm"}},
        )
        assert r.status_code == 200 and r.json()["data"]["phone"] == PHONE
        async with env.db.write_engine.connect() as conn:
            stored = (
                await conn.execute(
                    text("SELECT data FROM booking_dialogcontext WHERE user_key = 'tg:42'")
                )
            ).scalar()
        assert PHONE not in str(stored) and "confirm" not in str(stored)
        r = await http.get("/api/dialog-contexts/tg:42/", headers=auth)
        assert r.json()["data"] == {"phone": PHONE, "step": "confirm"}

    # The keyless app (Django's view, in effect) sees the masked value, never the plaintext.
    r = await httpx.AsyncClient(
        transport=httpx.ASGITransport(app=env.app), base_url="http://testserver"
    ).get(f"/api/clients/{cid}/", headers=auth)
    assert r.json()["phone"] == "+7•••••0011"


async def test_rotation_encrypts_plain_rows_and_old_key_rows(env, cat):
    before = await raw_clients(env)
    assert before[cat.client_a.id]["phone"] == "+79000000001"  # written without a key
    auth = env.auth(cat.staff)
    a = Keyed(env, KEY_A)
    try:
        counts = await rotate_all(a.db, a.keyring, batch=1)
        assert counts["clients_scanned"] == counts["clients_updated"] == len(before)
        rows = await raw_clients(env)
        assert all(r["phone_encrypted"] and "+7900000000" not in r["phone"] for r in rows.values())
        assert (await rotate_all(a.db, a.keyring))["clients_updated"] == 0  # idempotent
        tokens_a = {i: r["phone_encrypted"] for i, r in rows.items()}
    finally:
        await a.db.dispose()

    b = Keyed(env, KEY_B, old=KEY_A)  # the new key, the old one kept for decrypting
    try:
        async with b.client() as http:
            r = await http.get(f"/api/clients/{cat.client_a.id}/", headers=auth)
            assert r.json()["phone"] == "+79000000001"
            r = await http.get("/api/clients/", headers=auth, params={"phone": "+79000000002"})
            assert [c["id"] for c in r.json()] == [cat.client_b.id]  # old-key hash still matches
        counts = await rotate_all(b.db, b.keyring)
        assert counts["clients_updated"] == len(before)
        rows = await raw_clients(env)
        assert all(rows[i]["phone_encrypted"] != tokens_a[i] for i in rows)
        assert all(b.keyring.is_current(r["phone_encrypted"]) for r in rows.values())
    finally:
        await b.db.dispose()

    only_b = Keyed(env, KEY_B)  # the old key is gone: everything still reads
    try:
        async with only_b.client() as http:
            r = await http.get("/api/clients/", headers=auth, params={"phone": "+79000000001"})
            assert [(c["id"], c["phone"], c["email"]) for c in r.json()] == [
                (cat.client_a.id, "+79000000001", "a@example.com")
            ]
    finally:
        await only_b.db.dispose()


async def test_rotate_key_command(env, cat, monkeypatch):
    from typer.testing import CliRunner

    from booking_api.core.config import get_settings
    from booking_cli.main import app as cli

    monkeypatch.setenv("DATABASE_URL", env.settings.database_url)
    monkeypatch.setenv("SECRET_KEY", env.settings.secret_key.get_secret_value())
    monkeypatch.setenv("ENCRYPTION_KEY", KEY_A)
    get_settings.cache_clear()
    try:
        import asyncio

        result = await asyncio.to_thread(CliRunner().invoke, cli, ["rotate-key"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    n = len(await raw_clients(env))
    assert f"Clients: {n} of {n} re-encrypted" in result.output
    assert all(r["phone_encrypted"] for r in (await raw_clients(env)).values())


async def test_without_a_key_nothing_changes(client, env, cat):
    auth = env.auth(cat.staff)
    r = await client.post(
        "/api/clients/", headers=auth, json={"name": "Вера", "phone": PHONE, "email": EMAIL}
    )
    row = (await raw_clients(env))[r.json()["id"]]
    assert (row["phone"], row["email"]) == (PHONE, EMAIL)
    assert row["phone_encrypted"] is row["email_encrypted"] is row["phone_hash"] is None
    r = await client.get("/api/clients/", headers=auth, params={"phone": PHONE})
    assert [c["phone"] for c in r.json()] == [PHONE]


def test_masks_fit_djangos_columns():
    assert crypto.mask_phone("+79001234567") == "+7•••••4567"
    assert len(crypto.mask_phone("8 (900) 123-45-67")) <= 20
    assert crypto.mask_phone("123") == "•••"
    assert crypto.mask_email("ab@c.ru") == "a•••@c.ru"
    ring = crypto.Keyring.from_keys(KEY_A)
    assert ring.phone_hash("+7 (900) 123-45-67") == ring.phone_hash("+79001234567")
    assert ring.decrypt(ring.encrypt("x")) == "x"
