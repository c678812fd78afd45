"""The admin's integration pages: webhook endpoints (secret shown once), the delivery log with
"send again", and specialists' calendar feed links (made and rotated by staff)."""

from __future__ import annotations

import re
from typing import Any

import httpx
from sqlalchemy import select

from booking_api.calendars.models import CalendarFeed
from booking_api.webhooks import events
from booking_api.webhooks.models import WebhookEndpoint
from kit.api import Env, future_day
from kit.webhook_receiver import Receiver
from kit.webhooks import Hooks, book


async def login(client: httpx.AsyncClient) -> None:
    r = await client.post("/admin/login", data={"username": "staff", "password": "pass12345"})
    assert r.status_code == 302


async def test_staff_register_an_endpoint_and_see_the_secret_once(hooks: Hooks) -> None:
    await login(hooks.client)
    form = {
        "url": "http://127.0.0.1:9/hooks",
        "description": "CRM",
        "events": ["appointment.created", "client.created"],
        "is_active": "y",
    }
    r = await hooks.client.post("/admin/webhook-endpoint/create", data=form)
    assert r.status_code == 302, r.text
    async with hooks.db.read_sessions() as session:
        [endpoint] = (await session.scalars(select(WebhookEndpoint))).all()
    assert endpoint.events == ["appointment.created", "client.created"]
    assert endpoint.secret.startswith("whsec_")
    page = await hooks.client.get(r.headers["location"])
    assert endpoint.secret in page.text  # the flash after creating: the only time it shows
    details = await hooks.client.get(f"/admin/webhook-endpoint/details/{endpoint.id}")
    assert details.status_code == 200 and endpoint.secret not in details.text
    listed = await hooks.client.get("/admin/webhook-endpoint/list")
    assert "appointment.created, client.created" in listed.text
    assert endpoint.secret not in listed.text


async def test_internal_urls_are_refused_in_the_admin_too(
    client: httpx.AsyncClient, env: Env, cat: Any
) -> None:
    await login(client)
    r = await client.post(
        "/admin/webhook-endpoint/create",
        data={"url": "http://169.254.169.254/", "events": ["client.created"], "is_active": "y"},
    )
    assert r.status_code == 400
    assert "169.254.169.254 is a link-local address." in r.text
    async with env.db.read_sessions() as session:
        assert (await session.scalars(select(WebhookEndpoint))).all() == []


async def test_the_delivery_log_and_send_again(hooks: Hooks, cat: Any, receiver: Receiver) -> None:
    endpoint = await hooks.register(receiver.url, [events.APPOINTMENT_CREATED])
    receiver.secret, receiver.fail_first = endpoint["secret"], 1
    await book(hooks, cat.alice, cat, future_day(5))
    await hooks.run()
    [delivery] = await hooks.deliveries()
    await login(hooks.client)
    listed = await hooks.client.get("/admin/webhook-delivery/list")
    assert listed.status_code == 200 and "appointment.created" in listed.text
    details = await hooks.client.get(f"/admin/webhook-delivery/details/{delivery.id}")
    assert details.status_code == 200
    assert delivery.event_id in details.text and "&#34;type&#34;" in details.text
    assert "№1: 500" in details.text  # the attempts log, linked
    attempts = await hooks.client.get("/admin/webhook-attempt/list")
    assert attempts.status_code == 200 and re.search(r"<td>\s*500\s*</td>", attempts.text)

    r = await hooks.client.get(f"/admin/webhook-delivery/action/send-again?pks={delivery.id}")
    assert r.status_code == 302
    await hooks.run()  # at once, not at the back-off's time
    assert [x.answered for x in receiver.requests()] == [500, 200]
    [delivery] = await hooks.deliveries()
    assert (delivery.status, delivery.attempts) == ("succeeded", 2)


async def test_specialist_feed_links_in_the_admin(
    client: httpx.AsyncClient, env: Env, cat: Any
) -> None:
    await login(client)
    r = await client.post("/admin/calendar-feed/create", data={"specialist_id": str(cat.anna.id)})
    assert r.status_code == 302, r.text
    async with env.db.read_sessions() as session:
        [feed] = (await session.scalars(select(CalendarFeed))).all()
    assert feed.specialist_id == cat.anna.id and len(feed.token) >= 43
    listed = await client.get("/admin/calendar-feed/list")
    assert f"http://testserver/api/calendar/{feed.token}.ics" in listed.text
    assert (await client.get(f"/api/calendar/{feed.token}.ics")).status_code == 200
    twice = await client.post(
        "/admin/calendar-feed/create", data={"specialist_id": str(cat.anna.id)}
    )
    assert twice.status_code == 400  # one link per specialist: rotate it instead

    r = await client.get(f"/admin/calendar-feed/action/rotate?pks={feed.id}")
    assert r.status_code == 302
    async with env.db.read_sessions() as session:
        rotated = await session.get(CalendarFeed, feed.id)
    assert rotated is not None and rotated.token != feed.token
    assert (await client.get(f"/api/calendar/{feed.token}.ics")).status_code == 404
    assert (await client.get(f"/api/calendar/{rotated.token}.ics")).status_code == 200
