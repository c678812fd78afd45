"""The authorization server's tables: registered clients, authorization codes and tokens.

Codes and tokens are stored as SHA-256 digests, never as given out: a copy of the database
does not let anyone act for the salon's clients. Each class also implements the Authlib
"mixin" methods that its grants and endpoints call.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from typing import Any

from authlib.oauth2.rfc6749 import (
    AuthorizationCodeMixin,
    ClientMixin,
    TokenMixin,
    list_to_scope,
    scope_to_list,
)
from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from booking_api.core.db import Base
from booking_common.oauth_scopes import ALL_SCOPES


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def digest(secret: str) -> str:
    """What is stored for a code, token or client secret: its SHA-256 in hex."""
    return hashlib.sha256(secret.encode()).hexdigest()


class OAuthClient(Base, ClientMixin):
    """An assistant (MCP client): registered dynamically (RFC 7591), or known by the URL of
    its metadata document (then never stored; see ``booking_api.oauth.client_documents``)."""

    __tablename__ = "oauth_client"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[str] = mapped_column(String(255), unique=True)
    client_secret_hash: Mapped[str | None] = mapped_column(String(64))
    client_metadata: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(default=now)

    # --- what the consent screen shows

    @property
    def name(self) -> str:
        return str(self.client_metadata.get("client_name") or self.client_id)

    @property
    def redirect_uris(self) -> list[str]:
        return list(self.client_metadata.get("redirect_uris") or [])

    # --- Authlib's ClientMixin

    def get_client_id(self) -> str:
        return self.client_id

    def get_default_redirect_uri(self) -> str | None:
        uris = self.redirect_uris
        return uris[0] if len(uris) == 1 else None  # several: the request must name one

    def get_allowed_scope(self, scope: str | None) -> str | None:
        """The requested scopes this server knows (all of them when none are asked for, or
        those the client registered); ``None`` (invalid_scope) when none is left."""
        allowed = scope_to_list(self.client_metadata.get("scope") or "") or list(ALL_SCOPES)
        allowed = [s for s in allowed if s in ALL_SCOPES]
        if not scope:
            return list_to_scope(allowed)
        granted = [s for s in scope_to_list(scope) if s in allowed]
        return list_to_scope(granted) if granted else None

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return redirect_uri in self.redirect_uris

    def check_client_secret(self, client_secret: str) -> bool:
        if not self.client_secret_hash:
            return False
        return hmac.compare_digest(self.client_secret_hash, digest(client_secret))

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        registered = self.client_metadata.get("token_endpoint_auth_method", "none")
        return method == registered

    def check_response_type(self, response_type: str) -> bool:
        return response_type in (self.client_metadata.get("response_types") or ["code"])

    def check_grant_type(self, grant_type: str) -> bool:
        granted = self.client_metadata.get("grant_types") or ["authorization_code"]
        return grant_type in granted


class OAuthAuthorizationCode(Base, AuthorizationCodeMixin):
    """A code handed to the assistant after consent: one use, ten minutes, PKCE-bound."""

    __tablename__ = "oauth_authorization_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    client_id: Mapped[str] = mapped_column(String(255))
    user_id: Mapped[int] = mapped_column(ForeignKey("auth_user.id", ondelete="CASCADE"), index=True)
    redirect_uri: Mapped[str] = mapped_column(Text, default="")
    scope: Mapped[str] = mapped_column(Text, default="")
    resource: Mapped[str] = mapped_column(Text)
    code_challenge: Mapped[str] = mapped_column(String(128))
    code_challenge_method: Mapped[str] = mapped_column(String(10), default="S256")
    expires_at: Mapped[dt.datetime]

    def get_redirect_uri(self) -> str:
        return self.redirect_uri

    def get_scope(self) -> str:
        return self.scope


class OAuthToken(Base, TokenMixin):
    """An access token (an hour) and its refresh token (a month), for one person, one
    assistant and one audience (the MCP server's URL, RFC 8707)."""

    __tablename__ = "oauth_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[str] = mapped_column(String(255), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("auth_user.id", ondelete="CASCADE"), index=True)
    access_token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    refresh_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    scope: Mapped[str] = mapped_column(Text, default="")
    resource: Mapped[str] = mapped_column(Text)
    issued_at: Mapped[dt.datetime] = mapped_column(default=now)
    expires_at: Mapped[dt.datetime]
    refresh_expires_at: Mapped[dt.datetime | None]
    revoked_at: Mapped[dt.datetime | None]

    @property
    def active(self) -> bool:
        """Usable as an access token: neither revoked nor expired."""
        return self.revoked_at is None and self.expires_at > now()

    @property
    def refreshable(self) -> bool:
        return (
            self.revoked_at is None
            and self.refresh_expires_at is not None
            and self.refresh_expires_at > now()
        )

    # --- Authlib's TokenMixin

    def check_client(self, client: ClientMixin) -> bool:
        return self.client_id == client.get_client_id()

    def get_scope(self) -> str:
        return self.scope

    def get_expires_in(self) -> int:
        return max(0, int((self.expires_at - self.issued_at).total_seconds()))

    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    def is_expired(self) -> bool:
        return self.expires_at <= now()
