"""Figures, station map, operator board and worker lookup on a real database."""

from __future__ import annotations

import base64
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
import pytest
from hypothesis import given
from hypothesis import strategies as st

from gigstation.oversight.charts import bar_chart, nice_ceiling
from gigstation.oversight.figures import station_figures
from gigstation.oversight.operator_board import desk_board, empty_reason, run_result
from gigstation.oversight.station_map import GRID_M, station_map
from gigstation.people.lookup import find_worker
from gigstation.platform.clock import now
from gigstation.platform.errors import NotFound
from gigstation.platform.pii import PiiCipher
from tests.api import seed

ZONE = "Asia/Shanghai"


@given(st.integers(min_value=-5, max_value=10**9))
def test_nice_ceiling_is_a_round_upper_bound(value: int) -> None:
    top = nice_ceiling(value)
    assert top >= max(1, value)
    assert str(top).rstrip("0") in {"1", "2", "5"}
    assert top < 2.5 * max(1, value) + 1


@given(st.lists(st.integers(min_value=0, max_value=10_000), min_size=1, max_size=48))
def test_bars_stay_inside_the_plot(values: list[int]) -> None:
    chart = bar_chart(values, [str(i) for i in range(len(values))])
    for bar in chart.bars:
        assert chart.plot_top - 0.01 <= bar.y <= chart.plot_bottom + 0.01
        assert bar.y + bar.height <= chart.plot_bottom + 0.01
        assert chart.plot_left <= bar.x and bar.x + bar.width <= chart.width
    tallest = max(values)
    if tallest:
        assert max(b.height for b in chart.bars) > 0
    assert chart.total == sum(values)


async def test_figures_count_by_local_hour_and_distance(db: asyncpg.Connection[Any]) -> None:
    station = await seed.station(db)
    employer = await seed.employer(db)
    day = date(2026, 11, 30)
    tz = ZoneInfo(ZONE)
    workers = await seed.workers(db, 3, station)
    # Check-ins at 07:10, 07:50 and 09:05 local time.
    for w, (h, m) in zip(workers, [(7, 10), (7, 50), (9, 5)], strict=True):
        await db.execute("UPDATE checkins SET checked_in_at = $2 WHERE worker_id = $1",
                         w, datetime(2026, 11, 30, h, m, tzinfo=tz))
    order = await seed.order(db, employer, station, headcount=2)
    offers = await seed.offers(db, station, [(workers[0], order), (workers[1], order)])
    at = datetime(2026, 11, 30, 8, 30, tzinfo=tz)
    for offer, dist in zip(offers, [800, 4200], strict=True):
        await db.execute("UPDATE offers SET status = 'accepted', answered_at = $2, distance_m = $3 "
                         "WHERE id = $1", offer, at, dist)
    for offer, w in zip(offers, workers[:2], strict=True):
        await db.execute(
            "INSERT INTO assignments (offer_id, order_id, worker_id, worker_no, starts_at, ends_at, "
            "created_at) SELECT $1, $2, $3, worker_no, now() + interval '2 hours', "
            "now() + interval '6 hours', $4 FROM workers WHERE user_id = $3", offer, order, w, at)
    figures = await station_figures(db, station, day, ZONE)
    assert len(figures.checkins_by_hour) == 24
    assert figures.checkins_by_hour[7] == 2 and figures.checkins_by_hour[9] == 1
    assert sum(figures.checkins_by_hour) == 3
    assert figures.fills_by_hour[8] == 2 and sum(figures.fills_by_hour) == 2
    assert [b.count for b in figures.distances] == [1, 0, 1, 0, 0]
    assert figures.distances[0].label_zh == "0–1 公里"


async def test_map_coarsens_waiting_people_and_projects_orders(db: asyncpg.Connection[Any]) -> None:
    station = await seed.station(db, lat=31.15, lon=121.10)
    workers = await seed.workers(db, 3, station)
    # Two checked in by phone 130 m and 170 m east; one by the operator (no location).
    await db.execute("UPDATE checkins SET lat = 31.15, lon = 121.10137 WHERE worker_id = $1", workers[0])
    await db.execute("UPDATE checkins SET lat = 31.15012, lon = 121.10178 WHERE worker_id = $1", workers[1])
    employer = await seed.employer(db)
    order = await seed.order(db, employer, station, headcount=2)
    await db.execute("UPDATE orders SET lat = 31.15, lon = 121.13 WHERE id = $1", order)  # ~2.9 km east
    picture = await station_map(db, station)
    assert picture.waiting_total == 3
    # Both phone check-ins fall in the same 250 m cell; nothing is drawn at their exact spot.
    counts = sorted(c.count for c in picture.waiting_cells)
    assert counts == [1, 2]
    half = picture.size / 2
    scale = (half - 24) / picture.extent_m
    for cell in picture.waiting_cells:
        metres = (cell.x - half) / scale
        assert abs(metres / GRID_M - round(metres / GRID_M)) < 0.01
    (point,) = picture.orders
    assert point.x > half + 100 and abs(point.y - half) < 2
    assert point.count == 2
    assert picture.extent_m >= 2900 and picture.scale_bar_m <= picture.extent_m


