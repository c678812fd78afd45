"""The admin's home dashboard: today's and tomorrow's appointments, this week's occupancy per
specialist, and the last 30 days' new clients, cancellations and no-shows (a count per day,
for the small charts).

Definitions: *occupancy* is booked time (pending, confirmed, completed) over working time
(weekly hours less breaks and time off) from Monday to Sunday of this week; a *new client* is
one whose first booking was made in the period; *cancellations* and *no-shows* are the
cancelled appointments dated in the period, without and with ``no_show``.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from booking_api.board import repository
from booking_api.board.service import StaffActor, columns
from booking_api.core.config import Settings
from booking_api.models import Appointment

DAYS = 30
BOOKED = ("pending", "confirmed", "completed")


@dataclass(frozen=True)
class Series:
    """A count per day, oldest first."""

    days: list[dt.date]
    counts: list[int]

    @property
    def total(self) -> int:
        return sum(self.counts)

    @property
    def peak(self) -> int:
        return max(self.counts, default=0)


@dataclass(frozen=True)
class Occupancy:
    specialist: str
    booked_minutes: int
    working_minutes: int

    @property
    def percent(self) -> int:
        if self.working_minutes <= 0:
            return 0
        return min(100, round(100 * self.booked_minutes / self.working_minutes))


@dataclass(frozen=True)
class Dashboard:
    today: dt.date
    today_rows: list[Appointment]
    tomorrow_rows: list[Appointment]
    week: tuple[dt.date, dt.date]
    occupancy: list[Occupancy]
    new_clients: Series
    cancellations: Series
    no_shows: Series


def _minutes(start: dt.time, end: dt.time) -> int:
    end_minutes = 24 * 60 if end == dt.time(0) else end.hour * 60 + end.minute
    return max(0, end_minutes - (start.hour * 60 + start.minute))


def _covered(spans: list[tuple[int, int]]) -> int:
    """Minutes covered by the union of ``(start, end)`` minute spans."""
    total, reach = 0, None
    for start, end in sorted(spans):
        if reach is None or start > reach:
            total += end - start
            reach = end
        elif end > reach:
            total += end - reach
            reach = end
    return total


def _minute(value: dt.datetime | dt.time) -> int:
    return value.hour * 60 + value.minute


async def build(
    session: AsyncSession, settings: Settings, actor: StaffActor, now: dt.datetime | None = None
) -> Dashboard:
    tz = settings.tz
    now = now or dt.datetime.now(tz)
    today = now.date()
    board = await columns(session, actor)
    ids = [int(c["id"]) for c in board.columns]
    names = {int(c["id"]): c["title"] for c in board.columns}
    monday = today - dt.timedelta(days=today.weekday())
    sunday = monday + dt.timedelta(days=6)
    since = today - dt.timedelta(days=DAYS - 1)
    days = [since + dt.timedelta(days=n) for n in range(DAYS)]
    if not ids:
        empty = Series(days, [0] * DAYS)
        return Dashboard(today, [], [], (monday, sunday), [], empty, empty, empty)

    week_rows = await repository.appointments(session, ids, monday, sunday)
    soon = await repository.appointments(session, ids, today, today + dt.timedelta(days=1))
    occupancy = await _occupancy(session, settings, ids, names, monday, week_rows)

    start_of_period = dt.datetime.combine(since, dt.time(0), tz)
    first_bookings = await repository.first_bookings(session, ids, start_of_period)
    new_by_day = Counter(_local_date(moment, tz) for moment in first_bookings)
    lost = await repository.lost_visits(session, ids, since, today)
    cancelled = Counter(day for day, no_show in lost if not no_show)
    missed = Counter(day for day, no_show in lost if no_show)
    return Dashboard(
        today=today,
        today_rows=[a for a in soon if a.date == today],
        tomorrow_rows=[a for a in soon if a.date != today],
        week=(monday, sunday),
        occupancy=occupancy,
        new_clients=Series(days, [new_by_day[d] for d in days]),
        cancellations=Series(days, [cancelled[d] for d in days]),
        no_shows=Series(days, [missed[d] for d in days]),
    )


def _local_date(moment: dt.datetime, tz: dt.tzinfo) -> dt.date:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(tz).date()


async def _occupancy(
    session: AsyncSession,
    settings: Settings,
    ids: Sequence[int],
    names: dict[int, str],
    monday: dt.date,
    rows: Sequence[Appointment],
) -> list[Occupancy]:
    tz = settings.tz
    hours = {
        (h.specialist_id, h.day_of_week): h for h in await repository.weekly_hours(session, ids)
    }
    pauses: dict[int, list[Any]] = defaultdict(list)
    for pause in await repository.breaks(session, ids):
        pauses[pause.specialist_id].append(pause)
    week_start = dt.datetime.combine(monday, dt.time(0), tz)
    offs: dict[int, list[Any]] = defaultdict(list)
    for off in await repository.time_off(
        session, ids, week_start, week_start + dt.timedelta(days=7)
    ):
        offs[off.specialist_id].append(off)
    booked: Counter[int] = Counter()
    for row in rows:
        if row.status in BOOKED:
            booked[row.specialist_id] += _minutes(row.start_time, row.end_time)
    result = []
    for sid in ids:
        working = 0
        for n in range(7):
            day = monday + dt.timedelta(days=n)
            h = hours.get((sid, day.weekday()))
            if h is None:
                continue
            open_, close = (
                _minute(h.start_time),
                _minute(h.start_time) + _minutes(h.start_time, h.end_time),
            )
            lost = [
                (_minute(p.start_time), _minute(p.start_time) + _minutes(p.start_time, p.end_time))
                for p in pauses[sid]
                if p.day_of_week in (None, day.weekday())
            ]
            day_start = dt.datetime.combine(day, dt.time(0), tz)
            for off in offs[sid]:
                start = (off.start.astimezone(tz) - day_start).total_seconds() // 60
                end = (off.end.astimezone(tz) - day_start).total_seconds() // 60
                lost.append((int(start), int(end)))
            clipped = [
                (max(s, open_), min(e, close)) for s, e in lost if min(e, close) > max(s, open_)
            ]
            working += (close - open_) - _covered(clipped)
        result.append(Occupancy(names[sid], booked[sid], working))
    return result
