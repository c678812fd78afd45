"""Bodies are bounded: in size (413, refused from Content-Length before it is read, or as soon
as a streamed body passes the limit) and in the wait for their next part (400). Neither is
ever a 500. The limits on the wire (headers, their read time) are tested on a
``booking api`` process at the end."""

from __future__ import annotations

import asyncio
import http.client
import io
import json
import socket
import subprocess
import time

import httpx
import pytest

from booking_api.app import create_app
from kit.processes import booking, free_port, process_env, stop, wait_until_up


@pytest.fixture
async def limited(env):
    settings = env.settings.model_copy(
        update={
            "max_request_body_bytes": 1000,
            "max_photo_bytes": 4000,
            "request_body_timeout_seconds": 0.3,
        }
    )
    app = create_app(settings, env.db)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
        yield http


async def test_a_declared_body_beyond_the_limit_is_refused_unread(limited, env, cat):
    read = 0

    async def body():
        nonlocal read
        for _ in range(10):
            read += 1
            yield b"x" * 500

    r = await limited.post(
        "/api/categories/",
        content=body(),
        headers={
            **env.auth(cat.staff),
            "Content-Type": "application/json",
            "Content-Length": "5000",
        },
    )
    assert r.status_code == 413
    assert r.json() == {"detail": "Request body is too large: the limit is 1000 bytes."}
    assert r.headers["connection"] == "close"
    assert read == 0  # refused from the header alone


async def test_a_streamed_body_is_counted(limited, env, cat):
    """Without Content-Length (chunked) the count decides, as soon as it passes the limit."""
    read = 0

    async def body():
        nonlocal read
        yield b'{"name": "'
        for _ in range(100):
            read += 1
            yield b"x" * 100
        yield b'"}'

    r = await limited.post(
        "/api/categories/",
        content=body(),
        headers={**env.auth(cat.staff), "Content-Type": "application/json"},
    )
    assert r.status_code == 413, r.text
    assert read < 15
    # At the limit it is served as usual.
    r = await limited.post(
        "/api/categories/", json={"name": "x" * 90, "description": "d" * 800},
        headers=env.auth(cat.staff),
    )  # fmt: skip
    assert r.status_code == 201, r.text


async def test_uploads_may_carry_a_photo_beyond_the_body_limit(limited, env, cat):
    from PIL import Image

    image = io.BytesIO()
    Image.effect_noise((30, 30), 60).convert("RGB").save(image, "PNG")
    assert 1000 < len(image.getvalue()) < 4000
    r = await limited.patch(
        f"/api/specialists/{cat.anna.id}/",
        headers=env.auth(cat.staff),
        files={"photo": ("a.png", image.getvalue(), "image/png")},
    )
    assert r.status_code == 200, r.text
    r = await limited.patch(
        f"/api/specialists/{cat.anna.id}/",
        headers=env.auth(cat.staff),
        files={"photo": ("a.png", b"x" * 6000, "image/png")},
    )
    assert r.status_code == 413


async def test_a_body_that_stops_is_a_400_after_the_read_timeout(limited, env, cat):
    async def stalls():
        yield b'{"username": '
        await asyncio.sleep(30)
        yield b'"x"}'

    started = time.monotonic()
    r = await limited.post(
        "/api/token/",
        content=stalls(),
        headers={"Content-Type": "application/json", "Content-Length": "30"},
    )
    assert time.monotonic() - started < 5
    assert r.status_code == 400
    assert r.json() == {
        "detail": "Incomplete request body: nothing arrived for 0.3 seconds "
        "after 13 bytes of the 30 announced."
    }
    assert r.headers["connection"] == "close"


# A client gone mid-body (499, no error logged): tests/api/test_client_disconnect.py
# --- on the wire: a ``booking api`` process ----------------------------------------------------


def _exchange(port: int, data: bytes, *, close_write: bool = False, wait: float = 10) -> bytes:
    """Send raw bytes, read until the server closes (or ``wait`` passes)."""
    with socket.create_connection(("127.0.0.1", port), timeout=wait) as sock:
        sock.sendall(data)
        if close_write:
            sock.shutdown(socket.SHUT_WR)
        chunks = []
        try:
            while chunk := sock.recv(65536):
                chunks.append(chunk)
        except TimeoutError:
            chunks.append(b"<no answer>")
        return b"".join(chunks)


def _status(answer: bytes) -> int:
    assert answer.startswith(b"HTTP/1.1 "), answer[:300]
    return int(answer.split(b" ", 2)[1])


@pytest.fixture(scope="module")
def api_process(tmp_path_factory):
    """``booking api`` with small limits; its log goes to a file the last test reads."""
    tmp = tmp_path_factory.mktemp("limits")
    env = process_env(
        tmp,
        MAX_REQUEST_BODY_BYTES="1000",
        MAX_REQUEST_HEADER_BYTES="4096",
        REQUEST_HEADER_TIMEOUT_SECONDS="1",
        REQUEST_BODY_TIMEOUT_SECONDS="1",
        LOG_FORMAT="json",
    )
    port, log = free_port(), tmp / "api.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(booking("api", "--port", str(port)), env=env, stderr=out)
        wait_until_up(f"http://127.0.0.1:{port}/health", proc=proc)
        yield port, proc, log
        stop(proc)


