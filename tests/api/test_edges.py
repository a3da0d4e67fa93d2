"""Report dates and coordinates at every edge answer 4xx or 200, never 5xx (issue 15: the
calendar's ends in the performance figures; lat ±90 and lon ±180 in the home area).

Hypothesis draws over the whole date range (0001-01-01 to 9999-12-31) and the whole float
range (subnormals, ±0.0, the poles and the antimeridian, NaN and infinities sent as text),
through the HTTP API."""

from __future__ import annotations

import asyncio
import math
from collections.abc import Iterator
from datetime import date
from typing import Any

import asyncpg
import pytest
from hypothesis import HealthCheck, example, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from litestar.testing import TestClient

from gigstation.application import create_app
from gigstation.platform.config import Settings
from tests.api.conftest import ADMIN, API, Api, bearer
from tests.conftest import empty_tables

DATES = st.dates(min_value=date.min, max_value=date.max)
FLOATS = st.floats(allow_nan=True, allow_infinity=True, allow_subnormal=True)
EDGES = [(90.0, 180.0), (-90.0, -180.0), (90.0, -180.0), (-90.0, 180.0), (89.9999999, 179.9999999),
         (0.0, 180.0), (-0.0, -0.0), (5e-324, -5e-324)]


async def test_the_calendar_ends_found_in_the_trial_are_4xx(api: Api) -> None:
    admin = await api.admin()
    station = await api.station(admin)
    sid = station["id"]
    for path, params in (
        ("/reports/district", {"from": "0001-01-01"}),
        ("/reports/district", {"from": "9999-12-30", "to": "9999-12-31"}),
        (f"/stations/{sid}/performance", {"from": "9999-12-31"}),
        (f"/stations/{sid}/performance", {"from": "0001-01-01", "to": "0001-01-02"}),
        ("/reports/employment", {"from": "9999-12-31", "to": "9999-12-31"}),
        (f"/stations/{sid}/report", {"date": "9999-12-31"}),
    ):
        r = await api.client.get(f"{API}{path}", params=params, headers=bearer(admin))
        assert r.status_code == 422, (path, params, r.text)
        assert r.json()["errors"][0]["field"] in ("from", "to", "date")


async def test_home_area_at_the_poles_and_the_antimeridian(api: Api) -> None:
    _, worker = await api.worker()
    for lat, lon in EDGES:
        r = await api.client.put(f"{API}/workers/me/home-area", headers=bearer(worker),
                                 json={"lat": lat, "lon": lon})
        assert r.status_code == 200, (lat, lon, r.text)
        cell = r.json()
        assert -90 <= cell["cell_lat"] <= 90 and -180 <= cell["cell_lon"] <= 180, (lat, lon, cell)


@pytest.fixture
def sync_client(settings: Settings, database_url: str) -> Iterator[TestClient[Any]]:
    """A synchronous client (Hypothesis calls it from plain functions), on emptied tables."""
    async def empty() -> None:
        conn = await asyncpg.connect(database_url)
        try:
            await empty_tables(conn)
        finally:
            await conn.close()

    asyncio.run(empty())
    with TestClient(create_app(settings)) as c:
        yield c


def _token(c: TestClient[Any], body: dict[str, Any], path: str) -> str:
    r = c.post(f"{API}{path}", json=body)
    assert r.status_code in (200, 201), r.text
    return str(r.json()["token"])


def test_report_dates_over_the_whole_calendar(sync_client: TestClient[Any]) -> None:
    client = sync_client
    admin = _token(client, ADMIN, "/auth/login")
    r = client.post(f"{API}/stations", headers=bearer(admin), json={
        "name": "驿站", "address": "青浦区", "lat": 31.151, "lon": 121.117, "service_radius_m": 1000})
    assert r.status_code == 201, r.text
    sid = r.json()["id"]
    paths = [f"/stations/{sid}/report", f"/stations/{sid}/performance", "/reports/district",
             "/reports/employment"]

    @hsettings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
    @given(st.sampled_from(paths), DATES, DATES | st.none())
    @example(paths[2], date(1, 1, 1), None)
    @example(paths[2], date(9999, 12, 30), date(9999, 12, 31))
    @example(paths[1], date(9999, 12, 31), None)
    @example(paths[0], date(9999, 12, 31), None)
    @example(paths[3], date(1, 1, 1), date(1, 1, 1))
    @example(paths[1], date(2099, 12, 31), None)
    @example(paths[2], date(2000, 1, 1), date(2000, 1, 2))
    def check(path: str, start: date, end: date | None) -> None:
        params = ({"date": start.isoformat()} if path.endswith("/report")
                  else {"from": start.isoformat(), **({"to": end.isoformat()} if end else {})})
        for fmt in ((None,) if path.endswith("/report") else (None, "csv")):
            r = client.get(f"{API}{path}", params={**params, **({"format": fmt} if fmt else {})},
                           headers=bearer(admin))
            assert r.status_code in (200, 422), (path, params, r.status_code, r.text[:300])

    check()


def test_coordinates_over_the_whole_float_range(sync_client: TestClient[Any]) -> None:
    client = sync_client
    admin = _token(client, ADMIN, "/auth/login")
    worker = _token(client, Api(None).worker_body(), "/workers")  # type: ignore[arg-type]

    @hsettings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))
    @given(FLOATS, FLOATS)
    @example(90.0, 180.0)
    @example(-90.0, -180.0)
    @example(90.0, -180.0)
    @example(-89.99999999, 179.99999999)
    @example(5e-324, -5e-324)
    @example(math.nan, 0.0)
    @example(math.inf, -math.inf)
    def check(lat: float, lon: float) -> None:
        finite = math.isfinite(lat) and math.isfinite(lon)
        # NaN and infinities cannot be JSON numbers: they are sent as text, which must be refused.
        body = f'{{"lat": {lat!r}, "lon": {lon!r}}}' if finite else f'{{"lat": "{lat!r}", "lon": "{lon!r}"}}'
        r = client.put(f"{API}/workers/me/home-area", content=body,
                       headers={**bearer(worker), "content-type": "application/json"})
        assert r.status_code in (200, 400, 422), (lat, lon, r.text[:300])
        if r.status_code == 200:
            cell = r.json()
            assert -90 <= cell["cell_lat"] <= 90 and -180 <= cell["cell_lon"] <= 180, cell
        r = client.get(f"{API}/stations", params={"lat": repr(lat), "lon": repr(lon)})
        assert r.status_code in (200, 400, 422), (lat, lon, r.text[:300])
        if finite:
            r = client.post(f"{API}/planning/stations", headers=bearer(admin), json={
                "k": 1, "radius_m": 1500, "candidates": [{"id": "s1", "lat": lat, "lon": lon}]})
            assert r.status_code in (200, 400, 422), (lat, lon, r.text[:300])

    check()
