"""The staff board, the dashboard and the appointment forms over httpx (ASGI), on SQLite and
PostgreSQL: the same rules, texts and notifications as the API; a specialist sees their own
column only; never a 500."""

from __future__ import annotations

import datetime as dt
import json
import re

import httpx
from sqlalchemy import select

from booking_api.models import Appointment, Break, Client, Job, TimeOff
from kit.api import Catalogue, Env, future_day

PASSWORD = "pass12345"
TAKEN = "Выбранное время уже занято."


async def login(client: httpx.AsyncClient, username: str = "staff") -> None:
    r = await client.post("/admin/login", data={"username": username, "password": PASSWORD})
    assert r.status_code == 302, r.text


async def add(env: Env, cat: Catalogue, day: dt.date, hour: int, **extra) -> Appointment:
    values = dict(
        date=day,
        start_time=dt.time(hour),
        end_time=dt.time(hour + 1),
        status="confirmed",
        client_id=cat.client_a.id,
        service_id=cat.manicure.id,
        specialist_id=cat.anna.id,
    )
    values.update(extra)
    return await env.add(Appointment(**values))


def booking(cat: Catalogue, day: dt.date, start: str, end: str) -> dict:
    return {
        "client": cat.client_b.id,
        "service": cat.manicure.id,
        "specialist": cat.anna.id,
        "date": day.isoformat(),
        "start_time": start,
        "end_time": end,
    }


def config_of(html: str) -> dict:
    found = re.search(r'<script type="application/json" id="board-config">(.*?)</script>', html)
    assert found, "no board config"
    return json.loads(found.group(1))


async def fetch(env: Env, pk: int) -> Appointment:
    async with env.db.read_sessions() as session:
        return await session.scalar(select(Appointment).where(Appointment.id == pk))


# --- the page and its data ------------------------------------------------------------------


async def test_board_page_and_events(env: Env, client: httpx.AsyncClient, cat: Catalogue) -> None:
    day = future_day(3)
    await env.add(
        Break(
            specialist_id=cat.anna.id,
            day_of_week=None,
            start_time=dt.time(13),
            end_time=dt.time(14),
        ),
        TimeOff(
            specialist_id=cat.anna.id,
            start=dt.datetime.combine(day, dt.time(16), env.settings.tz),
            end=dt.datetime.combine(day, dt.time(17), env.settings.tz),
            reason="Учёба",
        ),
    )
    booked = await add(env, cat, day, 10, status="pending")
    await login(client)
    page = await client.get("/admin/board")
    assert page.status_code == 200
    config = config_of(page.text)
    assert [c["title"] for c in config["columns"]] == ["Анна Иванова", "Мария Петрова"]
    assert config["canBook"] is True and config["slotMin"] == "08:00"
    assert "board/board.js" in page.text

    r = await client.get(
        "/admin/board/events",
        params={"start": day.isoformat(), "end": (day + dt.timedelta(days=1)).isoformat()},
    )
    assert r.status_code == 200
    rows = r.json()
    blocks = [row for row in rows if row.get("display") != "background"]
    assert [b["id"] for b in blocks] == [str(booked.id)]
    block = blocks[0]
    assert block["start"] == f"{day.isoformat()}T10:00:00"
    assert block["resourceIds"] == [str(cat.anna.id)]
    assert block["classNames"] == ["board-status-pending"]
    assert block["extendedProps"]["actions"] == ["confirm", "cancel"]  # not started: no no-show
    shades = {(row["classNames"][0], row["resourceIds"][0], row["start"][11:16]) for row in rows}
    anna, maria = str(cat.anna.id), str(cat.maria.id)
    assert ("board-break", anna, "13:00") in shades
    assert ("board-timeoff", anna, "16:00") in shades
    assert ("board-off", anna, "18:00") in shades  # after hours
    assert ("board-off", maria, "00:00") in shades  # Maria has no hours at all

    # Bad input is a 400 with a text, never a 500.
    assert (await client.get("/admin/board/events?start=x&end=y")).status_code == 400
    assert (await client.get("/admin/board/services?specialist=abc")).status_code == 404


