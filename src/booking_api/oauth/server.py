"""Authlib's authorization server, on Starlette requests and the async database.

Authlib (``authlib.oauth2``: RFC 6749 grants, RFC 7636 PKCE, RFC 7591 registration, RFC 7009
revocation, RFC 9207 ``iss``) does the protocol; this module gives it storage and requests.
Authlib is synchronous, the database is not: :meth:`AuthorizationServer.call` runs an Authlib
call in a worker thread, and each storage callback runs its query back on the event loop
(``anyio.from_thread.run``) in the request's session. One server object per request.

Added to what Authlib does:

* PKCE is required of every client, with S256 only (OAuth 2.1);
* resource indicators (RFC 8707): a token is bound to one audience, the MCP server's URL,
  chosen in the authorization request and kept through code exchange and refresh;
* refresh tokens rotate: each refresh revokes the old pair.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections import defaultdict
from collections.abc import Callable, Coroutine, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

import anyio
import anyio.from_thread
import anyio.to_thread
from authlib.common.security import generate_token
from authlib.consts import default_json_headers
from authlib.oauth2 import AuthorizationServer as AuthlibServer
from authlib.oauth2 import OAuth2Error
from authlib.oauth2.rfc6749 import (
    InvalidGrantError,
    InvalidRequestError,
    JsonPayload,
    JsonRequest,
    OAuth2Payload,
    OAuth2Request,
)
from authlib.oauth2.rfc6749.grants import AuthorizationCodeGrant, RefreshTokenGrant
from authlib.oauth2.rfc6750 import BearerTokenGenerator
from authlib.oauth2.rfc7009 import RevocationEndpoint
from authlib.oauth2.rfc7591 import ClientRegistrationEndpoint, InvalidClientMetadataError
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oauth2.rfc9207 import IssuerParameter
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import JSONResponse, RedirectResponse, Response

from booking_api.core.config import Settings
from booking_api.oauth import repository
from booking_api.oauth.client_documents import ClientDocuments, redirect_uri_allowed
from booking_api.oauth.models import (
    OAuthAuthorizationCode,
    OAuthClient,
    OAuthToken,
    digest,
    now,
)
from booking_common.oauth_scopes import ALL_SCOPES

T = TypeVar("T")
CODE_LIFETIME = dt.timedelta(minutes=10)
CLIENT_AUTH_METHODS = ["none", "client_secret_basic", "client_secret_post"]


def metadata(settings: Settings) -> dict[str, Any]:
    """Authorization server metadata (RFC 8414), served at
    ``/.well-known/oauth-authorization-server``."""
    issuer = (settings.oauth_issuer or "").rstrip("/")
    return {
        "issuer": issuer,
        "authorization_endpoint": f"{issuer}/oauth/authorize",
        "token_endpoint": f"{issuer}/oauth/token",
        "registration_endpoint": f"{issuer}/oauth/register",
        "revocation_endpoint": f"{issuer}/oauth/revoke",
        "introspection_endpoint": f"{issuer}/api/oauth/introspect/",
        "scopes_supported": list(ALL_SCOPES),
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code", "refresh_token"],
        "token_endpoint_auth_methods_supported": CLIENT_AUTH_METHODS,
        "revocation_endpoint_auth_methods_supported": CLIENT_AUTH_METHODS,
        "code_challenge_methods_supported": ["S256"],
        "authorization_response_iss_parameter_supported": True,
        "client_id_metadata_document_supported": True,
    }


# --- requests and responses ----------------------------------------------------------------


class _Payload(OAuth2Payload, JsonPayload):
    def __init__(self, items: list[tuple[str, str]] | None = None, json: Any = None):
        self._datalist: defaultdict[str, list] = defaultdict(list)
        for key, value in items or []:
            self._datalist[key].append(value)
        self._data = json if json is not None else {k: v[0] for k, v in self._datalist.items()}

    @property
    def data(self) -> Any:
        return self._data

    @property
    def datalist(self) -> defaultdict[str, list]:
        return self._datalist


class _Request(OAuth2Request):
    def __init__(self, incoming: Incoming):
        super().__init__(incoming.method, incoming.uri, headers=incoming.headers)
        self.payload = _Payload(incoming.query + incoming.form)
        self._args = dict(incoming.query)
        self._form = dict(incoming.form)
        self.resource: str | None = None  # the audience, set by the grants (RFC 8707)

    @property
    def args(self) -> dict[str, str]:
        return self._args

    @property
    def form(self) -> dict[str, str]:
        return self._form


@dataclass
class Incoming:
    """What Authlib needs of an HTTP request, read before it runs (reading is async)."""

    method: str
    uri: str  # the issuer's URL of the endpoint: Authlib refuses plain http off loopback
    headers: Mapping[str, str]
    query: list[tuple[str, str]] = field(default_factory=list)
    form: list[tuple[str, str]] = field(default_factory=list)
    json: Any = None

    def oauth2(self) -> OAuth2Request:
        return _Request(self)

    def json_request(self) -> JsonRequest:
        request = JsonRequest(self.method, self.uri, headers=self.headers)
        request.payload = _Payload(json=self.json)
        return request


@dataclass
class Reply:
    """Authlib's ``(status, body, headers)``; ``location`` is what RFC 9207's hook rewrites."""

    status: int
    body: Any
    headers: list[tuple[str, str]]

    @property
    def location(self) -> str | None:
        return next((v for k, v in self.headers if k.lower() == "location"), None)

    @location.setter
    def location(self, value: str) -> None:
        self.headers = [(k, v) for k, v in self.headers if k.lower() != "location"]
        self.headers.append(("Location", value))

    def response(self) -> Response:
        headers = {k: v for k, v in self.headers if k.lower() != "content-type"}
        if self.location is not None:
            return RedirectResponse(self.location, status_code=302, headers=headers)
        return JSONResponse(self.body, status_code=self.status, headers=headers)


# --- grants and endpoints ------------------------------------------------------------------


class InvalidTargetError(OAuth2Error):
    """RFC 8707: the resource asked for is not one this server issues tokens for."""

    error = "invalid_target"


class S256Challenge(CodeChallenge):
    """PKCE for every client, S256 only (OAuth 2.1)."""

    DEFAULT_CODE_CHALLENGE_METHOD = "S256"
    SUPPORTED_CODE_CHALLENGE_METHOD = ["S256"]

    def validate_code_challenge(self, grant: Any, redirect_uri: str) -> None:
        if not grant.request.payload.data.get("code_challenge"):
            raise InvalidRequestError("Missing 'code_challenge' (PKCE with S256 is required).")
        super().validate_code_challenge(grant, redirect_uri)


def _single_resource(request: OAuth2Request) -> str | None:
    values = request.payload.datalist.get("resource") or []
    if len(values) > 1:
        raise InvalidTargetError("One 'resource' per request.")
    return values[0].rstrip("/") if values else None


class CodeGrant(AuthorizationCodeGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = CLIENT_AUTH_METHODS
    server: AuthorizationServer

    def validate_authorization_request(self) -> str:
        redirect_uri = super().validate_authorization_request()
        audiences = self.server.settings.oauth_audiences
        resource = _single_resource(self.request)
        if resource is None and len(audiences) == 1:
            resource = audiences[0]
        if resource not in audiences:
            raise InvalidTargetError(
                "Unknown 'resource': tokens are issued for this booking service's MCP server.",
                redirect_uri=redirect_uri,
            )
        self.request.resource = resource
        return redirect_uri

    def save_authorization_code(self, code: str, request: OAuth2Request) -> None:
        data = request.payload.data
        row = OAuthAuthorizationCode(
            code_hash=digest(code),
            client_id=request.client.get_client_id(),
            user_id=request.user.id,
            redirect_uri=request.payload.redirect_uri or "",
            scope=request.scope or "",
            resource=request.resource,  # type: ignore[attr-defined]
            code_challenge=data["code_challenge"],
            code_challenge_method=data.get("code_challenge_method") or "S256",
            expires_at=now() + CODE_LIFETIME,
        )
        self.server.run(repository.add, row)

    def query_authorization_code(self, code: str, client: Any) -> OAuthAuthorizationCode | None:
        return self.server.run(repository.authorization_code, code, client.get_client_id())

    def validate_token_request(self) -> None:
        super().validate_token_request()
        code = self.request.authorization_code
        resource = _single_resource(self.request)
        if resource is not None and resource != code.resource:
            raise InvalidTargetError("'resource' differs from the authorization request's.")
        self.request.resource = code.resource

    def delete_authorization_code(self, authorization_code: OAuthAuthorizationCode) -> None:
        if not self.server.run(repository.use_authorization_code, authorization_code.id):
            raise InvalidGrantError("Invalid 'code' in request.")

    def authenticate_user(self, authorization_code: OAuthAuthorizationCode) -> Any:
        return self.server.run(repository.user, authorization_code.user_id)


class RotatingRefreshGrant(RefreshTokenGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = CLIENT_AUTH_METHODS
    INCLUDE_NEW_REFRESH_TOKEN = True  # OAuth 2.1: a public client's refresh token is one-use
    server: AuthorizationServer

    def authenticate_refresh_token(self, refresh_token: str) -> OAuthToken | None:
        token = self.server.run(repository.token_by_refresh, refresh_token)
        return token if token is not None and token.refreshable else None

    def validate_token_request(self) -> None:
        super().validate_token_request()
        token = self.request.refresh_token
        resource = _single_resource(self.request)
        if resource is not None and resource != token.resource:
            raise InvalidTargetError("'resource' differs from the original grant's.")
        self.request.resource = token.resource

    def authenticate_user(self, refresh_token: OAuthToken) -> Any:
        return self.server.run(repository.user, refresh_token.user_id)

    def revoke_old_credential(self, refresh_token: OAuthToken) -> None:
        if not self.server.run(repository.revoke, refresh_token.id):
            raise InvalidGrantError()  # refreshed a moment ago by another request


class Revocation(RevocationEndpoint):
    CLIENT_AUTH_METHODS = CLIENT_AUTH_METHODS
    server: AuthorizationServer

    def query_token(self, token_string: str, token_type_hint: str | None) -> OAuthToken | None:
        return self.server.run(repository.token_by_either, token_string)

    def revoke_token(self, token: OAuthToken, request: OAuth2Request) -> None:
        self.server.run(repository.revoke, token.id)  # the access and refresh token together


class Registration(ClientRegistrationEndpoint):
    """Dynamic client registration (RFC 7591), open to anyone, as MCP expects. A public client
    (``token_endpoint_auth_method: none``) gets no secret; the others get one, shown once."""

    server: AuthorizationServer

    def authenticate_token(self, request: JsonRequest) -> bool:
        return True

    def get_server_metadata(self) -> dict[str, Any]:
        return metadata(self.server.settings)

    def extract_client_metadata(self, request: JsonRequest) -> dict[str, Any]:
        if not isinstance(request.payload.data, dict):
            raise InvalidClientMetadataError("The body must be a JSON object.")
        values = super().extract_client_metadata(request)
        uris = values.get("redirect_uris")
        if not uris or not all(isinstance(u, str) and redirect_uri_allowed(u) for u in uris):
            raise InvalidClientMetadataError(
                "redirect_uris: https, or http on a loopback address, or an app's own scheme."
            )
        values.setdefault("grant_types", ["authorization_code", "refresh_token"])
        values.setdefault("response_types", ["code"])
        return values

    def generate_client_info(self, request: JsonRequest) -> dict[str, Any]:
        info = super().generate_client_info(request)
        method = request.payload.data.get("token_endpoint_auth_method", "client_secret_basic")
        if method == "none":
            del info["client_secret"], info["client_secret_expires_at"]
        return info

    def save_client(
        self, client_info: dict[str, Any], client_metadata: dict[str, Any], request: JsonRequest
    ) -> OAuthClient:
        secret = client_info.get("client_secret")
        row = OAuthClient(
            client_id=client_info["client_id"],
            client_secret_hash=digest(secret) if secret else None,
            client_metadata=client_metadata,
        )
        self.server.run(repository.add, row)
        return row


class Issuer(IssuerParameter):
    def __init__(self, issuer: str):
        self.issuer = issuer

    def get_issuer(self) -> str:
        return self.issuer


# --- the server ----------------------------------------------------------------------------


class AuthorizationServer(AuthlibServer):
    """The API's OAuth 2.1 authorization server for one request (see the module docstring)."""

    def __init__(self, session: AsyncSession, settings: Settings, documents: ClientDocuments):
        super().__init__(scopes_supported=list(ALL_SCOPES))
        self.session = session
        self.settings = settings
        self.documents = documents
        self.issuer = (settings.oauth_issuer or "").rstrip("/")
        self.register_token_generator(
            "default",
            BearerTokenGenerator(
                access_token_generator=lambda **_: generate_token(43),
                refresh_token_generator=lambda **_: generate_token(48),
                expires_generator=lambda client, grant_type: settings.oauth_access_token_seconds,
            ),
        )
        self.register_grant(CodeGrant, [S256Challenge(required=True)])
        self.register_grant(RotatingRefreshGrant)
        self.register_endpoint(Revocation)
        self.register_endpoint(Registration)
        self.iss = Issuer(self.issuer)
        self.register_extension(self.iss)

    # --- running Authlib

    async def call(self, fn: Callable[..., T], *args: Any) -> T:
        """Run a (synchronous) Authlib call in a worker thread."""
        return await anyio.to_thread.run_sync(functools.partial(fn, *args))

    def run(self, fn: Callable[..., Coroutine[Any, Any, T]], *args: Any) -> T:
        """From Authlib's thread: run a repository function in this request's session."""
        return anyio.from_thread.run(fn, self.session, *args)

    def with_issuer(self, reply: Reply) -> Reply:
        """RFC 9207: every authorization response, errors included, names the issuer."""
        self.iss.add_issuer_parameter(self, reply)
        return reply

    # --- what Authlib asks of a framework

    def query_client(self, client_id: str) -> OAuthClient | None:
        if ClientDocuments.is_document_url(client_id):
            return anyio.from_thread.run(self.documents.client, client_id)
        return self.run(repository.client, client_id)

    def save_token(self, token: dict[str, Any], request: OAuth2Request) -> None:
        issued = now()
        refresh = token.get("refresh_token")
        row = OAuthToken(
            client_id=request.client.get_client_id(),
            user_id=request.user.id,
            access_token_hash=digest(token["access_token"]),
            refresh_token_hash=digest(refresh) if refresh else None,
            scope=token.get("scope") or "",
            resource=request.resource,  # type: ignore[attr-defined]
            issued_at=issued,
            expires_at=issued + dt.timedelta(seconds=token["expires_in"]),
            refresh_expires_at=(
                issued + dt.timedelta(days=self.settings.oauth_refresh_token_days)
                if refresh
                else None
            ),
        )
        self.run(repository.add, row)

    def create_oauth2_request(self, request: Incoming | OAuth2Request) -> OAuth2Request:
        return request if isinstance(request, OAuth2Request) else request.oauth2()

    def create_json_request(self, request: Incoming) -> JsonRequest:
        return request.json_request()

    def handle_response(self, status: int, body: Any, headers: list) -> Reply:
        return Reply(status, body, list(headers or default_json_headers))

    def send_signal(self, name: str, *args: Any, **kwargs: Any) -> None:
        return None
