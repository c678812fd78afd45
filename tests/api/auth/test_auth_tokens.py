"""simplejwt-compatible tokens and Django password hashes (contract section 2)."""

from __future__ import annotations

import base64
import hashlib
import time
import uuid

import pytest
from jose import jwt

from booking_api.models import User
from kit.api import SECRET

INVALID_BEARER = {
    "detail": "Given token not valid for any token type",
    "code": "token_not_valid",
    "messages": [
        {"token_class": "AccessToken", "token_type": "access", "message": "Token is invalid"}
    ],
}


def django_hash(
    password: str, salt: str = "seasalt0123456789abcd", iterations: int = 260000
) -> str:
    """What Django's PBKDF2PasswordHasher.encode writes."""
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt.encode(), iterations)
    return f"pbkdf2_sha256${iterations}${salt}${base64.b64encode(digest).decode()}"


def simplejwt_token(
    user_id: object, token_type: str = "access", *, exp_in: int = 300, **extra: object
) -> str:
    """A token as djangorestframework-simplejwt writes it (HS256, the shared SECRET_KEY)."""
    now = int(time.time())
    claims = {
        "token_type": token_type,
        "exp": now + exp_in,
        "iat": now,
        "jti": uuid.uuid4().hex,
        "user_id": user_id,
        **extra,
    }
    return jwt.encode(claims, SECRET, algorithm="HS256")


async def login(client, username="alice", password="pass12345"):
    return await client.post("/api/token/", json={"username": username, "password": password})


# --- obtain / refresh / verify / blacklist -----------------------------------------------------


async def test_obtain_pair(client, env, cat):
    r = await login(client)
    assert r.status_code == 200
    body = r.json()
    assert list(body) == ["refresh", "access"]
    claims = jwt.get_unverified_claims(body["access"])
    assert claims["token_type"] == "access" and claims["user_id"] == str(cat.alice.id)
    assert set(claims) >= {"token_type", "exp", "iat", "jti", "user_id"}
    assert jwt.get_unverified_claims(body["refresh"])["token_type"] == "refresh"
    me = await client.get("/api/clients/me/", headers={"Authorization": f"Bearer {body['access']}"})
    assert me.status_code == 200 and me.json()["id"] == cat.client_a.id


async def test_obtain_wrong_password(client, cat):
    for username, password in (("alice", "wrong"), ("nobody", "pass12345")):
        r = await login(client, username, password)
        assert r.status_code == 401
        assert r.json() == {"detail": "No active account found with the given credentials"}


async def test_obtain_trims_like_drf(client, cat):
    """simplejwt's PasswordField is a DRF CharField: surrounding whitespace is trimmed."""
    r = await login(client, " alice ", " pass12345 ")
    assert r.status_code == 200


async def test_obtain_missing_fields(client, cat):
    r = await client.post("/api/token/", json={"username": "alice"})
    assert r.status_code == 400 and r.json() == {"password": ["This field is required."]}
    r = await client.post("/api/token/", json={})
    assert r.json() == {
        "username": ["This field is required."],
        "password": ["This field is required."],
    }
    r = await client.post("/api/token/", json={"username": "alice", "password": ""})
    assert r.json() == {"password": ["This field may not be blank."]}


async def test_inactive_user_refused(client, env, cat):
    await env.add(
        User(
            username="gone",
            password=django_hash("secret123", iterations=1000),
            is_active=False,
            email="",
        )
    )
    r = await login(client, "gone", "secret123")
    assert r.status_code == 401
    assert r.json() == {"detail": "No active account found with the given credentials"}


@pytest.mark.parametrize("iterations", [260000, 1000000])
async def test_django_password_hash_logs_in(client, env, iterations):
    await env.add(
        User(username="django", password=django_hash("s3cret!", iterations=iterations), email="")
    )
    assert (await login(client, "django", "s3cret!")).status_code == 200
    assert (await login(client, "django", "s3cret")).status_code == 401


async def test_refresh(client, cat):
    pair = (await login(client)).json()
    r = await client.post("/api/token/refresh/", json={"refresh": pair["refresh"]})
    assert r.status_code == 200 and list(r.json()) == ["access"]
    assert jwt.get_unverified_claims(r.json()["access"])["token_type"] == "access"


@pytest.mark.parametrize(
    ("token", "message"),
    [
        ("garbage", "Token is invalid"),
        ("access", "Token has wrong type"),
        ("expired", "Token is expired"),
        ("foreign", "Token is invalid"),
    ],
)
async def test_refresh_errors(client, env, cat, token, message):
    raw = {
        "garbage": "not.a.token",
        "access": env.token(cat.alice),
        "expired": simplejwt_token(str(cat.alice.id), "refresh", exp_in=-10),
        "foreign": jwt.encode(
            {"token_type": "refresh", "exp": int(time.time()) + 60, "jti": "x", "user_id": "1"},
            "other-key",
            algorithm="HS256",
        ),
    }[token]
    r = await client.post("/api/token/refresh/", json={"refresh": raw})
    assert r.status_code == 401
    assert r.json() == {"detail": message, "code": "token_not_valid"}
    assert r.headers["www-authenticate"] == 'Bearer realm="api"'


