"""`booking api` / `booking mcp --transport http` as processes: TLS, HSTS, /ready, SIGTERM."""

from __future__ import annotations

import asyncio
import os
import signal
import ssl
import subprocess

import httpx
import pytest

from booking_api.app import create_app
from kit.ops import self_signed_cert
from kit.processes import booking as _booking
from kit.processes import process_env as _env
from kit.processes import stop as _stop
from kit.processes import wait_until_up as _wait
from kit.servers import free_port

pytestmark = pytest.mark.slow
HSTS = "max-age=31536000; includeSubDomains"


async def test_hsts_only_over_https(env):
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=env.app), base_url="https://testserver"
    ) as https:
        assert (await https.get("/health")).headers["Strict-Transport-Security"] == HSTS
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=env.app), base_url="http://testserver"
    ) as http:
        assert "Strict-Transport-Security" not in (await http.get("/health")).headers


async def test_cors_lets_only_the_configured_origins_in(env, cat):
    """A Mini App on an allowed origin may call the API from the browser: the preflight is
    answered and the booking's answer carries the CORS headers; other origins get none."""
    mini_app = "https://mini.salon.example"
    app = create_app(
        env.settings.model_copy(update={"cors_allowed_origins": f"{mini_app}/, https://x.example"}),
        env.db,
    )
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver"
    ) as http:
        preflight = {
            "Origin": mini_app,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type, idempotency-key",
        }
        r = await http.options("/api/appointments/", headers=preflight)
        assert r.status_code == 200
        assert r.headers["access-control-allow-origin"] == mini_app
        assert "POST" in r.headers["access-control-allow-methods"]
        assert "idempotency-key" in r.headers["access-control-allow-headers"].lower()
        r = await http.options(
            "/api/appointments/", headers={**preflight, "Origin": "https://evil.example"}
        )
        assert r.status_code == 400 and "access-control-allow-origin" not in r.headers
        r = await http.get("/api/services/", headers={"Origin": mini_app})
        assert r.status_code == 200 and r.headers["access-control-allow-origin"] == mini_app
        assert "X-Request-ID" in r.headers["access-control-expose-headers"]
    # Without the setting (the default) browsers on other origins get no access.
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=env.app), base_url="http://testserver"
    ) as http:
        r = await http.get("/api/services/", headers={"Origin": mini_app})
        assert r.status_code == 200 and "access-control-allow-origin" not in r.headers


async def test_ready_follows_the_database_and_reports_redis_as_degraded(env, tmp_path):
    """The API serves reads and bookings without Redis (cache and limits fall back in-process),
    so a Redis outage leaves it ready (200) and is reported as degraded; a lost database is
    what makes it unready (503)."""
    app = create_app(env.settings.model_copy(update={"redis_url": "redis://127.0.0.1:1/0"}), env.db)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://t"
    ) as http:
        r = await http.get("/ready")
    assert r.status_code == 200
    assert r.json() == {
        "status": "degraded",
        "database": "ok",
        "redis": "down",
        "degraded": ["redis"],
    }
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=env.app), base_url="http://t"
    ) as http:
        r = await http.get("/ready")
    assert r.status_code == 200 and r.json() == {"status": "ok", "database": "ok"}


async def test_ready_is_503_without_the_database(env, tmp_path):
    from booking_api.core.db import Database

    for url in (
        f"sqlite+aiosqlite:///{tmp_path / 'no-such-dir' / 'db.sqlite3'}",  # cannot be opened
        f"postgresql+asyncpg://postgres@127.0.0.1:{free_port()}/none",  # nothing listens
    ):
        settings = env.settings.model_copy(update={"database_url": url})
        database = Database.from_settings(settings)
        app = create_app(settings, database)
        try:
            async with httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url="http://t"
            ) as http:
                r = await http.get("/ready")
        finally:
            await database.dispose()
        assert r.status_code == 503, (url, r.text)
        assert r.json() == {"status": "unavailable", "database": "down", "down": ["database"]}
        assert int(r.headers["Retry-After"]) > 0


@pytest.mark.redis
async def test_ready_with_redis(env):
    url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    from booking_api.api.root import redis_answers

    if not await redis_answers(url):
        pytest.skip("no Redis server")
    app = create_app(env.settings.model_copy(update={"redis_url": url}), env.db)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://t"
    ) as http:
        r = await http.get("/ready")
    assert r.status_code == 200 and r.json()["redis"] == "ok"


