"""Calendar feeds, parsed back with the icalendar library and checked event by event: links
per specialist and client behind a rotatable token, cancelled bookings marked, times in the
business time zone with VTIMEZONE across daylight-saving changes, one booking's .ics."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import icalendar
import pytest

from booking_api.app import create_app
from booking_api.calendars.ics import uid
from booking_api.models import Appointment
from kit.api import Env, future_day

UTC = dt.UTC


async def appointment(
    env: Env, cat: Any, day: dt.date, start: dt.time, end: dt.time, **extra: Any
) -> Appointment:
    values = dict(
        date=day,
        start_time=start,
        end_time=end,
        status="confirmed",
        client_id=cat.client_a.id,
        service_id=cat.manicure.id,
        specialist_id=cat.anna.id,
    )
    values.update(extra)
    return await env.add(Appointment(**values))


async def link(client: httpx.AsyncClient, env: Env, user: Any, path: str) -> dict[str, Any]:
    r = await client.get(path, headers=env.auth(user))
    assert r.status_code == 200, r.text
    return r.json()


async def feed(client: httpx.AsyncClient, url: str) -> icalendar.Calendar:
    r = await client.get(httpx.URL(url).path)  # no sign-in: the token is the credential
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "text/calendar; charset=utf-8"
    return icalendar.Calendar.from_ical(r.content)


def by_uid(cal: icalendar.Calendar) -> dict[str, icalendar.Event]:
    return {str(e["UID"]): e for e in cal.events}


async def test_specialist_feed_link_rotates(client: Any, env: Env, cat: Any) -> None:
    booked = await appointment(env, cat, future_day(3), dt.time(10), dt.time(11))
    mine = await link(client, env, cat.spec_user, "/api/specialists/me/calendar/")
    assert mine["url"].startswith("http://testserver/api/calendar/")
    assert mine["url"].endswith(".ics")
    assert mine["webcal_url"] == "webcal://" + mine["url"].removeprefix("http://")
    token = mine["url"].rsplit("/", 1)[1].removesuffix(".ics")
    assert len(token) >= 43  # 256 bits
    again = await link(client, env, cat.spec_user, "/api/specialists/me/calendar/")
    assert again["url"] == mine["url"]  # made once, then the same
    staff_view = await link(client, env, cat.staff, f"/api/specialists/{cat.anna.id}/calendar/")
    assert staff_view["url"] == mine["url"]

    cal = await feed(client, mine["url"])
    [event] = cal.events
    assert str(event["UID"]) == uid(booked.id)
    assert str(event["SUMMARY"]) == "Маникюр — Алиса"
    assert str(cal["X-WR-CALNAME"]) == "Записи — Анна Иванова"

    r = await client.post("/api/specialists/me/calendar/rotate/", headers=env.auth(cat.spec_user))
    assert r.status_code == 200
    rotated = r.json()["url"]
    assert rotated != mine["url"]
    assert (await client.get(httpx.URL(mine["url"]).path)).status_code == 404
    assert len((await feed(client, rotated)).events) == 1


async def test_client_feed_shows_only_their_bookings(client: Any, env: Env, cat: Any) -> None:
    day = future_day(4)
    mine = await appointment(env, cat, day, dt.time(10), dt.time(11))
    await appointment(env, cat, day, dt.time(12), dt.time(13), client_id=cat.client_b.id)
    url = (await link(client, env, cat.alice, "/api/clients/me/calendar/"))["url"]
    [event] = (await feed(client, url)).events
    assert str(event["UID"]) == uid(mine.id)
    assert str(event["SUMMARY"]) == "Маникюр — Анна Иванова"


async def test_who_may_get_a_link(client: Any, env: Env, cat: Any) -> None:
    assert (await client.get("/api/clients/me/calendar/")).status_code == 401
    r = await client.get("/api/specialists/me/calendar/", headers=env.auth(cat.stranger))
    assert (r.status_code, r.json()) == (404, {"detail": "No Specialist matches the given query."})
    r = await client.get("/api/clients/me/calendar/", headers=env.auth(cat.spec_user))
    assert (r.status_code, r.json()) == (404, {"detail": "No Client matches the given query."})
    other = f"/api/specialists/{cat.anna.id}/calendar/"
    assert (await client.get(other, headers=env.auth(cat.alice))).status_code == 403
    rotate = f"/api/clients/{cat.client_a.id}/calendar/rotate/"
    assert (await client.post(rotate, headers=env.auth(cat.bob))).status_code == 403
    assert (await client.post(rotate, headers=env.auth(cat.staff))).status_code == 200
    missing = "/api/specialists/999999/calendar/"
    assert (await client.get(missing, headers=env.auth(cat.staff))).status_code == 404
    assert (await client.get("/api/calendar/not-a-token.ics")).status_code == 404
    assert (await client.get("/api/calendar/" + "x" * 500 + ".ics")).status_code == 404


async def test_cancelled_bookings_are_marked_cancelled(client: Any, env: Env, cat: Any) -> None:
    day = future_day(5)
    kept = await appointment(env, cat, day, dt.time(10), dt.time(11), status="pending")
    gone = await appointment(env, cat, day, dt.time(12), dt.time(13))
    r = await client.post(f"/api/appointments/{gone.id}/cancel/", headers=env.auth(cat.alice))
    assert r.status_code == 200
    url = (await link(client, env, cat.spec_user, "/api/specialists/me/calendar/"))["url"]
    events = by_uid(await feed(client, url))
    assert str(events[uid(kept.id)]["STATUS"]) == "TENTATIVE"
    assert str(events[uid(gone.id)]["STATUS"]) == "CANCELLED"
    assert str(events[uid(gone.id)]["SUMMARY"]) == "Отменено: Маникюр — Алиса"


async def test_links_use_public_url_when_set(env: Env, cat: Any) -> None:
    settings = env.settings.model_copy(update={"public_url": "https://salon.example.com/"})
    app = create_app(settings, env.db)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://internal:8000"
    ) as c:
        body = await link(c, env, cat.alice, "/api/clients/me/calendar/")
    assert body["url"].startswith("https://salon.example.com/api/calendar/")
    assert body["webcal_url"].startswith("webcal://salon.example.com/api/calendar/")


# --- across daylight-saving changes -------------------------------------------------------------

BERLIN = ZoneInfo("Europe/Berlin")
# (day, local start, local end) → the start and end in UTC. Berlin moves to summer time on
# 2027-03-28 (02:00 → 03:00) and back on 2027-10-31 (03:00 → 02:00).
DST_CASES = [
    (dt.date(2027, 3, 27), dt.time(10), dt.time(11), (9, 10)),  # CET, UTC+1
    (dt.date(2027, 3, 28), dt.time(10), dt.time(11), (8, 9)),  # CEST, UTC+2
    (dt.date(2027, 3, 29), dt.time(9, 30), dt.time(10, 45), (7.5, 8.75)),
    (dt.date(2027, 10, 30), dt.time(10), dt.time(11), (8, 9)),  # still CEST
    (dt.date(2027, 10, 31), dt.time(10), dt.time(11), (9, 10)),  # CET again
]


@pytest.fixture
async def berlin(env: Env) -> Any:
    """The API with the business in Berlin (a zone with daylight saving), on this database."""
    settings = env.settings.model_copy(update={"time_zone": "Europe/Berlin"})
    app = create_app(settings, env.db)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver"
    ) as c:
        yield c


def _utc(day: dt.date, hours: float) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0), tzinfo=UTC) + dt.timedelta(hours=hours)


async def test_feed_times_across_daylight_saving_changes(berlin: Any, env: Env, cat: Any) -> None:
    made = [
        await appointment(env, cat, day, start, end, status="confirmed")
        for day, start, end, _ in DST_CASES
    ]
    url = (await link(berlin, env, cat.spec_user, "/api/specialists/me/calendar/"))["url"]
    cal = await feed(berlin, url)

    assert str(cal["X-WR-TIMEZONE"]) == "Europe/Berlin"
    [vtimezone] = cal.timezones
    assert str(vtimezone["TZID"]) == "Europe/Berlin"
    kinds = {c.name for c in vtimezone.subcomponents}
    assert kinds == {"STANDARD", "DAYLIGHT"}
    from_file = vtimezone.to_tz(lookup_tzid=False)  # the zone as the VTIMEZONE defines it

    events = by_uid(cal)
    assert len(events) == len(DST_CASES)
    for appt, (day, start, end, (utc_start, utc_end)) in zip(made, DST_CASES, strict=True):
        event = events[uid(appt.id)]
        assert event["DTSTART"].params["TZID"] == "Europe/Berlin"
        begins, ends = event.start, event.end
        # The wall-clock time the salon booked, in its zone…
        assert (begins.date(), begins.time(), ends.time()) == (day, start, end)
        # …and the instant it is, on either side of the change.
        assert begins.astimezone(UTC) == _utc(day, utc_start), day
        assert ends.astimezone(UTC) == _utc(day, utc_end), day
        # A client reading only the file's VTIMEZONE gets the same instants.
        naive = dt.datetime.combine(day, start)
        assert naive.replace(tzinfo=from_file).astimezone(UTC) == _utc(day, utc_start), day


async def test_one_booking_ics(client: Any, env: Env, cat: Any) -> None:
    booked = await appointment(env, cat, future_day(3), dt.time(10), dt.time(11))
    path = f"/api/appointments/{booked.id}/ics/"
    assert (await client.get(path)).status_code == 401
    assert (await client.get(path, headers=env.auth(cat.bob))).status_code == 404
    assert (await client.get(path, headers=env.auth(cat.stranger))).status_code == 404
    missing = await client.get("/api/appointments/999999/ics/", headers=env.auth(cat.staff))
    assert missing.status_code == 404

    r = await client.get(path, headers=env.auth(cat.alice))
    assert r.status_code == 200
    assert r.headers["content-type"] == "text/calendar; charset=utf-8"
    assert r.headers["content-disposition"] == f'attachment; filename="appointment-{booked.id}.ics"'
    cal = icalendar.Calendar.from_ical(r.content)
    [event] = cal.events
    assert str(event["UID"]) == uid(booked.id)  # the same event as in the feeds
    assert str(event["SUMMARY"]) == "Маникюр — Анна Иванова"
    assert event.start == dt.datetime.combine(booked.date, dt.time(10), tzinfo=env.settings.tz)
    assert [str(tz["TZID"]) for tz in cal.timezones] == [env.settings.time_zone]

    as_specialist = await client.get(path, headers=env.auth(cat.spec_user))
    [event] = icalendar.Calendar.from_ical(as_specialist.content).events
    assert str(event["SUMMARY"]) == "Маникюр — Алиса"
    assert (await client.get(path, headers=env.auth(cat.staff))).status_code == 200


async def test_feed_routes_are_documented(client: Any) -> None:
    paths = (await client.get("/api/schema/")).json()["paths"]
    assert (
        "text/calendar" in paths["/api/calendar/{token}.ics"]["get"]["responses"]["200"]["content"]
    )
    for path in (
        "/api/specialists/{pk}/calendar/",
        "/api/clients/{pk}/calendar/",
        "/api/appointments/{pk}/ics/",
    ):
        assert "get" in paths[path]
    assert "post" in paths["/api/clients/{pk}/calendar/rotate/"]
