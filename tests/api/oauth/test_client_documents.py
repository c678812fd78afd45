"""Client ID Metadata Documents: an assistant named by the URL of its metadata document."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest

from booking_api.oauth.client_documents import ClientDocuments
from kit.oauth_api import REDIRECT, Assistant
from kit.oauth_login import callback_params, sign_in_and_allow

CLIENT_ID = "https://assistant.example/oauth/client.json"
DOCUMENT = {
    "client_id": CLIENT_ID,
    "client_name": "Doc Assistant",
    "redirect_uris": [REDIRECT],
    "token_endpoint_auth_method": "none",
}


@pytest.fixture
def documents(oauth) -> Iterator[dict[str, object]]:
    """Serves documents from a dict (URL → JSON body, or bytes) instead of the internet."""
    served: dict[str, object] = {CLIENT_ID: DOCUMENT}

    def handler(request: httpx.Request) -> httpx.Response:
        body = served.get(str(request.url))
        if body is None:
            return httpx.Response(404)
        content = body if isinstance(body, bytes) else json.dumps(body).encode()
        return httpx.Response(200, content=content)

    app = oauth.env.app
    saved = app.state.oauth_documents
    app.state.oauth_documents = ClientDocuments(
        transport=httpx.MockTransport(handler), public_only=False
    )
    yield served
    app.state.oauth_documents = saved


async def test_flow_with_a_metadata_document(oauth, documents) -> None:
    assistant = Assistant(oauth.http, CLIENT_ID)
    page = await oauth.http.get(assistant.authorization_url(), headers={"Accept-Language": "en"})
    assert page.status_code == 200 and "Doc Assistant" in page.text
    location = await sign_in_and_allow(
        assistant.authorization_url(), username="bob", password="pass12345", http=oauth.http
    )
    tokens = (await assistant.redeem(callback_params(location)["code"])).json()
    seen = await oauth.introspect(tokens["access_token"])
    assert seen["client_id"] == CLIENT_ID and seen["username"] == "bob"
    refreshed = await assistant.refresh(tokens["refresh_token"])
    assert refreshed.status_code == 200, refreshed.text


@pytest.mark.parametrize(
    "body",
    [
        {**DOCUMENT, "client_id": "https://assistant.example/other.json"},
        {**DOCUMENT, "redirect_uris": []},
        {**DOCUMENT, "redirect_uris": ["http://evil.example/cb"]},
        {**DOCUMENT, "token_endpoint_auth_method": "client_secret_basic"},
        [DOCUMENT],
        b"not json",
        b"{" + b" " * 6000 + b"}",
    ],
)
async def test_unusable_documents_are_refused(oauth, documents, body) -> None:
    documents[CLIENT_ID] = body
    assistant = Assistant(oauth.http, CLIENT_ID)
    response = await oauth.http.get(assistant.authorization_url())
    assert response.status_code == 400 and "location" not in response.headers


async def test_a_redirect_uri_not_in_the_document_is_refused(oauth, documents) -> None:
    assistant = Assistant(oauth.http, CLIENT_ID, redirect_uri="https://attacker.example/cb")
    response = await oauth.http.get(assistant.authorization_url())
    assert response.status_code == 400 and "location" not in response.headers


async def test_documents_on_private_addresses_are_not_fetched() -> None:
    fetched: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        fetched.append(str(request.url))
        return httpx.Response(200, json=DOCUMENT)

    guarded = ClientDocuments(transport=httpx.MockTransport(handler))
    assert await guarded.client("https://127.0.0.1/oauth/client.json") is None
    assert await guarded.client("https://localhost/oauth/client.json") is None
    assert fetched == []
    assert not ClientDocuments.is_document_url("http://assistant.example/client.json")
    assert not ClientDocuments.is_document_url("https://assistant.example/")
