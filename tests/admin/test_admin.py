"""The staff admin at /admin/ over httpx (ASGI), on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import re

import httpx
from sqlalchemy import select

from booking_api.admin import TITLE
from booking_api.core.security import check_password, make_password
from booking_api.models import (
    Appointment,
    Break,
    Client,
    Service,
    Specialist,
    SpecialistSchedule,
    TimeOff,
    User,
)
from kit.api import Catalogue, Env, future_day

PASSWORD = "pass12345"

IDENTITIES = [
    "appointment",
    "client",
    "specialist",
    "specialist-schedule",
    "break",
    "time-off",
    "service",
    "service-category",
    "user",
]


async def login(
    client: httpx.AsyncClient, username: str = "staff", password: str = PASSWORD
) -> httpx.Response:
    return await client.post("/admin/login", data={"username": username, "password": password})


async def book(
    env: Env,
    cat: Catalogue,
    *,
    days: int = 7,
    hour: int = 10,
    status: str = "pending",
    client: Client | None = None,
) -> Appointment:
    return await env.add(
        Appointment(
            date=future_day(days),
            start_time=dt.time(hour),
            end_time=dt.time(hour + 1),
            status=status,
            client_id=(client or cat.client_a).id,
            service_id=cat.manicure.id,
            specialist_id=cat.anna.id,
        )
    )


async def fetch(env: Env, model: type, pk: int):  # type: ignore[no-untyped-def]
    async with env.db.read_sessions() as session:
        return await session.scalar(select(model).where(model.id == pk))


def form_error(html: str) -> str:
    found = re.search(r'class="invalid-feedback"[^>]*>\s*([^<]+)', html) or re.search(
        r"alert-danger[^>]*>(.*?)</div>", html, re.S
    )
    return found.group(1).strip() if found else ""


# --- signing in -----------------------------------------------------------------------------------


async def test_anonymous_is_sent_to_login(client: httpx.AsyncClient) -> None:
    r = await client.get("/admin/")
    assert r.status_code == 302
    assert r.headers["location"].endswith("/admin/login")
    for path in (
        "/admin/appointment/list",
        "/admin/specialist/create",
        "/admin/appointment/action/confirm?pks=1",
    ):
        r = await client.get(path)
        assert r.status_code == 302 and r.headers["location"].endswith("/admin/login"), path
    r = await client.get("/admin")
    assert r.status_code == 301 and r.headers["location"] == "/admin/"
    page = await client.get("/admin/login")
    assert page.status_code == 200
    assert TITLE in page.text
    assert "Вход" in page.text  # sqladmin's interface in Russian


async def test_only_active_staff_get_in(
    env: Env, client: httpx.AsyncClient, cat: Catalogue
) -> None:
    inactive = await env.user("former", staff=True)
    async with env.db.write_sessions() as session:
        (await session.get(User, inactive.id)).is_active = False
        await session.commit()
    for username, password in (
        ("alice", PASSWORD),
        ("staff", "wrong-password"),
        ("nobody", PASSWORD),
        ("former", PASSWORD),
        ("staff", ""),
    ):
        r = await login(client, username, password)
        assert r.status_code == 400, username
        assert "Неверное имя пользователя или пароль" in r.text
        assert "booking_admin" not in r.headers.get("set-cookie", "")
        assert (await client.get("/admin/")).status_code == 302


async def test_staff_signs_in_and_out(env: Env, client: httpx.AsyncClient, cat: Catalogue) -> None:
    r = await login(client)
    assert r.status_code == 302 and r.headers["location"].endswith("/admin/")
    cookie = r.headers["set-cookie"]
    assert cookie.startswith("booking_admin=")
    assert "httponly" in cookie.lower() and "samesite=strict" in cookie.lower()
    assert "path=/admin" in cookie.lower()
    home = await client.get("/admin/")
    assert home.status_code == 200
    assert TITLE in home.text and "Записи" in home.text and "Специалисты" in home.text
    assert (await fetch(env, User, cat.staff.id)).last_login is not None

    r = await client.get("/admin/logout")
    assert r.status_code == 302 and r.headers["location"].endswith("/admin/login")
    assert (await client.get("/admin/")).status_code == 302


async def test_tampered_or_stale_session_is_refused(
    env: Env, client: httpx.AsyncClient, cat: Catalogue
) -> None:
    await login(client)
    value = client.cookies["booking_admin"]
    client.cookies.clear()
    client.cookies.set(
        "booking_admin", value[:-2] + ("AA" if value[-2:] != "AA" else "BB"), path="/admin"
    )
    assert (await client.get("/admin/")).status_code == 302

    # A password change (or losing staff status) ends existing sessions.
    client.cookies.clear()
    await login(client)
    assert (await client.get("/admin/")).status_code == 200
    async with env.db.write_sessions() as session:
        staff = await session.get(User, cat.staff.id)
        staff.password = make_password("new-pass", iterations=1000)
        await session.commit()
    assert (await client.get("/admin/")).status_code == 302


# --- every page -----------------------------------------------------------------------------------


async def test_every_page_renders(env: Env, client: httpx.AsyncClient, cat: Catalogue) -> None:
    appointment = await book(env, cat)
    await book(env, cat, days=-3, status="completed", client=cat.client_b)
    pause = await env.add(
        Break(
            specialist_id=cat.anna.id,
            day_of_week=None,
            start_time=dt.time(13),
            end_time=dt.time(14),
        )
    )
    off = await env.add(
        TimeOff(
            specialist_id=cat.anna.id,
            start=dt.datetime(2030, 1, 1, 6, tzinfo=dt.UTC),
            end=dt.datetime(2030, 1, 2, 6, tzinfo=dt.UTC),
            reason="Отпуск",
        )
    )
    async with env.db.read_sessions() as session:
        schedule_id = await session.scalar(select(SpecialistSchedule.id).limit(1))
    pks = {
        "appointment": appointment.id,
        "client": cat.client_a.id,
        "specialist": cat.anna.id,
        "specialist-schedule": schedule_id,
        "break": pause.id,
        "time-off": off.id,
        "service": cat.manicure.id,
        "service-category": cat.nails.id,
        "user": cat.alice.id,
    }
    await login(client)
    for identity in IDENTITIES:
        pk = pks[identity]
        for path in (
            f"/admin/{identity}/list",
            f"/admin/{identity}/details/{pk}",
            f"/admin/{identity}/export/csv",
        ):
            r = await client.get(path)
            assert r.status_code == 200, (path, r.text[:500])
        edit = await client.get(f"/admin/{identity}/edit/{pk}")
        create = await client.get(f"/admin/{identity}/create")
        # Appointments too: their forms go through the API's booking rules (test_board.py).
        assert (edit.status_code, create.status_code) == (200, 200), identity

    appointments = (await client.get("/admin/appointment/list")).text
    for text in (
        "Алиса",
        "Борис",
        "Анна Иванова",
        "Маникюр",
        "ожидает подтверждения",
        "завершена",
        "Подтвердить",
        "Отменить",
        future_day(7).strftime("%d.%m.%Y"),
    ):
        assert text in appointments, text
    details = (await client.get(f"/admin/specialist/details/{cat.anna.id}")).text
    assert "Пн 09:00–18:00" in details  # the schedule, inline
    breaks = (await client.get("/admin/break/list")).text
    assert "Анна Иванова" in breaks and "Каждый день" in breaks
    time_off = (await client.get(f"/admin/time-off/details/{off.id}")).text
    assert "01.01.2030 09:00" in time_off  # shown in TIME_ZONE (Moscow)
    services = (await client.get("/admin/service/list")).text
    assert "1500" in services and "Ногтевой сервис" in services
    users = (await client.get("/admin/user/list")).text
    assert "pbkdf2_sha256" not in users
    assert "pbkdf2_sha256" not in (await client.get(f"/admin/user/edit/{cat.alice.id}")).text
    assert "pbkdf2_sha256" not in (await client.get("/admin/user/export/csv")).text
    edit = (await client.get(f"/admin/service/edit/{cat.manicure.id}")).text
    assert "Анна Иванова (Мастер маникюра)" in edit and "object at 0x" not in edit


async def test_filters_and_search(env: Env, client: httpx.AsyncClient, cat: Catalogue) -> None:
    await book(env, cat, days=3, hour=10)
    await book(env, cat, days=5, hour=11, status="confirmed", client=cat.client_b)
    await book(env, cat, days=-2, hour=12, status="cancelled", client=cat.client_b)
    await login(client)

    def rows(html: str) -> int:
        return html.count('class="form-check-input m-0 align-middle select-box"')

    async def listed(query: str) -> str:
        r = await client.get(f"/admin/appointment/list?{query}")
        assert r.status_code == 200, (query, r.text[:300])
        return r.text

    everything = await listed("")
    assert rows(everything) == 3
    # Newest date first.
    dates = [(future_day(d)).strftime("%d.%m.%Y") for d in (5, 3, -2)]
    positions = [everything.index(d) for d in dates]
    assert positions == sorted(positions)
    assert rows(await listed("status=pending")) == 1
    assert rows(await listed("status=cancelled")) == 1
    assert rows(await listed("when=future")) == 2
    assert rows(await listed("when=past")) == 1
    assert rows(await listed(f"specialist={cat.anna.id}")) == 3
    assert rows(await listed(f"specialist={cat.maria.id}")) == 0
    assert rows(await listed("search=Борис")) == 2
    assert rows(await listed("search=Алис")) == 1
    assert rows(await listed("search=Борис&status=confirmed")) == 1

    specialists = (await client.get("/admin/specialist/list?search=Парикмахер")).text
    assert "Мария Петрова" in specialists and "Анна Иванова" not in specialists
    specialists = (await client.get("/admin/specialist/list?city=Москва")).text
    assert "Мария Петрова" in specialists and "Анна Иванова" not in specialists
    assert rows((await client.get("/admin/specialist/list?is_active=false")).text) == 0
    clients = (await client.get("/admin/client/list?search=%2B79000000002")).text
    assert "Борис" in clients and "Алиса" not in clients
    clients = (await client.get("/admin/client/list?search=a@example")).text
    assert "Алиса" in clients and "Борис" not in clients
    schedules = await client.get(f"/admin/specialist-schedule/list?specialist={cat.maria.id}")
    assert rows(schedules.text) == 0
    services = (await client.get(f"/admin/service/list?category={cat.nails.id}")).text
    assert "Маникюр" in services and "Стрижка" not in services


# --- actions --------------------------------------------------------------------------------------


async def test_confirm_and_cancel_actions(
    env: Env, client: httpx.AsyncClient, cat: Catalogue
) -> None:
    first = await book(env, cat, hour=9)
    second = await book(env, cat, hour=11)
    done = await book(env, cat, hour=13, status="completed")
    await login(client)

    r = await client.get(
        f"/admin/appointment/action/confirm?pks={first.id},{done.id}",
        headers={"referer": "http://testserver/admin/appointment/list?status=pending"},
    )
    assert r.status_code == 302
    assert r.headers["location"] == "http://testserver/admin/appointment/list?status=pending"
    assert (await fetch(env, Appointment, first.id)).status == "confirmed"
    assert (await fetch(env, Appointment, done.id)).status == "completed"  # not allowed: skipped
    page = (await client.get("/admin/appointment/list")).text
    assert "Подтверждено записей: 1." in page and "Пропущено записей: 1" in page

    r = await client.get(
        f"/admin/appointment/action/cancel?pks={first.id},{second.id},{done.id}",
        headers={"referer": "https://elsewhere.example/"},
    )
    assert r.status_code == 302
    assert r.headers["location"] == "http://testserver/admin/appointment/list"
    for pk in (first.id, second.id):
        row = await fetch(env, Appointment, pk)
        assert row.status == "cancelled"
        assert row.cancelled_by_id == cat.staff.id
        assert row.cancelled_at is not None
        assert abs(dt.datetime.now(dt.UTC) - row.cancelled_at) < dt.timedelta(minutes=1)
    assert (await fetch(env, Appointment, done.id)).status == "completed"

    # A cancelled booking cannot be confirmed (the API's rule).
    await client.get(f"/admin/appointment/action/confirm?pks={first.id}")
    assert (await fetch(env, Appointment, first.id)).status == "cancelled"
    details = (await client.get(f"/admin/appointment/details/{first.id}")).text
    assert "отменена" in details and "staff" in details  # cancelled by


# --- forms ----------------------------------------------------------------------------------------


async def test_create_specialist_schedule_break_time_off(
    env: Env, client: httpx.AsyncClient, cat: Catalogue
) -> None:
    await login(client)
    r = await client.post(
        "/admin/specialist/create",
        data={
            "name": "Ольга Смирнова",
            "specialization": "Косметолог",
            "description": "",
            "city": "Казань",
            "is_active": "y",
            "user": "__None",
            "telegram_id": "",
            "save": "Save",
        },
    )
    assert r.status_code == 302, form_error(r.text) or r.text[:2000]
    async with env.db.read_sessions() as session:
        olga = await session.scalar(select(Specialist).where(Specialist.name == "Ольга Смирнова"))
    assert olga is not None and olga.is_active and olga.user_id is None

    r = await client.post(
        "/admin/specialist-schedule/create",
        data={
            "specialist": str(olga.id),
            "day_of_week": "2",
            "start_time": "10:00",
            "end_time": "19:00",
            "save": "Save",
        },
    )
    assert r.status_code == 302, form_error(r.text) or r.text[:2000]
    async with env.db.read_sessions() as session:
        day = await session.scalar(
            select(SpecialistSchedule).where(SpecialistSchedule.specialist_id == olga.id)
        )
    assert (day.day_of_week, day.start_time, day.end_time) == (2, dt.time(10), dt.time(19))
    listed = (await client.get(f"/admin/specialist-schedule/list?specialist={olga.id}")).text
    assert "Среда" in listed and "10:00" in listed

    r = await client.post(
        "/admin/break/create",
        data={
            "specialist_id": str(olga.id),
            "day_of_week": "__None",
            "start_time": "13:00",
            "end_time": "13:30",
            "save": "Save",
        },
    )
    assert r.status_code == 302, form_error(r.text) or r.text[:2000]
    async with env.db.read_sessions() as session:
        pause = await session.scalar(select(Break).where(Break.specialist_id == olga.id))
    assert pause.day_of_week is None and pause.start_time == dt.time(13)

    r = await client.post(
        "/admin/time-off/create",
        data={
            "specialist_id": str(olga.id),
            "start": "2030-05-01 09:00:00",
            "end": "2030-05-01 18:00:00",
            "reason": "Учёба",
            "save": "Save",
        },
    )
    assert r.status_code == 302, form_error(r.text) or r.text[:2000]
    async with env.db.read_sessions() as session:
        off = await session.scalar(select(TimeOff).where(TimeOff.specialist_id == olga.id))
    # Entered in TIME_ZONE (Europe/Moscow, UTC+3), stored in UTC.
    assert off.start == dt.datetime(2030, 5, 1, 6, tzinfo=dt.UTC)

    # Editing: the service moves to the new specialist; the form keeps the other values.
    r = await client.post(
        f"/admin/service/edit/{cat.manicure.id}",
        data={
            "name": "Маникюр",
            "description": "",
            "specialist": str(olga.id),
            "category": str(cat.nails.id),
            "price": "1700",
            "duration": "60",
            "buffer_before": "0",
            "buffer_after": "10",
            "is_active": "y",
            "save": "Save",
        },
    )
    assert r.status_code == 302, form_error(r.text) or r.text[:2000]
    service = await fetch(env, Service, cat.manicure.id)
    assert (service.specialist_id, service.buffer_after, str(service.price)) == (
        olga.id,
        10,
        "1700.00",
    )


async def test_users_passwords_are_hashed(
    env: Env, client: httpx.AsyncClient, cat: Catalogue
) -> None:
    await login(client)
    base = {
        "first_name": "Вера",
        "last_name": "",
        "email": "vera@example.com",
        "is_active": "y",
        "is_staff": "y",
        "save": "Save",
    }
    r = await client.post("/admin/user/create", data={**base, "username": "vera", "password": ""})
    assert r.status_code == 400 and "Задайте пароль" in r.text
    r = await client.post(
        "/admin/user/create", data={**base, "username": "vera", "password": "s3cret-pass"}
    )
    assert r.status_code == 302, form_error(r.text) or r.text[:2000]
    async with env.db.read_sessions() as session:
        vera = await session.scalar(select(User).where(User.username == "vera"))
    assert vera.password.startswith(f"pbkdf2_sha256${env.settings.password_hash_iterations}$")
    assert check_password("s3cret-pass", vera.password)
    assert vera.is_staff and not vera.is_superuser

    # A blank password on edit keeps the old one.
    r = await client.post(
        f"/admin/user/edit/{vera.id}",
        data={**base, "username": "vera", "password": "", "last_name": "Орлова"},
    )
    assert r.status_code == 302, form_error(r.text) or r.text[:2000]
    after = await fetch(env, User, vera.id)
    assert after.last_name == "Орлова" and after.password == vera.password

    # The new staff member signs in; not a superuser, so users stay out of reach.
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=env.app), base_url="http://testserver"
    ) as other:
        assert (await login(other, "vera", "s3cret-pass")).status_code == 302
        assert (await other.get("/admin/appointment/list")).status_code == 200
        assert (await other.get("/admin/user/list")).status_code == 403
        assert (await other.get(f"/admin/user/edit/{cat.alice.id}")).status_code == 403
        assert "/admin/user/list" not in (await other.get("/admin/")).text


async def test_delete_follows_django_on_delete(
    env: Env, client: httpx.AsyncClient, cat: Catalogue
) -> None:
    """The Django layout has no ON DELETE in the database; the admin applies the models' rules."""
    booked = await book(env, cat)
    await env.add(
        Break(
            specialist_id=cat.anna.id, day_of_week=1, start_time=dt.time(13), end_time=dt.time(14)
        )
    )
    await login(client)

    r = await client.delete(f"/admin/service-category/delete?pks={cat.nails.id}")
    assert r.status_code == 200 and "error" not in r.text
    assert (await fetch(env, Service, cat.manicure.id)).category_id is None  # SET NULL

    r = await client.delete(f"/admin/user/delete?pks={cat.spec_user.id}")
    assert r.status_code == 200 and "error" not in r.text
    assert (await fetch(env, Specialist, cat.anna.id)).user_id is None  # SET NULL

    r = await client.delete(f"/admin/specialist/delete?pks={cat.anna.id},{cat.maria.id}")
    assert r.status_code == 200 and "error" not in r.text
    for model, pk in (
        (Specialist, cat.anna.id),
        (Service, cat.manicure.id),
        (Service, cat.haircut.id),
        (Appointment, booked.id),
    ):
        assert await fetch(env, model, pk) is None, model  # CASCADE
    async with env.db.read_sessions() as session:
        assert (await session.scalars(select(SpecialistSchedule))).all() == []
        assert (await session.scalars(select(Break))).all() == []
    assert await fetch(env, Client, cat.client_a.id) is not None
