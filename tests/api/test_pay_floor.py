"""The pay floor holds for every pay unit and at every station (issue 15, findings 1 and 14).

A piece rate is an hourly rate once the employer says how many pieces an hour the work
takes; a station exists only in a region whose minimum wage is known; and the rule lives
below the work layer (no upward import)."""

from __future__ import annotations

import ast
from datetime import timedelta
from pathlib import Path
from typing import Any

import asyncpg

import gigstation
from gigstation.platform.clock import now
from tests.api.conftest import API, Api, bearer

CLEANING_DAILY = {"skill": "cleaning", "pay_unit": "day", "low_fen": 30000, "median_fen": 32000,
                  "high_fen": 36000, "effective_from": "2024-01-01", "source": "test survey"}


def _hours(n: int) -> dict[str, str]:
    start = (now() + timedelta(hours=2)).replace(microsecond=0)
    return {"starts_at": start.isoformat(), "ends_at": (start + timedelta(hours=n)).isoformat()}


async def test_a_piece_rate_is_checked_as_the_hourly_pay_it_makes(api: Api) -> None:
    admin = await api.admin()
    await api.station(admin)
    _, employer = await api.employer()
    assert (await api.client.post(f"{API}/wages/guidance/entries", headers=bearer(admin),
                                  json=CLEANING_DAILY)).status_code == 201
    piece = {"skill": "cleaning", "title": "保洁（计件）", "pay_unit": "piece", "pay_cents": 100, **_hours(4)}
    # Without the employer's pieces per hour the rate means nothing: refused.
    r = await api.client.post(f"{API}/orders", headers=bearer(employer), json=api.order_body(**piece))
    assert r.status_code == 422, r.text
    assert [e["field"] for e in r.json()["errors"]] == ["pieces_per_hour"]
    # 1 yuan x 10 pieces an hour = 10 yuan an hour, under the 25 yuan minimum: refused, and
    # the refusal shows the worked-out figure.
    r = await api.client.post(f"{API}/orders", headers=bearer(employer),
                              json=api.order_body(**piece, pieces_per_hour=10))
    assert r.status_code == 422, r.text
    body = r.json()
    assert "10.00" in body["detail"] and "25.00" in body["detail"], body["detail"]
    assert "10.00" in body["detail_en"] and "10 pieces" in body["detail_en"], body["detail_en"]
    # 30 pieces an hour = 30 yuan an hour: above the minimum, below the day guidance of 300
    # yuan (37.50 an hour over 8 hours), so accepted and flagged.
    ok = await api.order(employer, **piece, pieces_per_hour=30)
    assert ok["pieces_per_hour"] == 30 and ok["hourly_equivalent_fen"] == 3000
    assert ok["below_guidance"] is True and ok["guidance_low_fen"] == 30000
    fair = await api.order(employer, **piece, pieces_per_hour=40)
    assert fair["below_guidance"] is False and fair["hourly_equivalent_fen"] == 4000
    # Pieces per hour only go with a piece rate.
    r = await api.client.post(f"{API}/orders", headers=bearer(employer),
                              json=api.order_body(pay_cents=3000, pieces_per_hour=10))
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "pieces_per_hour", r.text


async def test_a_day_rate_refusal_shows_the_hourly_figure(api: Api) -> None:
    await api.station(await api.admin())
    _, employer = await api.employer()
    r = await api.client.post(f"{API}/orders", headers=bearer(employer),
                              json=api.order_body(pay_unit="day", pay_cents=8000, **_hours(4)))
    assert r.status_code == 422, r.text
    # 80 yuan for 4 hours is 20 yuan an hour.
    assert "20.00" in r.json()["detail"] and "80.00" in r.json()["detail"], r.json()["detail"]
    assert "20.00" in r.json()["detail_en"], r.json()["detail_en"]


async def test_no_station_without_a_known_minimum_wage(api: Api, db: asyncpg.Connection[Any]) -> None:
    admin = await api.admin()
    body = {"name": "赣州驿站", "address": "章贡区", "lat": 25.83, "lon": 114.93, "service_radius_m": 1000}
    r = await api.client.post(f"{API}/stations", headers=bearer(admin), json={**body, "region": "Jiangxi"})
    assert r.status_code == 422, r.text
    assert r.json()["errors"][0]["field"] == "region"
    # The known regions are what the station form offers.
    regions = (await api.client.get(f"{API}/wages/regions", headers=bearer(admin))).json()
    assert [g["region"] for g in regions] == ["Shanghai"] and regions[0]["hourly_fen"] == 2500
    # An explicit minimum with its source makes the region known.
    today = now().date().isoformat()
    r = await api.client.post(f"{API}/stations", headers=bearer(admin), json={
        **body, "region": "Jiangxi", "minimum_wage": {
            "hourly_fen": 1800, "monthly_fen": 195000, "effective_from": today, "source": ""}})
    assert r.status_code in (400, 422), r.text  # a minimum without its source is refused
    r = await api.client.post(f"{API}/stations", headers=bearer(admin), json={
        **body, "region": "Jiangxi", "minimum_wage": {
            "hourly_fen": 1800, "monthly_fen": 195000, "effective_from": today,
            "source": "江西省最低工资标准通知（测试）"}})
    assert r.status_code == 201, r.text
    assert "Jiangxi" in [g["region"] for g in
                         (await api.client.get(f"{API}/wages/regions", headers=bearer(admin))).json()]
    _, employer = await api.employer()
    five = await api.client.post(f"{API}/orders", headers=bearer(employer), json=api.order_body(
        lat=25.831, lon=114.931, pay_cents=500))
    assert five.status_code == 422, five.text
    assert "18.00" in five.json()["detail"], five.json()["detail"]
    assert (await api.client.post(f"{API}/orders", headers=bearer(employer), json=api.order_body(
        lat=25.831, lon=114.931, pay_cents=1800))).status_code == 201


async def test_an_order_at_a_station_whose_region_has_no_minimum_is_refused(
    api: Api, db: asyncpg.Connection[Any]
) -> None:
    # A station from before this rule, in a region nobody entered a minimum for.
    await db.execute("INSERT INTO stations (name, address, lat, lon, service_radius_m, region) "
                     "VALUES ('旧驿站', '某地', 25.83, 114.93, 1000, 'Jiangxi')")
    _, employer = await api.employer()
    r = await api.client.post(f"{API}/orders", headers=bearer(employer), json=api.order_body(
        lat=25.831, lon=114.931, pay_cents=500))
    assert r.status_code == 422, r.text
    assert r.json()["code"] == "no_minimum_wage"
    assert "最低工资" in r.json()["detail"]


def test_the_work_layer_does_not_import_oversight() -> None:
    work = Path(gigstation.__file__).parent / "work"
    upward = []
    for path in sorted(work.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            names = ([node.module or ""] if isinstance(node, ast.ImportFrom)
                     else [a.name for a in node.names] if isinstance(node, ast.Import) else [])
            upward += [f"{path.name}: {n}" for n in names
                       if n.startswith(("gigstation.oversight", "gigstation.sim", "gigstation.api",
                                        "gigstation.web", "gigstation.cli"))]
    assert upward == []