async def test_book_from_the_board_like_the_api(
    env: Env, client: httpx.AsyncClient, cat: Catalogue
) -> None:
    day = future_day(4)
    await login(client)
    r = await client.get(f"/admin/board/services?specialist={cat.anna.id}")
    assert r.json() == [
        {"id": cat.manicure.id, "name": "Маникюр", "duration": 60, "price": "1500.00"}
    ]

    r = await client.post("/admin/board/appointments", json=booking(cat, day, "11:00", "12:00"))
    assert r.status_code == 201, r.text
    pk = r.json()["id"]
    assert r.json()["status"] == "pending" and r.json()["no_show"] is False
    # The same notifications as a booking through the API: reminders and the specialist's notice.
    async with env.db.read_sessions() as session:
        kinds = sorted(
            (
                await session.scalars(select(Job.kind).where(Job.dedupe_key.contains(f":{pk}:")))
            ).all()
        )
    assert "specialist_notice" in kinds and "reminder" in kinds

    # The overlap: the contract's text, as the API gives it.
    r = await client.post("/admin/board/appointments", json=booking(cat, day, "11:30", "12:30"))
    assert r.status_code == 400
    assert r.json() == {"error": TAKEN, "errors": {"non_field_errors": [TAKEN]}}
    # Outside the hours, and a missing field: texts, never a 500.
    r = await client.post("/admin/board/appointments", json=booking(cat, day, "19:00", "20:00"))
    assert r.json()["error"] == "Время записи не соответствует графику работы специалиста."
    r = await client.post("/admin/board/appointments", json={"client": cat.client_b.id})
    assert r.status_code == 400 and "обязательное поле" in r.json()["error"]
    r = await client.post(
        "/admin/board/appointments", content=b"{", headers={"content-type": "application/json"}
    )
    assert r.status_code == 400 and r.json()["error"].startswith("JSON parse error")


async def test_actions_and_no_show_from_the_board(
    env: Env, client: httpx.AsyncClient, cat: Catalogue
) -> None:
    ahead = await add(env, cat, future_day(2), 10, status="pending")
    past = await add(env, cat, future_day(-1), 10)
    await login(client)
    r = await client.post(f"/admin/board/appointments/{ahead.id}/confirm", json={})
    assert r.status_code == 200 and r.json()["status"] == "confirmed"
    r = await client.post(f"/admin/board/appointments/{ahead.id}/no_show", json={})
    assert r.status_code == 400
    assert r.json()["error"] == "Отметить неявку можно только после начала записи."
    r = await client.post(f"/admin/board/appointments/{past.id}/no_show", json={})
    assert r.status_code == 200 and r.json() == {
        "id": past.id,
        "status": "cancelled",
        "no_show": True,
    }
    r = await client.post(f"/admin/board/appointments/{past.id}/complete", json={})
    assert r.json()["error"] == "Нельзя завершить запись, которая отменена."
    r = await client.post(f"/admin/board/appointments/{ahead.id}/fly", json={})
    assert r.status_code == 400
    r = await client.post("/admin/board/appointments/999999/confirm", json={})
    assert r.status_code == 404 and r.json()["error"] == "Запись не найдена."

    # The client's count shows on the board and in the client search.
    r = await client.get("/admin/board/clients?q=Алиса")
    assert r.json() == [
        {"id": cat.client_a.id, "name": "Алиса", "phone": "+79000000001", "no_shows": 1}
    ]


async def test_move_keeps_the_rules(env: Env, client: httpx.AsyncClient, cat: Catalogue) -> None:
    day = future_day(5)
    first = await add(env, cat, day, 10)
    await add(env, cat, day, 12)
    await login(client)
    r = await client.post(
        f"/admin/board/appointments/{first.id}/move",
        json={"date": day.isoformat(), "start_time": "12:30"},
    )
    assert r.status_code == 400 and r.json()["error"] == TAKEN
    r = await client.post(
        f"/admin/board/appointments/{first.id}/move",
        json={"date": day.isoformat(), "start_time": "14:00", "specialist": cat.maria.id},
    )
    assert r.json()["error"] == "Выбранная услуга не оказывается этим специалистом."
    r = await client.post(
        f"/admin/board/appointments/{first.id}/move",
        json={"date": day.isoformat(), "start_time": "15:00"},
    )
    assert r.status_code == 200
    moved = await fetch(env, first.id)
    assert (moved.start_time, moved.end_time) == (dt.time(15), dt.time(16))


