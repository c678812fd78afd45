"""Structured logs: request ids, one access line per request, no secrets, id propagation."""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import io
import logging
import re
import time

import httpx
from hypothesis import given, settings
from hypothesis import strategies as st

from booking_common.logging import configure_logging, logging_config, redact, register_secret
from booking_mcp.api_client import SERVICE, ApiClient
from booking_mcp.config import Settings as McpSettings
from booking_mcp.http_app import build_http_app
from booking_mcp.server import build_server
from booking_mcp.service import BookingService
from kit.api import SECRET
from kit.ops import captured_logs, json_lines

BOT_TOKEN = "123456:TEST-TOKEN"


def widget_data(tg_id: int = 555001) -> dict[str, str]:
    data = {
        "id": str(tg_id),
        "first_name": "Иван",
        "username": "ivan",
        "auth_date": str(int(time.time())),
    }
    check = "\n".join(f"{k}={data[k]}" for k in sorted(data))
    secret = hashlib.sha256(BOT_TOKEN.encode()).digest()
    data["hash"] = hmac.new(secret, check.encode(), hashlib.sha256).hexdigest()
    return data


async def test_request_id_header_and_access_line(client, env, cat):
    with captured_logs() as logs:
        r = await client.get(
            "/api/clients/", headers={**env.auth(cat.staff), "X-Request-ID": "req-42.a"}
        )
        fresh = await client.get("/api/categories/")
        bad = await client.get("/api/categories/", headers={"X-Request-ID": "no spaces\tplease"})
    assert r.status_code == 200 and r.headers["X-Request-ID"] == "req-42.a"
    assert len(fresh.headers["X-Request-ID"]) >= 16
    assert bad.headers["X-Request-ID"] != "no spaces\tplease"
    lines = [x for x in json_lines(logs) if x["logger"] == "booking_api.access"]
    mine = [x for x in lines if x.get("request_id") == "req-42.a"]
    assert len(mine) == 1
    line = mine[0]
    assert (line["method"], line["path"], line["status"]) == ("GET", "/api/clients/", 200)
    assert line["user_id"] == cat.staff.id and line["duration_ms"] >= 0
    assert {x["request_id"] for x in lines} >= {fresh.headers["X-Request-ID"]}
    assert "Bearer" not in logs.getvalue() and "+7900" not in logs.getvalue()


async def test_secrets_never_in_logs(client, env, cat):
    password = "pass12345"
    seen: list[str] = [password, BOT_TOKEN, SECRET]
    mcp_settings = McpSettings(
        api_url="http://testserver/api",
        api_username="staff",
        api_password=password,
        mcp_auth_token="mcp-bearer-secret-000111",
    )
    seen.append("mcp-bearer-secret-000111")
    register_secret(mcp_settings.mcp_auth_token)
    with captured_logs("DEBUG") as logs:
        logging.getLogger("httpx").setLevel(logging.DEBUG)
        logging.getLogger("sqlalchemy.engine").setLevel(logging.INFO)  # echo every statement
        try:
            r = await client.post("/api/token/", json={"username": "staff", "password": password})
            assert r.status_code == 200
            tokens = r.json()
            seen += [tokens["access"], tokens["refresh"]]
            r = await client.post("/api/token/refresh/", json={"refresh": tokens["refresh"]})
            seen.append(r.json()["access"])
            bad = await client.post("/api/token/", json={"username": "staff", "password": "wr0ng!"})
            assert bad.status_code == 401
            seen.append("wr0ng!")
            r = await client.post("/api/auth/telegram/", json=widget_data())
            assert r.status_code == 200, r.text
            seen += [r.json()["access"], r.json()["refresh"], widget_data()["hash"]]
            # The MCP server's service-account login and a call on a client's behalf.
            api = ApiClient(mcp_settings, transport=httpx.ASGITransport(app=env.app))
            try:
                await api.request("GET", "clients/", auth=SERVICE)
                seen.append(api._service.access)  # noqa: SLF001
            finally:
                await api.aclose()
            # Even a careless log call is scrubbed.
            logging.getLogger("booking_api.careless").warning(
                "login %s password=%s header Authorization: Bearer %s secret %s",
                "staff",
                password,
                tokens["access"],
                SECRET,
            )
        finally:
            logging.getLogger("httpx").setLevel(logging.NOTSET)
            logging.getLogger("sqlalchemy.engine").setLevel(logging.NOTSET)
    text = logs.getvalue()
    assert "booking_api.access" in text and "[redacted]" in text
    for value in seen:
        assert value not in text, value


def test_redact_patterns():
    assert "hunter22" not in redact('{"password": "hunter22"}')
    assert "abc.def.ghi" not in redact("Authorization: Bearer abc.def.ghi")
    assert "AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw" not in redact(
        "https://api.telegram.org/bot123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw/sendMessage"
    )
    assert redact("GET /api/services/ 200") == "GET /api/services/ 200"