async def test_board_shows_waited_minutes_flags_and_countdowns(db: asyncpg.Connection[Any]) -> None:
    station = await seed.station(db)
    employer = await seed.employer(db)
    workers = await seed.workers(db, 2, station)
    await db.execute("UPDATE checkins SET checked_in_at = now() - interval '47 minutes' "
                     "WHERE worker_id = $1", workers[0])
    await db.execute("UPDATE workers SET priority_groups = '{veteran}', priority_age_from = '2010-01-01' "
                     "WHERE user_id = $1", workers[0])
    await db.execute("INSERT INTO priority_group_evidence (worker_id, grp, evidence_type, evidence_number, "
                     "evidence_date, expires_on, expires_at) VALUES ($1, 'veteran', '退役证', 'T1', "
                     "current_date, current_date + 30, now() + interval '30 days')", workers[0])
    order = await seed.order(db, employer, station, headcount=3)
    await seed.offers(db, station, [(workers[1], order)])
    board = await desk_board(db, station, now(), now().date())
    first = next(w for w in board.waiting if w.worker_id == workers[0])
    assert 46 <= first.waited_minutes <= 48
    assert first.flags == ["veteran", "age_50_plus"]
    assert first.offer_seconds_left is None
    second = next(w for w in board.waiting if w.worker_id == workers[1])
    assert second.offer_seconds_left is not None and 250 < second.offer_seconds_left <= 300
    (desk_order,) = board.orders
    assert (desk_order.places_left, desk_order.offers_live) == (2, 1)
    (offer,) = board.offers
    assert offer.worker_name == "工人2" and offer.seconds_left > 250


async def test_run_result_names_each_empty_slot_in_plain_words(db: asyncpg.Connection[Any]) -> None:
    station = await seed.station(db)
    employer = await seed.employer(db)
    order = await seed.order(db, employer, station, headcount=2, skill="welding")
    run = await db.fetchval(
        "INSERT INTO dispatch_runs (station_id, trigger, stats, unfilled) VALUES ($1, 'manual', '{}', "
        "jsonb_build_array(jsonb_build_object('order_id', $2::text, 'missing', 2, "
        "'reason', 'no_skilled_worker'))) RETURNING id", station, str(order))
    result = await run_result(db, station, run)
    (empty,) = result.empty
    assert empty.reason_zh == "没有会做焊工的人"
    assert empty.missing == 2 and empty.order_title == "装卸"
    half = await db.fetchval(
        "INSERT INTO dispatch_runs (station_id, trigger, stats, unfilled) VALUES ($1, 'manual', '{}', "
        "jsonb_build_array(jsonb_build_object('order_id', $2::text, 'missing', 1, "
        "'reason', 'no_skilled_worker'))) RETURNING id", station, str(order))
    assert (await run_result(db, station, half)).empty[0].reason_zh == "没有更多会做焊工的人"
    # Some places filled: the skilled people are all on it already, so "nobody else".
    assert empty_reason("no_skilled_worker", "welding", partly_filled=True) == (
        "没有更多会做焊工的人", "nobody else waiting can do welding")
    assert empty_reason("too_far", "loading")[0] == "都太远"
    assert empty_reason("not_available", "loading")[0] == "时间对不上"
    assert empty_reason("taken_by_other_orders", "loading")[0] == "已被其他订单占用"
    other = await seed.station(db)
    with pytest.raises(NotFound):
        await run_result(db, other, run)


async def test_find_worker_by_phone_or_document(db: asyncpg.Connection[Any]) -> None:
    cipher = PiiCipher(base64.urlsafe_b64encode(b"k" * 32).decode())
    (worker,) = await seed.workers(db, 1)
    number = "11010519491231002X"
    await db.execute("UPDATE workers SET id_index = $2 WHERE user_id = $1",
                     worker, cipher.blind_index(number, "identity"))
    assert (await find_worker(db, cipher, "158 0000 0001")).id == worker
    assert (await find_worker(db, cipher, "11010519491231002x")).id == worker
    with pytest.raises(NotFound):
        await find_worker(db, cipher, "13999999999")
