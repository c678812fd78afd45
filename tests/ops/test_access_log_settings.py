"""ACCESS_LOG / ACCESS_LOG_SAMPLE / ACCESS_LOG_SLOW_MS: what the access log costs is a setting,
and the lines written carry the same fields whatever the setting."""

from __future__ import annotations

import httpx
import pytest
from pydantic import ValidationError

from booking_api.app import create_app
from booking_common.logging import redact, register_secret
from kit.api import make_settings
from kit.ops import captured_logs, json_lines

FIELDS = {"method", "path", "status", "duration_ms", "request_id"}


async def _access_lines(env, tmp_path, **overrides) -> list[dict]:  # noqa: ANN001, ANN003
    app = create_app(make_settings(env.settings.database_url, tmp_path, **overrides), env.db)
    transport = httpx.ASGITransport(app=app)
    with captured_logs(this_thread=True) as logs:
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
            for _ in range(20):
                assert (await c.get("/api/categories/")).status_code == 200
            assert (await c.get("/api/categories/999/")).status_code == 404
    return [x for x in json_lines(logs) if x["logger"] == "booking_api.access"]


async def test_on_by_default_one_line_per_request(env, tmp_path) -> None:  # noqa: ANN001
    lines = await _access_lines(env, tmp_path)
    assert len(lines) == 21
    assert all(FIELDS <= set(x) for x in lines)


async def test_errors_only_keeps_the_failures(env, tmp_path) -> None:  # noqa: ANN001
    lines = await _access_lines(env, tmp_path, access_log="errors")
    assert [(x["path"], x["status"]) for x in lines] == [("/api/categories/999/", 404)]
    assert FIELDS <= set(lines[0])


async def test_errors_mode_still_logs_slow_requests(env, tmp_path) -> None:  # noqa: ANN001
    lines = await _access_lines(env, tmp_path, access_log="errors", access_log_slow_ms=0)
    assert len(lines) == 21


async def test_off_writes_nothing(env, tmp_path) -> None:  # noqa: ANN001
    assert await _access_lines(env, tmp_path, access_log="off") == []


async def test_sampling_keeps_a_share_and_every_error(env, tmp_path) -> None:  # noqa: ANN001
    none_sampled = await _access_lines(env, tmp_path, access_log_sample=0.0)
    assert [x["status"] for x in none_sampled] == [404]


def test_unknown_mode_is_refused(tmp_path) -> None:  # noqa: ANN001
    with pytest.raises(ValidationError):
        make_settings("sqlite+aiosqlite:///x.sqlite3", tmp_path, access_log="loud")


def test_redaction_fast_path_still_redacts() -> None:
    """Text without any trigger word skips the patterns; secrets registered still go."""
    register_secret("s3cr3t-value-for-the-fast-path")
    assert redact("GET /api/x/s3cr3t-value-for-the-fast-path/") == "GET /api/x/[redacted]/"
    assert redact("GET /api/services/ 200 3.1ms") == "GET /api/services/ 200 3.1ms"
    assert "abc.def" not in redact("BEARER abc.def")
    assert "eyJhbGciOi.eyJzdWIi.sig" not in redact("x eyJhbGciOi.eyJzdWIi.sig y")