async def test_quick_new_client(env: Env, client: httpx.AsyncClient, cat: Catalogue) -> None:
    await login(client)
    r = await client.post("/admin/board/clients", json={"name": "Вера", "phone": "+79005550000"})
    assert r.status_code == 201, r.text
    async with env.db.read_sessions() as session:
        made = await session.get(Client, r.json()["id"])
    assert made.name == "Вера" and made.user_id is not None  # a linked user, as the API makes
    r = await client.post("/admin/board/clients", json={"phone": "1"})
    assert r.status_code == 400 and r.json()["error"] == "Имя: обязательное поле."


# --- a specialist: their own column ----------------------------------------------------------


async def test_specialist_sees_only_their_column(
    env: Env, client: httpx.AsyncClient, cat: Catalogue
) -> None:
    day = future_day(2)
    own = await add(env, cat, day, 10, status="pending")
    other = await add(env, cat, day, 10, specialist_id=cat.maria.id, service_id=cat.haircut.id)
    await login(client, "anna")
    page = await client.get("/admin/board")
    assert page.status_code == 200
    config = config_of(page.text)
    assert [c["id"] for c in config["columns"]] == [str(cat.anna.id)]
    assert config["canBook"] is False
    r = await client.get(
        "/admin/board/events",
        params={"start": day.isoformat(), "end": (day + dt.timedelta(days=1)).isoformat()},
    )
    ids = {row["id"] for row in r.json() if row.get("display") != "background"}
    assert ids == {str(own.id)}
    assert {row["resourceIds"][0] for row in r.json()} == {str(cat.anna.id)}

    # Their own appointment: confirm, as the API lets them; another's: not found.
    r = await client.post(f"/admin/board/appointments/{own.id}/confirm", json={})
    assert r.status_code == 200
    r = await client.post(f"/admin/board/appointments/{other.id}/confirm", json={})
    assert r.status_code == 404
    # Booking for clients, client search and the model views are staff's.
    r = await client.post("/admin/board/appointments", json=booking(cat, day, "15:00", "16:00"))
    assert r.status_code == 403
    assert (await client.get("/admin/board/clients?q=А")).status_code == 403
    assert (await client.get(f"/admin/board/services?specialist={cat.maria.id}")).status_code == 403
    assert (await client.get("/admin/appointment/list")).status_code == 403
    home = await client.get("/admin/")
    assert home.status_code == 200
    assert "Анна Иванова" in home.text and "Мария Петрова" not in home.text
    assert "/admin/appointment/list" not in home.text  # no menu of model views


async def test_clients_and_strangers_stay_out(
    env: Env, client: httpx.AsyncClient, cat: Catalogue
) -> None:
    for username in ("alice", "stranger"):
        r = await client.post("/admin/login", data={"username": username, "password": PASSWORD})
        assert r.status_code == 400
    r = await client.get("/admin/board/events?start=2030-01-01&end=2030-01-02")
    assert r.status_code == 302  # to the login page


# --- the dashboard ----------------------------------------------------------------------------


