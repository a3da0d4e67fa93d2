"""Safeguards on the administrator's pages over HTTP: wage figures, the arrears blacklist,
the overdue early-warning list, district performance with downloads, the employment export
and station planning."""

from __future__ import annotations

import io
import uuid
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
import openpyxl

from tests.api.conftest import ADMIN, API, Api, bearer
from tests.api.test_assignments import shift_into_past, staffed
from tests.pages_http.forms import sign_in


async def test_wage_figures_add_supersede_and_refuse(api: Api, db: asyncpg.Connection[Any]) -> None:
    c = api.client
    csrf = await sign_in(c, ADMIN["phone"], ADMIN["password"])
    page = await c.get("/admin/wages")
    assert page.status_code == 200 and "最低工资标准" in page.text and "市场指导价" in page.text
    shipped = await db.fetchval("SELECT count(*) FROM minimum_wages")
    assert page.text.count('<span class="badge">有效</span>') >= 1
    form = {"_csrf_token": csrf, "region": "Shanghai", "effective_from": "2031-07-01", "hourly": "abc",
            "monthly": "2900", "source": "沪人社规〔2031〕1号"}
    bad = await c.post("/admin/wages/minimums", data=form)
    assert bad.status_code == 422 and 'href="#f-hourly"' in bad.text
    r = await c.post("/admin/wages/minimums", data={**form, "hourly": "28.5"}, follow_redirects=False)
    assert r.status_code == 303, r.text
    new_id = await db.fetchval("SELECT id FROM minimum_wages WHERE effective_from = '2031-07-01'")
    assert await db.fetchval("SELECT hourly_fen FROM minimum_wages WHERE id = $1", new_id) == 2850
    r = await c.post("/admin/wages/minimums", data={**form, "hourly": "29", "replaces": str(new_id)},
                     follow_redirects=False)
    assert r.status_code == 303, r.text
    assert await db.fetchval("SELECT count(*) FROM minimum_wages") == shipped + 2
    page = await c.get("/admin/wages?done=minimum")
    assert "最低工资标准已保存" in page.text and f"已被更正 → #{new_id + 1}" in page.text
    guide = {"_csrf_token": csrf, "skill": "loading", "pay_unit": "hour", "low": "40", "median": "35",
             "high": "45", "g_from": "2030-01-01", "g_source": "市场调查"}
    bad = await c.post("/admin/wages/guidance", data=guide)
    assert bad.status_code == 422 and "低位 ≤ 中位 ≤ 高位" in bad.text
    r = await c.post("/admin/wages/guidance", data={**guide, "low": "30"}, follow_redirects=False)
    assert r.status_code == 303, r.text
    page = await c.get("/admin/wages")
    assert "装卸" in page.text and "¥30" in page.text and "市场调查" in page.text
    actions = {r["action"] for r in await db.fetch("SELECT action FROM audit_log")}
    assert {"minimum_wage.add", "minimum_wage.supersede", "wage_guidance.add"} <= actions
    c.cookies.set("gs_lang", "en")
    english = await c.get("/admin/wages")
    assert "Market wage guidance" in english.text and "Loading and unloading" in english.text


async def test_blacklist_overdue_and_refusal(api: Api, db: asyncpg.Connection[Any]) -> None:
    job = await staffed(api, workers=1)
    await shift_into_past(db, job.order["id"], 16 * 24 + 8)
    c = api.client
    csrf = await sign_in(c, ADMIN["phone"], ADMIN["password"])
    late = await c.get("/admin/overdue")
    assert late.status_code == 200 and job.employer["name"] in late.text
    assert f'/admin/blacklist?employer={job.employer["id"]}' in late.text
    page = await c.get(f"/admin/blacklist?employer={job.employer['id']}")
    assert f'<option value="{job.employer["id"]}" selected>' in page.text
    form = {"_csrf_token": csrf, "employer_id": job.employer["id"], "reason": "拖欠工资", "evidence": ""}
    bad = await c.post("/admin/blacklist", data=form)
    assert bad.status_code == 422 and 'href="#f-evidence"' in bad.text
    r = await c.post("/admin/blacklist", data={**form, "evidence": "认定书 7号"}, follow_redirects=False)
    assert r.status_code == 303, r.text
    until = await db.fetchval("SELECT blacklisted_until FROM employers WHERE user_id = $1",
                              uuid.UUID(job.employer["id"]))
    assert until is not None
    page = await c.get("/admin/blacklist?done=listed")
    assert "在列" in page.text and "认定书 7号" in page.text and str(until) in page.text
    assert await db.fetchval("SELECT count(*) FROM audit_log WHERE action LIKE 'employer.blacklist%'") >= 1
    entry = await db.fetchval("SELECT id FROM employer_blacklist")
    r = await c.post(f"/admin/blacklist/{entry}/lift", data={"_csrf_token": csrf, "reason": "已全额支付"},
                     follow_redirects=False)
    assert r.status_code == 303
    page = await c.get("/admin/blacklist")
    assert "已移出" in page.text and "已全额支付" in page.text


