"""Registering endpoints: staff only, the secret shown once, DRF-style validation, and the
address rules (no private, loopback, link-local… addresses without WEBHOOK_ALLOW_PRIVATE)."""

from __future__ import annotations

from typing import Any

import pytest
from standardwebhooks import Webhook

from booking_api.webhooks import guard
from kit.webhooks import Hooks

EVENTS = ["appointment.created", "client.created"]


async def test_staff_only(client: Any, env: Any, cat: Any) -> None:
    body = {"url": "https://93.184.216.34/hooks", "events": EVENTS}
    assert (await client.get("/api/webhooks/")).status_code == 401
    assert (await client.post("/api/webhooks/", json=body)).status_code == 401
    for user in (cat.alice, cat.spec_user):
        auth = env.auth(user)
        assert (await client.get("/api/webhooks/", headers=auth)).status_code == 403
        assert (await client.post("/api/webhooks/", json=body, headers=auth)).status_code == 403
        assert (await client.get("/api/webhooks/event-types/", headers=auth)).status_code == 403


async def test_the_secret_is_shown_once_and_signs(client: Any, env: Any, cat: Any) -> None:
    auth = env.auth(cat.staff)
    r = await client.post(
        "/api/webhooks/",
        headers=auth,
        json={"url": "https://93.184.216.34/hooks", "events": EVENTS, "description": "CRM"},
    )
    assert r.status_code == 201, r.text
    created = r.json()
    secret = created.pop("secret")
    assert secret.startswith("whsec_")
    Webhook(secret)  # a secret the library takes
    assert set(created) == {
        "id",
        "url",
        "description",
        "events",
        "is_active",
        "created_at",
        "updated_at",
    }
    assert (created["events"], created["is_active"], created["description"]) == (
        EVENTS,
        True,
        "CRM",
    )
    shown = (await client.get(f"/api/webhooks/{created['id']}/", headers=auth)).json()
    listed = (await client.get("/api/webhooks/", headers=auth)).json()
    assert "secret" not in shown and all("secret" not in e for e in listed)
    assert secret not in str(listed) + str(shown)

    # Write-only afterwards: a new secret may be set, never read.
    new = "whsec_" + "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw" + "AAAAAAAAAAA="
    r = await client.patch(f"/api/webhooks/{created['id']}/", headers=auth, json={"secret": new})
    assert r.status_code == 200 and "secret" not in r.json()
    r = await client.patch(
        f"/api/webhooks/{created['id']}/", headers=auth, json={"secret": "not-a-secret"}
    )
    assert r.status_code == 400
    assert r.json() == {
        "secret": ["Enter a Standard Webhooks secret: whsec_ followed by base64 of 24 to 64 bytes."]
    }
    assert (await client.delete(f"/api/webhooks/{created['id']}/", headers=auth)).status_code == 204


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({"events": EVENTS}, {"url": ["This field is required."]}),
        ({"url": "ftp://93.184.216.34/x", "events": EVENTS}, {"url": [guard.NOT_HTTP]}),
        ({"url": "not a url", "events": EVENTS}, {"url": [guard.INVALID_URL]}),
        ({"url": "https://", "events": EVENTS}, {"url": [guard.INVALID_URL]}),
        ({"url": "https://user@93.184.216.34/", "events": EVENTS}, {"url": [guard.INVALID_URL]}),
        (
            {"url": "https://93.184.216.34/", "events": []},
            {"events": ["This selection may not be empty."]},
        ),
        (
            {"url": "https://93.184.216.34/", "events": ["appointment.eaten"]},
            {"events": ['"appointment.eaten" is not a valid choice.']},
        ),
        (
            {"url": "https://93.184.216.34/", "events": "appointment.created"},
            {"events": ['Expected a list of items but got type "str".']},
        ),
    ],
)
async def test_validation_errors(client: Any, env: Any, cat: Any, body: Any, errors: Any) -> None:
    r = await client.post("/api/webhooks/", headers=env.auth(cat.staff), json=body)
    assert (r.status_code, r.json()) == (400, errors)


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://127.0.0.1:8000/", "127.0.0.1 is a loopback address."),
        ("http://localhost/hooks", "127.0.0.1 is a loopback address."),
        ("http://[::1]/", "::1 is a loopback address."),
        ("http://[::ffff:127.0.0.1]/", "127.0.0.1 is a loopback address."),
        ("http://10.1.2.3/", "10.1.2.3 is a private address."),
        ("https://192.168.0.10/", "192.168.0.10 is a private address."),
        ("http://169.254.169.254/latest/meta-data/", "169.254.169.254 is a link-local address."),
        ("http://224.0.0.1/", "224.0.0.1 is a multicast address."),
        ("http://0.0.0.0/", "0.0.0.0 is an unspecified address."),
        ("http://100.64.0.1/", "100.64.0.1 is a non-public address."),
        ("http://240.0.0.1/", "240.0.0.1 is a private address."),
    ],
)
async def test_internal_addresses_are_refused(
    client: Any, env: Any, cat: Any, url: str, reason: str
) -> None:
    assert env.settings.webhook_allow_private is False
    r = await client.post(
        "/api/webhooks/", headers=env.auth(cat.staff), json={"url": url, "events": EVENTS}
    )
    assert (r.status_code, r.json()) == (400, {"url": [f"This URL may not be called: {reason}"]})


async def test_a_host_that_does_not_resolve_is_refused(client: Any, env: Any, cat: Any) -> None:
    r = await client.post(
        "/api/webhooks/",
        headers=env.auth(cat.staff),
        json={"url": "https://no-such-host.invalid/hooks", "events": EVENTS},
    )
    assert (r.status_code, r.json()) == (400, {"url": [guard.UNRESOLVED]})


async def test_a_change_of_url_is_checked_too(client: Any, env: Any, cat: Any) -> None:
    auth = env.auth(cat.staff)
    r = await client.post(
        "/api/webhooks/", headers=auth, json={"url": "https://93.184.216.34/", "events": EVENTS}
    )
    pk = r.json()["id"]
    r = await client.patch(f"/api/webhooks/{pk}/", headers=auth, json={"url": "http://10.0.0.1/"})
    assert r.status_code == 400
    assert r.json() == {"url": ["This URL may not be called: 10.0.0.1 is a private address."]}


async def test_the_setting_allows_private_addresses(hooks: Hooks) -> None:
    created = await hooks.register("http://127.0.0.1:9/hooks", EVENTS)
    assert created["url"] == "http://127.0.0.1:9/hooks"


async def test_event_types_and_openapi(client: Any, env: Any, cat: Any) -> None:
    r = await client.get("/api/webhooks/event-types/", headers=env.auth(cat.staff))
    assert [e["type"] for e in r.json()] == [
        "appointment.created",
        "appointment.confirmed",
        "appointment.cancelled",
        "appointment.rescheduled",
        "appointment.completed",
        "appointment.no_show",
        "client.created",
    ]
    schema = (await client.get("/api/schema/")).json()
    paths = schema["paths"]
    assert {"get", "post"} <= set(paths["/api/webhooks/"])
    assert {"get", "put", "patch", "delete"} <= set(paths["/api/webhooks/{pk}/"])
    assert "post" in paths["/api/webhooks/{pk}/deliveries/{delivery_pk}/resend/"]
    created = schema["components"]["schemas"]["WebhookEndpointCreated"]
    assert "secret" in created["properties"]
    write = schema["components"]["schemas"]["WebhookEndpointWrite"]
    assert write["properties"]["secret"]["writeOnly"] is True
    assert write["required"] == ["url", "events"]