async def test_refresh_missing_field(client):
    r = await client.post("/api/token/refresh/", json={})
    assert r.status_code == 400 and r.json() == {"refresh": ["This field is required."]}


async def test_verify(client, env, cat):
    pair = (await login(client)).json()
    for token in pair.values():
        r = await client.post("/api/token/verify/", json={"token": token})
        assert r.status_code == 200 and r.json() == {}
    r = await client.post("/api/token/verify/", json={"token": "nope"})
    assert r.status_code == 401
    assert r.json() == {"detail": "Token is invalid", "code": "token_not_valid"}


async def test_blacklist(client, cat):
    pair = (await login(client)).json()
    r = await client.post("/api/token/blacklist/", json={"refresh": pair["refresh"]})
    assert r.status_code == 200 and r.json() == {}
    r = await client.post("/api/token/refresh/", json={"refresh": pair["refresh"]})
    assert r.status_code == 401
    assert r.json() == {"detail": "Token is blacklisted", "code": "token_not_valid"}
    r = await client.post("/api/token/blacklist/", json={"refresh": pair["access"]})
    assert r.json() == {"detail": "Token has wrong type", "code": "token_not_valid"}


async def test_blacklist_token_issued_elsewhere(client, cat):
    """A refresh token the Django service issued (not in our outstanding list) can be revoked."""
    raw = simplejwt_token(cat.alice.id, "refresh")
    assert (await client.post("/api/token/blacklist/", json={"refresh": raw})).status_code == 200
    r = await client.post("/api/token/refresh/", json={"refresh": raw})
    assert r.json()["detail"] == "Token is blacklisted"


# --- bearer authentication ---------------------------------------------------------------------


async def test_garbage_bearer_on_public_route(client, cat):
    r = await client.get("/api/services/", headers={"Authorization": "Bearer garbage"})
    assert r.status_code == 401
    assert r.json() == INVALID_BEARER
    assert r.headers["www-authenticate"] == 'Bearer realm="api"'


async def test_refresh_token_as_bearer(client, env, cat):
    r = await client.get(
        "/api/services/", headers={"Authorization": f"Bearer {env.token(cat.alice, 'refresh')}"}
    )
    assert r.status_code == 401
    assert r.json()["messages"][0]["message"] == "Token has wrong type"


async def test_expired_bearer(client, cat):
    raw = simplejwt_token(str(cat.alice.id), exp_in=-5)
    r = await client.get("/api/services/", headers={"Authorization": f"Bearer {raw}"})
    assert r.status_code == 401
    assert r.json()["messages"][0]["message"] == "Token is expired"


async def test_other_schemes_are_anonymous(client, cat):
    r = await client.get("/api/services/", headers={"Authorization": "Basic abc"})
    assert r.status_code == 200
    r = await client.get("/api/clients/", headers={"Authorization": "Token abc"})
    assert r.status_code == 401


async def test_bearer_with_three_parts(client, cat):
    r = await client.get("/api/services/", headers={"Authorization": "Bearer a b"})
    assert r.status_code == 401
    assert r.json() == {
        "detail": "Authorization header must contain two space-delimited values",
        "code": "bad_authorization_header",
    }


async def test_not_authenticated_has_www_authenticate(client, cat):
    r = await client.get("/api/clients/")
    assert r.status_code == 401
    assert r.json() == {"detail": "Authentication credentials were not provided."}
    assert r.headers["www-authenticate"] == 'Bearer realm="api"'


@pytest.mark.parametrize("as_string", [False, True])
async def test_simplejwt_tokens_accepted(client, cat, as_string):
    user_id = str(cat.alice.id) if as_string else cat.alice.id
    raw = simplejwt_token(user_id)
    r = await client.get("/api/clients/me/", headers={"Authorization": f"Bearer {raw}"})
    assert r.status_code == 200 and r.json()["id"] == cat.client_a.id
    refresh = simplejwt_token(user_id, "refresh")
    r = await client.post("/api/token/refresh/", json={"refresh": refresh})
    assert r.status_code == 200


async def test_deleted_or_inactive_user_token(client, env, cat):
    raw = simplejwt_token("999999")
    r = await client.get("/api/services/", headers={"Authorization": f"Bearer {raw}"})
    assert r.status_code == 401
    assert r.json() == {"detail": "User not found", "code": "user_not_found"}
    gone = await env.add(User(username="gone", password="!", is_active=False, email=""))
    r = await client.get("/api/services/", headers=env.auth(gone))
    assert r.json() == {"detail": "User is inactive", "code": "user_inactive"}


async def test_token_without_user_id(client, cat):
    now = int(time.time())
    raw = jwt.encode(
        {"token_type": "access", "exp": now + 60, "iat": now, "jti": "j"}, SECRET, algorithm="HS256"
    )
    r = await client.get("/api/services/", headers={"Authorization": f"Bearer {raw}"})
    assert r.status_code == 401
    assert r.json() == {
        "detail": "Token contained no recognizable user identification",
        "code": "token_not_valid",
    }


async def test_blacklist_token_of_deleted_user(client):
    raw = simplejwt_token("424242", "refresh")
    r = await client.post("/api/token/blacklist/", json={"refresh": raw})
    assert r.status_code == 200 and r.json() == {}
