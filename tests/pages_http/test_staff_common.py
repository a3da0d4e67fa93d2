"""Form helpers of the staff pages: yuan to fen, local clock times."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gigstation.platform.errors import Invalid
from gigstation.web.staff_common import local_clock, parse_fen


@given(st.integers(min_value=0, max_value=10_000_000))
def test_yuan_text_round_trips_to_fen(fen: int) -> None:
    text = f"{fen // 100}.{fen % 100:02d}"
    assert parse_fen(text, "pay") == fen
    if fen % 100 == 0:
        assert parse_fen(str(fen // 100), "pay") == fen
    if fen % 10 == 0:
        assert parse_fen(f"{fen // 100}.{(fen % 100) // 10}", "pay") == fen


def test_amounts_as_people_type_them() -> None:
    assert [parse_fen(t, "pay") for t in ["30", "¥30", "30.5", "30.05", "3.", "1,000"]] == [
        3000, 3000, 3050, 3005, 300, 100000]


@pytest.mark.parametrize("text", ["", "abc", "-3", "3.005", "1e3", "¥", "3.x"])
def test_bad_amounts_name_the_field(text: str) -> None:
    with pytest.raises(Invalid) as caught:
        parse_fen(text, "pay")
    assert caught.value.errors[0].field == "pay"


def test_clock_times_are_local_and_roll_to_tomorrow_only_when_asked() -> None:
    now = datetime(2026, 12, 1, 11, 30, tzinfo=UTC)  # 19:30 in Shanghai
    at = local_clock("18:00", "Asia/Shanghai", now, "until")
    assert at.isoformat() == "2026-12-01T18:00:00+08:00"
    rolled = local_clock("18:00", "Asia/Shanghai", now, "until", roll=True)
    assert rolled.isoformat() == "2026-12-02T18:00:00+08:00"
    assert local_clock("21:00", "Asia/Shanghai", now, "until", roll=True).day == 1
    with pytest.raises(Invalid):
        local_clock("25:00", "Asia/Shanghai", now, "until")
    with pytest.raises(Invalid):
        local_clock("soon", "Asia/Shanghai", now, "until")
