"""Availability in the database: specialists' rules for the pure slot engine, and the
services the slot routes ask about.

One loader serves every question (a day's slots, a month's free days, the nearest free slot
across specialists): two round trips (UNION ALL statements), each part bounded by the
specialists and the date range asked about (indexed), so the cost does not
grow with the total number of appointments.

Busy time is active appointments and live holds (``booking_api/holds/``): a hold blocks its
time, for everybody, until it expires, which is judged here against the clock.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import bindparam, cast, func, literal, null, or_, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from booking_api.availability.engine import DayRules, Interval, local_dt
from booking_api.availability.window import ONE_DAY, Window, days_between
from booking_api.core.config import Settings
from booking_api.models import (
    ACTIVE_STATUSES,
    Appointment,
    Break,
    Hold,
    Service,
    ServiceCategory,
    Specialist,
    SpecialistSchedule,
    TimeOff,
)


def appointment_interval(
    day: dt.date, start: dt.time, end: dt.time, before: int, after: int, tz: dt.tzinfo
) -> Interval:
    """The span an appointment blocks: its own time plus the service's buffers."""
    return Interval(
        local_dt(day, start, tz) - dt.timedelta(minutes=before),
        local_dt(day, end, tz) + dt.timedelta(minutes=after),
    )


def working_hours(start: dt.time, end: dt.time) -> tuple[dt.time, dt.time]:
    """A weekly-hours row as the engine takes it; a reversed row (possible in Django data) is a
    day without room."""
    if end <= start and end != dt.time(0):
        return start, start
    return start, end


def usable_break(start: dt.time, end: dt.time) -> bool:
    """Reversed or empty break rows (possible in Django data) are ignored."""
    return start < end or end == dt.time(0)


def time_off_interval(start: dt.datetime, end: dt.datetime, tz: dt.tzinfo) -> Interval:
    return Interval(start.astimezone(tz), end.astimezone(tz))


async def load_rules(
    session: AsyncSession,
    settings: Settings,
    specialist_ids: Sequence[int],
    first: dt.date,
    last: dt.date,
    window: Window | None = None,
    *,
    exclude_appointment: int | None = None,
) -> dict[tuple[int, dt.date], DayRules]:
    """Rules for every (specialist, day) in ``first..last`` on which the specialist works."""
    rules, _ = await load_rules_checked(
        session,
        settings,
        specialist_ids,
        first,
        last,
        window,
        exclude_appointment=exclude_appointment,
    )
    return rules


# The two statements are built once (building a SQLAlchemy statement costs more than running
# it): the ids, dates and instants are bound parameters. ``functools.cache`` keeps one per
# shape.


@functools.cache
def _weekly_stmt(with_specialists: bool) -> Any:
    """Working hours and breaks (and which ids exist) of the specialists ``:ids`` in one
    statement (UNION ALL)."""
    ids = bindparam("ids", expanding=True)
    parts = [
        select(
            literal("h").label("kind"),
            SpecialistSchedule.specialist_id.label("sid"),
            SpecialistSchedule.day_of_week.label("dow"),
            SpecialistSchedule.start_time.label("start"),
            SpecialistSchedule.end_time.label("end"),
        ).where(SpecialistSchedule.specialist_id.in_(ids)),
        select(
            literal("b"), Break.specialist_id, Break.day_of_week, Break.start_time, Break.end_time
        ).where(Break.specialist_id.in_(ids)),
    ]
    if with_specialists:
        parts.append(
            select(literal("s"), Specialist.id, null(), null(), null()).where(
                Specialist.id.in_(ids)
            )
        )
    return union_all(*parts)