def _mcp_app(env):
    settings = McpSettings(
        api_url="http://testserver/api", api_username="staff", api_password="pass12345"
    )
    api = ApiClient(settings, transport=httpx.ASGITransport(app=env.app))
    server = build_server(settings, BookingService(settings, api))
    return server, build_http_app(settings, server=server), api


async def test_request_id_follows_mcp_http_to_api(env, cat):
    """One id: given to the MCP HTTP app, it appears on the API's access lines of that call."""
    server, app, api = _mcp_app(env)
    try:
        with captured_logs() as logs:
            async with httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url="http://mcp"
            ) as http:
                r = await http.post(
                    "/process",
                    headers={"X-Request-ID": "bot-update-777"},
                    json={"user_id": "1001", "message": "Какие есть услуги?"},
                )
        assert r.status_code == 200, r.text
        assert r.headers["X-Request-ID"] == "bot-update-777"
    finally:
        await api.aclose()
    lines = json_lines(logs)
    api_lines = [
        x
        for x in lines
        if x["logger"] == "booking_api.access" and x.get("request_id") == "bot-update-777"
    ]
    assert api_lines, [x for x in lines if x["logger"].endswith("access")]
    assert all(x["path"].startswith("/api/") for x in api_lines)
    assert any(
        x["logger"] == "booking_mcp.access" and x.get("request_id") == "bot-update-777"
        for x in lines
    )


async def test_request_id_of_a_tool_call_reaches_the_api(env, cat):
    """The bot sends its per-update id as the tool call's ``_meta.request_id``."""
    from mcp import Client

    server, _app, api = _mcp_app(env)
    try:
        with captured_logs() as logs:
            async with Client(server) as mcp_client:
                result = await mcp_client.call_tool(
                    "list_categories", {}, meta={"request_id": "tg-update-9001"}
                )
        assert not result.is_error
    finally:
        await api.aclose()
    assert any(
        x["logger"] == "booking_api.access" and x.get("request_id") == "tg-update-9001"
        for x in json_lines(logs)
    )


async def test_bot_gateway_keeps_one_id_per_update():
    import asyncio

    from booking_bot.gateway.session import update_request_id
    from booking_common.logging import request_id_var

    async def one_update() -> tuple[str, str]:
        return update_request_id(), update_request_id()

    (a1, a2), (b1, b2) = await asyncio.gather(
        asyncio.create_task(one_update()), asyncio.create_task(one_update())
    )
    assert a1 == a2 and b1 == b2 and a1 != b1
    assert request_id_var.get() is None


def test_worker_logs_are_structured_and_hide_the_bot_token(env):
    """``booking worker`` logs like the API: JSON lines, and the bot token that every Telegram
    URL carries (httpx logs each request at INFO) is redacted."""
    import io
    import json

    from booking_api.jobs.runtime import configure_worker_logging

    token = "987654321:AAF-worker-secret-token-value-0123456789"
    settings = env.settings.model_copy(
        update={"telegram_bot_token": token, "log_format": "json", "log_level": "INFO"}
    )
    root = logging.getLogger()
    before = (list(root.handlers), root.level)
    handler = configure_worker_logging(settings)
    stream = io.StringIO()
    handler.setStream(stream)
    try:
        logging.getLogger("httpx").info(
            'HTTP Request: POST https://api.telegram.org/bot%s/sendMessage "HTTP/1.1 200 OK"',
            token,
        )
    finally:
        root.removeHandler(handler)
        for old in before[0]:
            if old not in root.handlers:
                root.addHandler(old)
        root.setLevel(before[1])
    [line] = [json.loads(x) for x in stream.getvalue().splitlines() if x.strip()]
    assert line["logger"] == "httpx" and "sendMessage" in line["msg"]
    assert token not in stream.getvalue() and "[redacted]" in line["msg"]


@contextlib.contextmanager
def text_logs(level: str = "INFO"):
    """What a person sees in a terminal (LOG_FORMAT=auto on a tty is ``text``)."""
    buffer = io.StringIO()
    root = logging.getLogger()
    old_level = root.level
    config = logging_config(level, "text")
    handler = configure_logging(level, "text", stream=buffer)
    try:
        yield buffer
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)
        for name in config["loggers"]:
            logging.getLogger(name).setLevel(logging.NOTSET)


def test_text_lines_are_short_and_readable():
    with text_logs() as out:
        logging.getLogger("booking_api.access").info(
            "GET /api/services/ 200 3.1ms", extra={"request_id": "4b5f4b6910b44824"}
        )
        logging.getLogger("booking_api.db").warning("database unavailable (OSError: refused)")
        try:
            raise ValueError("boom")
        except ValueError:
            logging.getLogger("booking_api").exception("unhandled error on GET /x")
    lines = out.getvalue().splitlines()
    assert re.fullmatch(
        r"\d\d:\d\d:\d\d INFO booking_api\.access: GET /api/services/ 200 3\.1ms "
        r"\[4b5f4b6910b44824\]",
        lines[0],
    ), lines[0]
    # No request id, no brackets.
    assert re.fullmatch(
        r"\d\d:\d\d:\d\d WARNING booking_api\.db: database unavailable \(OSError: refused\)",
        lines[1],
    ), lines[1]
    assert lines[2].endswith("ERROR booking_api: unhandled error on GET /x")
    assert lines[3] == "Traceback (most recent call last):" and lines[-1] == "ValueError: boom"


