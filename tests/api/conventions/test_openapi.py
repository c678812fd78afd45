"""The OpenAPI document describes what is sent: every error body the API answers validates
against the schema its operation declares for that status."""

from __future__ import annotations

from typing import Any

from jsonschema import Draft202012Validator

from kit.api import future_day


async def _document(client) -> dict[str, Any]:
    return (await client.get("/api/schema/")).json()


def _declared(doc: dict[str, Any], path: str, method: str, status: int) -> dict[str, Any]:
    responses = doc["paths"][path][method]["responses"]
    assert str(status) in responses, f"{method.upper()} {path} does not declare {status}"
    schema = responses[str(status)]["content"]["application/json"]["schema"]
    return {**schema, "components": doc["components"]}


def _cases(cat, env) -> list[tuple[str, str, str, dict[str, Any], int]]:
    """(path template, method, URL, request kwargs, the status it answers)."""
    staff, alice = env.auth(cat.staff), env.auth(cat.alice)
    garbage = {"Authorization": "Bearer not-a-token"}
    as_json = {"Content-Type": "application/json"}
    return [
        ("/api/token/", "post", "/api/token/", {"json": {"username": "x", "password": "y"}}, 401),
        ("/api/token/", "post", "/api/token/", {"json": {}}, 400),
        ("/api/token/refresh/", "post", "/api/token/refresh/", {"json": {"refresh": "x"}}, 401),
        ("/api/token/verify/", "post", "/api/token/verify/", {"json": {"token": "x"}}, 401),
        ("/api/clients/", "get", "/api/clients/", {}, 401),
        ("/api/services/", "get", "/api/services/", {"headers": garbage}, 401),
        (
            "/api/auth/telegram/",
            "post",
            "/api/auth/telegram/",
            {"json": {"id": "1", "auth_date": "1", "hash": "00"}},
            401,
        ),
        (
            "/api/categories/",
            "post",
            "/api/categories/",
            {"content": b'{"name": }', "headers": {**staff, **as_json}},
            400,
        ),
        (
            "/api/categories/",
            "post",
            "/api/categories/",
            {"content": b"[1]", "headers": {**staff, **as_json}},
            400,
        ),
        ("/api/categories/", "post", "/api/categories/", {"json": {}, "headers": staff}, 400),
        ("/api/categories/", "post", "/api/categories/", {"json": {}, "headers": alice}, 403),
        (
            "/api/categories/",
            "post",
            "/api/categories/",
            {"content": b"x", "headers": {**staff, "Content-Type": "text/plain"}},
            415,
        ),
        ("/api/services/{pk}/", "get", "/api/services/999/", {}, 404),
        ("/api/services/{pk}/", "get", "/api/services/abc/", {}, 404),
        ("/api/services/", "get", "/api/services/?category_id=x", {}, 400),
        (
            "/api/specialists/{pk}/available_slots/",
            "get",
            f"/api/specialists/{cat.anna.id}/available_slots/?date=31.12",
            {},
            400,
        ),
        (
            "/api/dialog-contexts/{user_key}/",
            "put",
            "/api/dialog-contexts/bad key!/",
            {"json": {"data": {}}, "headers": staff},
            404,
        ),
        (
            "/api/specialists/{pk}/available_days/",
            "get",
            f"/api/specialists/{cat.anna.id}/available_days/?month={future_day():%Y-%m}"
            "&service=abc",
            {},
            400,
        ),
    ]


async def test_error_bodies_match_the_declared_schemas(client, env, cat):
    doc = await _document(client)
    for path, method, url, kwargs, status in _cases(cat, env):
        r = await client.request(method.upper(), url, **kwargs)
        assert r.status_code == status, (url, r.text)
        schema = _declared(doc, path, method, status)
        errors = [e.message for e in Draft202012Validator(schema).iter_errors(r.json())]
        assert not errors, (method, url, r.json(), errors)


async def test_no_status_is_declared_that_is_never_sent(client):
    """Requests are validated DRF's way, so FastAPI's 422 never reaches a client."""
    doc = await _document(client)
    declared = {
        f"{method.upper()} {path}": sorted(op["responses"])
        for path, ops in doc["paths"].items()
        for method, op in ops.items()
        if "422" in op["responses"]
    }
    assert declared == {}
    assert "HTTPValidationError" not in doc["components"]["schemas"]


async def test_every_operation_may_answer_a_bad_token(client):
    """A bearer token that is not valid is refused with 401 on any route, public ones too."""
    doc = await _document(client)
    missing = [
        f"{method.upper()} {path}"
        for path, ops in doc["paths"].items()
        for method, op in ops.items()
        if "401" not in op["responses"]
    ]
    assert missing == []


async def test_the_token_error_schema_requires_only_the_detail(client):
    doc = await _document(client)
    schema = _declared(doc, "/api/token/", "post", 401)
    Draft202012Validator(schema).validate(
        {"detail": "No active account found with the given credentials"}
    )
    assert schema["components"]["schemas"]["AuthenticationError"]["required"] == ["detail"]
