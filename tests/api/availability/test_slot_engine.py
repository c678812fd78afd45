"""Tests for the pure availability engine (booking_api.availability.engine).

Example tests pin down concrete behaviour; property-based tests compare the
engine with a brute-force oracle that works on POSIX timestamps (integers of
seconds) and checks every rule for every candidate independently.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from booking_api.availability.engine import (
    DayRules,
    Interval,
    Refusal,
    Slot,
    check_booking,
    days_with_room,
    free_slots,
    is_nonexistent,
    local_dt,
)

MSK = ZoneInfo("Europe/Moscow")
BERLIN = ZoneInfo("Europe/Berlin")
DAY = date(2026, 6, 10)
SPRING = date(2026, 3, 29)  # Europe/Berlin: 02:00 CET -> 03:00 CEST
AUTUMN = date(2026, 10, 25)  # Europe/Berlin: 03:00 CEST -> 02:00 CET

MIN30 = timedelta(minutes=30)
HOUR = timedelta(hours=1)


def m(minutes: int) -> timedelta:
    return timedelta(minutes=minutes)


def at(hh: int, mm: int = 0, *, day: date = DAY, tz: ZoneInfo = MSK) -> datetime:
    return local_dt(day, time(hh, mm), tz)


def iv(a: datetime, b: datetime) -> Interval:
    return Interval(a, b)


def rules(**kw) -> DayRules:
    base = dict(day=DAY, tz=MSK, work_start=time(9), work_end=time(18))
    base.update(kw)
    return DayRules(**base)


def starts(slots: list[Slot]) -> list[str]:
    return [s.start.strftime("%H:%M") for s in slots]


def utc_key(dt: datetime) -> datetime:
    return dt.astimezone(UTC)


# --------------------------------------------------------------------------- examples


def test_plain_day_grid() -> None:
    slots = free_slots(rules(), duration=MIN30, step=MIN30)
    assert len(slots) == 18
    assert slots[0] == Slot(at(9), at(9, 30))
    assert slots[-1] == Slot(at(17, 30), at(18))
    assert all(s.start.tzinfo is MSK and s.end.tzinfo is MSK for s in slots)


def test_long_service_never_ends_after_closing() -> None:
    slots = free_slots(rules(), duration=m(90), step=MIN30)
    assert starts(slots)[-1] == "16:30"
    assert all(s.end <= at(18) for s in slots)
    assert len(slots) == 16


def test_break_excluded() -> None:
    slots = free_slots(rules(breaks=((time(13), time(14)),)), duration=HOUR, step=MIN30)
    got = starts(slots)
    assert "12:00" in got and "14:00" in got  # touching the break is fine
    assert "12:30" not in got and "13:00" not in got and "13:30" not in got


def test_time_off_afternoon() -> None:
    off = iv(at(14), at(9, day=DAY + timedelta(days=1)))  # spans into the next day
    slots = free_slots(rules(time_off=(off,)), duration=MIN30, step=MIN30)
    assert starts(slots)[-1] == "13:30"
    assert len(slots) == 10


def test_busy_with_buffers_on_both_sides() -> None:
    # Existing 12:00-13:00 appointment with a 15-min cleanup -> blocked 12:00-13:15.
    busy = iv(at(12), at(13, 15))
    got = starts(
        free_slots(
            rules(busy=(busy,)), duration=HOUR, step=MIN30, buffer_before=m(15), buffer_after=m(10)
        )
    )
    # 10:30 core ends 11:30, blocked until 11:40 < 12:00: fine; 11:00 blocked until 12:10: no.
    assert "10:30" in got and "11:00" not in got
    # 13:30 blocked from 13:15: touches the busy end -> fine; 13:00 not.
    assert "13:00" not in got and "13:30" in got


def test_busy_touching_is_free() -> None:
    busy = iv(at(10), at(11))
    got = starts(free_slots(rules(busy=(busy,)), duration=HOUR, step=MIN30))
    assert "09:00" in got and "11:00" in got
    assert "09:30" not in got and "10:00" not in got and "10:30" not in got


def test_earliest_mid_day_hides_started_slots() -> None:
    got = starts(free_slots(rules(earliest=at(12, 10)), duration=MIN30, step=MIN30))
    assert got[0] == "12:30"
    exact = starts(free_slots(rules(earliest=at(12, 30)), duration=MIN30, step=MIN30))
    assert exact[0] == "12:30"


def test_earliest_in_other_timezone() -> None:
    earliest = at(12, 10).astimezone(ZoneInfo("America/New_York"))
    assert starts(free_slots(rules(earliest=earliest), duration=MIN30, step=MIN30))[0] == "12:30"


def test_horizon_requires_whole_appointment_inside() -> None:
    got = starts(free_slots(rules(latest=at(12)), duration=HOUR, step=MIN30))
    assert got[-1] == "11:00"  # 11:00-12:00 ends exactly at the horizon
    assert free_slots(rules(latest=at(9, 59)), duration=HOUR, step=MIN30) == []


def test_work_end_midnight_means_end_of_day() -> None:
    slots = free_slots(rules(work_start=time(22), work_end=time(0)), duration=HOUR, step=MIN30)
    assert starts(slots) == ["22:00", "22:30", "23:00"]
    assert slots[-1].end == local_dt(DAY + timedelta(days=1), time(0), MSK)


def test_empty_day_and_validation() -> None:
    assert free_slots(rules(work_start=time(9), work_end=time(9)), duration=MIN30, step=MIN30) == []
    with pytest.raises(ValueError):
        rules(work_start=time(18), work_end=time(9))
    with pytest.raises(ValueError):
        rules(breaks=((time(14), time(13)),))
    with pytest.raises(ValueError):
        rules(earliest=datetime(2026, 6, 10, 9))
    with pytest.raises(ValueError):
        Interval(at(10), at(9))
    with pytest.raises(ValueError):
        Interval(datetime(2026, 6, 10, 9), datetime(2026, 6, 10, 10))
    with pytest.raises(ValueError):
        free_slots(rules(), duration=timedelta(0), step=MIN30)
    with pytest.raises(ValueError):
        free_slots(rules(), duration=MIN30, step=timedelta(0))
    with pytest.raises(ValueError):
        free_slots(rules(), duration=MIN30, step=MIN30, buffer_before=-MIN30)


def test_interval_overlap_semantics() -> None:
    a = iv(at(10), at(11))
    assert a.overlaps(iv(at(10, 30), at(12)))
    assert not a.overlaps(iv(at(11), at(12)))  # touching
    assert not a.overlaps(iv(at(10, 30), at(10, 30)))  # empty
    assert a == iv(at(10).astimezone(UTC), at(11).astimezone(UTC))  # same instants


def test_interval_overlap_in_repeated_hour() -> None:
    # 02:30 CEST and 02:30 CET differ by one hour although their wall clocks match.
    first = datetime(2026, 10, 25, 2, 0, tzinfo=BERLIN)
    second = datetime(2026, 10, 25, 2, 0, fold=1, tzinfo=BERLIN)
    a = iv(first, datetime(2026, 10, 25, 2, 30, tzinfo=BERLIN))
    b = iv(second, datetime(2026, 10, 25, 2, 30, fold=1, tzinfo=BERLIN))
    assert not a.overlaps(b)
    assert a != b


def test_local_dt_dst_semantics() -> None:
    assert is_nonexistent(SPRING, time(2, 30), BERLIN)
    assert not is_nonexistent(SPRING, time(3), BERLIN)
    shifted = local_dt(SPRING, time(2, 30), BERLIN)
    assert (shifted.hour, shifted.minute, shifted.utcoffset()) == (3, 30, HOUR * 2)
    ambiguous = local_dt(AUTUMN, time(2, 30), BERLIN)
    assert ambiguous.fold == 0 and ambiguous.utcoffset() == HOUR * 2


def test_dst_spring_forward_skips_missing_hour() -> None:
    r = DayRules(SPRING, BERLIN, time(1), time(5))
    slots = free_slots(r, duration=MIN30, step=MIN30)
    assert starts(slots) == ["01:00", "01:30", "03:00", "03:30", "04:00", "04:30"]
    assert all(utc_key(s.end) - utc_key(s.start) == MIN30 for s in slots)
    hour_slots = free_slots(r, duration=HOUR, step=MIN30)
    assert starts(hour_slots) == ["01:00", "01:30", "03:00", "03:30", "04:00"]
    # 01:30 CET + 60 real minutes = 03:30 CEST.
    assert hour_slots[1].end.strftime("%H:%M %z") == "03:30 +0200"
    # Three real hours of work: a 3 h service fits only at opening time.
    assert starts(free_slots(r, duration=3 * HOUR, step=MIN30)) == ["01:00"]
    assert free_slots(r, duration=3 * HOUR + MIN30, step=MIN30) == []


def test_dst_fall_back_uses_first_occurrence() -> None:
    r = DayRules(AUTUMN, BERLIN, time(1), time(5))
    slots = free_slots(r, duration=MIN30, step=MIN30)
    assert starts(slots) == ["01:00", "01:30", "02:00", "02:30", "03:00", "03:30", "04:00", "04:30"]
    assert all(s.start.fold == 0 for s in slots)
    assert [s.start.utcoffset() for s in slots[2:4]] == [HOUR * 2, HOUR * 2]
    # 02:30 CEST + 30 real minutes = 02:00 CET (second pass of the repeated hour).
    assert slots[3].end.strftime("%H:%M %z") == "02:00 +0100"
    assert all(utc_key(s.end) - utc_key(s.start) == MIN30 for s in slots)
    # Five real hours of work.
    assert starts(free_slots(r, duration=5 * HOUR, step=MIN30)) == ["01:00"]


def test_dst_busy_in_second_pass_of_repeated_hour() -> None:
    busy = iv(
        datetime(2026, 10, 25, 2, 0, fold=1, tzinfo=BERLIN),
        datetime(2026, 10, 25, 2, 30, fold=1, tzinfo=BERLIN),
    )
    r = DayRules(AUTUMN, BERLIN, time(1), time(5), busy=(busy,))
    got = starts(free_slots(r, duration=MIN30, step=MIN30))
    assert "02:00" in got and "02:30" in got  # first pass (CEST) is free
    # A 90-minute service from 02:00 CEST runs until 02:30 CET and hits it.
    assert "02:00" not in starts(free_slots(r, duration=m(90), step=MIN30))


def test_dst_break_on_wall_clock() -> None:
    r = DayRules(SPRING, BERLIN, time(1), time(6), breaks=((time(3), time(4)),))
    assert starts(free_slots(r, duration=HOUR, step=HOUR)) == ["01:00", "04:00", "05:00"]


def test_check_booking_ok_and_off_grid() -> None:
    assert check_booking(rules(), at(9, 7), at(9, 52)) is None


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        ((8, 30), (9, 30), Refusal.OUTSIDE_HOURS),
        ((17, 30), (18, 30), Refusal.OUTSIDE_HOURS),
        ((10, 0), (11, 0), Refusal.IN_PAST),  # also on time off and busy
        ((16, 30), (17, 30), Refusal.BEYOND_HORIZON),
        ((12, 30), (13, 30), Refusal.ON_BREAK),  # also busy
        ((14, 30), (15, 0), Refusal.TIME_OFF),
        ((15, 0), (15, 30), Refusal.BUSY),
        ((15, 30), (16, 0), None),
    ],
)
def test_check_booking_refusals_and_priority(start, end, expected) -> None:
    r = rules(
        earliest=at(10, 30),
        latest=at(17),
        breaks=((time(13), time(14)),),
        time_off=(iv(at(10), at(11)), iv(at(14, 30), at(15))),
        busy=(iv(at(10), at(10, 30)), iv(at(13), at(13, 30)), iv(at(15), at(15, 30))),
    )
    assert check_booking(r, at(*start), at(*end)) is expected


def test_check_booking_buffers() -> None:
    r = rules(busy=(iv(at(12), at(13)),))
    assert check_booking(r, at(13), at(14)) is None
    assert check_booking(r, at(13), at(14), buffer_before=m(5)) is Refusal.BUSY
    assert check_booking(r, at(11), at(12), buffer_after=m(5)) is Refusal.BUSY
    with pytest.raises(ValueError):
        check_booking(r, at(13), at(13))


def test_days_with_room() -> None:
    tomorrow = DAY + timedelta(days=1)
    days = [
        rules(),
        rules(day=tomorrow, time_off=(iv(at(0, day=tomorrow), at(23, day=tomorrow)),)),
        rules(busy=(iv(at(0), at(0, day=tomorrow)),)),
        rules(day=SPRING, tz=BERLIN, work_start=time(1), work_end=time(5)),
    ]
    assert days_with_room(days, duration=MIN30, step=MIN30) == [DAY, SPRING]


# --------------------------------------------------------------------------- oracle

ZONES = [
    ZoneInfo("UTC"),
    MSK,
    BERLIN,
    ZoneInfo("America/New_York"),
    ZoneInfo("Australia/Lord_Howe"),  # 30-minute DST shift
]
NEW_YORK, LORD_HOWE = ZONES[3], ZONES[4]
DST_DAYS = [  # (zone, day) pairs with a DST change at about 02:00 local time
    (BERLIN, SPRING),
    (BERLIN, AUTUMN),
    (NEW_YORK, date(2026, 3, 8)),
    (NEW_YORK, date(2026, 11, 1)),
    (LORD_HOWE, date(2026, 4, 5)),
    (LORD_HOWE, date(2026, 10, 4)),
]


def ts(dt: datetime) -> int:
    """POSIX seconds of an aware datetime (all test data is minute-aligned)."""
    return round(dt.timestamp())


def wall_ts(day: date, t: time, tz: ZoneInfo, *, is_end: bool = False) -> int:
    """Wall clock -> POSIX seconds, fold=0 (a nonexistent time lands after the gap)."""
    if is_end and t == time(0):
        day += timedelta(days=1)
    return ts(datetime(day.year, day.month, day.day, t.hour, t.minute, tzinfo=tz))


def grid(r: DayRules, step: timedelta) -> list[int]:
    """All existing wall-clock grid times of the day as POSIX seconds (fold=0)."""
    out = []
    naive = datetime.combine(r.day, r.work_start)
    while naive.date() == r.day:
        stamp = ts(naive.replace(tzinfo=r.tz))
        if datetime.fromtimestamp(stamp, r.tz).replace(tzinfo=None) == naive:
            out.append(stamp)
        naive += step
    return out


def hits(a0: int, a1: int, b0: int, b1: int) -> bool:
    """Half-open overlap of two integer spans; empty spans overlap nothing."""
    return a0 < a1 and b0 < b1 and a0 < b1 and b0 < a1


def oracle(r: DayRules, s: int, e: int, bb: int, ba: int) -> Refusal | None:
    """Brute-force verdict for booking [s, e) in POSIX seconds."""
    if s < wall_ts(r.day, r.work_start, r.tz) or e > wall_ts(r.day, r.work_end, r.tz, is_end=True):
        return Refusal.OUTSIDE_HOURS
    if r.earliest is not None and s < ts(r.earliest):
        return Refusal.IN_PAST
    if r.latest is not None and e > ts(r.latest):
        return Refusal.BEYOND_HORIZON
    for b0, b1 in r.breaks:
        if hits(s, e, wall_ts(r.day, b0, r.tz), wall_ts(r.day, b1, r.tz, is_end=True)):
            return Refusal.ON_BREAK
    for off in r.time_off:
        if hits(s, e, ts(off.start), ts(off.end)):
            return Refusal.TIME_OFF
    for busy in r.busy:
        if hits(s - bb, e + ba, ts(busy.start), ts(busy.end)):
            return Refusal.BUSY
    return None


# --------------------------------------------------------------------------- strategies

five_min = st.integers(0, 288).map(lambda k: k * 5)  # minutes of the day, 0..1440


def minute_time(minutes: int) -> time:
    """Minutes of the day -> wall-clock time; 1440 becomes time(0) (= 24:00 as an end)."""
    minutes %= 1440
    return time(minutes // 60, minutes % 60)


@st.composite
def wall_interval(draw, max_len: int = 288) -> tuple[time, time]:
    """Wall-clock (start, end) in 5-minute units, at most *max_len* units long."""
    a = draw(st.integers(0, 287))
    b = draw(st.integers(a, min(a + max_len, 288)))
    return minute_time(a * 5), minute_time(b * 5)


@st.composite
def day_rules(draw) -> DayRules:
    tz, day = draw(
        st.one_of(
            st.sampled_from(DST_DAYS),
            st.tuples(
                st.sampled_from(ZONES),
                st.dates(min_value=date(2025, 1, 1), max_value=date(2027, 12, 31)),
            ),
        )
    )
    # Bias working hours toward the night so DST changes fall inside them.
    work = draw(
        st.one_of(
            wall_interval(),
            st.tuples(st.integers(0, 24), st.integers(0, 72)).map(
                lambda p: (minute_time(p[0] * 5), minute_time(min(p[0] + p[1], 288) * 5))
            ),
        )
    )
    if work[1] == time(0) and work[0] != time(0) and draw(st.booleans()):
        work = (work[0], time(23, 55))
    midnight = datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC)
    out_tz = draw(st.sampled_from([UTC, tz]))

    def instant(minutes: int) -> datetime:
        return (midnight + timedelta(minutes=minutes)).astimezone(out_tz)

    def spans(max_size: int, max_len: int):
        return st.lists(
            st.tuples(st.integers(-120, 300).map(lambda k: k * 5), st.integers(0, max_len)).map(
                lambda p: Interval(instant(p[0]), instant(p[0] + p[1] * 5))
            ),
            max_size=max_size,
        )

    maybe = st.sampled_from([True, False, False])
    earliest = instant(draw(st.integers(-60, 300)) * 5) if draw(maybe) else None
    latest = instant(draw(st.integers(0, 320)) * 5) if draw(maybe) else None
    return DayRules(
        day=day,
        tz=tz,
        work_start=work[0],
        work_end=work[1],
        breaks=tuple(draw(st.lists(wall_interval(max_len=24), max_size=3))),
        time_off=tuple(draw(spans(2, 60))),
        busy=tuple(draw(spans(8, 24))),
        earliest=earliest,
        latest=latest,
    )


service = st.fixed_dictionaries(
    {
        "duration": st.integers(1, 48).map(lambda k: m(5 * k)),
        "step": st.integers(1, 24).map(lambda k: m(5 * k)),
        "buffer_before": st.integers(0, 12).map(lambda k: m(5 * k)),
        "buffer_after": st.integers(0, 12).map(lambda k: m(5 * k)),
    }
)

PROPERTY = settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def secs(td: timedelta) -> int:
    return int(td.total_seconds())


def oracle_starts(r: DayRules, svc: dict) -> list[int]:
    d, bb, ba = secs(svc["duration"]), secs(svc["buffer_before"]), secs(svc["buffer_after"])
    return [s for s in grid(r, svc["step"]) if oracle(r, s, s + d, bb, ba) is None]


# --------------------------------------------------------------------------- properties


@PROPERTY
@given(r=day_rules(), svc=service)
def test_property_sound_and_complete(r: DayRules, svc: dict) -> None:
    slots = free_slots(r, **svc)
    d, bb, ba = secs(svc["duration"]), secs(svc["buffer_before"]), secs(svc["buffer_after"])
    grid_points = set(grid(r, svc["step"]))
    offered = [ts(s.start) for s in slots]
    # (a) soundness: every slot is on the grid, lasts `duration` and breaks no rule.
    for slot, s in zip(slots, offered, strict=True):
        assert s in grid_points
        assert ts(slot.end) - s == d
        assert slot.start.tzinfo is r.tz and slot.start.fold == 0
        assert oracle(r, s, s + d, bb, ba) is None, slot
    # (b) completeness: every admissible grid start is offered.
    assert set(oracle_starts(r, svc)) <= set(offered)
    # (c) check_booking accepts every offered slot.
    for slot in slots:
        kw = {"buffer_before": svc["buffer_before"], "buffer_after": svc["buffer_after"]}
        assert check_booking(r, slot.start, slot.end, **kw) is None
    # (d) sorted and unique (by instant: same-zone datetimes ignore fold in comparisons).
    assert offered == sorted(set(offered))


@PROPERTY
@given(
    r=day_rules(),
    svc=service,
    start=st.integers(-60, 300).map(lambda k: k * 5),
    length=st.integers(1, 60).map(lambda k: k * 5),
)
def test_property_check_booking_matches_oracle(
    r: DayRules, svc: dict, start: int, length: int
) -> None:
    midnight = datetime.combine(r.day, time(0), tzinfo=r.tz).astimezone(UTC)
    s = (midnight + m(start)).astimezone(r.tz)
    e = s.astimezone(UTC) + m(length)
    bb, ba = svc["buffer_before"], svc["buffer_after"]
    got = check_booking(r, s, e, buffer_before=bb, buffer_after=ba)
    assert got is oracle(r, ts(s), ts(e), secs(bb), secs(ba))


@settings(max_examples=60, deadline=None)
@given(days=st.lists(day_rules(), max_size=4), svc=service)
def test_property_days_with_room(days: list[DayRules], svc: dict) -> None:
    expected = [r.day for r in days if oracle_starts(r, svc)]
    assert days_with_room(days, **svc) == expected
