"""A client that hangs up while its body is read is no server error: no traceback in the logs
(under load every wrk run ended with some), an access line with 499."""

from __future__ import annotations

from kit.ops import captured_logs, json_lines


async def test_disconnect_while_reading_the_body_is_not_a_500(env, cat) -> None:  # noqa: ANN001
    sent: list[dict] = []
    messages = iter(
        [
            {"type": "http.request", "body": b'{"client": 1', "more_body": True},
            {"type": "http.disconnect"},
        ]
    )

    async def receive() -> dict:
        return next(messages)

    async def send(message: dict) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/api/appointments/",
        "raw_path": b"/api/appointments/",
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"host", b"testserver"),
            (b"content-type", b"application/json"),
            (b"authorization", env.auth(cat.staff)["Authorization"].encode()),
        ],
        "client": ("127.0.0.1", 5555),
        "server": ("testserver", 80),
    }
    with captured_logs(this_thread=True) as logs:
        await env.app(scope, receive, send)
    starts = [m for m in sent if m["type"] == "http.response.start"]
    assert [m["status"] for m in starts] == [499]
    lines = json_lines(logs)
    assert not [x for x in lines if x["level"] == "ERROR"], lines
    access = [x for x in lines if x["logger"] == "booking_api.access"]
    assert [x["status"] for x in access] == [499]