@functools.cache
def _dated_stmt(with_exclusion: bool) -> Any:
    """Busy appointments (days ``:lo``..``:hi``; without ``:exclude``), holds live at ``:now``
    and time off (between ``:range_start`` and ``:range_end``) of the specialists ``:ids``, in
    one statement."""
    ids = bindparam("ids", expanding=True)
    busy = select(
        literal("a").label("kind"),
        Appointment.specialist_id.label("sid"),
        Appointment.date.label("date"),
        Appointment.start_time.label("start_time"),
        Appointment.end_time.label("end_time"),
        Appointment.buffer_before.label("bb"),
        Appointment.buffer_after.label("ba"),
        cast(null(), TimeOff.start.type).label("off_start"),
        cast(null(), TimeOff.end.type).label("off_end"),
    ).where(
        Appointment.specialist_id.in_(ids),
        Appointment.date.between(bindparam("lo"), bindparam("hi")),
        Appointment.status.in_(ACTIVE_STATUSES),
    )
    if with_exclusion:
        busy = busy.where(Appointment.id != bindparam("exclude"))
    held = select(
        literal("h"),
        Hold.specialist_id,
        Hold.date,
        Hold.start_time,
        Hold.end_time,
        Hold.buffer_before,
        Hold.buffer_after,
        null(),
        null(),
    ).where(
        Hold.specialist_id.in_(ids),
        Hold.date.between(bindparam("lo"), bindparam("hi")),
        Hold.status == "held",
        Hold.expires_at > bindparam("now"),
    )
    off = select(
        literal("t"),
        TimeOff.specialist_id,
        null(),
        null(),
        null(),
        null(),
        null(),
        TimeOff.start,
        TimeOff.end,
    ).where(
        TimeOff.specialist_id.in_(ids),
        TimeOff.start < bindparam("range_end"),
        TimeOff.end > bindparam("range_start"),
    )
    return union_all(busy, held, off)


async def load_rules_checked(
    session: AsyncSession,
    settings: Settings,
    specialist_ids: Sequence[int],
    first: dt.date,
    last: dt.date,
    window: Window | None = None,
    *,
    exclude_appointment: int | None = None,
    check_exists: bool = False,
) -> tuple[dict[tuple[int, dt.date], DayRules], set[int]]:
    """:func:`load_rules` in two round trips, plus (``check_exists``) the ids that exist.

    1. weekly hours + breaks (+ the specialists' ids), 2. appointments, live holds and time off
    of the range.
    The second is skipped when nobody works on any weekday. Only the days the window covers
    get rules (no other day can hold a bookable slot).
    """
    window = window or Window.from_settings(settings)
    first = max(first, window.earliest.date() - ONE_DAY)
    last = min(last, window.latest.date() + ONE_DAY)
    if not specialist_ids or last < first:
        if check_exists and specialist_ids:
            found = await session.scalars(
                select(Specialist.id).where(Specialist.id.in_(list(set(specialist_ids))))
            )
            return {}, set(found)
        return {}, set()
    tz = settings.tz
    ids = list(set(specialist_ids))

    hours: dict[tuple[int, int], tuple[dt.time, dt.time]] = {}
    breaks: dict[tuple[int, int | None], list[tuple[dt.time, dt.time]]] = defaultdict(list)
    existing: set[int] = set()
    # Plain column rows: executed as Core on the session's connection (no ORM machinery).
    conn = await session.connection()
    weekly = await conn.execute(_weekly_stmt(check_exists), {"ids": ids})
    for kind, sid, dow, start, end in weekly:
        if kind == "h":
            hours[(sid, dow)] = working_hours(start, end)
        elif kind == "b":
            if usable_break(start, end):
                breaks[(sid, dow)].append((start, end))
        else:
            existing.add(sid)
    if not hours:
        return {}, existing

    range_start = local_dt(first, dt.time(0), tz)
    range_end = local_dt(last + dt.timedelta(days=1), dt.time(0), tz)
    time_off: dict[int, list[Interval]] = defaultdict(list)
    busy: dict[tuple[int, dt.date], list[Interval]] = defaultdict(list)
    dated = await conn.execute(
        _dated_stmt(exclude_appointment is not None),
        {
            "ids": ids,
            "lo": first - dt.timedelta(days=1),
            "hi": last + dt.timedelta(days=1),
            "range_start": range_start,
            "range_end": range_end,
            "exclude": exclude_appointment,
            "now": dt.datetime.now(dt.UTC),
        },
    )
    for row in dated:
        if row.kind == "t":
            if row.off_start < row.off_end:
                time_off[row.sid].append(time_off_interval(row.off_start, row.off_end, tz))
        else:  # an appointment ("a") or a hold ("h")
            add_busy(busy, row.sid, row.date, row.start_time, row.end_time, row.bb, row.ba, tz)
    return rules_of_days(ids, first, last, window, tz, hours, breaks, time_off, busy), existing


