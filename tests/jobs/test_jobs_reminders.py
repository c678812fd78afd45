"""Reminders and specialist notices: scheduled in the booking's transaction, sent at the right
time (a controllable clock), exactly once even with two workers, never lost by a killed worker.

Runs on SQLite and PostgreSQL (the ``env`` fixture), against FakeTelegram.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from zoneinfo import ZoneInfo

from sqlalchemy import update

from booking_api.core.db import Database
from booking_api.jobs.queue import claim_due, finish_many
from booking_api.models import Client, Specialist

MSK = ZoneInfo("Europe/Moscow")


def future_day(days: int = 7) -> dt.date:
    return (dt.datetime.now(dt.UTC) + dt.timedelta(days=days)).date()


def at(day: dt.date, hh: int, mm: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hh, mm), MSK).astimezone(dt.UTC)


async def set_telegram(env, cat, *, specialist: str | None = "2001", language: str = "ru"):  # type: ignore[no-untyped-def]
    async with env.db.write_sessions() as session:
        await session.execute(
            update(Specialist).where(Specialist.id == cat.anna.id).values(telegram_id=specialist)
        )
        await session.execute(
            update(Client).where(Client.id == cat.client_a.id).values(language=language)
        )
        await session.commit()


async def test_booking_queues_reminders_in_the_service_zone(env, cat, booker, runner):
    day = future_day(7)
    appt = await booker(cat.alice, day, "10:00", "11:00")
    reminders = await runner.jobs("reminder")
    assert [(j.run_at, j.status) for j in reminders] == [
        (at(day - dt.timedelta(days=1), 10), "queued"),  # 24 h before, 10:00 Moscow = 07:00 UTC
        (at(day, 8), "queued"),  # 2 h before
    ]
    assert reminders[0].run_at == dt.datetime.combine(
        day - dt.timedelta(days=1), dt.time(7), dt.UTC
    )
    assert reminders[0].dedupe_key == f"reminder:{appt['id']}:24h:{day.isoformat()}T10:00"
    assert reminders[1].dedupe_key == f"reminder:{appt['id']}:2h:{day.isoformat()}T10:00"
    notices = await runner.jobs("specialist_notice")
    assert [n.payload["event"] for n in notices] == ["created"]


async def test_reminders_fire_on_time_exactly_once_with_two_workers(env, cat, booker, runner, tg):
    await set_telegram(env, cat)
    day = future_day(7)
    appt = await booker(cat.alice, day, "10:00", "11:00")
    t24 = at(day - dt.timedelta(days=1), 10)
    # A second worker with its own engine (its own connections), as another process would.
    other = Database.from_settings(env.settings)
    try:

        async def both(now: dt.datetime) -> None:
            await asyncio.gather(runner.run(now, "w1"), runner.run(now, "w2", db=other))

        await both(t24 - dt.timedelta(days=2))  # the specialist's "new booking" only
        assert tg.messages_to(1001) == []
        assert "Новая запись: Алиса, «Маникюр»" in tg.messages_to(2001)[0].text

        await both(t24 - dt.timedelta(seconds=1))
        assert tg.messages_to(1001) == []

        await both(t24)
        await both(t24 + dt.timedelta(minutes=5))
        [first] = tg.messages_to(1001)
        assert first.text.startswith(
            "Напоминаем о записи на завтра: «Маникюр», специалист Анна Иванова"
        )
        assert "в 10:00" in first.text
        assert first.buttons == [
            ("✅ Подтверждаю", f"rem:confirm:{appt['id']}"),
            ("❌ Отменить запись", f"rem:cancel:{appt['id']}"),
        ]

        await both(at(day, 8) - dt.timedelta(seconds=1))
        assert len(tg.messages_to(1001)) == 1
        await both(at(day, 8))
        await both(at(day, 8, 30))
        messages = tg.messages_to(1001)
        assert len(messages) == 2
        assert messages[1].text.startswith("Напоминаем о записи через 2 ч.")
    finally:
        await other.dispose()
    statuses = {
        j.dedupe_key.split(":")[2]: (j.status, j.attempts) for j in await runner.jobs("reminder")
    }
    assert statuses == {"24h": ("done", 1), "2h": ("done", 1)}
    assert len(tg.calls_of("sendMessage")) == 3  # one notice, two reminders


async def test_reminder_in_english_and_the_buttons_work(env, cat, booker, runner, tg, client):
    await set_telegram(env, cat, specialist=None, language="en")
    day = future_day(5)
    appt = await booker(cat.alice, day, "15:00", "16:00")
    report = await runner.run(at(day, 13))
    message = tg.last_message(1001)
    assert message is not None
    assert message.text.startswith(
        "A reminder of your appointment in 2 h: “Маникюр” with Анна Иванова"
    )
    assert message.button_texts == ["✅ I'll be there", "❌ Cancel it"]
    assert {j.kind for j in report.skipped} == {"reminder", "specialist_notice"}  # 24h: too late
    # "confirm" → the client's attendance; the status stays pending.
    r = await client.post(f"/api/appointments/{appt['id']}/attend/", headers=env.auth(cat.alice))
    assert r.status_code == 200, r.text
    assert r.json()["client_confirmed_at"] and r.json()["status"] == "pending"
    r = await client.post(f"/api/appointments/{appt['id']}/attend/", headers=env.auth(cat.bob))
    assert r.status_code == 404
    # "cancel" → the existing cancel; the remaining reminder would be skipped.
    r = await client.post(f"/api/appointments/{appt['id']}/cancel/", headers=env.auth(cat.alice))
    assert r.status_code == 200
    r = await client.post(f"/api/appointments/{appt['id']}/attend/", headers=env.auth(cat.alice))
    assert r.status_code == 400


async def test_specialist_who_chose_english_is_told_in_english(
    env, cat, booker, runner, tg, client
):
    """The specialist sets their language through the API; notices follow it."""
    await set_telegram(env, cat)
    r = await client.patch(
        f"/api/specialists/{cat.anna.id}/", headers=env.auth(cat.staff), json={"language": "en"}
    )
    assert r.status_code == 200 and r.json()["language"] == "en", r.text
    r = await client.patch(
        f"/api/specialists/{cat.anna.id}/", headers=env.auth(cat.staff), json={"language": "de"}
    )
    assert r.status_code == 400 and r.json() == {"language": ['"de" is not a valid choice.']}
    day = future_day(6)
    await booker(cat.alice, day, "12:00", "13:00")
    await runner.run(at(day - dt.timedelta(days=3), 9))
    [notice] = tg.messages_to(2001)
    assert notice.text.startswith("New booking: Алиса, “Маникюр”, ") and "at 12:00" in notice.text


async def test_killed_worker_does_not_lose_the_job(env, cat, booker, runner, tg, caplog):
    await set_telegram(env, cat, specialist=None)
    day = future_day(7)
    await booker(cat.alice, day)
    t24 = at(day - dt.timedelta(days=1), 10)
    await runner.run(t24 - dt.timedelta(days=2))  # the notice (skipped: no telegram id)
    lease = runner.settings.job_lease_seconds
    [claimed] = await claim_due(env.db, "dead-worker", now=t24, lease_seconds=lease)
    assert claimed.kind == "reminder"
    # The worker dies here: the row stays "running" under its lease.
    assert (await runner.run(t24 + dt.timedelta(seconds=lease - 1), "w2")).total == 0
    assert tg.messages_to(1001) == []
    with caplog.at_level(logging.INFO, logger="booking_api.jobs"):
        report = await runner.run(t24 + dt.timedelta(seconds=lease + 1), "w2")
    assert [j.id for j in report.done] == [claimed.id]
    assert "lease expired (held by dead-worker)" in caplog.text
    assert len(tg.messages_to(1001)) == 1
    # The dead worker, if it came back, could not mark it a second time.
    assert await finish_many(env.db, [(claimed, "done", None)], "dead-worker") == []
    job = next(j for j in await runner.jobs("reminder") if j.id == claimed.id)
    assert (job.status, job.locked_by, job.attempts) == ("done", "w2", 2)


async def test_passed_appointment_reminders_are_skipped_with_a_log_line(
    env, cat, booker, runner, tg, caplog
):
    await set_telegram(env, cat)
    day = future_day(3)
    await booker(cat.alice, day, "12:00", "13:00")
    with caplog.at_level(logging.INFO, logger="booking_api.jobs"):
        report = await runner.run(at(day, 12, 30))  # the workers were down until after it
    assert tg.messages_to(1001) == [] and tg.messages_to(2001) == []
    assert len(report.skipped) == 3 and not report.done
    assert "skipped: the appointment started at" in caplog.text
    assert "late (was a worker down?)" in caplog.text
    assert {j.status for j in await runner.jobs()} == {"skipped"}


async def test_late_worker_sends_the_nearest_reminder_late(env, cat, booker, runner, tg, caplog):
    await set_telegram(env, cat, specialist=None)
    day = future_day(3)
    await booker(cat.alice, day, "12:00", "13:00")
    with caplog.at_level(logging.INFO, logger="booking_api.jobs"):
        await runner.run(at(day, 11))  # down from before the 24 h mark until 1 h before
    [message] = tg.messages_to(1001)
    assert message.text.startswith("Напоминаем о записи через 2 ч.")
    assert "too late: the 2h reminder is due already" in caplog.text
    assert "runs 1:00:00 late" in caplog.text


async def test_moved_appointment_replans_reminders_and_tells_the_specialist(
    env, cat, booker, runner, tg, client
):
    await set_telegram(env, cat)
    day = future_day(7)
    appt = await booker(cat.alice, day, "10:00", "11:00")
    r = await client.post(
        f"/api/appointments/{appt['id']}/reschedule/",
        headers=env.auth(cat.alice),
        json={"date": day.isoformat(), "start_time": "14:00"},
    )
    assert r.status_code == 200, r.text
    reminders = {
        j.dedupe_key.split(":", 3)[3]: j.status
        for j in await runner.jobs("reminder")
        if j.dedupe_key.split(":")[2] == "2h"
    }
    assert reminders == {
        f"{day.isoformat()}T10:00": "skipped",
        f"{day.isoformat()}T14:00": "queued",
    }
    await runner.run(dt.datetime.now(dt.UTC))
    texts = [m.text for m in tg.messages_to(2001)]
    assert texts[0].startswith("Новая запись")
    assert texts[1].startswith("Запись перенесена: Алиса, «Маникюр» — с ")
    assert "10:00 на" in texts[1] and texts[1].endswith("в 14:00.")
    # Moving back revives the first reminders (never sent yet), still exactly once.
    r = await client.post(
        f"/api/appointments/{appt['id']}/reschedule/",
        headers=env.auth(cat.alice),
        json={"date": day.isoformat(), "start_time": "10:00"},
    )
    assert r.status_code == 200
    await runner.run(at(day, 8))
    await runner.run(at(day, 8, 1), "w2")
    reminders_sent = [m for m in tg.messages_to(1001) if "10:00" in (m.text or "")]
    assert len(reminders_sent) == 1


async def test_telegram_errors_are_retried(env, cat, booker, runner, tg):
    await set_telegram(env, cat, specialist=None)
    day = future_day(3)
    await booker(cat.alice, day, "12:00", "13:00")
    tg.fail_next("sendMessage", 500, times=2)
    tg.fail_next("sendMessage", 429, retry_after=1)
    report = await runner.run(at(day, 10))
    assert len(report.done) == 1
    assert len(tg.messages_to(1001)) == 1
    # A Telegram outage longer than the quick retries: back in the queue, not lost.
    day2 = future_day(4)
    await booker(cat.alice, day2, "12:00", "13:00")
    tg.fail_next("sendMessage", 502, times=4)  # 1 + QUICK_RETRIES
    report = await runner.run(at(day2, 10))
    assert [j.kind for j in report.retried] == ["reminder"]
    job = next(j for j in await runner.jobs("reminder") if j.id == report.retried[0].id)
    assert job.status == "queued" and "Telegram unavailable" in job.last_error
    report = await runner.run(at(day2, 10, 5))
    assert len(report.done) == 1
    assert len(tg.messages_to(1001)) == 2
