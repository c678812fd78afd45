"""Settings, read from the environment and `.env` (pydantic-settings).

Every knob of the API lives here; nothing else reads `os.environ`.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

from pydantic import Field, SecretStr, field_validator, model_validator

from booking_common.settings import CommonSettings

DEFAULT_SECRET_KEY = "insecure-dev-key-change-me-0123456789abcdef"


def normalise_database_url(url: str) -> str:
    """Accept the URLs people paste (``postgres://``, ``sqlite:///``) and pick the async driver."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        return "postgresql+asyncpg://" + url[len("postgresql://") :]
    if url.startswith("sqlite://") and not url.startswith("sqlite+"):
        return "sqlite+aiosqlite://" + url[len("sqlite://") :]
    return url


class Settings(CommonSettings):
    environment: str = Field("development", description="development | production | test")
    debug: bool = False
    database_url: str = "sqlite+aiosqlite:///./booking.sqlite3"
    db_pool_size: int = 16
    db_max_overflow: int = 16
    db_echo: bool = False
    # Scaling out (booking_api.core.db): PgBouncer in front of PostgreSQL, a read replica.
    database_pgbouncer: bool = Field(
        False,
        description="DATABASE_URL (and DATABASE_REPLICA_URL) go through PgBouncer in "
        "transaction pooling mode: no server-side prepared statement outlives its statement "
        "(asyncpg's statement cache off, unnamed statements), no startup parameters PgBouncer "
        "refuses",
    )
    database_replica_url: str | None = Field(
        None,
        description="A PostgreSQL streaming replica for reads where a little staleness is "
        "fine (the catalogue: categories, services, specialists, their services and weekly "
        "schedules). Booking checks, free time, writes and everything else read the primary; "
        "an unreachable replica sends those reads to the primary too",
    )
    database_replica_retry_seconds: float = Field(
        10.0,
        gt=0,
        description="After the replica failed, how long its reads go to the primary before "
        "the replica is tried again",
    )
    database_replica_connect_timeout_seconds: float = Field(
        2.0,
        gt=0,
        description="How long opening a replica connection may take before its read goes "
        "to the primary",
    )

    secret_key: SecretStr = SecretStr(DEFAULT_SECRET_KEY)
    access_token_lifetime_minutes: int = 5
    refresh_token_lifetime_minutes: int = 24 * 60
    password_hash_iterations: int = 1_000_000  # Django 5.2's default for pbkdf2_sha256

    time_zone: str = "Europe/Moscow"
    telegram_bot_token: SecretStr | None = None
    telegram_auth_max_age_seconds: int = 24 * 3600

    media_root: Path = Path("media")
    media_url: str = "/media/"
    max_photo_bytes: int = 5 * 1024 * 1024

    # Scheduling engine
    slot_step_minutes: int = 30
    min_notice_minutes: int = 0
    booking_horizon_days: int = 90
    cancel_cutoff_minutes: int = 0
    idempotency_ttl_hours: int = 24
    hold_minutes: int = Field(
        5,
        ge=1,
        description="How long a hold (POST /api/holds/) keeps a time for its client; a hold "
        "ends on a whole minute, at least this many minutes after it is made",
    )

    max_page_size: int = 100

    # Jobs (reminders, notifications, waitlist offers); see ``booking_api.jobs``.
    redis_url: str | None = Field(None, description="redis://… — arq dispatches jobs when set")
    redis_key_prefix: str = Field(
        "booking:",
        description="Start of every key the API and its job worker keep in Redis (cache "
        "versions, rate-limit counters, the arq queue and job ids): deployments or test runs "
        "sharing one Redis database each use their own",
    )
    reminder_offsets: str = Field(
        "1440,120", description="Reminders: minutes before the start, comma-separated"
    )
    run_jobs_in_process: bool | None = Field(
        None, description="Run due jobs inside the API process (default: when REDIS_URL is unset)"
    )
    no_show_confirm_threshold: int = Field(
        2,
        ge=0,
        description="Clients with at least this many no-shows are asked to confirm a booking "
        "earlier (NO_SHOW_CONFIRM_HOURS before it); 0 turns it off",
    )
    no_show_confirm_hours: float = Field(
        48.0, ge=0, description="How long before a booking those clients are asked to confirm"
    )
    job_lease_seconds: int = 120
    job_poll_seconds: float = 5.0
    job_max_attempts: int = 8
    job_concurrency: int = Field(
        8,
        ge=1,
        le=100,
        description="Reminders, notices, waitlist offers one job worker runs at once; jobs "
        "about one appointment (or one waitlist entry or freed slot) still run one after "
        "another, in order",
    )
    waitlist_offer_minutes: int = 30
    telegram_api_url: str = "https://api.telegram.org"

    # Caching and rate limits (see booking_api.caching / core.throttle).
    cache_backend: str = Field(
        "auto",
        description="auto | redis | local | off: auto = Redis when REDIS_URL is set, "
        "in-process for a single worker, off for several workers without Redis",
    )
    cache_ttl_seconds: int = 300
    cache_max_entries: int = 5000
    cache_max_bytes: int = 32 * 1024 * 1024
    user_cache_seconds: float = Field(
        5.0, description="How long a bearer token's user row is reused (0 = every request)"
    )
    throttle_auth: str = Field("20/min", description="Token/Telegram sign-in per client IP")
    throttle_booking: str = Field("30/min", description="Booking creation per user")

    # Production shape: logs, shutdown, HTTPS, personal data at rest.
    shutdown_grace_seconds: int = Field(
        20, description="On SIGTERM, how long in-flight requests may take to finish"
    )
    hsts_max_age: int = Field(31536000, description="Strict-Transport-Security max-age (https)")

    # Serving: what a client may send, how long it may take, and the answer while the database
    # is away (booking_api.core.middleware, booking_api.core.protocol, booking_api.core.db).
    max_request_body_bytes: int = Field(
        2_621_440,
        description="Largest request body (413 beyond): Django's DATA_UPLOAD_MAX_MEMORY_SIZE. "
        "A multipart upload may carry MAX_PHOTO_BYTES more",
    )
    request_body_timeout_seconds: float = Field(
        5.0,
        description="Longest wait for the next part of a request body: a body shorter than "
        "its Content-Length, or one that stops, is a 400 then",
    )
    max_request_header_bytes: int = Field(
        32_768, description="Largest request line plus headers (431 beyond)"
    )
    request_header_timeout_seconds: float = Field(
        10.0, description="Longest time to receive a request's line and headers (then 408)"
    )
    database_retry_after_seconds: int = Field(
        5, description="Retry-After of the 503 answered while the database is unreachable"
    )
    db_connect_timeout_seconds: float = Field(
        15.0, description="How long opening a database connection may take (then 503)"
    )
    sqlite_busy_timeout_seconds: float = Field(
        30.0, description="How long a SQLite write waits for another writer's lock (then 503)"
    )
    docs_use_cdn: bool = Field(
        False,
        description="Load Swagger UI and ReDoc from a CDN instead of the files this service "
        "ships (/api/docs/ and /api/redoc/ work offline by default)",
    )
    cors_allowed_origins: str = Field(
        "",
        description="Comma-separated origins a browser may call the API from (a Telegram Mini "
        "App, a booking widget on the salon's site), like django-cors-headers' "
        "CORS_ALLOWED_ORIGINS; empty = no cross-origin access",
    )

    # OAuth 2.1 for AI assistants (booking_api.oauth): the API signs people in for the MCP server.
    oauth_issuer: str | None = Field(
        None,
        description="Public URL of this API (https://booking.example.com): turns the OAuth "
        "authorization server on; its metadata is at /.well-known/oauth-authorization-server",
    )
    mcp_public_url: str | None = Field(
        None, description="Public URL of the MCP server (…/mcp): the audience of OAuth tokens"
    )
    oauth_resources: str = Field(
        "", description="More audiences (comma-separated MCP server URLs) tokens may be issued for"
    )
    oauth_access_token_seconds: int = 3600
    oauth_refresh_token_days: int = 30
    telegram_bot_username: str | None = Field(
        None, description="The bot's @username: shows the Telegram Login Widget on the sign-in page"
    )

    @property
    def oauth_audiences(self) -> list[str]:
        """The resource URLs (RFC 8707) this API issues OAuth tokens for, without a final /."""
        urls = [self.mcp_public_url or "", *self.oauth_resources.split(",")]
        return list(dict.fromkeys(u.strip().rstrip("/") for u in urls if u.strip()))

    # Outbound webhooks and calendar feeds (see booking_api.webhooks, booking_api.calendars).
    webhooks_enabled: bool = Field(
        True,
        description="Queue webhook events for booking and client changes; false turns "
        "outbound webhooks off (no event rows at all)",
    )
    webhook_allow_private: bool = Field(
        False,
        description="Allow webhook URLs on private, loopback, link-local or reserved "
        "addresses (a receiver on the same machine or network); off, a staff user cannot make "
        "the server call internal services",
    )
    webhook_timeout_seconds: float = Field(10.0, description="One delivery attempt's timeout")
    webhook_retry_base_seconds: float = Field(
        10.0, description="First retry delay; doubled per attempt (with jitter)"
    )
    webhook_retry_max_seconds: float = Field(3600.0, description="Longest delay between tries")
    webhook_give_up_seconds: float = Field(
        3 * 24 * 3600.0,
        description="A delivery not acknowledged this long after its event is marked failed",
    )
    webhook_concurrency: int = Field(
        10,
        ge=1,
        le=100,
        description="Webhook jobs (fan-outs and delivery attempts) one job worker runs at "
        "once, apart from JOB_CONCURRENCY: a slow receiver never holds up a Telegram message",
    )
    public_url: str | None = Field(
        None,
        description="https://… where users reach the API, for links sent out of band "
        "(calendar feeds); default: the address the request came to",
    )
    # Observability and the cost of it (see booking_api.core.metrics, booking_common.asgi).
    metrics_enabled: bool = Field(
        False,
        description="Serve Prometheus figures at /metrics (HTTP, database pool, event-loop "
        "lag, GC pauses) for this worker process; keep the path off the public internet",
    )
    access_log: str = Field(
        "on",
        description="on | errors | off: one line per request, only for answers >= 400 (and "
        "slow ones), or none",
    )
    access_log_sample: float = Field(
        1.0,
        ge=0.0,
        le=1.0,
        description="Share of ordinary requests that get an access-log line (errors and slow "
        "requests always do)",
    )
    access_log_slow_ms: float = Field(
        1000.0, description="Requests slower than this always get an access-log line"
    )

    @property
    def cors_origins(self) -> list[str]:
        return [o.strip().rstrip("/") for o in self.cors_allowed_origins.split(",") if o.strip()]

    encryption_key: SecretStr | None = Field(
        None, description="Encrypt client phone/email and dialog context at rest (>=32 chars)"
    )
    encryption_old_keys: SecretStr | None = Field(
        None, description="Previous ENCRYPTION_KEYs, comma-separated (decrypt only; rotate-key)"
    )

    @field_validator("database_url")
    @classmethod
    def _driver(cls, value: str) -> str:
        return normalise_database_url(value)

    @field_validator("database_replica_url")
    @classmethod
    def _replica_driver(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        value = normalise_database_url(value.strip())
        if not value.startswith("postgresql+asyncpg://"):
            raise ValueError("DATABASE_REPLICA_URL must be a PostgreSQL URL (postgresql://…)")
        return value

    @field_validator("time_zone")
    @classmethod
    def _zone(cls, value: str) -> str:
        ZoneInfo(value)  # raises for an unknown zone
        return value

    @model_validator(mode="after")
    def _production_needs_a_secret(self) -> Settings:
        if self.environment == "production" and (
            self.secret_key.get_secret_value() == DEFAULT_SECRET_KEY
            or len(self.secret_key.get_secret_value()) < 32
        ):
            raise ValueError(
                "SECRET_KEY must be set to a random value of at least 32 characters in production"
            )
        return self

    @model_validator(mode="after")
    def _replica_needs_postgres(self) -> Settings:
        if self.database_replica_url and self.is_sqlite:
            raise ValueError("DATABASE_REPLICA_URL needs a PostgreSQL DATABASE_URL")
        return self

    @field_validator("encryption_key")
    @classmethod
    def _key_length(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value().strip():
            return None
        if value is not None and len(value.get_secret_value().strip()) < 32:
            raise ValueError(
                "ENCRYPTION_KEY must be at least 32 characters "
                "(e.g. python -c 'from cryptography.fernet import Fernet; "
                "print(Fernet.generate_key().decode())')"
            )
        return value

    @field_validator("access_log")
    @classmethod
    def _access_log(cls, value: str) -> str:
        value = value.strip().lower()
        if value not in ("on", "errors", "off"):
            raise ValueError("ACCESS_LOG must be on, errors or off")
        return value

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


@lru_cache
def get_settings() -> Settings:
    return Settings()