def add_busy(
    busy: dict[tuple[int, dt.date], list[Interval]],
    specialist_id: int,
    day: dt.date,
    start: dt.time,
    end: dt.time,
    before: int,
    after: int,
    tz: dt.tzinfo,
) -> None:
    """Count an appointment or a live hold as busy time on its day and, since buffers may
    reach into them, on the neighbouring days (an empty or reversed one blocks nothing)."""
    if start < end:
        span = appointment_interval(day, start, end, before, after, tz)
        for offset in (-1, 0, 1):
            busy[(specialist_id, day + dt.timedelta(days=offset))].append(span)


def rules_of_days(
    ids: Sequence[int],
    first: dt.date,
    last: dt.date,
    window: Window,
    tz: dt.tzinfo,
    hours: dict[tuple[int, int], tuple[dt.time, dt.time]],
    breaks: dict[tuple[int, int | None], list[tuple[dt.time, dt.time]]],
    time_off: dict[int, list[Interval]],
    busy: dict[tuple[int, dt.date], list[Interval]],
) -> dict[tuple[int, dt.date], DayRules]:
    """The engine's rules of every (specialist, day) in ``first..last`` on which the
    specialist works, from their weekly hours (by weekday), breaks (by weekday, None: every
    day), time off and busy time (by day, :func:`add_busy`); the defaultdicts as
    :func:`load_rules_checked` fills them (``availability/hot_days.py`` too)."""
    rules: dict[tuple[int, dt.date], DayRules] = {}
    for day in days_between(first, last):
        weekday = day.weekday()
        for specialist_id in ids:
            if (specialist_id, weekday) not in hours:
                continue
            start, end = hours[(specialist_id, weekday)]
            rules[(specialist_id, day)] = DayRules(
                day=day,
                tz=tz,
                work_start=start,
                work_end=end,
                breaks=tuple(breaks[(specialist_id, weekday)] + breaks[(specialist_id, None)]),
                time_off=tuple(time_off[specialist_id]),
                busy=tuple(busy[(specialist_id, day)]),
                earliest=window.earliest,
                latest=window.latest,
            )
    return rules


async def load_day_rules(
    session: AsyncSession,
    settings: Settings,
    specialist_id: int,
    day: dt.date,
    window: Window | None = None,
    *,
    exclude_appointment: int | None = None,
) -> DayRules | None:
    """The rules of ``day`` for one specialist, or None when they do not work that weekday."""
    rules = await load_rules(
        session,
        settings,
        [specialist_id],
        day,
        day,
        window,
        exclude_appointment=exclude_appointment,
    )
    return rules.get((specialist_id, day))


# --- what the slot routes ask about the catalogue ---------------------------------------------


async def specialist_exists(session: AsyncSession, specialist_id: int) -> bool:
    found = await session.scalar(select(Specialist.id).where(Specialist.id == specialist_id))
    return found is not None


async def service_of(session: AsyncSession, service_id: int, specialist_id: int) -> Any | None:
    """Duration and buffers of the specialist's service ``service_id`` (None: not theirs)."""
    return (
        await session.execute(
            select(Service.duration, Service.buffer_before, Service.buffer_after).where(
                Service.id == service_id, Service.specialist_id == specialist_id
            )
        )
    ).first()


async def offers(
    session: AsyncSession,
    *,
    service_id: int | None,
    category_id: int | None,
    service_name: str | None,
    city: str | None,
    specialist_id: int | None,
) -> list[Any]:
    """Active services of active specialists that match, cheapest first: by ``service_id``
    (that service and those of the same name), category, part of the service's or its
    category's name (or the service's English name), the specialist's city, the
    specialist."""
    stmt = (
        select(
            Service.id,
            Service.name,
            Service.price,
            Service.duration,
            Service.buffer_before,
            Service.buffer_after,
            Service.specialist_id,
            Specialist.name.label("spec_name"),
            Service.name_en,
        )
        .join(Specialist, Specialist.id == Service.specialist_id)
        .where(Service.is_active.is_(True), Specialist.is_active.is_(True))
    )
    if service_id is not None:
        name = await session.scalar(select(Service.name).where(Service.id == service_id))
        if name is None:
            return []
        stmt = stmt.where(func.lower(Service.name) == name.lower())
    if category_id is not None:
        stmt = stmt.where(Service.category_id == category_id)
    if service_name:
        term = service_name.strip().lower()
        stmt = stmt.where(
            or_(
                func.lower(Service.name).contains(term, autoescape=True),
                func.lower(Service.name_en).contains(term, autoescape=True),
                Service.category.has(
                    func.lower(ServiceCategory.name).contains(term, autoescape=True)
                ),
            )
        )
    if city:
        stmt = stmt.where(func.lower(Specialist.city) == city.strip().lower())
    if specialist_id is not None:
        stmt = stmt.where(Service.specialist_id == specialist_id)
    return list((await session.execute(stmt.order_by(Service.price, Service.id))).all())


