"""Administrator pages over HTTP (no browser): stations, operators, figures side by side."""

from __future__ import annotations

from typing import Any

import asyncpg

from tests.api.conftest import ADMIN, Api
from tests.pages_http.forms import sign_in


async def test_admin_creates_and_edits_a_station_and_an_operator(api: Api, db: asyncpg.Connection[Any]) -> None:
    c = api.client
    token = await sign_in(c, ADMIN["phone"], ADMIN["password"])
    assert (await c.get("/admin")).status_code == 200
    bad = await c.post("/admin/stations", data={"_csrf_token": token, "name": "白鹤驿站", "address": "白鹤镇",
                                                "lat": "131", "lon": "121.0", "service_radius_m": "800"})
    assert bad.status_code == 422 and 'href="#f-lat"' in bad.text
    r = await c.post("/admin/stations", data={"_csrf_token": token, "name": "白鹤驿站", "address": "白鹤镇",
                                              "lat": "31.25", "lon": "121.05", "service_radius_m": "800",
                                              "region": "Shanghai"}, follow_redirects=False)
    assert r.status_code == 303, r.text
    station_id = await db.fetchval("SELECT id FROM stations WHERE name = '白鹤驿站'")
    page = await c.get(f"/admin/stations/{station_id}")
    assert page.status_code == 200 and "<svg" in page.text and f"/s/{station_id}/poster" in page.text
    r = await c.post(f"/admin/stations/{station_id}", data={
        "_csrf_token": token, "name": "白鹤镇零工驿站", "address": "白鹤镇新街1号", "lat": "31.25",
        "lon": "121.05", "service_radius_m": "600", "region": "Shanghai"}, follow_redirects=False)
    assert r.status_code == 303
    row = await db.fetchrow("SELECT name, service_radius_m FROM stations WHERE id = $1", station_id)
    assert (row["name"], row["service_radius_m"]) == ("白鹤镇零工驿站", 600)
    assert await db.fetchval("SELECT count(*) FROM audit_log WHERE action = 'station.update'") == 1
    home = await c.get("/admin")
    assert "白鹤镇零工驿站" in home.text and "今日数据对比" in home.text
    none_chosen = await c.post("/admin/operators", data={"_csrf_token": token, "name": "刘专员",
                                                         "phone": "13911112222", "password": "operator-pass"})
    assert none_chosen.status_code == 422
    r = await c.post("/admin/operators", data={"_csrf_token": token, "name": "刘专员", "phone": "13911112222",
                                               "password": "operator-pass", "station_ids": str(station_id)},
                     follow_redirects=False)
    assert r.status_code == 303, r.text
    listing = await c.get("/admin/operators")
    assert "刘专员" in listing.text and "白鹤镇零工驿站" in listing.text


async def test_only_admins_reach_admin_pages(api: Api) -> None:
    admin = await api.admin()
    station = await api.station(admin)
    op, _ = await api.operator(admin, [station["id"]])
    await sign_in(api.client, op["phone"], "operator-pass")
    r = await api.client.get("/admin", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")
