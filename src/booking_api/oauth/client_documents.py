"""Client ID Metadata Documents: an assistant with no registration names itself by the https
URL of a JSON document describing it (``client_id``, ``client_name``, ``redirect_uris``), the
way the current MCP authorization specification prefers.

The document is fetched when the assistant first shows up and kept five minutes. Fetching a
URL that a stranger chose is guarded: https only, no redirects, 5 seconds, 5 KiB, and only
hosts on public addresses (never the salon's own network). Such a client is public (no
secret): PKCE protects its codes.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import time
from urllib.parse import urlsplit

import anyio
import httpx

from booking_api.oauth.models import OAuthClient

log = logging.getLogger("booking_api.oauth")

MAX_BYTES = 5 * 1024
KEEP_SECONDS = 300.0


class ClientDocuments:
    """Fetches and keeps clients' metadata documents (one per process)."""

    def __init__(
        self, *, transport: httpx.AsyncBaseTransport | None = None, public_only: bool = True
    ):
        self.transport = transport  # tests serve documents in-process
        self.public_only = public_only
        self._kept: dict[str, tuple[float, OAuthClient | None]] = {}

    @staticmethod
    def is_document_url(client_id: str) -> bool:
        parts = urlsplit(client_id)
        return parts.scheme == "https" and bool(parts.hostname) and parts.path not in ("", "/")

    async def client(self, url: str) -> OAuthClient | None:
        """The client the document at ``url`` describes; None when it cannot be used."""
        kept = self._kept.get(url)
        if kept is not None and time.monotonic() - kept[0] < KEEP_SECONDS:
            return kept[1]
        try:
            client = _client_from(url, await self._fetch(url))
        except (httpx.HTTPError, ValueError, OSError) as exc:
            log.info("client metadata document %s refused: %s", url, exc)
            client = None
        if len(self._kept) > 1000:
            self._kept.clear()
        self._kept[url] = (time.monotonic(), client)
        return client

    async def _fetch(self, url: str) -> object:
        host = urlsplit(url).hostname or ""
        if self.public_only:
            for *_, sockaddr in await anyio.getaddrinfo(host, 443):
                if not ipaddress.ip_address(sockaddr[0]).is_global:
                    raise ValueError(f"{host} is not on a public address")
        async with (
            httpx.AsyncClient(transport=self.transport, timeout=5.0) as http,
            http.stream("GET", url, headers={"Accept": "application/json"}) as response,
        ):
            if response.status_code != 200:
                raise ValueError(f"HTTP {response.status_code}")
            body = b""
            async for chunk in response.aiter_bytes():
                body += chunk
                if len(body) > MAX_BYTES:
                    raise ValueError("larger than 5 KiB")
        return json.loads(body)


def redirect_uri_allowed(uri: str) -> bool:
    """https, a loopback http address (native apps, RFC 8252), or an app's own scheme."""
    parts = urlsplit(uri)
    if parts.fragment or parts.scheme in ("", "javascript", "data", "file", "vbscript"):
        return False
    if parts.scheme != "http":
        return True
    host = parts.hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _client_from(url: str, document: object) -> OAuthClient:
    if not isinstance(document, dict):
        raise ValueError("not a JSON object")
    if document.get("client_id") != url:
        raise ValueError("its client_id is not its URL")
    uris = document.get("redirect_uris")
    if not isinstance(uris, list) or not uris:
        raise ValueError("no redirect_uris")
    if not all(isinstance(u, str) and redirect_uri_allowed(u) for u in uris):
        raise ValueError("a redirect URI that is neither https, loopback nor an app's scheme")
    if document.get("token_endpoint_auth_method", "none") != "none":
        raise ValueError("only public clients (token_endpoint_auth_method none)")
    name = document.get("client_name")
    values = {
        "client_name": name if isinstance(name, str) else urlsplit(url).hostname,
        "redirect_uris": uris,
        "token_endpoint_auth_method": "none",
        "grant_types": ["authorization_code", "refresh_token"],
        "response_types": ["code"],
    }
    if isinstance(document.get("scope"), str):
        values["scope"] = document["scope"]
    return OAuthClient(client_id=url, client_metadata=values)
