"""The part-time weekly limit and the day's cap (any 24 hours) against brute-force counts on a
quarter-hour grid; the settings' legal bounds."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import msgspec
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from gigstation.platform.config import Settings
from gigstation.work.hours import WEEKLY_LIMIT_H, limit_breach, most_in_24h, would_exceed_day, would_exceed_week

TZ = ZoneInfo("Asia/Shanghai")
ORIGIN = datetime(2026, 11, 23, tzinfo=TZ)  # a Monday
Q = timedelta(minutes=15)
SPAN = 3 * 7 * 24 * 4  # quarter-hours in three weeks

quarter = st.integers(min_value=0, max_value=SPAN - 1)
interval = st.tuples(quarter, st.integers(min_value=1, max_value=48)).map(
    lambda t: (t[0], min(SPAN, t[0] + t[1])))
WEEK = 7 * 24 * 4
# Jobs that cross a Monday midnight, where a one-week check would go wrong.
crossing = st.tuples(st.sampled_from([WEEK, 2 * WEEK]), st.integers(1, 47), st.integers(1, 47)).map(
    lambda t: (t[0] - t[1], t[0] + t[2]))
# Existing work packed near the first boundary so both weeks come close to the limit.
near = st.tuples(st.integers(WEEK - 4 * 24 * 4, WEEK + 4 * 24 * 4), st.integers(1, 48)).map(
    lambda t: (t[0], t[0] + t[1]))


def brute(existing: list[tuple[int, int]], new: tuple[int, int]) -> bool:
    week = 7 * 24 * 4
    for w in {q // week for q in range(new[0], new[1])}:
        lo, hi = w * week, (w + 1) * week
        total = sum(max(0, min(e, hi) - max(s, lo)) for s, e in [*existing, new])
        if total > WEEKLY_LIMIT_H * 4:
            return True
    return False


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(interval, near), max_size=16), st.one_of(interval, crossing))
def test_weekly_limit_matches_brute_force(existing: list[tuple[int, int]], new: tuple[int, int]) -> None:
    def dt(q: int) -> datetime:
        return ORIGIN + q * Q

    as_times = [(dt(s), dt(e)) for s, e in existing]
    assert would_exceed_week(as_times, (dt(new[0]), dt(new[1])), TZ) == brute(existing, new)


def test_settlement_period_over_15_days_is_refused() -> None:
    assert Settings.from_env({"GIGSTATION_SETTLEMENT_DAYS": "15"}).settlement_days == 15
    with pytest.raises(msgspec.ValidationError, match=r"art\. 72"):
        Settings.from_env({"GIGSTATION_SETTLEMENT_DAYS": "16"})


DAY = 24 * 4  # quarter-hours in 24 hours
CAP = 8 * 4


def most_in_any_day(intervals: list[tuple[int, int]]) -> int:
    """Quarter-hours inside the fullest 24-hour window, trying every window on the grid."""
    if not intervals:
        return 0
    lo, hi = min(s for s, _ in intervals) - DAY, max(e for _, e in intervals)
    return max(sum(max(0, min(e, q + DAY) - max(s, q)) for s, e in intervals) for q in range(lo, hi + 1))


# Within three days, so jobs often share a 24-hour window.
short = st.tuples(st.integers(min_value=0, max_value=3 * DAY), st.integers(min_value=1, max_value=40)).map(
    lambda t: (t[0], t[0] + t[1]))


@settings(max_examples=300, deadline=None)
@given(st.lists(short, max_size=8), short)
def test_the_days_cap_matches_brute_force(existing: list[tuple[int, int]], new: tuple[int, int]) -> None:
    # Work already on record keeps the cap (the cap is checked on every accept), so a breach
    # can only come from the new job.
    assume(most_in_any_day(existing) <= CAP)

    def dt(q: int) -> datetime:
        return ORIGIN + q * Q

    as_times = [(dt(s), dt(e)) for s, e in existing]
    expected = most_in_any_day([*existing, new]) > CAP
    assert would_exceed_day(as_times, (dt(new[0]), dt(new[1])), 8.0) == expected
    assert abs(most_in_24h([*as_times, (dt(new[0]), dt(new[1]))]) * 4 - most_in_any_day([*existing, new])) < 1e-6


def test_two_shifts_across_midnight_make_one_long_day() -> None:
    evening = ORIGIN.replace(hour=16)
    first = (evening, evening + timedelta(hours=8))
    night = (first[1], first[1] + timedelta(hours=8))
    assert limit_breach([first], night, TZ, 8.0) == "daily_hours_exceeded"
    next_day = (first[0] + timedelta(hours=24), first[1] + timedelta(hours=24))
    assert limit_breach([first], next_day, TZ, 8.0) is None


def test_hours_settings_have_bounds() -> None:
    s = Settings.from_env({})
    assert (s.daily_hours_cap, s.arrival_margin_min, s.min_work_min, s.hours_confirm_window_h) == (8.0, 30, 30, 72)
    for name, value in (("DAILY_HOURS_CAP", "13"), ("MIN_WORK_MIN", "1"), ("HOURS_CONFIRM_WINDOW_H", "361"),
                        ("ARRIVAL_MARGIN_MIN", "181")):
        with pytest.raises(msgspec.ValidationError):
            Settings.from_env({f"GIGSTATION_{name}": value})