def test_headers_are_bounded_in_size(api_process):
    port, _, _ = api_process
    big = b"GET /health HTTP/1.1\r\nHost: a\r\nX-Filler: " + b"x" * 10_000 + b"\r\n\r\n"
    answer = _exchange(port, big)
    assert _status(answer) == 431, answer[:200]
    assert b"connection: close" in answer.lower()
    assert answer.endswith(b'{"detail": "Request line and headers beyond 4096 bytes."}')
    # Within the limit, and a body in the same packet as the headers: served as usual.
    fine = b"GET /health HTTP/1.1\r\nHost: a\r\nX-Filler: " + b"x" * 3_000 + b"\r\n"
    assert _status(_exchange(port, fine + b"Connection: close\r\n\r\n")) == 200
    body = b'{"username": "nobody", "password": "' + b"p" * 400 + b'"}'
    post = (
        b"POST /api/token/ HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\n"
        b"Content-Length: " + str(len(body)).encode() + b"\r\nX-Filler: " + b"x" * 3_500
        + b"\r\nConnection: close\r\n\r\n" + body
    )  # fmt: skip
    assert _status(_exchange(port, post)) == 401


def test_headers_are_bounded_in_time(api_process):
    port, _, _ = api_process
    started = time.monotonic()
    answer = _exchange(port, b"GET /health HTTP/1.1\r\nHost: a\r\n")
    assert _status(answer) == 408, answer[:200]
    assert answer.endswith(b'{"detail": "Request headers not received within 1 seconds."}')
    assert time.monotonic() - started < 5
    # A connection that never says anything is closed, without an answer.
    started = time.monotonic()
    assert _exchange(port, b"") == b""
    assert time.monotonic() - started < 5


def test_kept_alive_connections_may_idle_between_requests(api_process):
    """The header clock starts with a request's first byte, not when the last one ended (the
    keep-alive timeout, 5 s, governs idle connections)."""
    port, _, _ = api_process
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.connect()
    sock = connection.sock
    for _ in range(2):
        connection.request("GET", "/health")  # RemoteDisconnected if the server closed it
        assert connection.getresponse().read() == b'{"status":"ok"}'
        assert connection.sock is sock
        time.sleep(1.5)
    connection.close()


def test_bodies_on_the_wire(api_process):
    port, _, _ = api_process
    head = b"POST /api/token/ HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\n"
    # Declared beyond the limit: refused at once, before the body is sent.
    answer = _exchange(port, head + b"Content-Length: 5000\r\n\r\n", wait=5)
    assert _status(answer) == 413, answer[:200]
    # Streamed (chunked) beyond the limit.
    chunks = b"".join(b"100\r\n" + b"x" * 256 + b"\r\n" for _ in range(8)) + b"0\r\n\r\n"
    answer = _exchange(port, head + b"Transfer-Encoding: chunked\r\n\r\n" + chunks, wait=5)
    assert _status(answer) == 413, answer[:200]
    # Shorter than its Content-Length: a 400 after the read timeout (1 s here), not a hang.
    started = time.monotonic()
    answer = _exchange(port, head + b'Content-Length: 100\r\n\r\n{"username": ')
    assert _status(answer) == 400, answer[:200]
    assert b"Incomplete request body" in answer
    assert time.monotonic() - started < 5
    # The client gives up half-way (closes its side): nothing to answer, nothing logged as 500.
    assert _exchange(port, head + b'Content-Length: 100\r\n\r\n{"u', close_write=True) == b""


def test_no_refusal_is_logged_as_a_server_error(api_process):
    """The process's log after refusals of every kind (last in this module: it stops it)."""
    port, proc, log = api_process
    head = b"POST /api/token/ HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\n"
    assert _status(_exchange(port, head + b"Content-Length: 5000\r\n\r\n")) == 413
    assert _status(_exchange(port, head + b'Content-Length: 100\r\n\r\n{"u')) == 400
    assert _status(_exchange(port, head + b"X-Filler: " + b"x" * 5000 + b"\r\n\r\n")) == 431
    assert httpx.get(f"http://127.0.0.1:{port}/health").status_code == 200
    stop(proc)
    lines = [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]
    access = [line["status"] for line in lines if line["logger"] == "booking_api.access"]
    assert 400 in access and 413 in access and 500 not in access, access
    assert not [line for line in lines if line["level"] == "ERROR" or "exc" in line]
    refused = [line["msg"] for line in lines if line["logger"] == "booking_api.http"]
    assert any("Request line and headers beyond" in msg for msg in refused), refused
