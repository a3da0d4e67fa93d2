"""The rules at the gates where they show on the pages (issue 15, findings 1, 6, 9, 14 and
the report dates): the order form's piece rate and hourly figure, the station form's known
regions, the register page's refusal of a listed person, the blacklist page's attempts,
the crew's minor, and the admin report page at the calendar's ends."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

import asyncpg

from gigstation.platform.clock import now, today
from gigstation.sim.demo import demo_credit_code, demo_resident_id
from tests.api import seed
from tests.api.conftest import ADMIN, API, Api, bearer
from tests.api.test_assignments import dispatch
from tests.api.test_minors import next_window, seventeen_year_old_id, window
from tests.pages_http.forms import CSRF, sign_in


async def test_order_form_piece_rate_and_hourly_figure(api: Api, db: asyncpg.Connection[Any]) -> None:
    admin = await api.admin()
    station = await api.station(admin)
    employer, _ = await api.employer(kind="individual", credit_code=None,
                                     id_number=demo_resident_id(date(1977, 7, 7), 77))
    csrf = await sign_in(api.client, employer["phone"], "employer-pass")
    page = await api.client.get("/employer/orders/new")
    assert page.status_code == 200
    assert 'name="pieces_per_hour"' in page.text and "每小时完成几件" in page.text
    # Tomorrow 09:00-12:00 (always within 36 hours, daylight).
    form = {"_csrf_token": csrf, "title": "计件保洁", "skill": "cleaning", "headcount": "1", "day": "tomorrow",
            "starts": "09:00", "ends": "12:00", "station": station["id"], "address": "夏阳", "pay": "1",
            "pay_unit": "piece"}
    r = await api.client.post("/employer/orders", data={**form, "pieces_per_hour": "10"})
    assert r.status_code == 422, r.text
    assert "折合时薪 10.00 元" in r.text and "25.00" in r.text
    r = await api.client.post("/employer/orders", data=form)  # no pieces an hour at all
    assert r.status_code == 422 and "每小时完成的件数" in r.text, r.text
    r = await api.client.post("/employer/orders", data={**form, "pieces_per_hour": "30"}, follow_redirects=False)
    assert r.status_code == 303, r.text
    assert await db.fetchval("SELECT pieces_per_hour FROM orders") == 30
    # A day rate's refusal shows its hourly figure too: 60 yuan over 3 hours.
    r = await api.client.post("/employer/orders", data={**form, "pay": "60", "pay_unit": "day"})
    assert r.status_code == 422 and "折合时薪 20.00 元" in r.text, r.text


async def test_station_form_chooses_a_known_region(api: Api, db: asyncpg.Connection[Any]) -> None:
    c = api.client
    csrf = await sign_in(c, ADMIN["phone"], ADMIN["password"])
    page = await c.get("/admin/stations/new")
    assert page.status_code == 200
    assert '<select id="f-region" name="region"' in page.text and '<option value="Shanghai"' in page.text
    base = {"_csrf_token": csrf, "name": "赣州驿站", "address": "章贡区", "lat": "25.83", "lon": "114.93",
            "service_radius_m": "800"}
    r = await c.post("/admin/stations", data={**base, "region": "Jiangxi"})
    assert r.status_code == 422 and "没有已知的最低工资标准" in r.text, r.text
    r = await c.post("/admin/stations", data={**base, "region": "__new__", "new_region": "Jiangxi",
                                              "min_hourly": "18", "min_monthly": "1950",
                                              "min_from": str(today("Asia/Shanghai") - timedelta(days=1)),
                                              "min_source": ""})
    assert r.status_code == 422, r.text  # no source
    r = await c.post("/admin/stations", data={**base, "region": "__new__", "new_region": "Jiangxi",
                                              "min_hourly": "18", "min_monthly": "1950",
                                              "min_from": str(today("Asia/Shanghai") - timedelta(days=1)),
                                              "min_source": "赣府发〔2024〕测试号"}, follow_redirects=False)
    assert r.status_code == 303, r.text
    assert await db.fetchval("SELECT hourly_fen FROM minimum_wages WHERE region = 'Jiangxi'") == 1800
    # An old station in a region with no minimum: the employer's form says orders cannot be posted.
    await db.execute("INSERT INTO stations (name, address, lat, lon, service_radius_m, region) "
                     "VALUES ('旧驿站', '某地', 24.0, 113.0, 1000, 'Atlantis')")
    employer, _ = await api.employer()
    await sign_in(c, employer["phone"], "employer-pass")
    form = await c.get("/employer/orders/new")
    assert "暂不能发布：没有最低工资标准" in form.text


async def test_register_page_refuses_a_listed_person_and_the_office_sees_it(
    api: Api, db: asyncpg.Connection[Any]
) -> None:
    admin = await api.admin()
    rep = demo_resident_id(date(1966, 6, 6), 606)
    company, _ = await api.employer(credit_code=demo_credit_code(606), legal_rep_id_number=rep)
    assert (await api.client.post(f"{API}/blacklist", headers=bearer(admin), json={
        "employer_id": company["id"], "reason": "欠薪", "evidence": "认定书"})).status_code == 201
    page = await api.client.get("/employer/register")
    assert "法定代表人身份证号" in page.text
    token = CSRF.search(page.text).group(1)  # type: ignore[union-attr]
    r = await api.client.post("/employer/register", data={
        "_csrf_token": token, "kind": "individual", "name": "钱某", "id_number": rep, "contact_name": "钱某",
        "phone": "13712340000", "password": "employer-pass", "commitment": "yes"})
    assert r.status_code == 403 and "失信名单" in r.text, r.text
    # The administrator sees the attempt on the blacklist page, and what the listing covers.
    await sign_in(api.client, ADMIN["phone"], ADMIN["password"])
    page = await api.client.get("/admin/blacklist")
    assert 'id="blacklist-attempts"' in page.text and "13712340000" in page.text
    assert rep[0] + "*" * 16 + rep[-1] in page.text and demo_credit_code(606) in page.text
    # A company with no representative on record cannot be listed without one.
    old = await seed.employer(db, "13700005555")
    csrf = CSRF.search(page.text).group(1)  # type: ignore[union-attr]
    r = await api.client.post("/admin/blacklist", data={"_csrf_token": csrf, "employer_id": str(old),
                                                        "reason": "欠薪", "evidence": "认定书"})
    assert r.status_code == 422 and "营业执照" in r.text, r.text
    r = await api.client.post("/admin/blacklist", data={
        "_csrf_token": csrf, "employer_id": str(old), "reason": "欠薪", "evidence": "认定书",
        "legal_rep_name": "孙某", "legal_rep_id_number": demo_resident_id(date(1970, 7, 7), 707)},
        follow_redirects=False)
    assert r.status_code == 303, r.text


async def test_crew_page_says_the_worker_is_a_minor(api: Api, db: asyncpg.Connection[Any]) -> None:
    admin = await api.admin()
    station = await api.station(admin)
    _, op = await api.operator(admin, [station["id"]])
    employer, et = await api.employer(kind="individual", credit_code=None,
                                      id_number=demo_resident_id(date(1978, 8, 8), 88))
    _, worker = await api.worker(id_number=seventeen_year_old_id(419), skills=["cleaning"])
    await api.checkin(worker, station["id"], available_until=(now() + timedelta(hours=23, minutes=50)).isoformat())
    order = await api.order(et, skill="cleaning", headcount=1, **window(*next_window((8, 14), 4)))
    [offer] = (await dispatch(api, op, station["id"]))["offers"]
    assert (await api.client.post(f"{API}/offers/{offer['id']}/accept", headers=bearer(worker))).status_code == 200
    await sign_in(api.client, employer["phone"], "employer-pass")
    page = await api.client.get(f"/employer/orders/{order['id']}")
    assert page.status_code == 200 and "未成年工（16–17岁）" in page.text
    aid = await db.fetchval("SELECT id FROM assignments")
    doc = await api.client.get(f"/agreements/{aid}")
    assert doc.status_code == 200 and "未成年工（16–17岁）" in doc.text
    assert isinstance(aid, uuid.UUID)


async def test_admin_report_page_at_the_calendars_ends(api: Api) -> None:
    await sign_in(api.client, ADMIN["phone"], ADMIN["password"])
    for params in ({"date_from": "0001-01-01", "date_to": "0001-01-03"}, {"date_to": "0001-01-01"},
                   {"date_from": "9999-12-30", "date_to": "9999-12-31"}):
        r = await api.client.get("/admin/performance", params=params)
        assert r.status_code in (200, 422), (params, r.status_code)
        for path in ("/admin/performance/download/csv", "/admin/employment/download/xlsx"):
            r = await api.client.get(path, params=params)
            assert r.status_code < 500, (path, params, r.status_code)
