"""Bad input is a clear 4xx, never a 500: ids beyond the id columns, the first and last days
a date can name, months at the ends of the calendar — on every route that takes them."""

from __future__ import annotations

import httpx
import pytest

from booking_api.core.errors import ValidationError
from kit.api import future_day

BIG = 99_999_999_999  # beyond PostgreSQL's integer (int32) id columns
HUGE = 2**70  # beyond any integer column
FIRST_DAY, LAST_DAY = "0001-01-01", "9999-12-31"


@pytest.fixture
async def raw(env):  # type: ignore[no-untyped-def]
    """A client that returns the 500 instead of raising the app's exception."""
    transport = httpx.ASGITransport(app=env.app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


def _booking(cat, **changes):  # type: ignore[no-untyped-def]
    body = {
        "service": cat.manicure.id,
        "specialist": cat.anna.id,
        "date": str(future_day(5)),
        "start_time": "10:00",
        "end_time": "11:00",
    }
    return {**body, **changes}


async def test_ids_out_of_range_are_not_found(raw, env, cat):
    staff, alice = env.auth(cat.staff), env.auth(cat.alice)
    for pk in (BIG, HUGE, -BIG):
        for path in ("services", "specialists", "categories", "clients", "appointments"):
            r = await raw.get(f"/api/{path}/{pk}/", headers=staff)
            assert r.status_code == 404, (path, pk, r.text)
        r = await raw.post("/api/appointments/", headers=staff, json=_booking(cat, client=pk))
        assert r.status_code == 400, r.text
        assert r.json() == {"client": [f'Invalid pk "{pk}" - object does not exist.']}
        for field in ("service", "specialist"):
            r = await raw.post(
                "/api/appointments/", headers=alice, json=_booking(cat, **{field: pk})
            )
            assert r.json() == {field: [f'Invalid pk "{pk}" - object does not exist.']}, r.text
        r = await raw.get(f"/api/specialists/{pk}/available_slots/", params={"date": "2027-01-05"})
        assert r.status_code == 404, r.text
        r = await raw.get(
            f"/api/specialists/{cat.anna.id}/available_slots/",
            params={"date": str(future_day(5)), "service": pk},
        )
        assert r.status_code == 400, r.text
        for params in (
            {"service": pk},
            {"category_id": pk},
            {"service": cat.manicure.id, "specialist": pk},
        ):
            r = await raw.get("/api/slots/nearest/", params=params)
            assert r.status_code < 500, (params, r.text)
        for name in ("specialist_id", "category_id", "client_id"):
            r = await raw.get("/api/appointments/", headers=staff, params={name: pk})
            assert r.status_code == 200 and r.json() == [], (name, r.text)
        r = await raw.post(f"/api/appointments/{pk}/cancel/", headers=alice)
        assert r.status_code == 404, r.text


@pytest.mark.parametrize("day", [FIRST_DAY, LAST_DAY])
async def test_the_ends_of_the_calendar(raw, env, cat, day):
    alice = env.auth(cat.alice)
    r = await raw.post("/api/appointments/", headers=alice, json=_booking(cat, date=day))
    assert r.status_code == 400, r.text
    r = await raw.get(f"/api/specialists/{cat.anna.id}/available_slots/", params={"date": day})
    assert r.status_code in (200, 400), r.text
    r = await raw.get(
        f"/api/specialists/{cat.anna.id}/available_slots/",
        params={"date": day, "service": cat.manicure.id},
    )
    assert r.status_code in (200, 400), r.text
    month = day[:7]
    r = await raw.get(
        f"/api/specialists/{cat.anna.id}/available_days/",
        params={"service": cat.manicure.id, "month": month},
    )
    assert r.status_code in (200, 400), r.text
    for params in ({"date_from": day}, {"date_to": day}, {"date_from": day, "date_to": day}):
        r = await raw.get("/api/slots/nearest/", params={"service": cat.manicure.id, **params})
        assert r.status_code in (200, 400), (params, r.text)
    booked = await raw.post("/api/appointments/", headers=alice, json=_booking(cat))
    assert booked.status_code == 201, booked.text
    r = await raw.post(
        f"/api/appointments/{booked.json()['id']}/reschedule/",
        headers=alice,
        json={"date": day, "start_time": "23:30"},
    )
    assert r.status_code == 400, r.text
    r = await raw.post(
        "/api/waitlist/",
        headers=alice,
        json={"service": cat.manicure.id, "date": day},
    )
    assert r.status_code < 500, r.text


async def test_null_characters_are_refused_not_stored(raw, env, cat):
    """PostgreSQL cannot hold NUL: a parameter or field with one is DRF's 400."""
    r = await raw.get("/api/slots/nearest/", params={"service": cat.manicure.id, "city": "Ка\x00"})
    assert r.status_code == 400 and r.json() == {"city": ["Null characters are not allowed."]}
    r = await raw.get("/api/services/", params={"search": "ма\x00"})
    assert r.status_code == 400, r.text
    staff = env.auth(cat.staff)
    r = await raw.post("/api/clients/", headers=staff, json={"name": "Вера\x00", "phone": ""})
    assert r.status_code == 400 and r.json() == {"name": ["Null characters are not allowed."]}
    r = await raw.post(
        "/api/clients/",
        headers={**staff, "Content-Type": "application/json"},
        content=b'{"name": "\\ud800x"}',
    )
    assert r.status_code == 400, r.text


async def test_a_username_taken_between_check_and_insert(env, monkeypatch):
    """Two requests creating one username at once both pass the existence check; the second
    insert meets the unique index. It gets DRF's "already exists", not a 500."""
    from booking_api.auth import users
    from booking_api.models import User

    await env.add(User(username="same_name", password="!", email=""))
    async with env.db.write_sessions() as session:

        async def nobody(*_args, **_kwargs):  # type: ignore[no-untyped-def]
            return None  # the check ran before the other request committed

        monkeypatch.setattr(session, "scalar", nobody)
        with pytest.raises(ValidationError) as refused:
            await users.create_linked_user(
                session, env.settings, prefix="specialist", username="same_name"
            )
    assert refused.value.errors == {"username": ["A user with that username already exists."]}


async def test_endless_digits_and_unprintable_choices(raw, env, cat):
    """An id of 5,000 digits (Python will not even parse it) and a lone surrogate where a
    choice is expected: 4xx, never a 500."""
    digits = "9" * 5000
    r = await raw.get("/api/slots/nearest/", params={"service": digits})
    assert r.status_code < 500, r.text
    r = await raw.get(
        f"/api/specialists/{cat.anna.id}/available_slots/",
        params={"date": str(future_day(5)), "service": digits},
    )
    assert r.status_code == 400, r.text
    r = await raw.get(
        "/api/appointments/", headers=env.auth(cat.staff), params={"client_id": digits}
    )
    assert r.status_code == 400, r.text
    body = (
        b'{"service": %d, "specialist": %d, "date": "%s", "start_time": "10:00", '
        b'"end_time": "11:00", "status": "\\ud800"}'
        % (cat.manicure.id, cat.anna.id, str(future_day(5)).encode())
    )
    r = await raw.post(
        "/api/appointments/",
        headers={**env.auth(cat.staff), "Content-Type": "application/json"},
        content=body,
    )
    assert r.status_code == 400, r.text


@pytest.mark.parametrize("opener, closer", [("[", "]"), ('{"a":', "}")])
@pytest.mark.parametrize("depth", [1_000, 100_000])
async def test_deeply_nested_json_is_a_parse_error(raw, env, cat, opener, closer, depth):
    """Python's json gives up on deep nesting with a RecursionError: DRF's ParseError (400)."""
    body = opener * depth + "1" + closer * depth
    kind = "array" if opener == "[" else "object"
    expected = {
        "detail": "JSON parse error - maximum recursion depth exceeded "
        f"while decoding a JSON {kind} from a unicode string"
    }
    for path, headers in (
        ("/api/token/", {}),
        ("/api/appointments/", env.auth(cat.alice)),
        ("/api/categories/", env.auth(cat.staff)),
    ):
        r = await raw.post(
            path, content=body, headers={**headers, "Content-Type": "application/json"}
        )
        assert (r.status_code, r.json()) == (400, expected), path


@pytest.mark.parametrize("depth", [200, 400, 800, 950])
async def test_nested_json_just_under_the_limit_is_a_validation_error(raw, env, cat, depth):
    """Nesting the parser accepts reaches validation, which answers DRF's 400, never a 500."""
    staff = {**env.auth(cat.staff), "Content-Type": "application/json"}
    for path in ("/api/token/", "/api/appointments/", "/api/categories/", "/api/clients/"):
        for body in (
            "[" * depth + "]" * depth,
            '{"name":' + "[" * depth + "]" * depth + "}",
            '{"date":' + '{"a":' * depth + "1" + "}" * depth + "}",
        ):
            r = await raw.post(path, content=body, headers=staff)
            assert r.status_code == 400, (path, r.status_code, r.text[:300])