def week_rows_sql(specialist: str, weekday: str, range_start: str, range_end: str) -> str:
    """The ``hours``, ``breaks`` and ``time_off`` columns :func:`day_rules_from_row` reads, as
    SQL select-list items over the given ``$n`` parameters (the specialist, the weekday, the
    local day's first and next instants)."""
    return f"""
       (SELECT ARRAY[h.start_time, h.end_time] FROM booking_specialistschedule h
         WHERE h.specialist_id = {specialist} AND h.day_of_week = {weekday}) AS hours,
       ARRAY(SELECT ARRAY[b.start_time, b.end_time] FROM booking_break b
              WHERE b.specialist_id = {specialist}
                AND (b.day_of_week = {weekday} OR b.day_of_week IS NULL)
              ORDER BY b.id) AS breaks,
       ARRAY(SELECT ARRAY[t.start, t."end"] FROM booking_timeoff t
              WHERE t.specialist_id = {specialist} AND t.start < {range_end}
                AND t."end" > {range_start}) AS time_off,"""


def range_rows_sql(
    specialist: str, lo: str, hi: str, range_start: str, range_end: str, now: str
) -> str:
    """The ``hours``, ``breaks``, ``time_off`` and ``busy`` columns :func:`add_range_row`
    reads, as SQL select-list items over the given expressions (the specialist; the days
    whose appointments and holds can reach into those asked; the first and next-after-last
    local instants asked; now, for live holds): a specialist's rules of several days in one
    row, as :func:`load_rules_checked` reads them in two statements."""
    return f"""
       ARRAY(SELECT ROW(h.day_of_week, h.start_time, h.end_time)
               FROM booking_specialistschedule h WHERE h.specialist_id = {specialist}) AS hours,
       ARRAY(SELECT ROW(b.day_of_week, b.start_time, b.end_time)
               FROM booking_break b WHERE b.specialist_id = {specialist}) AS breaks,
       ARRAY(SELECT ARRAY[t.start, t."end"] FROM booking_timeoff t
              WHERE t.specialist_id = {specialist} AND t.start < {range_end}
                AND t."end" > {range_start}) AS time_off,
       ARRAY(SELECT ROW(a.date, a.start_time, a.end_time, a.buffer_before, a.buffer_after)
               FROM booking_appointment a
              WHERE a.specialist_id = {specialist} AND a.date BETWEEN {lo} AND {hi}
                AND a.status IN ('pending', 'confirmed')
             UNION ALL
             SELECT ROW(h.date, h.start_time, h.end_time, h.buffer_before, h.buffer_after)
               FROM booking_hold h
              WHERE h.specialist_id = {specialist} AND h.date BETWEEN {lo} AND {hi}
                AND h.status = 'held' AND h.expires_at > {now}) AS busy"""


def service_shape_sql(service: str, specialist: str) -> str:
    """The ``service`` column of a hot read: the asked service's duration and buffers when it
    is the specialist's (NULL otherwise), as a select-list item over the given expressions."""
    return f"""
       (SELECT ROW(s.duration, s.buffer_before, s.buffer_after)
          FROM booking_service s
         WHERE s.id = {service}::integer AND s.specialist_id = {specialist}) AS service"""


