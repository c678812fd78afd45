"""Weekly schedules, breaks and time off on the wire."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from booking_api.models import TimeOff

NOT_A_CHOICE = '"{}" is not a valid choice.'


async def test_schedule_unique_together(client, env, cat):
    r = await client.post(
        "/api/schedules/",
        headers=env.auth(cat.staff),
        json={
            "specialist": cat.anna.id,
            "day_of_week": 0,
            "start_time": "10:00",
            "end_time": "12:00",
        },
    )
    assert r.status_code == 400
    assert r.json() == {
        "non_field_errors": ["The fields specialist, day_of_week must make a unique set."]
    }


async def test_schedule_time_formats(client, env, cat):
    r = await client.post(
        "/api/schedules/",
        headers=env.auth(cat.staff),
        json={
            "specialist": cat.maria.id,
            "day_of_week": 2,
            "start_time": "09:30",
            "end_time": "18:00:00",
        },
    )
    assert r.status_code == 201, r.text
    body = r.json()
    assert body == {
        "id": body["id"],
        "specialist": cat.maria.id,
        "day_of_week": 2,
        "day_name": "Среда",
        "start_time": "09:30:00",
        "end_time": "18:00:00",
    }
    r = await client.post(
        "/api/schedules/",
        headers=env.auth(cat.staff),
        json={
            "specialist": cat.maria.id,
            "day_of_week": 7,
            "start_time": "09:30",
            "end_time": "18:00",
        },
    )
    assert r.json() == {"day_of_week": [NOT_A_CHOICE.format(7)]}


# --- day_of_week is a choice (Django's ``choices``), as DRF reads it --------------------------


@pytest.mark.parametrize(
    ("value", "shown"), [(9, "9"), ("9", "9"), (-1, "-1"), (2.0, "2.0"), (True, "True")]
)
@pytest.mark.parametrize("route", ["schedules", "breaks"])
async def test_weekday_outside_the_choices(client, env, cat, route, value, shown):
    body = {"specialist": cat.maria.id, "start_time": "13:00", "end_time": "14:00"}
    r = await client.post(
        f"/api/{route}/", headers=env.auth(cat.staff), json={**body, "day_of_week": value}
    )
    assert r.status_code == 400
    assert r.json() == {"day_of_week": [NOT_A_CHOICE.format(shown)]}


@pytest.mark.parametrize("route", ["schedules", "breaks"])
async def test_weekday_as_text_is_the_choice(client, env, cat, route):
    body = {"specialist": cat.maria.id, "start_time": "13:00", "end_time": "14:00"}
    r = await client.post(
        f"/api/{route}/", headers=env.auth(cat.staff), json={**body, "day_of_week": "3"}
    )
    assert r.status_code == 201, r.text
    assert r.json()["day_of_week"] == 3


async def test_break_every_day_is_null(client, env, cat):
    body = {"specialist": cat.maria.id, "start_time": "13:00", "end_time": "14:00"}
    r = await client.post("/api/breaks/", headers=env.auth(cat.staff), json=body)
    assert r.status_code == 201 and r.json()["day_of_week"] is None
    r = await client.post(
        "/api/breaks/", headers=env.auth(cat.staff), data={**body, "day_of_week": ""}
    )
    assert r.status_code == 201 and r.json()["day_of_week"] is None


async def test_weekday_choices_in_the_schema(client):
    schemas = (await client.get("/api/schema/")).json()["components"]["schemas"]
    day = schemas["ScheduleWrite"]["properties"]["day_of_week"]
    assert day["type"] == "integer" and day["enum"] == [0, 1, 2, 3, 4, 5, 6]


# --- time off: sane dates only, RFC 3339 out --------------------------------------------------

RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")


@pytest.mark.parametrize(
    ("start", "end", "errors"),
    [
        (
            "0033-08-23T06:25:26.6+02:30:17",
            "0033-08-24T06:25:26+02:30",
            {
                "start": ["Ensure this value is greater than or equal to 2000-01-01."],
                "end": ["Ensure this value is greater than or equal to 2000-01-01."],
            },
        ),
        (
            "0001-01-01T00:00:00",
            "2026-01-01T00:00:00",
            {"start": ["Ensure this value is greater than or equal to 2000-01-01."]},
        ),
        (
            "2026-01-01T00:00:00",
            "9999-12-31T23:59:59-12:00",
            {"end": ["Ensure this value is less than or equal to 2099-12-31."]},
        ),
        (
            "1999-12-31T23:59:59Z",
            "2100-01-01T00:00:00",
            {
                "start": ["Ensure this value is greater than or equal to 2000-01-01."],
                "end": ["Ensure this value is less than or equal to 2099-12-31."],
            },
        ),
    ],
)
async def test_time_off_outside_sane_dates(client, env, cat, start, end, errors):
    r = await client.post(
        "/api/time-off/",
        headers=env.auth(cat.staff),
        json={"specialist": cat.anna.id, "start": start, "end": end},
    )
    assert r.status_code == 400
    assert r.json() == errors


async def test_time_off_at_the_edges_of_the_range(client, env, cat):
    r = await client.post(
        "/api/time-off/",
        headers=env.auth(cat.staff),
        json={"specialist": cat.anna.id, "start": "2000-01-01T00:00", "end": "2099-12-31T23:59"},
    )
    assert r.status_code == 201, r.text
    assert r.json()["start"] == "2000-01-01T00:00:00+03:00"
    assert r.json()["end"] == "2099-12-31T23:59:00+03:00"


async def test_old_time_off_rows_are_shown_as_rfc3339(client, env, cat):
    """A row from before the check (Moscow then kept local mean time, +02:30:17) reads as a
    valid RFC 3339 date-time: in UTC."""
    row = await env.add(
        TimeOff(
            specialist_id=cat.anna.id,
            start=dt.datetime(1900, 5, 1, 6, 0, tzinfo=dt.UTC),
            end=dt.datetime(1900, 5, 2, 6, 0, tzinfo=dt.UTC),
            reason="",
        )
    )
    r = await client.get(f"/api/time-off/{row.id}/")
    assert r.status_code == 200
    assert r.json()["start"] == "1900-05-01T06:00:00Z"
    assert all(RFC3339.match(r.json()[k]) for k in ("start", "end")), r.json()