async def test_dashboard(env: Env, client: httpx.AsyncClient, cat: Catalogue) -> None:
    today = dt.datetime.now(env.settings.tz).date()
    await add(env, cat, today, 9, status="completed")
    await add(
        env, cat, today + dt.timedelta(days=1), 11, status="pending", client_id=cat.client_b.id
    )
    await add(env, cat, today - dt.timedelta(days=2), 12, status="cancelled", no_show=True)
    await add(env, cat, today - dt.timedelta(days=3), 12, status="cancelled")
    await login(client)
    r = await client.get("/admin/")
    assert r.status_code == 200
    page = r.text
    for text in ("Сегодня", "Завтра", "Загрузка за неделю", "Новые клиенты", "Отмены", "Неявки"):
        assert text in page, text
    today_card = page.split('id="dash-today"')[1].split('id="dash-tomorrow"')[0]
    assert "Алиса" in today_card and "завершена" in today_card
    tomorrow_card = page.split('id="dash-tomorrow"')[1].split('id="dash-occupancy"')[0]
    assert "Борис" in tomorrow_card
    number = re.compile(r'<div class="dash-number">(\d+)</div>')
    assert number.findall(page.split('id="dash-no-shows"')[1])[0] == "1"
    assert number.findall(page.split('id="dash-cancellations"')[1])[0] == "1"
    assert number.findall(page.split('id="dash-new-clients"')[1])[0] == "2"
    assert "<svg" in page


# --- the admin's forms and lists ----------------------------------------------------------------


async def test_appointment_forms_use_the_booking_rules(
    env: Env, client: httpx.AsyncClient, cat: Catalogue
) -> None:
    day = future_day(6)
    existing = await add(env, cat, day, 10)
    await login(client)
    form = {
        "client_id": str(cat.client_b.id),
        "specialist_id": str(cat.anna.id),
        "service_id": str(cat.manicure.id),
        "date": day.isoformat(),
        "start_time": "10:30",
        "end_time": "11:30",
        "status": "pending",
        "save": "Сохранить",
    }
    page = await client.get("/admin/appointment/create")
    assert page.status_code == 200 and 'name="client_id"' in page.text
    r = await client.post("/admin/appointment/create", data=form)
    assert r.status_code == 400 and TAKEN in r.text
    r = await client.post(
        "/admin/appointment/create", data={**form, "start_time": "12:00", "end_time": "13:00"}
    )
    assert r.status_code == 302, r.text
    async with env.db.read_sessions() as session:
        made = await session.scalar(
            select(Appointment).where(Appointment.start_time == dt.time(12))
        )
    assert made.client_id == cat.client_b.id and made.status == "pending"

    # Editing into the other's time is refused with the same text; a free time is saved.
    r = await client.post(
        f"/admin/appointment/edit/{made.id}",
        data={**form, "start_time": "10:00", "end_time": "11:00"},
    )
    assert r.status_code == 400 and TAKEN in r.text
    r = await client.post(
        f"/admin/appointment/edit/{made.id}",
        data={**form, "start_time": "14:00", "end_time": "15:00", "status": "confirmed"},
    )
    assert r.status_code == 302, r.text
    edited = await fetch(env, made.id)
    assert (edited.start_time, edited.status) == (dt.time(14), "confirmed")
    assert (await fetch(env, existing.id)).start_time == dt.time(10)


async def test_bulk_no_show_and_client_counts(
    env: Env, client: httpx.AsyncClient, cat: Catalogue
) -> None:
    past = await add(env, cat, future_day(-2), 10)
    await login(client)
    r = await client.get(f"/admin/appointment/action/no-show?pks={past.id}")
    assert r.status_code == 302
    row = await fetch(env, past.id)
    assert row.status == "cancelled" and row.no_show is True
    listed = await client.get("/admin/appointment/list")
    assert "неявка" in listed.text
    clients = await client.get("/admin/client/list")
    assert "Неявок" in clients.text
    cells = re.findall(r"<td>\s*(\d+)\s*</td>", clients.text.split("Алиса")[1].split("</tr>")[0])
    assert cells[-1] == "1"


async def test_lists_speak_russian(env: Env, client: httpx.AsyncClient, cat: Catalogue) -> None:
    await login(client)
    empty = await client.get("/admin/appointment/list")
    assert "Записей нет" in empty.text and "1–0" not in empty.text
    services = await client.get("/admin/service/list")
    assert not re.search(r">\s*All\s*<", services.text)
    assert "Показано 1–2 из 2" in services.text
    assert "admin/own/admin.css" in services.text
