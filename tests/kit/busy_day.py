"""For the tests that compare a hot read path with its route: a working day of Anna's (the
test catalogue) with everything that makes time busy or free around it, and the comparison."""

from __future__ import annotations

import datetime as dt
from typing import Any

import httpx

from booking_api.models import Appointment, Break, Hold, TimeOff
from kit.api import future_day
from kit.statements import checkouts_and_statements


async def busy_day(env, cat) -> dt.date:  # noqa: ANN001
    """Around one working day of Anna's: appointments of every status (with buffers, one the
    evening before reaching past midnight), holds live and expired, time off, breaks for that
    weekday and for every day."""
    day = future_day(7)
    now = dt.datetime.now(dt.UTC)
    t = dt.time.fromisoformat

    def appointment(on: dt.date, start: str, end: str, status: str, **extra) -> Appointment:  # noqa: ANN003
        return Appointment(
            date=on,
            start_time=t(start),
            end_time=t(end),
            status=status,
            client_id=cat.client_a.id,
            service_id=cat.manicure.id,
            specialist_id=cat.anna.id,
            **extra,
        )

    def hold(client, start: str, end: str, expires_in: dt.timedelta) -> Hold:  # noqa: ANN001
        return Hold(
            client_id=client.id,  # one hold per client
            service_id=cat.manicure.id,
            specialist_id=cat.anna.id,
            date=day,
            start_time=t(start),
            end_time=t(end),
            status="held",
            expires_at=now + expires_in,
        )

    async with env.db.write_sessions() as session:
        session.add_all(
            [
                appointment(day, "10:00", "11:00", "pending", buffer_after=15),
                appointment(day, "12:30", "13:00", "confirmed", buffer_before=15),
                appointment(day, "14:00", "15:00", "cancelled"),
                appointment(day, "15:00", "16:00", "completed"),
                appointment(day - dt.timedelta(days=1), "17:00", "18:00", "confirmed"),
                appointment(day + dt.timedelta(days=1), "09:00", "10:00", "pending"),
                Break(
                    specialist_id=cat.anna.id,
                    day_of_week=day.weekday(),
                    start_time=t("13:00"),
                    end_time=t("13:30"),
                ),
                Break(
                    specialist_id=cat.anna.id,
                    day_of_week=None,
                    start_time=t("16:30"),
                    end_time=t("16:45"),
                ),
                TimeOff(
                    specialist_id=cat.anna.id,
                    start=dt.datetime.combine(day, t("17:00"), env.settings.tz),
                    end=dt.datetime.combine(day, t("17:30"), env.settings.tz),
                    reason="",
                ),
            ]
        )
        await session.flush()
        session.add_all(
            [
                hold(cat.client_a, "11:30", "12:00", dt.timedelta(minutes=10)),
                hold(cat.client_b, "15:30", "16:00", -dt.timedelta(minutes=1)),
            ]
        )
        await session.commit()
    return day


async def answered_alike(
    client: httpx.AsyncClient, env: Any, user: Any, url: str, *, hot: bool = False
) -> httpx.Response:
    """``url`` asked anonymously (what the hot paths take) and with ``user``'s token (which they
    leave to the route): the same status, the same bytes and length. ``hot``: the anonymous one
    is answered by the hot path on PostgreSQL (one pool checkout, no SQLAlchemy statement), not
    by the route after the hot path failed. The anonymous answer."""
    with checkouts_and_statements(env) as seen:
        anonymous = await client.get(url)
    if hot and env.backend == "postgresql":
        assert seen == {"checkouts": 1, "statements": 0}, url
    through_route = await client.get(url, headers=env.auth(user))
    assert (anonymous.status_code, anonymous.content) == (
        through_route.status_code,
        through_route.content,
    ), url
    assert anonymous.headers["content-length"] == through_route.headers["content-length"]
    return anonymous
