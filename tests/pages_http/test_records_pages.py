"""The records findings where they show on a page (issue findings 2, 3, 5, 7, 8, 11): the
worker's jobs page, the employer's order form, scan and order pages, the printable agreement.
Each test's first failing line on the code before this change is named in its docstring."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import asyncpg

from tests.api.conftest import API, Api, bearer
from tests.api.records import Travel, code_of, scan, schedule, travel
from tests.api.test_assignments import shift_into_past, staffed
from tests.pages_http.forms import CSRF, sign_in

__all__ = ["travel"]  # the fixture, used by name


async def test_the_worker_confirms_or_contests_hours_on_the_jobs_page(
    api: Api, db: asyncpg.Connection[Any], travel: Travel
) -> None:
    """Finding 2 on the page. Before: the jobs page had no hours to check (the first ``assert``
    after the departure), so 0.5 scanned hours went unseen."""
    job = await staffed(api, workers=2)
    await schedule(db, job.order["id"], timedelta(minutes=10))
    for i in (0, 1):
        _, token = job.workers[i]
        aid = job.assignments[i]["id"]
        code = await code_of(api, token, aid)
        assert (await scan(api, job.employer_token, aid, "arrival", code["code"])).status_code == 200
    travel(timedelta(minutes=31))
    for i in (0, 1):
        _, token = job.workers[i]
        aid = job.assignments[i]["id"]
        code = await code_of(api, token, aid)
        assert (await scan(api, job.employer_token, aid, "departure", code["code"])).status_code == 200
    (w0, _), (w1, _) = job.workers
    a0, a1 = (a["id"] for a in job.assignments)
    csrf = await sign_in(api.client, w0["phone"], "worker-pass")
    home = await api.client.get("/worker")
    assert "核对工时" in home.text
    page = await api.client.get("/worker/jobs")
    assert "请核对老板登记的工时" in page.text and "对，工时没错" in page.text
    assert f'action="/worker/jobs/{a0}/hours/contest"' in page.text
    # The planned pay stands until the worker answers: 4 hours at ¥30.
    assert "¥120" in page.text
    r = await api.client.post(f"/worker/jobs/{a0}/hours/contest",
                              data={"_csrf_token": csrf, "reason": "我干到了下午"}, follow_redirects=False)
    assert r.status_code == 303
    page = await api.client.get(r.headers["location"])
    assert "驿站工作人员会核实" in page.text and "工时有异议，驿站核实中" in page.text
    # The station sees the contest and settles it on its complaints page.
    op_phone = await db.fetchval("SELECT u.phone FROM users u JOIN operator_stations s ON s.operator_id = u.id "
                                 "WHERE s.station_id = $1", uuid.UUID(job.station["id"]))
    op_csrf = await sign_in(api.client, op_phone, "operator-pass")
    listing = await api.client.get(f"/operator/stations/{job.station['id']}/complaints")
    assert "工时异议" in listing.text and "我干到了下午" in listing.text and "按约定时间" in listing.text
    r = await api.client.post(f"/operator/stations/{job.station['id']}/complaints/{a0}/resolve",
                              data={"_csrf_token": op_csrf, "hours": "planned", "note": "核实"},
                              follow_redirects=False)
    assert r.status_code == 303, r.text
    assert await db.fetchval("SELECT hours_state FROM assignments WHERE id = $1", uuid.UUID(a0)) == "resolved"
    # The other worker confirms with one tap.
    csrf = await sign_in(api.client, w1["phone"], "worker-pass")
    r = await api.client.post(f"/worker/jobs/{a1}/hours/confirm", data={"_csrf_token": csrf},
                              follow_redirects=False)
    assert r.status_code == 303
    page = await api.client.get(r.headers["location"])
    assert "已确认工时" in page.text and "工时已确认" in page.text


async def test_the_employer_pages_refuse_early_scans_and_long_orders(
    api: Api, db: asyncpg.Connection[Any]
) -> None:
    """Findings 3 and 5 on the pages. Before: the scan page recorded an arrival two hours
    before the start (303, the first ``assert``), and the order form took a 9-hour order."""
    job = await staffed(api, workers=1)
    (_, token), aid, oid = job.workers[0], job.assignments[0]["id"], job.order["id"]
    csrf = await sign_in(api.client, job.employer["phone"], "employer-pass")
    shown = await code_of(api, token, aid)
    early = await api.client.post(f"/employer/orders/{oid}/crew/{aid}/arrival",
                                  data={"_csrf_token": csrf, "code": shown["code"] or "AAAA-AAAA"},
                                  follow_redirects=False)
    assert early.status_code == 422 and "开工前30分钟内才能登记到岗" in early.text
    scan_page = await api.client.get(f"/employer/scan/{aid}?code=ABCD-EFGH")
    assert "开工前30分钟内可以登记到岗" in scan_page.text and "由工人确认" in scan_page.text
    form = await api.client.get("/employer/orders/new")
    assert "最长8小时" in form.text
    long = await api.client.post("/employer/orders", data={
        "_csrf_token": csrf, "title": "通宵装卸", "skill": "loading", "headcount": "1", "day": "tomorrow",
        "starts": "08:00", "ends": "17:00", "station": job.station["id"], "address": "夏阳街道某仓库",
        "pay": "30", "pay_unit": "hour"})
    assert long.status_code == 422 and "单次用工最长8小时" in long.text
    assert await db.fetchval("SELECT count(*) FROM orders") == 1


async def test_finished_work_stays_on_the_pages_after_cancel_and_blacklist(
    api: Api, db: asyncpg.Connection[Any]
) -> None:
    """Findings 7 and 8 on the pages. Before: the employer's cancel went through (303, the first
    ``assert``) and, after the listing, the worker's jobs page said 未上工 with no complaint button."""
    job = await staffed(api, workers=1)
    (worker, _), oid = job.workers[0], job.order["id"]
    await shift_into_past(db, oid, 20 * 24)
    csrf = await sign_in(api.client, job.employer["phone"], "employer-pass")
    r = await api.client.post(f"/employer/orders/{oid}/cancel", data={"_csrf_token": csrf}, follow_redirects=False)
    assert r.status_code == 409 and "已开工的工作不能取消" in r.text
    listed = await api.client.post(f"{API}/blacklist", headers=bearer(job.admin), json={
        "employer_id": job.employer["id"], "reason": "拖欠工资", "evidence": "投诉记录"})
    assert listed.status_code == 201, listed.text
    await sign_in(api.client, worker["phone"], "worker-pass")
    page = await api.client.get("/worker/jobs")
    assert "待付" in page.text and "未上工" not in page.text and "没收到工资" in page.text


async def test_the_printable_agreement_shows_the_stored_text(api: Api, db: asyncpg.Connection[Any]) -> None:
    """Finding 11 on the page. Before: /agreements/{id} showed the worker's new name."""
    job = await staffed(api, workers=1)
    (worker, token), aid = job.workers[0], job.assignments[0]["id"]
    sha = (await api.client.get(f"{API}/assignments/{aid}/agreement", headers=bearer(token))).json()["sha256"]
    assert (await api.client.patch(f"{API}/workers/me", headers=bearer(token),
                                   json={"name": "改了名字"})).status_code == 200
    await sign_in(api.client, job.employer["phone"], "employer-pass")
    page = await api.client.get(f"/agreements/{aid}")
    assert page.status_code == 200 and worker["name"] in page.text and "改了名字" not in page.text
    assert sha in page.text and "onclick" not in page.text
    assert CSRF.search(page.text) is None  # a plain document, no forms
