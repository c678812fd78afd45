"""Repeat no-shows: a client who missed NO_SHOW_CONFIRM_THRESHOLD visits (2) is asked to
confirm a booking NO_SHOW_CONFIRM_HOURS (48) before it, an ordinary client is not; the usual
reminders go to both. Runs on SQLite and PostgreSQL against FakeTelegram."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from booking_api.models import Appointment

MSK = ZoneInfo("Europe/Moscow")


def future_day(days: int) -> dt.date:
    return (dt.datetime.now(dt.UTC) + dt.timedelta(days=days)).date()


def at(day: dt.date, hh: int, mm: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hh, mm), MSK).astimezone(dt.UTC)


async def missed(env, cat, count: int) -> None:  # type: ignore[no-untyped-def]
    """``count`` past visits of client A that nobody came to (as staff mark them)."""
    async with env.db.write_sessions() as session:
        for n in range(count):
            day = future_day(-10 - n)
            session.add(
                Appointment(
                    date=day,
                    start_time=dt.time(10),
                    end_time=dt.time(11),
                    status="cancelled",
                    no_show=True,
                    client_id=cat.client_a.id,
                    service_id=cat.manicure.id,
                    specialist_id=cat.anna.id,
                )
            )
        await session.commit()


async def _book_and_reach_48h(env, cat, booker, runner, tg):  # type: ignore[no-untyped-def]
    day = future_day(7)
    appt = await booker(cat.alice, day, "10:00", "11:00")
    await runner.run()  # right after booking: the specialist's notice (and the planning)
    early = at(day, 10) - dt.timedelta(hours=48)
    await runner.run(early - dt.timedelta(minutes=1))
    assert tg.messages_to(1001) == []
    await runner.run(early + dt.timedelta(minutes=1))
    return appt, day


async def test_a_client_with_repeated_no_shows_is_asked_48_hours_before(
    env, cat, booker, runner, tg
):
    await missed(env, cat, 2)
    appt, day = await _book_and_reach_48h(env, cat, booker, runner, tg)
    [message] = tg.messages_to(1001)
    assert message.text.startswith("Пожалуйста, подтвердите запись: «Маникюр»")
    assert "в 10:00" in message.text
    assert message.buttons == [
        ("✅ Подтверждаю", f"rem:confirm:{appt['id']}"),
        ("❌ Отменить запись", f"rem:cancel:{appt['id']}"),
    ]
    # The usual reminder follows at its time, once.
    await runner.run(at(day - dt.timedelta(days=1), 10, 1))
    assert len(tg.messages_to(1001)) == 2
    assert tg.messages_to(1001)[1].text.startswith("Напоминаем о записи на завтра")


async def test_an_ordinary_client_is_not_asked_early(env, cat, booker, runner, tg):
    await missed(env, cat, 1)  # one miss is not "repeated"
    _, day = await _book_and_reach_48h(env, cat, booker, runner, tg)
    assert tg.messages_to(1001) == []
    assert [j.payload["offset_minutes"] for j in await runner.jobs("reminder")] == [1440, 120]
    await runner.run(at(day - dt.timedelta(days=1), 10, 1))
    [message] = tg.messages_to(1001)
    assert message.text.startswith("Напоминаем о записи на завтра")


async def test_a_cancelled_booking_gets_no_early_request(env, cat, booker, runner, tg, client):
    await missed(env, cat, 3)
    day = future_day(7)
    appt = await booker(cat.alice, day, "10:00", "11:00")
    await runner.run()
    r = await client.post(f"/api/appointments/{appt['id']}/cancel/", headers=env.auth(cat.alice))
    assert r.status_code == 200, r.text
    await runner.run(at(day, 10) - dt.timedelta(hours=47))
    assert tg.messages_to(1001) == []


async def test_the_no_show_counts_read_only_the_no_show_rows(env, cat) -> None:  # type: ignore[no-untyped-def]
    # Each booking's notice and each row of the admin's client list count a client's missed
    # visits (clients.repository.no_shows_of); through the client_id index that read the
    # client's whole history (migration 0012). PostgreSQL uses a partial index only for a
    # query in its words: the count's ``.is_(True)`` must stay the index's ``no_show IS true``.
    if env.backend != "postgresql":
        pytest.skip("the plan is PostgreSQL's")
    from booking_api.clients.repository import no_show_count
    from booking_api.jobs.handlers import _BOOKED
    from booking_api.models import Client

    statements = [
        select(Client.id, no_show_count()).where(Client.id == cat.client_a.id),
        _BOOKED.statement.params(appointment_id=1),
    ]
    async with env.db.write_engine.connect() as conn:
        await conn.exec_driver_sql("SET enable_seqscan = off")
        for statement in statements:
            sql = statement.compile(env.db.write_engine, compile_kwargs={"literal_binds": True})
            plan = "\n".join(r[0] for r in await conn.exec_driver_sql(f"EXPLAIN {sql}"))
            assert "booking_appointment_no_shows" in plan, plan
        await conn.rollback()
