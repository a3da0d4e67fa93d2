"""Issue 19, part 2, in a real browser: a person registered at the desk without a phone (the
form, the printed card, found again by the card's number) and the priority-group outcomes
(the board's due list, the person's page with the follow-up form, the office's share met on
time); /takeover on the phone. Every page checked with axe and saved as a screenshot."""

from __future__ import annotations

from datetime import date, timedelta

import httpx
from playwright.sync_api import expect

from gigstation.platform.clock import today
from gigstation.sim.demo import demo_resident_id
from tests.web.conftest import (
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
)
from tests.web.test_office_pages import DESK, _clean, _phone
from tests.web.test_screen_checkin import make_screen
from tests.web.test_worker_pages import check_in


def test_desk_card_and_priority_outcomes(web: Browser, seed: Seed) -> None:
    server = web.server
    local = today("Asia/Shanghai")
    worker = seed.workers[0]
    check_in(server, seed, worker.phone)
    r = httpx.put(f"{server.url}/api/v1/workers/{worker.id}/priority-groups",
                  headers={"Authorization": f"Bearer {api_token(server, seed.operator.phone)}"},
                  json={"groups": [{"group": "zero_employment_family", "evidence_type": "零就业家庭认定",
                                    "evidence_number": "QP-0001",
                                    "evidence_date": (local - timedelta(days=27)).isoformat(),
                                    "expires_on": (local + timedelta(days=180)).isoformat()}]})
    assert r.status_code == 200, r.text

    page = web.page(1366, viewport=DESK)
    sign_in(page, seed.operator.phone)
    # The desk registers a person with ID only and prints the card.
    page.goto(f"/operator/stations/{seed.station_id}/desk")
    page.get_by_role("link", name="没有手机？为本人登记并打印服务卡").click()
    page.get_by_label("姓名（与证件一致）").fill("刘大爷")
    page.get_by_label("证件号码").fill(demo_resident_id(date(1961, 5, 5), 777))
    page.locator("label.chip", has_text="搬运").click()
    _clean(page, "office2-desk-register-1366")
    page.get_by_role("button", name="登记并打印服务卡").click()
    page.wait_for_url("**/card")
    expect(page.get_by_role("heading", name="刘大爷")).to_be_visible()
    [row] = sql(server, "SELECT card_number FROM workers WHERE registered_by IS NOT NULL")
    expect(page.locator(".card-number")).to_contain_text(row["card_number"][:4])
    _clean(page, "office2-desk-card-1366")
    # The card fits a phone's width too (an operator at an outreach desk may have only a phone).
    small = web.page(360)
    sign_in(small, seed.operator.phone, next_path=page.url.replace(server.url, ""))
    expect(small.get_by_role("heading", name="刘大爷")).to_be_visible()
    assert_no_sideways_scroll(small)
    shot(small, "office2-desk-card-360")
    # Found again by the card's number.
    page.goto(f"/operator/stations/{seed.station_id}/desk")
    page.get_by_label("手机号、服务卡号或证件号").fill(row["card_number"])
    page.get_by_role("button", name="查找").click()
    expect(page.get_by_role("heading", name="刘大爷")).to_be_visible()
    expect(page.locator("#person")).to_contain_text("无手机")
    # Checked in at the desk; with an offer waiting, the wall screen calls the card's number.
    page.get_by_role("button", name="代为签到").click()
    expect(page.get_by_role("status").get_by_text("已代为签到")).to_be_visible()
    post_order(server, seed, "搬家帮工", headcount=2)
    run = dispatch(server, seed)
    person_id = str(sql(server, "SELECT user_id FROM workers WHERE registered_by IS NOT NULL")[0]["user_id"])
    assert person_id in {o["worker_id"] for o in run["offers"]}, run
    screen, _ = make_screen(web, seed)
    expect(screen.locator(".desk-calls")).to_contain_text(row["card_number"][-4:])
    expect(screen.locator("body")).not_to_contain_text("刘大爷")
    assert axe_violations(screen) == []
    shot(screen, "office2-screen-desk-call-1366")

    # The board: who reaches their deadline this week without work.
    page.goto(f"/operator/stations/{seed.station_id}")
    due = page.locator("#priority-due")
    expect(due).to_contain_text("1 人")
    _clean(page, "office2-board-due-1366")
    due.get_by_role("link", name=worker.name).click()
    expect(page.get_by_role("heading", name="按期就业情况")).to_be_visible()
    page.locator("label.chip", has_text="电话回访").click()
    page.get_by_label("结果").fill("已电话联系，明天来驿站")
    page.get_by_role("button", name="保存回访记录").click()
    expect(page.get_by_role("status")).to_contain_text("回访已记录")
    expect(page.locator("#follow-ups-section")).to_contain_text("已电话联系，明天来驿站")
    _clean(page, "office2-priority-person-1366")

    # The office's performance page carries the share met on time.
    admin = web.page(1366, viewport=DESK)
    sign_in(admin, seed.admin.phone)
    admin.goto(f"/admin/performance?date_from={local - timedelta(days=30)}&date_to={local + timedelta(days=30)}")
    expect(admin.get_by_role("heading", name="重点群体按期就业")).to_be_visible()
    _clean(admin, "office2-admin-outcomes-1366")

    # The takeover page on a phone.
    phone = _phone(web)
    phone.goto("/takeover")
    expect(phone.get_by_role("heading", name="领取账号：用自己的手机登录")).to_be_visible()
    _clean(phone, "office2-takeover-360")
