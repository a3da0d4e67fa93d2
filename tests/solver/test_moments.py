"""Datetimes to integer microseconds: exactly what datetime arithmetic gives, for any aware datetime."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from gigstation.solver.moments import micros_since_epoch

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def exact(moment: datetime) -> int:
    return (moment - EPOCH) // timedelta(microseconds=1)


# Fixed offsets in whole minutes (msgspec's text is exact) and with seconds (it is not).
fixed_zones = st.builds(
    lambda minutes, seconds: timezone(timedelta(minutes=minutes, seconds=seconds)),
    st.integers(-23 * 60 - 59, 23 * 60 + 59),
    st.sampled_from([0, 0, 0, 30, -17]),
)
zones = st.one_of(st.just(UTC), fixed_zones, st.sampled_from([ZoneInfo("Asia/Shanghai"), ZoneInfo("America/New_York")]))
# Away from year 1 and 9999, where an offset can push the instant out of datetime's range.
# Hypothesis wants naive bounds here; the zone is drawn separately.
moments = st.datetimes(
    min_value=datetime(2, 1, 1),  # noqa: DTZ001
    max_value=datetime(9998, 12, 31),  # noqa: DTZ001
    timezones=zones,
)


@settings(max_examples=300, deadline=None)
@given(st.lists(moments, max_size=40))
def test_equals_datetime_arithmetic(values: list[datetime]) -> None:
    assert micros_since_epoch(values).tolist() == [exact(m) for m in values]


def test_the_generators_same_day_hours() -> None:
    shanghai = timezone(timedelta(hours=8))
    values = [datetime(2026, 11, 22, h, m, tzinfo=shanghai) for h in range(24) for m in (0, 30)]
    assert micros_since_epoch(values).tolist() == [exact(m) for m in values]


def test_fractions_and_leap_days() -> None:
    values = [
        datetime(2024, 2, 29, 23, 59, 59, 999_999, tzinfo=UTC),
        datetime(2000, 3, 1, 0, 0, 0, 1, tzinfo=timezone(timedelta(hours=-5, minutes=-30))),
        datetime(1969, 12, 31, 23, 59, 59, 500_000, tzinfo=UTC),
        datetime(1900, 3, 1, tzinfo=timezone(timedelta(hours=14))),
    ]
    assert micros_since_epoch(values).tolist() == [exact(m) for m in values]


def test_empty() -> None:
    assert micros_since_epoch([]).shape == (0,)
