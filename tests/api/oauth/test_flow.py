"""The authorization server end to end, in-process: metadata, registration, the page, PKCE,
tokens, refresh, revocation, introspection and exchange."""

from __future__ import annotations

import datetime as dt

import httpx
from sqlalchemy import update

from booking_api.oauth.models import OAuthToken, digest
from kit.oauth_api import ISSUER, MCP_URL, REDIRECT, Assistant
from kit.oauth_login import callback_params, consent_page, sign_in_and_allow, ticket_of


async def test_metadata(oauth) -> None:
    response = await oauth.http.get("/.well-known/oauth-authorization-server")
    assert response.status_code == 200
    meta = response.json()
    assert meta["issuer"] == ISSUER
    assert meta["authorization_endpoint"] == f"{ISSUER}/oauth/authorize"
    assert meta["token_endpoint"] == f"{ISSUER}/oauth/token"
    assert meta["registration_endpoint"] == f"{ISSUER}/oauth/register"
    assert meta["revocation_endpoint"] == f"{ISSUER}/oauth/revoke"
    assert meta["code_challenge_methods_supported"] == ["S256"]
    assert meta["scopes_supported"] == ["catalogue:read", "bookings:read", "bookings:write"]
    assert meta["client_id_metadata_document_supported"] is True
    assert meta["authorization_response_iss_parameter_supported"] is True
    preflight = await oauth.http.options(
        "/oauth/token",
        headers={"Origin": "http://localhost:6274", "Access-Control-Request-Method": "POST"},
    )
    assert preflight.headers["access-control-allow-origin"] == "*"


async def test_off_without_an_issuer(client, cat) -> None:
    assert (await client.get("/.well-known/oauth-authorization-server")).status_code == 404
    assert (await client.post("/oauth/register", json={})).status_code == 404


async def test_registration(oauth) -> None:
    public = await oauth.register()
    assert public["client_id"] and "client_secret" not in public
    assert public["redirect_uris"] == [REDIRECT]
    confidential = await oauth.register(token_endpoint_auth_method="client_secret_post")
    assert len(confidential["client_secret"]) >= 32
    for body in (
        {"redirect_uris": ["http://evil.example/cb"]},  # plain http off loopback
        {"redirect_uris": []},
        {"redirect_uris": ["javascript:alert(1)"]},
        {"client_name": "no redirect"},
        [1, 2],
        "text",
    ):
        response = await oauth.http.post("/oauth/register", json=body)
        assert response.status_code == 400, (body, response.text)
        assert response.json()["error"] in ("invalid_client_metadata", "invalid_request")
    response = await oauth.http.post("/oauth/register", content=b"{not json")
    assert response.status_code == 400


async def test_code_flow_with_pkce_refresh_and_rotation(oauth) -> None:
    assistant = await oauth.assistant()
    page = await oauth.http.get(assistant.authorization_url(), headers={"Accept-Language": "en"})
    assert page.status_code == 200
    assert "Test Assistant" in page.text and "book for you" in page.text
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    assert "booking_test_bot" in page.text  # the Telegram Login Widget
    russian = await oauth.http.get(assistant.authorization_url(ui_locales="ru"))
    assert "записывать вас" in russian.text

    wrong = await consent_page(
        oauth.http, assistant.authorization_url(), username="alice", password="nope"
    )
    assert wrong.status_code == 400 and "Неверное имя пользователя" in wrong.text

    location = await sign_in_and_allow(
        assistant.authorization_url(), username="alice", password="pass12345", http=oauth.http
    )
    assert location.startswith(REDIRECT + "?")
    params = callback_params(location)
    assert params["state"] == assistant.state and params["iss"] == ISSUER

    tokens = (await assistant.redeem(params["code"])).json()
    assert tokens["token_type"] == "Bearer" and tokens["expires_in"] == 3600
    assert tokens["scope"] == "catalogue:read bookings:read bookings:write"
    assert tokens["refresh_token"]

    seen = await oauth.introspect(tokens["access_token"])
    assert seen["active"] is True
    assert seen["aud"] == MCP_URL and seen["sub"] == str(oauth.cat.alice.id)
    assert seen["username"] == "alice" and seen["iss"] == ISSUER
    assert seen["client_id"] == assistant.client_id

    again = await assistant.redeem(params["code"])  # a code is good once
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"

    refreshed = await assistant.refresh(tokens["refresh_token"])
    assert refreshed.status_code == 200, refreshed.text
    new = refreshed.json()
    assert new["access_token"] != tokens["access_token"] and new["refresh_token"]
    assert (await oauth.introspect(new["access_token"]))["aud"] == MCP_URL
    # Rotation: the old refresh token, and the old access token with it, are spent.
    assert (await assistant.refresh(tokens["refresh_token"])).status_code == 400
    assert (await oauth.introspect(tokens["access_token"]))["active"] is False
    narrower = await assistant.refresh(new["refresh_token"], scope="catalogue:read")
    assert narrower.json()["scope"] == "catalogue:read"
    wider = await assistant.refresh(narrower.json()["refresh_token"], scope="bookings:write")
    assert wider.status_code == 400 and wider.json()["error"] == "invalid_scope"


