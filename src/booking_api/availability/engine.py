"""Pure availability engine: which appointment starts are free on one working day.

Everything here is free of I/O. The caller loads a specialist's schedule for one
local day into a :class:`DayRules` value and asks for :func:`free_slots` (the
grid of offerable starts) or :func:`check_booking` (is this exact booking
allowed, and if not, why).

Time model
----------
* **Wall-clock values** (``work_start``, ``work_end``, breaks) are naive
  :class:`~datetime.time` objects in the service time zone ``rules.tz``. They
  are turned into instants by :func:`local_dt`. ``time(0)`` used as an *end*
  (``work_end`` or a break's end) means midnight at the end of the day (24:00).
* **Instants** (time off, busy intervals, ``earliest``/``latest``, booking
  bounds) are aware datetimes in any time zone.
* All arithmetic and comparisons are done on UTC datetimes. Aware datetimes
  that share one ``tzinfo`` are compared and subtracted by their *wall clock*
  in Python (``fold`` is ignored), which is wrong around DST changes; UTC has
  no such trap. Durations are therefore real elapsed time: a 60-minute service
  starting at 01:30 on a spring-forward day in Europe/Berlin ends at 03:30.
* Every interval is half-open ``[start, end)``: touching intervals do not
  overlap, and an empty interval overlaps nothing.

Slot grid and DST
-----------------
Candidate starts are ``work_start``, ``work_start + step``, ... computed on the
wall clock of ``rules.day`` (so 09:00, 09:30, ... even on DST-change days).
A grid time that does not exist (skipped by a spring-forward change) is not
offered; an ambiguous one (repeated by a fall-back change) means its first
occurrence (``fold=0``), so on a fall-back day the grid has no starts in the
repeated hour's second pass. The grid stops at the end of the local day.

Bookable window
---------------
A slot is offered only if its core ``[s, s + duration)`` lies inside the
working hours, starts at or after ``earliest`` (now + minimum notice, so slots
already started are never offered) and *ends* at or before ``latest`` (the
booking horizon): the whole appointment must fit inside the horizon, just as it
must fit inside the working hours. Buffers only matter against other
appointments; they may extend past opening/closing time, breaks and time off.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo

__all__ = [
    "DayRules",
    "Interval",
    "Refusal",
    "Slot",
    "check_booking",
    "days_with_room",
    "free_slots",
    "is_nonexistent",
    "local_dt",
]

ZERO = timedelta(0)
MIDNIGHT = time(0)

# A span of time as a pair of UTC datetimes, the internal currency of the engine.
_Span = tuple[datetime, datetime]


# --------------------------------------------------------------------------- helpers


def _require_aware(dt: datetime, what: str) -> None:
    """Raise ``ValueError`` unless *dt* is a timezone-aware datetime."""
    if not isinstance(dt, datetime) or dt.utcoffset() is None:
        raise ValueError(f"{what} must be a timezone-aware datetime, got {dt!r}")


def _to_utc(dt: datetime) -> datetime:
    """Return the same instant as *dt* in UTC (honours ``fold``)."""
    return dt.astimezone(UTC)


def _end_wall(day: date, t: time) -> tuple[date, time]:
    """Wall-clock day/time of an interval *end*: ``time(0)`` means 24:00."""
    if t == MIDNIGHT:
        return day + timedelta(days=1), MIDNIGHT
    return day, t


def local_dt(day: date, t: time, tz: tzinfo) -> datetime:
    """Turn the wall-clock time *t* on *day* in *tz* into an aware datetime.

    * An ambiguous time (repeated by a fall-back change) resolves to its first
      occurrence, ``fold=0`` (e.g. 02:30 CEST, not 02:30 CET).
    * A nonexistent time (inside a spring-forward gap) is shifted forward by
      the length of the gap, which is the instant zoneinfo assigns to it with
      ``fold=0``; the result is normalised to a real wall-clock time
      (Europe/Berlin 2026-03-29 02:30 -> 03:30 CEST).

    The result is expressed in *tz*. Any ``fold``/``tzinfo`` on *t* is ignored.
    """
    return _wall_to_utc(day, t, tz).astimezone(tz)


def is_nonexistent(day: date, t: time, tz: tzinfo) -> bool:
    """Return True if wall-clock *t* on *day* is skipped by a DST change in *tz*."""
    naive = datetime.combine(day, t.replace(tzinfo=None, fold=0))
    return naive.replace(tzinfo=tz).astimezone(UTC).astimezone(tz).replace(tzinfo=None) != naive


def _wall_to_utc(day: date, t: time, tz: tzinfo) -> datetime:
    """UTC instant of wall-clock *t* on *day*, with :func:`local_dt` semantics."""
    if t.fold or t.tzinfo is not None:
        t = t.replace(tzinfo=None, fold=0)
    return datetime.combine(day, t, tzinfo=tz).astimezone(UTC)


def _wall_span(day: date, start: time, end: time, tz: tzinfo) -> _Span:
    """UTC span of the wall-clock interval ``[start, end)`` on *day*."""
    end_day, end_t = _end_wall(day, end)
    return _wall_to_utc(day, start, tz), _wall_to_utc(end_day, end_t, tz)


def _wall_order_ok(start: time, end: time) -> bool:
    """True if wall-clock ``end`` is not before ``start`` (``time(0)`` end = 24:00)."""
    return end == MIDNIGHT or start <= end


def _merge(spans: Iterable[_Span]) -> list[_Span]:
    """Sort spans and merge overlapping/touching ones; empty spans are dropped.

    The result is sorted by start and pairwise disjoint, hence sorted by end too,
    which is what the sweep in :func:`_iter_free_starts` relies on.
    """
    merged: list[_Span] = []
    for start, end in sorted(s for s in spans if s[0] < s[1]):
        if merged and start <= merged[-1][1]:
            if end > merged[-1][1]:
                merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


def _any_overlap(spans: Iterable[_Span], start: datetime, end: datetime) -> bool:
    """Linear check: does ``[start, end)`` overlap any (non-empty) span?"""
    return any(s < e and s < end and start < e for s, e in spans)


# --------------------------------------------------------------------------- values


@dataclass(frozen=True)
class Interval:
    """Half-open interval ``[start, end)`` between two aware datetimes.

    Equality and hashing compare the *instants* (so the same span written in
    two time zones is equal); ``start``/``end`` are kept as given.
    """

    start: datetime = field(compare=False)
    end: datetime = field(compare=False)
    start_utc: datetime = field(init=False, repr=False)
    end_utc: datetime = field(init=False, repr=False)

    def __post_init__(self) -> None:
        _require_aware(self.start, "Interval.start")
        _require_aware(self.end, "Interval.end")
        start_utc, end_utc = _to_utc(self.start), _to_utc(self.end)
        if end_utc < start_utc:
            raise ValueError(f"Interval ends before it starts: {self.start} .. {self.end}")
        object.__setattr__(self, "start_utc", start_utc)
        object.__setattr__(self, "end_utc", end_utc)

    @property
    def is_empty(self) -> bool:
        """True for a zero-length interval, which overlaps nothing."""
        return self.start_utc == self.end_utc

    def overlaps(self, other: Interval) -> bool:
        """True if the two intervals share at least one instant."""
        return (
            not self.is_empty
            and not other.is_empty
            and self.start_utc < other.end_utc
            and other.start_utc < self.end_utc
        )


@dataclass(frozen=True)
class DayRules:
    """Everything that constrains bookings of one specialist on one local day.

    ``work_start``/``work_end`` and ``breaks`` are naive wall-clock times in
    ``tz``; an end of ``time(0)`` means midnight at the end of the day.
    ``work_start == work_end`` (other than 00:00) is an empty day.
    ``time_off`` and ``busy`` may lie partly or wholly outside the day.
    ``busy`` holds existing appointments' *blocked* intervals (buffers already
    added by the caller).
    """

    day: date
    tz: ZoneInfo
    work_start: time
    work_end: time
    breaks: tuple[tuple[time, time], ...] = ()
    time_off: tuple[Interval, ...] = ()
    busy: tuple[Interval, ...] = ()
    earliest: datetime | None = None
    latest: datetime | None = None

    def __post_init__(self) -> None:
        self._check_wall(self.work_start, self.work_end, "working hours")
        for start, end in self.breaks:
            self._check_wall(start, end, "break")
        if self.earliest is not None:
            _require_aware(self.earliest, "earliest")
        if self.latest is not None:
            _require_aware(self.latest, "latest")

    @staticmethod
    def _check_wall(start: time, end: time, what: str) -> None:
        """Validate a naive wall-clock interval (``time(0)`` end = 24:00)."""
        if start.tzinfo is not None or end.tzinfo is not None:
            raise ValueError(f"{what} must be naive wall-clock times")
        if not _wall_order_ok(start, end):
            raise ValueError(f"{what} end {end} is before start {start}")

    def work_span(self) -> _Span:
        """UTC ``(open, close)`` instants of the working hours."""
        return _wall_span(self.day, self.work_start, self.work_end, self.tz)

    def break_spans(self) -> list[_Span]:
        """UTC spans of the breaks (a break inside a DST gap may become empty)."""
        return [_wall_span(self.day, s, e, self.tz) for s, e in self.breaks]


@dataclass(frozen=True)
class Slot:
    """An offerable appointment: core ``[start, end)`` in the service time zone.

    Compare slots by ``start``/``end`` instants via ``astimezone`` if you mix
    them with datetimes from elsewhere: two datetimes in the same zone that
    differ only by ``fold`` compare equal in Python.
    """

    start: datetime
    end: datetime


class Refusal(enum.Enum):
    """Why a specific booking is not allowed; checked in this priority order."""

    OUTSIDE_HOURS = "outside_hours"
    IN_PAST = "in_past"  # start < earliest
    BEYOND_HORIZON = "beyond_horizon"  # end > latest
    ON_BREAK = "on_break"
    TIME_OFF = "time_off"
    BUSY = "busy"


# --------------------------------------------------------------------------- engine


def _check_service(
    duration: timedelta, step: timedelta | None, buffer_before: timedelta, buffer_after: timedelta
) -> None:
    """Validate service parameters shared by the public functions."""
    if duration <= ZERO:
        raise ValueError("duration must be positive")
    if step is not None and step <= ZERO:
        raise ValueError("step must be positive")
    if buffer_before < ZERO or buffer_after < ZERO:
        raise ValueError("buffers must not be negative")


def _start_bounds(rules: DayRules, duration: timedelta) -> _Span:
    """UTC ``(lowest, highest)`` admissible start: hours, earliest and horizon."""
    open_, close = rules.work_span()
    lo, hi = open_, close - duration
    if rules.earliest is not None:
        lo = max(lo, _to_utc(rules.earliest))
    if rules.latest is not None:
        hi = min(hi, _to_utc(rules.latest) - duration)
    return lo, hi


def _grid_starts(
    rules: DayRules, step: timedelta, lo: datetime, hi: datetime
) -> Iterator[tuple[datetime, datetime]]:
    """Yield ``(utc, local)`` for the existing wall-clock grid times in ``[lo, hi]``.

    Fast path: while the UTC offset stays the same, the next grid instant is
    the previous one plus *step*; converting it to local time (needed for the
    output anyway) and finding the same offset and ``fold=0`` proves that it
    is the ``fold=0`` instant of the next wall-clock grid time. Otherwise
    (a DST change happened) the wall-clock time is converted from scratch and
    skipped if it does not exist.

    Existing wall-clock times map to strictly increasing instants (``fold=0``),
    so the walk stops at the first one past *hi*.
    """
    tz, day = rules.tz, rules.day
    naive = datetime.combine(day, rules.work_start)
    day_end = datetime.combine(day + timedelta(days=1), MIDNIGHT)
    offset: timedelta | None = None
    utc = lo  # placeholder; always set before use while offset is not None
    while naive < day_end:
        local: datetime | None = None
        if offset is not None:
            utc += step
            local = utc.astimezone(tz)
            if local.fold or local.utcoffset() != offset:
                local = None
        if local is None:
            utc = naive.replace(tzinfo=tz).astimezone(UTC)
            local = utc.astimezone(tz)
            if local.replace(tzinfo=None) != naive:  # nonexistent (DST gap): skip
                offset = None
                naive += step
                continue
            offset = local.utcoffset()
        if utc > hi:
            return
        if utc >= lo:
            yield utc, local
        naive += step


def _relevant(spans: Iterable[_Span], lo: datetime, hi: datetime) -> list[_Span]:
    """Spans that can intersect ``[lo, hi)``; a cheap filter before sorting."""
    return [(s, e) for s, e in spans if e > lo and s < hi]


def _iter_free_starts(
    rules: DayRules,
    duration: timedelta,
    step: timedelta,
    buffer_before: timedelta,
    buffer_after: timedelta,
) -> Iterator[tuple[datetime, datetime]]:
    """Yield free slots as ``(local start, UTC end)``, ascending, in one sweep.

    Core blockers (breaks + time off) and busy intervals are each merged into
    sorted disjoint lists once; as candidates only move forward, a pointer per
    list skips blockers that ended before the candidate, and a candidate is
    blocked iff the current blocker starts before the candidate's end.
    """
    lo, hi = _start_bounds(rules, duration)
    if lo > hi:
        return
    core_lo, core_hi = lo, hi + duration
    core = _merge(
        _relevant(rules.break_spans(), core_lo, core_hi)
        + _relevant(((iv.start_utc, iv.end_utc) for iv in rules.time_off), core_lo, core_hi)
    )
    busy = _merge(
        _relevant(
            ((iv.start_utc, iv.end_utc) for iv in rules.busy),
            core_lo - buffer_before,
            core_hi + buffer_after,
        )
    )
    n_core, n_busy = len(core), len(busy)
    ci = bi = 0
    for start, local in _grid_starts(rules, step, lo, hi):
        end = start + duration
        while ci < n_core and core[ci][1] <= start:
            ci += 1
        if ci < n_core and core[ci][0] < end:
            continue
        blocked_start, blocked_end = start - buffer_before, end + buffer_after
        while bi < n_busy and busy[bi][1] <= blocked_start:
            bi += 1
        if bi < n_busy and busy[bi][0] < blocked_end:
            continue
        yield local, end


def free_slots(
    rules: DayRules,
    *,
    duration: timedelta,
    step: timedelta,
    buffer_before: timedelta = ZERO,
    buffer_after: timedelta = ZERO,
) -> list[Slot]:
    """All offerable slots of *duration* on ``rules.day``, sorted by start.

    A grid start ``s`` (see module docs) is offered iff its core
    ``[s, s + duration)`` lies within working hours, overlaps no break or time
    off, ``s >= earliest``, ``s + duration <= latest``, and its blocked span
    ``[s - buffer_before, s + duration + buffer_after)`` overlaps no busy
    interval. Cost: O((candidates + intervals) + intervals * log(intervals)).
    """
    _check_service(duration, step, buffer_before, buffer_after)
    tz = rules.tz
    return [
        Slot(start, end.astimezone(tz))
        for start, end in _iter_free_starts(rules, duration, step, buffer_before, buffer_after)
    ]


def check_booking(
    rules: DayRules,
    start: datetime,
    end: datetime,
    *,
    buffer_before: timedelta = ZERO,
    buffer_after: timedelta = ZERO,
) -> Refusal | None:
    """Validate an arbitrary (not necessarily on-grid) booking ``[start, end)``.

    Returns ``None`` if the booking is allowed on ``rules.day``, otherwise the
    first failing :class:`Refusal` in enum order. Raises ``ValueError`` for
    naive datetimes, an empty/inverted booking or negative buffers.
    """
    _require_aware(start, "start")
    _require_aware(end, "end")
    start_u, end_u = _to_utc(start), _to_utc(end)
    if end_u <= start_u:
        raise ValueError(f"booking must end after it starts: {start} .. {end}")
    _check_service(end_u - start_u, None, buffer_before, buffer_after)
    open_, close = rules.work_span()
    if start_u < open_ or end_u > close:
        return Refusal.OUTSIDE_HOURS
    if rules.earliest is not None and start_u < _to_utc(rules.earliest):
        return Refusal.IN_PAST
    if rules.latest is not None and end_u > _to_utc(rules.latest):
        return Refusal.BEYOND_HORIZON
    if _any_overlap(rules.break_spans(), start_u, end_u):
        return Refusal.ON_BREAK
    if _any_overlap(((iv.start_utc, iv.end_utc) for iv in rules.time_off), start_u, end_u):
        return Refusal.TIME_OFF
    blocked = (start_u - buffer_before, end_u + buffer_after)
    if _any_overlap(((iv.start_utc, iv.end_utc) for iv in rules.busy), *blocked):
        return Refusal.BUSY
    return None


def days_with_room(
    rules_by_day: Iterable[DayRules],
    *,
    duration: timedelta,
    step: timedelta,
    buffer_before: timedelta = ZERO,
    buffer_after: timedelta = ZERO,
) -> list[date]:
    """Days (in input order) with at least one free slot.

    Each day stops at its first free slot instead of listing them all.
    """
    _check_service(duration, step, buffer_before, buffer_after)
    return [
        rules.day
        for rules in rules_by_day
        if next(_iter_free_starts(rules, duration, step, buffer_before, buffer_after), None)
        is not None
    ]