async def test_performance_downloads_and_employment_export(api: Api, db: asyncpg.Connection[Any]) -> None:
    job = await staffed(api, workers=1)
    c = api.client
    await sign_in(c, ADMIN["phone"], ADMIN["password"])
    page = await c.get("/admin/performance")
    assert page.status_code == 200 and "全区" in page.text and job.station["name"] in page.text
    assert "/admin/performance/download/xlsx?date_from=" in page.text
    bad = await c.get("/admin/performance", params={"date_from": "2026-13-01"})
    assert bad.status_code == 422 and "日期格式应为" in bad.text
    assert 'name="date_from" type="date" value="' in page.text
    # The order starts two hours from now: late in the evening that is tomorrow, so the
    # period is the order's own day in the station's zone, not the page's default week.
    day = datetime.fromisoformat(job.order["starts_at"]).astimezone(ZoneInfo("Asia/Shanghai")).date()
    period = {"date_from": (day - timedelta(days=6)).isoformat(), "date_to": day.isoformat()}
    csv = await c.get("/admin/performance/download/csv", params=period)
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    assert job.station["name"] in csv.text
    xlsx = await c.get("/admin/performance/download/xlsx", params=period)
    assert xlsx.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet is not None
    names = [row[0] for row in sheet.iter_rows(values_only=True)]
    assert job.station["name"] in names
    exported = await c.get("/admin/employment/download/csv", params=period)
    assert exported.status_code == 200 and "*" in exported.text  # masked ID numbers
    assert await db.fetchval("SELECT count(*) FROM audit_log WHERE action = 'export.employment_registration'") == 1
    assert (await c.get("/admin/employment/download/pdf", params=period)).status_code == 422


async def test_station_planning_page(api: Api, db: asyncpg.Connection[Any]) -> None:
    admin = await api.admin()
    await api.station(admin, lat=31.151, lon=121.117, name="夏阳驿站")
    for lat, lon in ((31.151, 121.118), (31.20, 121.20), (31.20, 121.201)):
        _, token = await api.worker()
        r = await api.client.put(f"{API}/workers/me/home-area", headers=bearer(token), json={"lat": lat, "lon": lon})
        assert r.status_code == 200, r.text
    c = api.client
    csrf = await sign_in(c, ADMIN["phone"], ADMIN["password"])
    page = await c.get("/admin/planning")
    assert page.status_code == 200 and 'value="1500"' in page.text
    bad = await c.post("/admin/planning", data={"_csrf_token": csrf, "k": "1", "radius_m": "1500",
                                                  "candidates": "id,lat,lon\nA,31.2"})
    assert bad.status_code == 422 and "第 2 行应为 id,纬度,经度" in bad.text
    r = await c.post("/admin/planning", data={"_csrf_token": csrf, "k": "1", "radius_m": "1500",
                                               "candidates": "id,lat,lon\nFAR,31.5,121.5\nNEAR,31.2,121.2\n"})
    assert r.status_code == 200, r.text
    assert '<dd id="chosen">NEAR</dd>' in r.text and "已证明最优" in r.text
    assert "1/3（33%）" in r.text and "3/3（100%）" in r.text
    assert r.text.count('class="cell cell-added"') == 1 and 'class="cell cell-covered"' in r.text
    assert "<svg" in r.text and "★" in r.text
    assert await db.fetchval("SELECT count(*) FROM audit_log WHERE action = 'planning.stations'") == 1