def test_text_mode_quiets_the_per_request_noise():
    """In a terminal: httpx's line per outgoing request (the API's access line says the same)
    and one-off library chatter are hidden; JSON (machines) and LOG_LEVEL=DEBUG keep them."""
    quiet = logging_config("INFO", "text")["loggers"]
    assert all(quiet[name]["level"] == "WARNING" for name in ("httpx", "httpcore", "pymorphy3"))
    assert quiet["alembic.runtime.plugins"]["level"] == "WARNING"
    assert "httpx" not in logging_config("INFO", "json")["loggers"]
    assert "httpx" not in logging_config("DEBUG", "text")["loggers"]
    with text_logs() as out:
        logging.getLogger("httpx").info('HTTP Request: GET http://api/ "HTTP/1.1 200 OK"')
        logging.getLogger("booking_api.access").info("GET /api/ 200 1.0ms")
    assert [line.split(" ", 2)[2] for line in out.getvalue().splitlines()] == [
        "booking_api.access: GET /api/ 200 1.0ms"
    ]


async def test_health_checks_are_logged_at_debug(client):
    """Probes hit /health and /ready every few seconds: their access lines are DEBUG."""
    with text_logs("INFO") as quiet:
        assert (await client.get("/health")).status_code == 200
        assert (await client.get("/ready")).status_code == 200
    assert quiet.getvalue() == ""
    with text_logs("DEBUG") as verbose:
        await client.get("/health")
    assert "DEBUG booking_api.access: GET /health 200" in verbose.getvalue()


async def test_a_chat_message_is_a_few_access_lines(env, cat):
    """One message through the MCP server to the API: one access line per HTTP request it
    makes (the MCP server's, the API's), nothing else."""
    server, app, api = _mcp_app(env)
    try:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://mcp"
        ) as http:
            await http.post("/process", json={"user_id": "1002", "message": "привет"})
            with text_logs() as out:
                r = await http.post(
                    "/process", json={"user_id": "1002", "message": "Какие есть услуги?"}
                )
        assert r.status_code == 200, r.text
    finally:
        await api.aclose()
    lines = out.getvalue().splitlines()
    loggers = {line.split(" ", 3)[2] for line in lines}
    assert loggers == {"booking_mcp.access:", "booking_api.access:"}, lines
    assert len(lines) <= 6, lines


def test_a_capture_of_this_thread_leaves_out_other_threads_lines() -> None:
    """What the outage tests count on: a server another test runs in a thread (a live API
    retrying its Telegram jobs) does not add its warnings to this test's lines."""
    import threading

    log = logging.getLogger("booking_api.jobs")
    with captured_logs(this_thread=True) as logs:
        worker = threading.Thread(target=log.warning, args=("from another thread",))
        worker.start()
        worker.join()
        log.warning("from this one")
    assert [line["msg"] for line in json_lines(logs)] == ["from this one"]


@settings(max_examples=400, deadline=None)
@given(
    st.text(alphabet=st.characters(codec="utf-8"), max_size=40),
    st.sampled_from(
        ["", "Bearer ", "BASIC ", "eyJhbGci", "gAAAAAB", "PassWord", "SeCrEt", "tokEN",
         "ACCESS", "refresh", "HASH", "api_key", "Authorization", "encryption_KEY",
         "123456:", "12345:", "1234:", "toke n", "ſecret", "paßw",
         "123456789:AAHx7Kq_0123456789abcdefghijklmnop", "12345:" + "x" * 29]
    ),
    st.text(max_size=40),
)  # fmt: skip
def test_the_quick_look_misses_nothing_the_redaction_would_change(before, word, after) -> None:
    # A line is written unchanged when the quick look finds no trigger: it must find every
    # line the redaction would change (the trigger regex's words, a bot token's id followed by
    # its 30+ characters; not an id with a colon after it, as in a job's key).
    from booking_common.logging import _TRIGGER, _needs_redacting

    line = before + word + after
    if _TRIGGER.search(line) and not re.fullmatch(r"\d{5,12}:", _TRIGGER.search(line)[0]):
        assert _needs_redacting(line), line
    if not _needs_redacting(line):
        assert redact(line) == line, line


def test_a_job_key_is_written_as_is_and_a_bot_token_still_redacted() -> None:
    from booking_common.logging import _needs_redacting

    line = "job 170474 specialist_notice (specialist:created:170474:2027-01-01T10:00) skipped"
    assert not _needs_redacting(line) and redact(line) == line
    token = "123456789:AAHx7Kq_0123456789abcdefghijklmnopq"
    assert _needs_redacting(f"sent with {token}")
    assert redact(f"sent with {token}") == "sent with [redacted]"
