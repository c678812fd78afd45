"""Settings of the MCP server, read from the environment (and a ``.env`` file).

The names are those the existing deployment already uses (``API_URL``, ``API_USERNAME``,
``API_PASSWORD``, ``MCP_SERVER_PORT``) plus a few new ones.
"""

from __future__ import annotations

from booking_common.settings import CommonSettings


class Settings(CommonSettings):
    """Everything the MCP server needs to reach the API and serve assistants."""

    api_url: str = "http://localhost:8000/api"
    """Base URL of the booking REST API, ending in ``/api``."""
    api_username: str = ""
    """A staff/service account: reads contexts and acts for Telegram users via the exchange."""
    api_password: str = ""
    mcp_server_port: int = 5000
    mcp_auth_token: str | None = None
    """When set, the HTTP transport requires ``Authorization: Bearer <token>``."""
    oauth_issuer: str | None = None
    """The booking API's public URL (its OAuth issuer). With ``MCP_PUBLIC_URL`` it turns on
    OAuth sign-in for the HTTP transport (see :mod:`booking_mcp.oauth`)."""
    mcp_public_url: str | None = None
    """This server's public MCP URL (``https://booking.example.com/mcp``): the audience that
    OAuth tokens must be issued for."""
    booking_client_token: str | None = None
    """A client's own JWT (access or refresh): fixes whose bookings the tools act on."""
    booking_telegram_id: str | None = None
    """Alternatively a Telegram id, exchanged for that client's tokens by the service account."""
    dialog_ttl_seconds: int = 3600
    """How long a conversation's context lives without activity."""
    request_timeout: float = 10.0
    """Seconds per API request."""
    api_retry_max_wait: float = 10.0
    """At most this many seconds of one API call are spent waiting to retry it (a 503's
    ``Retry-After``, a connection failure); only reads and keyed writes are retried."""
    booking_repeat_window_seconds: float = 300.0
    """A ``create_appointment`` call without an ``idempotency_key`` that repeats an identical
    one (same client, specialist, service, date and time) this soon is the same booking."""
    time_zone: str = "Europe/Moscow"
    """The service's time zone: what "today" means when ``now`` is not given."""
    catalogue_ttl_seconds: float = 60.0
    """How long the catalogue used for understanding messages is cached."""
    business_name: str = "Booking Assistant"
    """The business's name, in the ``business://profile`` resource."""
    business_contacts: str = ""
    """How to reach the business (address, phone, site), in ``business://profile``."""

    @property
    def oauth_enabled(self) -> bool:
        return bool(self.oauth_issuer and self.mcp_public_url)

    @property
    def fixed_identity(self) -> bool:
        """True when this server acts for one person only (a personal assistant)."""
        return bool(self.booking_client_token or self.booking_telegram_id)


def get_settings() -> Settings:
    return Settings()
