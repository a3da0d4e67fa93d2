"""The page filters: money in 元, pay per unit, local times and dates, distances; both languages."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from gigstation.web import i18n
from gigstation.web.session import safe_next
from gigstation.web.worker_forms import until_options, until_to_datetime

TZ = "Asia/Shanghai"


@given(st.integers(min_value=-10**9, max_value=10**9))
def test_money_round_trips_to_fen(fen: int) -> None:
    text = i18n.money(fen)
    sign = -1 if text.startswith("-") else 1
    amount = text.lstrip("-").removeprefix("¥")
    yuan, _, cents = amount.partition(".")
    assert sign * (int(yuan) * 100 + int(cents or 0)) == fen
    assert cents == "" or len(cents) == 2


def test_examples_in_both_languages() -> None:
    assert i18n.money(3000) == "¥30" and i18n.money(3050) == "¥30.50"
    assert i18n.pay(3000, "hour") == "¥30/小时" and i18n.pay(24000, "day", "en") == "¥240/day"
    at = datetime(2026, 12, 1, 6, 30, tzinfo=UTC)  # 14:30 in Shanghai, a Tuesday
    assert i18n.hm(at, TZ) == "14:30"
    assert i18n.day(at, TZ) == "12月1日 周二" and i18n.day(date(2026, 12, 1), TZ, "en") == "Tue 1 Dec"
    assert i18n.km(850) == "850 米" and i18n.km(1200) == "1.2 公里" and i18n.km(3000, "en") == "3 km"
    now = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)  # 20:00 in Shanghai
    assert i18n.when(datetime(2026, 12, 1, 13, 0, tzinfo=UTC), TZ, now) == "21:00"
    assert i18n.when(datetime(2026, 12, 1, 19, 50, tzinfo=UTC), TZ, now) == "明天 03:50"
    assert i18n.when(datetime(2026, 12, 1, 19, 50, tzinfo=UTC), TZ, now, "en") == "tomorrow 03:50"


def test_work_past_midnight_says_next_day() -> None:
    start = datetime(2026, 12, 1, 14, 0, tzinfo=UTC)  # 22:00 in Shanghai
    assert i18n.span(start, datetime(2026, 12, 1, 15, 30, tzinfo=UTC), TZ) == "22:00–23:30"
    assert i18n.span(start, datetime(2026, 12, 1, 18, 0, tzinfo=UTC), TZ) == "22:00–次日 02:00"
    assert i18n.span(start, datetime(2026, 12, 1, 18, 0, tzinfo=UTC), TZ, "en") == "22:00–02:00 next day"
    assert i18n.until(start, datetime(2026, 12, 2, 18, 0, tzinfo=UTC), TZ) == "12月3日 周四 02:00"
    assert i18n.span(None, start, TZ) == "" and i18n.until(start, None, TZ) == ""


@given(st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1),  # noqa: DTZ001 (naive bounds are hypothesis's API)
                    timezones=st.just(UTC)),
       st.integers(min_value=1, max_value=36 * 60))
def test_a_span_never_reads_as_ending_before_it_starts(start: datetime, minutes: int) -> None:
    end = start + timedelta(minutes=minutes)
    text = i18n.span(start, end, TZ)
    first, _, rest = text.partition("–")
    assert first == i18n.hm(start, TZ)
    same_day = i18n.day(start, TZ) == i18n.day(end, TZ)
    assert (rest == i18n.hm(end, TZ)) == same_day
    assert same_day or (rest.endswith(i18n.hm(end, TZ)) and ("次日" in rest or "日" in rest))


def test_free_until_chips_are_ahead_and_past_times_mean_tomorrow() -> None:
    morning = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai
    assert until_options(morning, TZ) == ["12:00", "15:00", "18:00", "21:00"]
    evening = datetime(2026, 12, 1, 11, 30, tzinfo=UTC)  # 19:30
    assert until_options(evening, TZ) == ["21:00", "23:00"]
    late = datetime(2026, 12, 1, 15, 10, tzinfo=UTC)  # 23:10: chips go past midnight
    assert until_options(late, TZ) == ["01:00", "03:00"]
    assert until_to_datetime("01:00", late, TZ) == datetime(2026, 12, 1, 17, 0, tzinfo=UTC)
    assert until_to_datetime("21:00", evening, TZ) == datetime(2026, 12, 1, 13, 0, tzinfo=UTC)
    assert until_to_datetime("02:00", evening, TZ) == datetime(2026, 12, 1, 18, 0, tzinfo=UTC)


def test_next_is_only_ever_a_local_path() -> None:
    assert safe_next("/worker?x=1") == "/worker?x=1"
    for bad in ("https://evil.example/", "//evil.example", "/\\evil.example", "", None, "worker"):
        assert safe_next(bad) is None
