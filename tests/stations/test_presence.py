"""Presence codes: six digits per station and minute; only the current and previous minute pass."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import pytest
from hypothesis import given
from hypothesis import strategies as st

from gigstation.platform.errors import Invalid, TooMany
from gigstation.stations import presence, screens
from tests.api import seed

SECRET = b"s" * 32


@given(st.uuids(), st.integers(min_value=0, max_value=2**40))
def test_codes_are_six_digits_and_depend_on_station_and_minute(station: uuid.UUID, minute: int) -> None:
    code = presence.code_at(SECRET, station, minute)
    assert len(code) == 6 and code.isdigit()
    # Over a few neighbouring minutes and stations, codes do not simply repeat.
    assert len({presence.code_at(SECRET, station, minute + k) for k in range(5)}) >= 4
    assert presence.code_at(b"t" * 32, station, minute) != code or presence.code_at(
        b"t" * 32, station, minute + 1) != presence.code_at(SECRET, station, minute + 1)


_NAIVE_MIN, _NAIVE_MAX = datetime(2020, 1, 1), datetime(2100, 1, 1)  # noqa: DTZ001  (hypothesis bounds are naive)


@given(st.datetimes(min_value=_NAIVE_MIN, max_value=_NAIVE_MAX, timezones=st.just(UTC)))
def test_seconds_left_counts_down_within_the_minute(now: datetime) -> None:
    left = presence.seconds_left(now)
    assert 1 <= left <= 60
    assert presence.minute_of(now + timedelta(seconds=left)) == presence.minute_of(now) + 1


async def _setup(db: asyncpg.Connection[Any]) -> tuple[uuid.UUID, uuid.UUID, bytes]:
    await db.set_type_codec("jsonb", encoder=json.dumps, decoder=json.loads, schema="pg_catalog")
    station = await seed.station(db)
    [worker] = await seed.workers(db, 1)
    admin = await db.fetchval("INSERT INTO users (role, phone, password_hash, name) "
                              "VALUES ('admin', '13800000001', 'x', '管理员') RETURNING id")
    link = await screens.make_screen_link(db, admin, station, "http://station.example")
    assert link.startswith(f"http://station.example/s/{station}/screen/")
    await screens.station_of_screen(db, station, link.rsplit("/", 1)[1])
    secret = await presence.presence_secret(db, station)
    assert secret is not None
    return station, worker, secret


async def test_current_and_previous_minute_pass_older_codes_say_expired(db: asyncpg.Connection[Any]) -> None:
    station, worker, secret = await _setup(db)
    now = datetime(2026, 12, 1, 9, 30, 5, tzinfo=UTC)
    minute = presence.minute_of(now)
    await presence.verify_code(db, worker, station, presence.code_at(secret, station, minute), now)
    await presence.verify_code(db, worker, station, presence.code_at(secret, station, minute - 1), now)
    for back, words in ((2, "2分钟前"), (60 * 20, "20小时前")):
        with pytest.raises(Invalid) as caught:
            await presence.verify_code(db, worker, station,
                                       presence.code_at(secret, station, minute - back), now)
        assert caught.value.code == presence.PRESENCE_CODE
        assert words in caught.value.errors[0].reason
    # A code of the next minute (a screen whose clock runs fast) is not accepted either.
    with pytest.raises(Invalid):
        await presence.verify_code(db, worker, station, presence.code_at(secret, station, minute + 2), now)


async def test_a_new_link_replaces_the_old_but_keeps_the_codes(db: asyncpg.Connection[Any]) -> None:
    station, _, secret = await _setup(db)
    admin = await db.fetchval("SELECT id FROM users WHERE role = 'admin'")
    first = await screens.make_screen_link(db, admin, station, "http://x")
    second = await screens.make_screen_link(db, admin, station, "http://x")
    with pytest.raises(Exception, match="invalid or was replaced"):
        await screens.station_of_screen(db, station, first.rsplit("/", 1)[1])
    await screens.station_of_screen(db, station, second.rsplit("/", 1)[1])
    assert await presence.presence_secret(db, station) == secret


async def test_another_stations_code_and_stations_without_a_screen_are_refused(db: asyncpg.Connection[Any]) -> None:
    station, worker, secret = await _setup(db)
    other = await seed.station(db, lat=31.2, lon=121.2)
    now = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)
    with pytest.raises(Invalid, match="no check-in screen"):
        await presence.verify_code(db, worker, other, presence.code_at(secret, station, presence.minute_of(now)), now)


async def test_guessing_stops_after_five_wrong_codes(db: asyncpg.Connection[Any]) -> None:
    station, worker, secret = await _setup(db)
    now = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)
    for _ in range(presence.MAX_FAILURES):
        await presence.record_failure(db, worker, now)
    good = presence.code_at(secret, station, presence.minute_of(now))
    with pytest.raises(TooMany):
        await presence.verify_code(db, worker, station, good, now)
    # Ten minutes later the worker may try again.
    later = now + timedelta(minutes=11)
    await presence.verify_code(db, worker, station, presence.code_at(secret, station, presence.minute_of(later)), later)
