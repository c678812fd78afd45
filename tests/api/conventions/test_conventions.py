"""DRF's conventions on the wire: slashes, errors, field messages, formats, lists."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest

from booking_api.models import Appointment, Service
from kit.api import future_day

NOT_FOUND = {"detail": "Not found."}


# --- routing -----------------------------------------------------------------------------------


async def test_get_without_slash_redirects_permanently(client, cat):
    r = await client.get("/api/services?search=x")
    assert r.status_code == 301
    assert r.headers["location"] == "/api/services/?search=x"


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
async def test_write_without_slash_is_a_clear_client_error(client, env, cat, method):
    r = await client.request(
        method, f"/api/services/{cat.manicure.id}", json={}, headers=env.auth(cat.staff)
    )
    assert 400 <= r.status_code < 500
    assert f"/api/services/{cat.manicure.id}/" in r.json()["detail"]


async def test_unknown_route_is_not_found(client):
    r = await client.get("/api/nothing-here/")
    assert r.status_code == 404 and r.json() == NOT_FOUND


@pytest.mark.parametrize(
    ("route", "model"),
    [
        ("categories", "ServiceCategory"),
        ("specialists", "Specialist"),
        ("schedules", "SpecialistSchedule"),
        ("services", "Service"),
        ("clients", "Client"),
        ("appointments", "Appointment"),
    ],
)
async def test_detail_404_texts(client, env, cat, route, model):
    headers = env.auth(cat.staff)
    r = await client.get(f"/api/{route}/999999/", headers=headers)
    assert r.status_code == 404
    assert r.json() == {"detail": f"No {model} matches the given query."}
    r = await client.get(f"/api/{route}/abc/", headers=headers)
    assert r.status_code == 404 and r.json() == NOT_FOUND


async def test_custom_actions_404(client, env, cat):
    for action in ("services", "schedule", "available_slots"):
        r = await client.get(f"/api/specialists/999/{action}/")
        assert r.status_code == 404, action
        assert r.json() == {"detail": "No Specialist matches the given query."}
        r = await client.get(f"/api/specialists/x/{action}/")
        assert r.json() == NOT_FOUND
    r = await client.post("/api/appointments/999/cancel/", headers=env.auth(cat.staff))
    assert r.json() == {"detail": "No Appointment matches the given query."}


async def test_method_not_allowed(client, env, cat):
    headers = env.auth(cat.staff)
    r = await client.put("/api/services/", json={}, headers=headers)
    assert r.status_code == 405
    assert r.json() == {"detail": 'Method "PUT" not allowed.'}
    assert "GET" in r.headers["allow"] and "POST" in r.headers["allow"]
    r = await client.delete("/api/categories/", headers=headers)
    assert r.json() == {"detail": 'Method "DELETE" not allowed.'}
    r = await client.post(f"/api/services/{cat.manicure.id}/", json={}, headers=headers)
    assert r.status_code == 405 and r.json() == {"detail": 'Method "POST" not allowed.'}
    r = await client.get("/api/appointments/1/cancel/", headers=headers)
    assert r.status_code == 405 and r.json() == {"detail": 'Method "GET" not allowed.'}


# --- request bodies ----------------------------------------------------------------------------


async def test_unsupported_media_type(client, env, cat):
    r = await client.post(
        "/api/categories/",
        content="name=x",
        headers={**env.auth(cat.staff), "Content-Type": "text/plain"},
    )
    assert r.status_code == 415
    assert r.json() == {"detail": 'Unsupported media type "text/plain" in request.'}


async def test_malformed_json(client, env, cat):
    r = await client.post(
        "/api/categories/",
        content=b'{"name": }',
        headers={**env.auth(cat.staff), "Content-Type": "application/json"},
    )
    assert r.status_code == 400
    assert r.json() == {"detail": "JSON parse error - Expecting value: line 1 column 10 (char 9)"}


async def test_empty_json_body_is_empty_data(client, env, cat):
    """DRF reads an empty body as ``{}``: the fields are missing, not the JSON."""
    r = await client.post(
        "/api/categories/",
        content=b"",
        headers={**env.auth(cat.staff), "Content-Type": "application/json"},
    )
    assert r.status_code == 400
    assert r.json() == {"name": ["This field is required."]}


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ([1, 2], "Invalid data. Expected a dictionary, but got list."),
        ("x", "Invalid data. Expected a dictionary, but got str."),
        (5, "Invalid data. Expected a dictionary, but got int."),
        (None, "No data provided"),
    ],
)
async def test_body_must_be_an_object(client, env, cat, body, message):
    r = await client.post(
        "/api/categories/",
        content=json.dumps(body),
        headers={**env.auth(cat.staff), "Content-Type": "application/json"},
    )
    assert r.status_code == 400
    assert r.json() == {"non_field_errors": [message]}


async def test_form_data_is_accepted(client, env, cat):
    r = await client.post("/api/categories/", data={"name": "Форма"}, headers=env.auth(cat.staff))
    assert r.status_code == 201 and r.json()["name"] == "Форма"


# --- field messages ----------------------------------------------------------------------------

SERVICE = {"name": "Педикюр", "price": "2000", "duration": 60}


@pytest.mark.parametrize(
    ("change", "errors"),
    [
        ({"name": None}, {"name": ["This field may not be null."]}),
        ({"name": ""}, {"name": ["This field may not be blank."]}),
        ({"name": "   "}, {"name": ["This field may not be blank."]}),
        ({"name": "x" * 101}, {"name": ["Ensure this field has no more than 100 characters."]}),
        ({"duration": "abc"}, {"duration": ["A valid integer is required."]}),
        ({"duration": 1.5}, {"duration": ["A valid integer is required."]}),
        ({"price": "abc"}, {"price": ["A valid number is required."]}),
        ({"price": "1.234"}, {"price": ["Ensure that there are no more than 2 decimal places."]}),
        (
            {"price": "123456789"},
            {"price": ["Ensure that there are no more than 8 digits before the decimal point."]},
        ),
        ({"price": "-1"}, {"price": ["Ensure this value is greater than or equal to 0."]}),
        ({"specialist": 99}, {"specialist": ['Invalid pk "99" - object does not exist.']}),
        (
            {"specialist": "abc"},
            {"specialist": ["Incorrect type. Expected pk value, received str."]},
        ),
        ({"category": 99}, {"category": ['Invalid pk "99" - object does not exist.']}),
    ],
)
async def test_service_field_messages(client, env, cat, change, errors):
    body = {**SERVICE, "specialist": cat.anna.id, **change}
    r = await client.post("/api/services/", json=body, headers=env.auth(cat.staff))
    assert r.status_code == 400
    assert r.json() == errors


async def test_required_fields_reported_together(client, env, cat):
    r = await client.post("/api/services/", json={}, headers=env.auth(cat.staff))
    assert r.status_code == 400
    required = ["This field is required."]
    assert r.json() == {
        "name": required,
        "price": required,
        "duration": required,
        "specialist": required,
    }


async def test_integer_coercions(client, env, cat):
    body = {**SERVICE, "specialist": str(cat.anna.id), "duration": "45.0", "price": 99.5}
    r = await client.post("/api/services/", json=body, headers=env.auth(cat.staff))
    assert r.status_code == 201, r.text
    assert r.json()["duration"] == 45 and r.json()["price"] == "99.50"


async def test_email_and_choice_messages(client, env, cat):
    r = await client.patch(
        f"/api/clients/{cat.client_a.id}/",
        headers=env.auth(cat.staff),
        json={"email": "nope", "language": "xx"},
    )
    assert r.status_code == 400
    assert r.json() == {
        "email": ["Enter a valid email address."],
        "language": ['"xx" is not a valid choice.'],
    }


async def test_date_and_time_messages(client, env, cat):
    r = await client.post(
        "/api/appointments/",
        headers=env.auth(cat.staff),
        json={
            "client": cat.client_a.id,
            "service": cat.manicure.id,
            "specialist": cat.anna.id,
            "date": "24.11.2026",
            "start_time": "10 am",
            "end_time": "25:00",
            "status": "x",
        },
    )
    assert r.status_code == 400
    time_message = ["Time has wrong format. Use one of these formats instead: hh:mm[:ss[.uuuuuu]]."]
    assert r.json() == {
        "date": ["Date has wrong format. Use one of these formats instead: YYYY-MM-DD."],
        "start_time": time_message,
        "end_time": time_message,
        "status": ['"x" is not a valid choice.'],
    }


# --- representation ----------------------------------------------------------------------------


async def test_datetimes_in_service_zone(client, env, cat):
    created = dt.datetime(2026, 11, 24, 7, 0, tzinfo=dt.UTC)
    appt = await env.add(
        Appointment(
            client_id=cat.client_a.id,
            service_id=cat.manicure.id,
            specialist_id=cat.anna.id,
            date=dt.date(2026, 11, 24),
            start_time=dt.time(10),
            end_time=dt.time(11),
            created_at=created,
            updated_at=created.replace(microsecond=1500),
        )
    )
    r = await client.get(f"/api/appointments/{appt.id}/", headers=env.auth(cat.staff))
    body = r.json()
    assert body["created_at"] == "2026-11-24T10:00:00+03:00"
    assert body["updated_at"] == "2026-11-24T10:00:00.001500+03:00"
    assert body["date"] == "2026-11-24"
    assert body["start_time"] == "10:00:00" and body["end_time"] == "11:00:00"
    assert body["category_name"] == "Ногтевой сервис"
    assert list(body)[:14] == [
        "id",
        "client",
        "client_name",
        "service",
        "service_name",
        "specialist",
        "specialist_name",
        "category_name",
        "date",
        "start_time",
        "end_time",
        "status",
        "created_at",
        "updated_at",
    ]


# --- lists: pagination, search, ordering, filters ----------------------------------------------


async def _many_categories(env, n: int) -> None:
    from booking_api.models import ServiceCategory

    await env.add(*[ServiceCategory(name=f"Категория {i:02d}", description="") for i in range(n)])


async def test_plain_list_by_default(client, cat):
    r = await client.get("/api/categories/")
    assert isinstance(r.json(), list) and [c["id"] for c in r.json()] == [cat.nails.id, cat.hair.id]


async def test_pagination(client, env, cat):
    await _many_categories(env, 5)  # 7 in all
    r = await client.get("/api/categories/?page_size=3")
    body = r.json()
    assert body["count"] == 7 and len(body["results"]) == 3
    assert body["next"] == "http://testserver/api/categories/?page=2&page_size=3"
    assert body["previous"] is None
    r = await client.get(body["next"])
    body = r.json()
    assert body["previous"] == "http://testserver/api/categories/?page_size=3"
    assert body["next"] == "http://testserver/api/categories/?page=3&page_size=3"
    r = await client.get("/api/categories/?page_size=3&page=3")
    assert r.json()["previous"] == "http://testserver/api/categories/?page=2&page_size=3"
    r = await client.get("/api/categories/?page_size=3&page=last")
    assert r.status_code == 200 and len(r.json()["results"]) == 1
    assert r.json()["next"] is None


@pytest.mark.parametrize("page", ["4", "0", "-1", "abc", "1.5", "2.0"])
async def test_invalid_page(client, env, cat, page):
    await _many_categories(env, 5)
    r = await client.get(f"/api/categories/?page_size=3&page={page}")
    assert r.status_code == 404
    assert r.json() == {"detail": "Invalid page."}


async def test_page_size_limits(client, env, cat):
    await _many_categories(env, 110)
    r = await client.get("/api/categories/?page_size=1000")
    assert len(r.json()["results"]) == 100 and r.json()["count"] == 112
    for raw in ("0", "-3", "abc", ""):
        r = await client.get(f"/api/categories/?page_size={raw}")
        assert isinstance(r.json(), list) and len(r.json()) == 112, raw


async def test_pagination_keeps_repeated_params(client, env, cat):
    await _many_categories(env, 5)
    r = await client.get("/api/categories/?page_size=2&x=1&x=2")
    assert r.json()["next"] == "http://testserver/api/categories/?page=2&page_size=2&x=1&x=2"


@pytest.mark.parametrize("route", ["services", "specialists", "schedules", "appointments"])
async def test_malformed_filter_is_a_400(client, env, cat, route):
    param = "specialist_id" if route in ("schedules", "appointments") else "category_id"
    r = await client.get(f"/api/{route}/?{param}=abc", headers=env.auth(cat.staff))
    assert r.status_code == 400
    assert r.json() == {param: ["A valid integer is required."]}


async def test_appointment_filters(client, env, cat):
    day = future_day()
    for start, status in ((10, "pending"), (12, "cancelled")):
        await env.add(
            Appointment(
                client_id=cat.client_a.id,
                service_id=cat.manicure.id,
                specialist_id=cat.anna.id,
                date=day,
                start_time=dt.time(start),
                end_time=dt.time(start + 1),
                status=status,
            )
        )
    headers = env.auth(cat.staff)
    r = await client.get("/api/appointments/?date_from=garbage&date_to=also", headers=headers)
    assert r.status_code == 200 and len(r.json()) == 2
    r = await client.get(
        f"/api/appointments/?date_from={day + dt.timedelta(days=1)}", headers=headers
    )
    assert r.json() == []
    r = await client.get(f"/api/appointments/?date_to={day}&status=cancelled", headers=headers)
    assert [a["start_time"] for a in r.json()] == ["12:00:00"]
    r = await client.get("/api/appointments/?ordering=-start_time", headers=headers)
    assert [a["start_time"] for a in r.json()] == ["12:00:00", "10:00:00"]
    r = await client.get("/api/appointments/?search=алиса маникюр", headers=headers)
    assert len(r.json()) == 2


async def test_negative_id_is_a_missing_object(client, cat):
    r = await client.get("/api/services/-1/")
    assert r.status_code == 404
    assert r.json() == {"detail": "No Service matches the given query."}


async def test_head_is_answered_like_get_without_a_body(client, cat):
    get = await client.get("/api/services/")
    head = await client.head("/api/services/")
    assert head.status_code == 200
    assert head.content == b""
    assert head.headers["content-length"] == get.headers["content-length"]
    assert (await client.head("/api/services/999/")).status_code == 404
    moved = await client.head("/api/services")
    assert moved.status_code == 301 and moved.headers["location"].endswith("/api/services/")


async def test_the_answer_to_a_write_shows_the_new_relations(client, env, cat):
    """The row is read again after the write with its relations loaded afresh, so names taken
    from them follow the new foreign keys (shown here on an appointment; services in
    tests/api/catalogue)."""
    pedicure = await env.add(
        Service(
            name="Педикюр",
            description="",
            price=Decimal(1),
            duration=60,
            specialist_id=cat.anna.id,
            category_id=cat.hair.id,
        )
    )
    booked = await env.add(
        Appointment(
            client_id=cat.client_a.id,
            service_id=cat.manicure.id,
            specialist_id=cat.anna.id,
            date=future_day(),
            start_time=dt.time(10),
            end_time=dt.time(11),
        )
    )
    r = await client.patch(
        f"/api/appointments/{booked.id}/",
        headers=env.auth(cat.staff),
        json={"service": pedicure.id, "client": cat.client_b.id},
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["client_name"], body["service_name"], body["category_name"]) == (
        "Борис",
        "Педикюр",
        "Волосы",
    )