async def test_pkce_is_required_with_s256(oauth) -> None:
    assistant = await oauth.assistant()
    for overrides in ({"code_challenge": None, "code_challenge_method": None},):
        response = await oauth.http.get(assistant.authorization_url(**overrides))
        assert response.status_code == 302
        params = callback_params(response.headers["location"])
        assert params["error"] == "invalid_request" and params["iss"] == ISSUER
    plain = await oauth.http.get(assistant.authorization_url(code_challenge_method="plain"))
    assert callback_params(plain.headers["location"])["error"] == "invalid_request"

    location = await sign_in_and_allow(
        assistant.authorization_url(), username="alice", password="pass12345", http=oauth.http
    )
    code = callback_params(location)["code"]
    missing = await assistant.redeem(code, code_verifier=None)
    assert missing.status_code == 400 and missing.json()["error"] == "invalid_request"
    wrong = await assistant.redeem(code, code_verifier="x" * 64)
    assert wrong.status_code == 400 and wrong.json()["error"] == "invalid_grant"


async def test_audience_binding(oauth) -> None:
    assistant = await oauth.assistant()
    other = await oauth.http.get(assistant.authorization_url(resource="https://other.example/mcp"))
    assert other.status_code == 302
    assert callback_params(other.headers["location"])["error"] == "invalid_target"

    location = await sign_in_and_allow(
        assistant.authorization_url(), username="alice", password="pass12345", http=oauth.http
    )
    code = callback_params(location)["code"]
    mismatch = await assistant.redeem(code, resource="https://other.example/mcp")
    assert mismatch.status_code == 400 and mismatch.json()["error"] == "invalid_target"


async def test_bad_requests_are_not_redirected(oauth) -> None:
    assistant = await oauth.assistant()
    unknown = await oauth.http.get(assistant.authorization_url(client_id="nobody"))
    assert unknown.status_code == 400 and "location" not in unknown.headers
    foreign = await oauth.http.get(
        assistant.authorization_url(redirect_uri="https://attacker.example/cb")
    )
    assert foreign.status_code == 400 and "location" not in foreign.headers


async def test_deny(oauth) -> None:
    assistant = await oauth.assistant()
    response = await oauth.http.post(assistant.authorization_url(), data={"action": "deny"})
    assert response.status_code == 302
    params = callback_params(response.headers["location"])
    assert params == {"error": "access_denied", "state": assistant.state, "iss": ISSUER} | {
        k: v for k, v in params.items() if k == "error_description"
    }


async def test_consent_ticket_is_bound_to_its_request(oauth) -> None:
    assistant = await oauth.assistant()
    consent = await consent_page(
        oauth.http, assistant.authorization_url(), username="alice", password="pass12345"
    )
    ticket = ticket_of(consent.text)
    # The same ticket on another request (another state, another code challenge) is refused.
    other = assistant.authorization_url(state="another-state")
    refused = await oauth.http.post(other, data={"action": "allow", "ticket": ticket})
    assert refused.status_code == 400 and "location" not in refused.headers
    forged = await oauth.http.post(
        assistant.authorization_url(), data={"action": "allow", "ticket": ticket + "x"}
    )
    assert forged.status_code == 400


async def test_telegram_sign_in(oauth) -> None:
    from kit.oauth_login import telegram_widget

    assistant = await oauth.assistant()
    bot_token = oauth.env.settings.telegram_bot_token.get_secret_value()
    bad = await consent_page(
        oauth.http,
        assistant.authorization_url(),
        telegram=telegram_widget("999:WRONG", 1001),
    )
    assert bad.status_code == 400
    location = await sign_in_and_allow(
        assistant.authorization_url(), telegram=telegram_widget(bot_token, 1001), http=oauth.http
    )
    tokens = (await assistant.redeem(callback_params(location)["code"])).json()
    seen = await oauth.introspect(tokens["access_token"])
    assert seen["sub"] == str(oauth.cat.alice.id)  # client A has Telegram id 1001


async def test_revoked_and_expired_tokens_are_inactive(oauth) -> None:
    assistant = await oauth.assistant()
    tokens = await oauth.tokens(assistant)
    response = await oauth.http.post(
        "/oauth/revoke",
        data={"token": tokens["access_token"], "client_id": assistant.client_id},
    )
    assert response.status_code == 200
    assert (await oauth.introspect(tokens["access_token"])) == {"active": False}
    assert (await assistant.refresh(tokens["refresh_token"])).status_code == 400

    tokens = await oauth.tokens(assistant)
    async with oauth.env.db.write_sessions() as session:
        await session.execute(
            update(OAuthToken)
            .where(OAuthToken.access_token_hash == digest(tokens["access_token"]))
            .values(expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1))
        )
        await session.commit()
    assert (await oauth.introspect(tokens["access_token"])) == {"active": False}
    exchanged = await oauth.http.post(
        "/api/oauth/exchange/",
        data={"subject_token": tokens["access_token"]},
        headers=oauth.staff(),
    )
    assert exchanged.status_code == 400 and exchanged.json()["error"] == "invalid_grant"


