"""Fault 2 of issue 8: the distance in SQL and in Python is total over the Lat/Lon types."""

from __future__ import annotations

import asyncio
import math
from typing import Any

import asyncpg
from hypothesis import HealthCheck, example, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from gigstation.platform.geo import distance_m
from tests.api.conftest import API, Api, bearer

# Every float the API's Lat and Lon types accept: subnormals, ±0.0 and the ends included.
LATS = st.floats(min_value=-90, max_value=90, allow_subnormal=True)
LONS = st.floats(min_value=-180, max_value=180, allow_subnormal=True)
_TINY = 5e-324


def test_sql_and_python_distances_are_total_and_agree(database_url: str) -> None:
    loop = asyncio.new_event_loop()
    conn: asyncpg.Connection[Any] = loop.run_until_complete(asyncpg.connect(database_url))

    @hsettings(max_examples=400, deadline=None, suppress_health_check=list(HealthCheck))
    @given(LATS, LONS, LATS, LONS)
    @example(_TINY, 0.0, 0.0, 0.0)
    @example(-0.0, -0.0, _TINY, -_TINY)
    @example(90.0, 180.0, -90.0, -180.0)
    @example(1e-160, 1e-160, 2e-160, 0.0)
    @example(90.0, 0.0, 90.0, 1e-300)
    @example(2.2250738585072014e-308, 121.1, 31.1, 121.1)
    def check(lat1: float, lon1: float, lat2: float, lon2: float) -> None:
        metres = distance_m(lat1, lon1, lat2, lon2)
        in_sql = loop.run_until_complete(conn.fetchval("SELECT great_circle_m($1, $2, $3, $4)",
                                                       lat1, lon1, lat2, lon2))
        assert math.isfinite(in_sql) and 0 <= in_sql <= math.pi * 6371009.0 + 1
        assert 0 <= metres <= 20_015_115
        assert abs(round(in_sql) - metres) <= 1

    try:
        check()
    finally:
        loop.run_until_complete(conn.close())
        loop.close()


async def test_a_station_at_a_tiny_coordinate_breaks_nothing(api: Api) -> None:
    admin = await api.admin()
    odd = await api.station(admin, lat=_TINY, lon=-_TINY)
    assert odd["lat"] == _TINY
    r = await api.client.get(f"{API}/stations", params={"lat": 1e-310, "lon": 0.0})
    assert r.status_code == 200, r.text
    assert r.json()["items"][0]["id"] == odd["id"]
    _, employer = await api.employer()
    r = await api.client.post(f"{API}/orders", headers=bearer(employer),
                              json=api.order_body(lat=2e-320, lon=1e-315))
    assert r.status_code == 201, r.text
    assert r.json()["station_id"] == odd["id"]
