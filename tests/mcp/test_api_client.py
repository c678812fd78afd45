"""The MCP server's API client: what it retries, and how long it waits.

An httpx ``MockTransport`` plays the API: it answers from a script of responses (or
connection failures) and records every request; the client's sleeps are recorded, not slept.
"""

from __future__ import annotations

import email.utils
import time

import httpx
import pytest

from booking_mcp.api_client import ApiClient, ApiUnavailable
from booking_mcp.config import Settings

Step = httpx.Response | type[httpx.TransportError]


class FakeApi:
    """Answers requests with ``steps`` in order (the last one repeats)."""

    def __init__(self, *steps: Step) -> None:
        self.steps = list(steps)
        self.requests: list[httpx.Request] = []
        self.sleeps: list[float] = []

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        step = self.steps.pop(0) if len(self.steps) > 1 else self.steps[0]
        if isinstance(step, httpx.Response):
            return step
        raise step("simulated", request=request)

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)

    def client(self, **settings: object) -> ApiClient:
        values: dict[str, object] = {"api_url": "http://api.test/api", "api_retry_max_wait": 10.0}
        values.update(settings)
        return ApiClient(
            Settings(_env_file=None, **values),  # type: ignore[arg-type]
            transport=httpx.MockTransport(self.handle),
            sleep=self.sleep,
        )


def unavailable(retry_after: str | None = None) -> httpx.Response:
    headers = {"Retry-After": retry_after} if retry_after is not None else {}
    return httpx.Response(503, json={"detail": "База данных недоступна."}, headers=headers)


OK = httpx.Response(200, json=[{"id": 1}])
CREATED = httpx.Response(201, json={"id": 7})


async def test_a_read_is_retried_on_503_after_the_retry_after_it_names() -> None:
    api = FakeApi(unavailable("2"), unavailable("1"), OK)
    client = api.client()
    assert await client.request("GET", "categories/") == [{"id": 1}]
    await client.aclose()
    assert len(api.requests) == 3
    assert api.sleeps == [2.0, 1.0]


async def test_retry_after_as_an_http_date() -> None:
    when = email.utils.formatdate(time.time() + 3, usegmt=True)
    api = FakeApi(unavailable(when), OK)
    client = api.client()
    assert await client.request("GET", "categories/") == [{"id": 1}]
    await client.aclose()
    assert len(api.sleeps) == 1 and 1.0 <= api.sleeps[0] <= 3.0


@pytest.mark.parametrize(
    "failure", [httpx.ConnectError, httpx.ReadTimeout, httpx.RemoteProtocolError]
)
async def test_a_read_is_retried_after_a_connection_failure(failure) -> None:
    api = FakeApi(failure, OK)
    client = api.client()
    assert await client.request("GET", "categories/") == [{"id": 1}]
    await client.aclose()
    assert len(api.requests) == 2 and len(api.sleeps) == 1


async def test_a_keyed_write_is_retried_with_the_same_key() -> None:
    api = FakeApi(httpx.ConnectError, unavailable("1"), httpx.RemoteProtocolError, CREATED)
    client = api.client()
    data = await client.request(
        "POST", "appointments/", json_body={"service": 1}, idempotency_key="key-1"
    )
    await client.aclose()
    assert data == {"id": 7}
    assert [r.headers["Idempotency-Key"] for r in api.requests] == ["key-1"] * 4
    assert api.sleeps[1] == 1.0  # the Retry-After of the 503


@pytest.mark.parametrize(
    "answer", [httpx.ConnectError, httpx.RemoteProtocolError, unavailable("1")]
)
async def test_a_write_without_a_key_is_never_retried(answer) -> None:
    api = FakeApi(answer, CREATED)
    client = api.client()
    with pytest.raises(ApiUnavailable):
        await client.request("POST", "appointments/", json_body={"service": 1})
    await client.aclose()
    assert len(api.requests) == 1 and api.sleeps == []


async def test_a_retry_after_beyond_the_budget_is_not_waited_for() -> None:
    api = FakeApi(unavailable("3600"), OK)
    client = api.client(api_retry_max_wait=10.0)
    with pytest.raises(ApiUnavailable) as caught:
        await client.request("GET", "categories/")
    await client.aclose()
    assert caught.value.message == "База данных недоступна."  # the API's own words
    assert len(api.requests) == 1 and api.sleeps == []


@pytest.mark.parametrize("budget", [0.0, 2.5, 10.0])
async def test_the_total_wait_is_bounded(budget: float) -> None:
    api = FakeApi(unavailable("1"))  # down for good
    client = api.client(api_retry_max_wait=budget)
    with pytest.raises(ApiUnavailable):
        await client.request("GET", "categories/")
    await client.aclose()
    assert sum(api.sleeps) <= budget
    assert len(api.requests) == len(api.sleeps) + 1
    if budget >= 2.5:
        assert len(api.requests) >= 3  # it did wait and retry within the budget


async def test_connection_failures_without_retry_after_back_off_within_the_budget() -> None:
    api = FakeApi(httpx.ConnectError)  # the API is not listening at all
    client = api.client(api_retry_max_wait=3.0)
    with pytest.raises(ApiUnavailable) as caught:
        await client.request("GET", "categories/")
    await client.aclose()
    assert "unavailable" in caught.value.message
    assert 0 < sum(api.sleeps) <= 3.0
    assert api.sleeps == sorted(api.sleeps)  # growing waits


async def test_the_service_account_login_is_retried_on_503() -> None:
    token = "x.eyJ0b2tlbl90eXBlIjoiYWNjZXNzIn0.y"  # no exp: never stale
    calls: list[str] = []
    login = [unavailable("1"), httpx.Response(200, json={"access": token, "refresh": token})]

    def handle(request: httpx.Request) -> httpx.Response:
        calls.append(request.url.path)
        if request.url.path.endswith("/token/"):
            return login.pop(0)
        return OK

    sleeps: list[float] = []

    async def sleep(seconds: float) -> None:
        sleeps.append(seconds)

    client = ApiClient(
        Settings(
            _env_file=None,
            api_url="http://api.test/api",
            api_username="svc",
            api_password="pw",
        ),  # type: ignore[call-arg]
        transport=httpx.MockTransport(handle),
        sleep=sleep,
    )
    assert await client.request("GET", "clients/", auth="service") == [{"id": 1}]
    await client.aclose()
    assert calls == ["/api/token/", "/api/token/", "/api/clients/"] and sleeps == [1.0]
