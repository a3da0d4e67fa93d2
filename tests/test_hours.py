"""The part-time weekly limit against a brute-force count on a quarter-hour grid; the
settlement period's legal cap."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gigstation.platform.config import Settings
from gigstation.work.hours import WEEKLY_LIMIT_H, would_exceed_week

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