async def test_introspection_and_exchange_are_staff_only(oauth) -> None:
    tokens = await oauth.tokens()
    for path, field in (
        ("/api/oauth/introspect/", "token"),
        ("/api/oauth/exchange/", "subject_token"),
    ):
        body = {field: tokens["access_token"]}
        assert (await oauth.http.post(path, data=body)).status_code == 401
        alice = oauth.env.auth(oauth.cat.alice)
        assert (await oauth.http.post(path, data=body, headers=alice)).status_code == 403
        # The OAuth token itself is not an API token.
        bearer = {"Authorization": f"Bearer {tokens['access_token']}"}
        assert (await oauth.http.post(path, data=body, headers=bearer)).status_code == 401


async def test_exchange_gives_an_api_token_of_the_same_person(oauth) -> None:
    tokens = await oauth.tokens(username="bob")
    response = await oauth.http.post(
        "/api/oauth/exchange/",
        json={"subject_token": tokens["access_token"], "audience": MCP_URL},
        headers=oauth.staff(),
    )
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["issued_token_type"] == "urn:ietf:params:oauth:token-type:access_token"
    assert 0 < answer["expires_in"] <= 300 and answer["scope"] == tokens["scope"]
    me = await oauth.http.get(
        "/api/clients/me/", headers={"Authorization": f"Bearer {answer['access_token']}"}
    )
    assert me.status_code == 200 and me.json()["name"] == "Борис"
    other = await oauth.http.post(
        "/api/oauth/exchange/",
        json={"subject_token": tokens["access_token"], "audience": "https://other.example/mcp"},
        headers=oauth.staff(),
    )
    assert other.status_code == 400
    # An OAuth access token is not accepted by the API itself (it is for the MCP server).
    direct = await oauth.http.get(
        "/api/clients/me/", headers={"Authorization": f"Bearer {tokens['access_token']}"}
    )
    assert direct.status_code == 401


async def test_hostile_input_is_never_a_server_error(oauth) -> None:
    assistant = await oauth.assistant()
    cases = [
        ("POST", "/oauth/token", {"json": {"grant_type": "authorization_code"}}),
        ("POST", "/oauth/token", {"data": {"grant_type": "password"}}),
        ("POST", "/oauth/token", {"data": {"grant_type": "authorization_code", "code": "x"}}),
        (
            "POST",
            "/oauth/token",
            {
                "content": b"\xff\xfe",
                "headers": {"content-type": "application/x-www-form-urlencoded"},
            },
        ),
        ("POST", "/oauth/revoke", {"data": {"token": "x"}}),
        ("POST", "/oauth/revoke", {"data": {"client_id": assistant.client_id}}),
        ("GET", "/oauth/authorize", {}),
        ("GET", "/oauth/authorize?client_id=%00&response_type=code", {}),
        ("GET", assistant.authorization_url(response_type="token"), {}),
        ("GET", assistant.authorization_url(resource=None) + "&resource=a&resource=b", {}),
        (
            "POST",
            assistant.authorization_url(),
            {"data": {"action": "telegram", "telegram": "[1]"}},
        ),
        ("POST", assistant.authorization_url(), {"data": {"action": "allow"}}),
        ("POST", assistant.authorization_url(), {"json": {"action": "password"}}),
    ]
    for method, url, kwargs in cases:
        response = await oauth.http.request(method, url, **kwargs)
        assert response.status_code < 500, (url, kwargs, response.text)


async def test_confidential_client_authenticates_with_its_secret(oauth) -> None:
    registered = await oauth.register(token_endpoint_auth_method="client_secret_basic")
    assistant = Assistant(oauth.http, registered["client_id"])
    location = await sign_in_and_allow(
        assistant.authorization_url(), username="alice", password="pass12345", http=oauth.http
    )
    code = callback_params(location)["code"]
    basic = httpx.BasicAuth(registered["client_id"], "not-the-secret")
    refused = await oauth.http.post(
        "/oauth/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT,
            "code_verifier": assistant.verifier,
        },
        auth=basic,
    )
    assert refused.status_code == 401 and refused.json()["error"] == "invalid_client"
    accepted = await oauth.http.post(
        "/oauth/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT,
            "code_verifier": assistant.verifier,
        },
        auth=httpx.BasicAuth(registered["client_id"], registered["client_secret"]),
    )
    assert accepted.status_code == 200, accepted.text
    # Without its secret (as if it were a public client) it gets nothing.
    assert (await assistant.refresh(accepted.json()["refresh_token"])).status_code == 401