def test_api_and_mcp_serve_tls(tmp_path):
    cert, key = self_signed_cert(tmp_path)
    verify = ssl.create_default_context(cafile=str(cert))
    env = _env(tmp_path)
    api_port, mcp_port, plain_port = free_port(), free_port(), free_port()
    procs = [
        subprocess.Popen(
            _booking(
                "api",
                "--port",
                str(api_port),
                "--ssl-certfile",
                str(cert),
                "--ssl-keyfile",
                str(key),
            ),
            env=env,
            stderr=subprocess.PIPE,
        ),
        subprocess.Popen(
            _booking(
                "mcp",
                "--transport",
                "http",
                "--port",
                str(mcp_port),
                "--ssl-certfile",
                str(cert),
                "--ssl-keyfile",
                str(key),
            ),
            env={**env, "API_URL": f"https://127.0.0.1:{api_port}/api"},
            stderr=subprocess.PIPE,
        ),
        subprocess.Popen(
            _booking("api", "--port", str(plain_port)),  # its own database
            env={**env, "DATABASE_URL": f"sqlite:///{tmp_path / 'plain.sqlite3'}"},
            stderr=subprocess.PIPE,
        ),
    ]
    try:
        for port, proc in ((api_port, procs[0]), (mcp_port, procs[1])):
            _wait(f"https://127.0.0.1:{port}/health", verify, proc)
            r = httpx.get(
                f"https://127.0.0.1:{port}/health",
                verify=verify,
                headers={"X-Request-ID": "tls-check-1"},
            )
            assert r.status_code == 200
            assert r.headers["Strict-Transport-Security"] == HSTS
            assert r.headers["X-Request-ID"] == "tls-check-1"
            with pytest.raises(httpx.HTTPError):  # plain HTTP on the TLS port is refused
                httpx.get(f"http://127.0.0.1:{port}/health", timeout=3).raise_for_status()
        r = httpx.get(f"https://localhost:{api_port}/ready", verify=verify)
        assert r.status_code == 200 and r.json()["database"] == "ok"
        # Behind a TLS-terminating proxy (trusted: FORWARDED_ALLOW_IPS, default 127.0.0.1).
        _wait(f"http://127.0.0.1:{plain_port}/health", proc=procs[2])
        r = httpx.get(
            f"http://127.0.0.1:{plain_port}/health", headers={"X-Forwarded-Proto": "https"}
        )
        assert r.headers["Strict-Transport-Security"] == HSTS
        r = httpx.get(f"http://127.0.0.1:{plain_port}/health")
        assert "Strict-Transport-Security" not in r.headers
    finally:
        for proc in procs:
            _stop(proc)


async def test_sigterm_lets_in_flight_requests_finish(tmp_path):
    env = _env(tmp_path, SHUTDOWN_GRACE_SECONDS="20")
    made = subprocess.run(  # noqa: ASYNC221 - set-up, before the event loop matters
        _booking(
            "createsuperuser",
            "--noinput",
            "--username",
            "boss",
            "--password",
            "boss-pass-123",
            "--email",
            "",
        ),
        env=env,
        capture_output=True,
    )
    assert made.returncode == 0, made.stderr.decode()[-3000:]
    port = free_port()
    proc = subprocess.Popen(  # noqa: ASYNC220 - started before the requests, waited in a thread
        _booking("api", "--port", str(port)),
        env=env,
        stderr=subprocess.PIPE,
    )
    try:
        await asyncio.to_thread(_wait, f"http://127.0.0.1:{port}/health", True, proc)
        body = b'{"username": "boss", "password": "boss-pass-123"}'
        started = asyncio.Event()
        sent = 0

        async def trickle():
            # The request is in flight (headers read, body arriving) when SIGTERM comes.
            nonlocal sent
            for i in range(0, len(body), 4):
                yield body[i : i + 4]
                sent += 1
                if sent >= 5:
                    started.set()
                await asyncio.sleep(0.08)

        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30) as http:
            tasks = [
                asyncio.create_task(
                    http.post(
                        "/api/token/",
                        content=trickle(),
                        headers={
                            "Content-Type": "application/json",
                            "Content-Length": str(len(body)),
                        },
                    )
                )
                for _ in range(4)
            ]
            await started.wait()
            proc.send_signal(signal.SIGTERM)
            responses = await asyncio.gather(*tasks)
        assert [r.status_code for r in responses] == [200] * 4
        assert all("access" in r.json() for r in responses)
        code = await asyncio.to_thread(proc.wait, 20)
        # uvicorn re-raises the signal once the shutdown is complete.
        assert code in (0, -signal.SIGTERM)
        log = proc.stderr.read().decode()
        assert "Finished server process" in log or "Shutting down" in log, log[-2000:]
        assert "boss-pass-123" not in log
    finally:
        _stop(proc)
