"""The safeguards on the worker's and the administrator's pages in a real browser, at 360 px
and 1366 px: the employer's record on the offer card, the arrival code, the agreement, the
station rating and the block; the admin's wage figures, blacklist, overdue list, performance
and station planning. The ``web`` fixture fails on console errors or requests off the server."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import httpx
import pytest
from playwright.sync_api import expect

from tests.web.conftest import (
    STATION_LAT,
    STATION_LON,
    Browser,
    Seed,
    api_token,
    assert_no_sideways_scroll,
    axe_violations,
    dispatch,
    post_order,
    shot,
    sign_in,
    sql,
    work_started,
)
from tests.web.test_worker_pages import _api, check_in


def _clean(page: Any, width: int, name: str) -> None:
    if width == 360:
        assert_no_sideways_scroll(page)
    assert axe_violations(page) == [], page.url
    shot(page, f"{name}-{width}")


@pytest.mark.parametrize("width", [360, 1366])
def test_worker_sees_record_code_agreement_and_rates(web: Browser, seed: Seed, width: int) -> None:
    server = web.server
    post_order(server, seed, "仓库装卸", headcount=1)
    post_order(server, seed, "搬家帮手", headcount=1)
    w0 = check_in(server, seed, seed.workers[0].phone)
    w1 = check_in(server, seed, seed.workers[1].phone)
    run = dispatch(server, seed)
    offer0 = next(o for o in run["offers"] if o["worker_id"] == str(seed.workers[0].id))
    offer1 = next(o for o in run["offers"] if o["worker_id"] == str(seed.workers[1].id))
    assignment = _api(server, w1, f"/offers/{offer1['id']}/accept")
    # Worker 0 waits with an offer: the employer's record is on the card.
    waiting = web.page(width)
    sign_in(waiting, seed.workers[0].phone)
    waiting.goto("/worker")
    card = waiting.locator("article.offer").first
    assert "完成 0 · 爽约 0 · 纠纷 0" in card.inner_text()
    expect(card.locator(".record")).to_be_visible()
    _clean(waiting, width, "safeguard-worker-offer")
    # Worker 1 has today's job: the arrival code, large, and the agreement; the employer
    # shares a phone number, so the job has a call button.
    shared = httpx.put(f"{server.url}/api/v1/employers/me/phone-sharing", json={"share": True},
                       headers={"Authorization": f"Bearer {api_token(server, seed.employer.phone)}"})
    assert shared.status_code == 200, shared.text
    page = web.page(width)
    sign_in(page, seed.workers[1].phone)
    page.goto("/worker")
    expect(page.get_by_role("link", name=f"打电话给 李经理 {seed.employer.phone}")).to_be_visible()
    code = page.locator(".code-big")
    expect(code).to_be_visible()
    short = code.inner_text().strip()
    assert len(short) == 9 and short[4] == "-"
    box = code.bounding_box()
    assert box is not None and box["height"] >= 36  # large enough to read at arm's length
    _clean(page, width, "safeguard-worker-code")
    page.get_by_role("link", name="用工协议").first.click()
    page.wait_for_url(f"**/agreements/{assignment['id']}")
    assert "非全日制用工协议" in page.content()
    _clean(page, width, "safeguard-agreement")
    # The employer types the short code at the site; the order page shows the arrival.
    employer = web.page(width)
    sign_in(employer, seed.employer.phone)
    employer.goto(f"/employer/orders/{assignment['order_id']}")
    employer.locator("form.code-form input[name=code]").fill(short.lower())
    employer.locator("form.code-form button").click()
    employer.wait_for_url("**done=arrival")
    expect(employer.get_by_role("status").get_by_text("已登记到岗")).to_be_visible()
    _clean(employer, width, "safeguard-employer-crew")
    # At the end of the day the employer's camera reads the worker's QR code: the page it
    # opens names the worker, has the code filled in, and records departure in one tap. A
    # departure needs 30 minutes on site, so worker 0's arrival is set an hour back in the
    # ledger (an insert: the ledger refuses changes), and their phone shows the departure code.
    other = _api(server, w0, f"/offers/{offer0['id']}/accept")
    employer_id = sql(server, "SELECT employer_id FROM orders WHERE id = $1", UUID(other["order_id"]))[0][0]
    sql(server, "UPDATE assignments SET starts_at = now() - interval '2 hours' WHERE id = $1", UUID(other["id"]))
    sql(server, "INSERT INTO hours_events (assignment_id, kind, at, arrived_at, proof, recorded_by) "
        "VALUES ($1, 'arrival', now() - interval '1 hour', now() - interval '1 hour', 'phone_code', $2)",
        UUID(other["id"]), employer_id)
    phone = web.page(width)
    sign_in(phone, seed.workers[0].phone)
    phone.goto("/worker")
    expect(phone.get_by_role("heading", name="我的离岗码")).to_be_visible()
    leaving = phone.locator(".code-big").inner_text().strip()
    _clean(phone, width, "safeguard-worker-departure-code")
    employer.goto(f"/employer/scan/{other['id']}?code={leaving}")
    expect(employer.get_by_role("heading", name="登记离岗")).to_be_visible()
    assert employer.locator("input[name=code]").input_value() == leaving
    _clean(employer, width, "safeguard-employer-scan")
    employer.get_by_role("button", name="确认离岗").click()
    employer.wait_for_url("**done=departure")
    expect(employer.get_by_role("status").get_by_text("已登记离岗")).to_be_visible()
    # The worker checks the recorded hours on the jobs page: confirm, or ask the station.
    phone.goto("/worker/jobs")
    expect(phone.get_by_text("请核对老板登记的工时")).to_be_visible()
    _clean(phone, width, "safeguard-worker-hours-check")
    phone.get_by_role("button", name="对，工时没错").click()
    phone.wait_for_url("**done=hours_confirmed")
    expect(phone.get_by_role("status").get_by_text("已确认工时")).to_be_visible()
    # After the job: a one-tap rating of the station, and "no more work from this employer".
    token = api_token(server, seed.employer.phone)
    work_started(server, assignment["order_id"])
    _api(server, token, f"/assignments/{assignment['id']}/complete", {"hours": 4})
    page.goto("/worker/jobs")
    page.get_by_role("button", name="驿站服务 5/5").click()
    page.wait_for_url("**done=station_rated")
    expect(page.get_by_role("status").get_by_text("谢谢您对驿站服务的评价")).to_be_visible()
    page.get_by_role("button", name="不再接这家的活").click()
    page.wait_for_url("**done=blocked")
    expect(page.get_by_role("button", name="恢复接这家的活")).to_be_visible()
    _clean(page, width, "safeguard-worker-jobs")


@pytest.mark.parametrize("width", [360, 1366])
def test_admin_safeguard_pages(web: Browser, seed: Seed, width: int) -> None:
    # The two workers live near the station and near candidate N1 (~500 m home cells).
    for worker, (lat, lon) in zip(seed.workers, [(STATION_LAT, STATION_LON), (31.205, 121.20)], strict=True):
        r = httpx.put(f"{web.server.url}/api/v1/workers/me/home-area", json={"lat": lat, "lon": lon},
                      headers={"Authorization": f"Bearer {api_token(web.server, worker.phone)}"})
        assert r.status_code == 200, r.text
    page = web.page(width)
    sign_in(page, seed.admin.phone)
    page.wait_for_url("**/admin")
    for path, name in [("/admin/wages", "wages"), ("/admin/overdue", "overdue"),
                       ("/admin/blacklist", "blacklist"), ("/admin/performance", "performance"),
                       ("/admin/planning", "planning")]:
        page.goto(path)
        _clean(page, width, f"safeguard-admin-{name}")
    # Station planning: two candidates, one chosen, drawn on the district picture.
    page.get_by_label("候选点（每行：id,纬度,经度）").fill("id,lat,lon\nN1,31.20,121.20\nN2,31.30,121.40")
    page.get_by_role("button", name="计算选址").click()
    page.wait_for_load_state("domcontentloaded")
    expect(page.locator("#plan svg")).to_be_visible()
    assert page.locator("#chosen").inner_text() == "N1"
    assert page.locator("#after").inner_text().startswith("2/2")
    assert page.locator("circle.cell-added").count() == 1
    _clean(page, width, "safeguard-admin-plan-result")
    # A guidance entry through the form.
    page.goto("/admin/wages")
    page.get_by_label("低位（元）").fill("30")
    page.get_by_label("中位（元）").fill("35")
    page.get_by_label("高位（元）").fill("45")
    page.locator("#f-g_from").fill("2026-01-01")
    page.get_by_role("button", name="保存指导价").click()
    page.wait_for_url("**done=guidance")
    expect(page.get_by_role("status").get_by_text("市场指导价已保存")).to_be_visible()


def test_order_form_switches_guidance_with_the_job_type(web: Browser, seed: Seed) -> None:
    admin = api_token(web.server, seed.admin.phone)
    r = httpx.post(f"{web.server.url}/api/v1/wages/guidance/entries", headers={"Authorization": f"Bearer {admin}"},
                   json={"skill": "moving", "pay_unit": "hour", "low_fen": 3200, "median_fen": 3800,
                         "high_fen": 5000, "effective_from": "2024-01-01", "source": "市场调查"})
    assert r.status_code == 201, r.text
    page = web.page(360)
    sign_in(page, seed.employer.phone)
    page.goto("/employer/orders/new")
    guidance = page.locator("#guidance")
    assert "暂无市场指导价" in guidance.inner_text()  # loading: no guidance yet
    page.get_by_label("工种").select_option("moving")
    assert "低位 ¥32 · 中位 ¥38 · 高位 ¥50" in guidance.inner_text()
    _clean(page, 360, "safeguard-employer-guidance")