def specialist_range_query(
    specialist_id: int, first: dt.date, last: dt.date, tz: dt.tzinfo, service_id: int | None
) -> tuple[str, tuple[Any, ...]]:
    """The statement and arguments of a hot read of one specialist's days ``first..last``:
    one row (none: no such specialist) of :func:`range_rows_sql` for
    :func:`rules_from_range_row`, with :func:`service_shape_sql` of ``service_id``."""
    return _SPECIALIST_RANGE_SQL, (
        specialist_id,
        first - ONE_DAY,
        last + ONE_DAY,
        local_dt(first, dt.time(0), tz),
        local_dt(last + ONE_DAY, dt.time(0), tz),
        dt.datetime.now(dt.UTC),
        service_id,
    )


def rules_from_range_row(
    row: Any, specialist_id: int, first: dt.date, last: dt.date, window: Window, tz: dt.tzinfo
) -> dict[tuple[int, dt.date], DayRules]:
    """One specialist's rules of ``first..last`` from one row of :func:`range_rows_sql`, as
    :func:`load_rules` gives them."""
    hours: dict[tuple[int, int], tuple[dt.time, dt.time]] = {}
    breaks: dict[tuple[int, int | None], list[tuple[dt.time, dt.time]]] = defaultdict(list)
    time_off: dict[int, list[Interval]] = defaultdict(list)
    busy: dict[tuple[int, dt.date], list[Interval]] = defaultdict(list)
    add_range_row(row, specialist_id, tz, hours, breaks, time_off, busy)
    return rules_of_days([specialist_id], first, last, window, tz, hours, breaks, time_off, busy)


def add_range_row(
    row: Any,
    specialist_id: int,
    tz: dt.tzinfo,
    hours: dict[tuple[int, int], tuple[dt.time, dt.time]],
    breaks: dict[tuple[int, int | None], list[tuple[dt.time, dt.time]]],
    time_off: dict[int, list[Interval]],
    busy: dict[tuple[int, dt.date], list[Interval]],
) -> None:
    """Add one specialist's row of :func:`range_rows_sql` to what :func:`rules_of_days` takes
    (the defaultdicts as :func:`load_rules_checked` fills them)."""
    for dow, start, end in row["hours"]:
        hours[(specialist_id, dow)] = working_hours(start, end)
    for dow, start, end in row["breaks"]:
        if usable_break(start, end):
            breaks[(specialist_id, dow)].append((start, end))
    for start, end in row["time_off"]:
        if start < end:
            time_off[specialist_id].append(time_off_interval(start, end, tz))
    for day, start, end, before, after in row["busy"]:
        add_busy(busy, specialist_id, day, start, end, before, after, tz)


def day_rules_from_row(tz: Any, window: Window, row: Any, day: dt.date) -> DayRules:
    """The engine's view of one specialist's ``day`` from one row of the booking store's
    context read (``appointments/repository_pg.py``: hours of one weekday, and only the busy
    times near the asked one; the hot reads use :func:`range_rows_sql`): ``hours`` (start, end),
    ``breaks`` and ``time_off`` (arrays of pairs), ``busy`` (appointments and live holds as
    (date, start, end, buffer before, buffer after)), as :func:`load_rules_checked` builds it
    from its two statements."""
    work_start, work_end = working_hours(*row["hours"])
    return DayRules(
        day=day,
        tz=tz,
        work_start=work_start,
        work_end=work_end,
        breaks=tuple((s, e) for s, e in row["breaks"] if usable_break(s, e)),
        time_off=tuple(time_off_interval(s, e, tz) for s, e in row["time_off"] if s < e),
        busy=tuple(
            appointment_interval(a_day, a_start, a_end, before, after, tz)
            for a_day, a_start, a_end, before, after in row["busy"]
            if a_start < a_end
        ),
        earliest=window.earliest,
        latest=window.latest,
    )


# $1 specialist, $2..$3 the days whose appointments and holds can reach into those asked (one
# either side, for buffers), $4..$5 the first and next-after-last local instants asked (time
# off), $6 now (live holds), $7 the service asked (or NULL).
_SPECIALIST_RANGE_SQL = (
    """
SELECT sp.id,"""
    + range_rows_sql("$1", "$2", "$3", "$4", "$5", "$6")
    + ","
    + service_shape_sql("$7", "$1")
    + """
  FROM booking_specialist sp
 WHERE sp.id = $1
"""
)
