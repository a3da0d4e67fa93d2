"""The office's follow-through in a real browser: the published wage figures and blacklist
(no sign-in), the checkout survey on the phone (360x740) and at the desk (1366x768),
courses and notices for workers, operators, the office and the wall screen, training
wishes, the employer's rating of the station, and the satisfaction figures. Every page is
checked with axe (no serious or critical violation) and saved as a screenshot."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import UUID

import httpx
import pytest
from playwright.sync_api import expect

from gigstation.platform.clock import today
from tests.web.conftest import (
    Browser,
    LiveServer,
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
from tests.web.test_screen_checkin import make_screen
from tests.web.test_worker_pages import _api, check_in

PHONE = {"width": 360, "height": 740}
DESK = {"width": 1366, "height": 768}


def _clean(page: Any, name: str) -> None:
    if page.viewport_size["width"] < 600:
        assert_no_sideways_scroll(page)
    assert axe_violations(page) == [], page.url
    shot(page, name)


def _phone(web: Browser) -> Any:
    return web.page(360, viewport=PHONE)


def _desk(web: Browser) -> Any:
    return web.page(1366, viewport=DESK)


def _publish(server: LiveServer, token: str, body: dict[str, Any]) -> dict[str, Any]:
    r = httpx.post(f"{server.url}/api/v1/notices", json=body, headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 201, r.text
    return dict(r.json())


def _course_and_policy(server: LiveServer, seed: Seed) -> None:
    day = today("Asia/Shanghai")
    _publish(server, api_token(server, seed.operator.phone), {
        "kind": "course", "title": "叉车操作培训班", "body": "免费，结业可考特种设备作业证。",
        "starts_on": (day + timedelta(days=5)).isoformat(), "ends_on": (day + timedelta(days=9)).isoformat(),
        "place": "赵巷镇社区学校", "seats": 20, "skill": "forklift", "station_id": str(seed.station_id)})
    _publish(server, api_token(server, seed.admin.phone), {
        "kind": "policy", "title": "灵活就业社保补贴开始申领", "body": "到驿站窗口带身份证申请。",
        "starts_on": day.isoformat(), "ends_on": (day + timedelta(days=30)).isoformat()})


@pytest.mark.parametrize("width", [360, 1366])
def test_wages_and_blacklist_are_published_without_sign_in(web: Browser, seed: Seed, width: int) -> None:
    server = web.server
    admin = {"Authorization": f"Bearer {api_token(server, seed.admin.phone)}"}
    day = today("Asia/Shanghai")
    r = httpx.post(f"{server.url}/api/v1/wages/guidance/entries", headers=admin, json={
        "skill": "moving", "pay_unit": "hour", "low_fen": 2800, "median_fen": 3200, "high_fen": 4000,
        "effective_from": (day - timedelta(days=10)).isoformat(), "source": "青浦区工资指导价位（测试）"})
    assert r.status_code == 201, r.text
    worker = seed.workers[0]
    r = httpx.post(f"{server.url}/api/v1/blacklist", headers=admin, json={
        "employer_id": str(seed.employer.id), "reason": f"拖欠{worker.name}等人工资，逾期未支付",
        "evidence": "监察指令书"})
    assert r.status_code == 201, r.text
    page = web.page(width, viewport=PHONE if width < 600 else DESK)
    page.goto("/")
    page.get_by_role("link", name="工资指导价和最低工资").click()
    page.wait_for_url("**/public/wages")
    expect(page.get_by_role("heading", name="上海市")).to_be_visible()
    expect(page.locator(".guidance-list li", has_text="搬运")).to_contain_text("中位 ¥32/小时")
    _clean(page, f"office-public-wages-{width}")
    page.get_by_role("link", name="欠薪失信名单").first.click()
    page.wait_for_url("**/public/blacklist")
    expect(page.get_by_role("heading", name=seed.employer.name)).to_be_visible()
    text = page.inner_text("main")
    assert worker.name not in text and "监察指令书" not in text
    _clean(page, f"office-public-blacklist-{width}")


def test_worker_sees_notices_below_the_offer_signs_up_and_answers_the_survey(web: Browser, seed: Seed) -> None:
    server = web.server
    _course_and_policy(server, seed)
    post_order(server, seed, "仓库装卸", headcount=1)
    check_in(server, seed, seed.workers[0].phone)
    check_in(server, seed, seed.workers[1].phone)
    dispatch(server, seed)
    page = _phone(web)
    who = next(w for w in seed.workers
               if sql(server, "SELECT 1 FROM offers WHERE worker_id = $1 AND status = 'offered'", w.id))
    sign_in(page, who.phone)
    page.goto("/worker")
    expect(page.locator("article.offer")).to_have_count(1)
    notices = page.get_by_role("heading", name="培训和政策")
    expect(notices).to_be_visible()
    top = page.evaluate("""() => {
        const box = (el) => el.getBoundingClientRect();
        const card = box(document.querySelector('article.offer'));
        return {card: card.top, cardBottom: card.bottom, notices: box(document.getElementById('notices-h')).top};
    }""")
    # The offer card starts in the first screen; the notices come after it.
    assert top["card"] + 120 < PHONE["height"] and top["notices"] > top["cardBottom"], top
    shot(page, "office-worker-offer-and-notices-360", full_page=False)
    _clean(page, "office-worker-home-notices-360")

    # The other worker waits without an offer: signs up for the course in one tap, then leaves.
    other = next(w for w in seed.workers if w is not who)
    page = _phone(web)
    sign_in(page, other.phone)
    page.goto("/worker")
    page.get_by_role("button", name="我想参加").click()
    page.wait_for_url("**/worker#notice-*")
    expect(page.get_by_text("您已登记想参加")).to_be_visible()
    expect(page.get_by_text("已有 1 人想参加")).to_be_visible()
    page.get_by_role("button", name="我要走了（签退）").click()
    page.wait_for_url("**/worker/survey/*")
    expect(page.get_by_role("heading", name="1. 今天的服务满意吗？")).to_be_visible()
    _clean(page, "office-worker-survey-360")
    page.get_by_role("button", name="4 满意").click()
    page.wait_for_url("**/worker/survey/*")
    expect(page.get_by_text("✔ 4 · 满意")).to_be_visible()
    page.get_by_role("button", name="活太远").click()
    expect(page.get_by_role("heading", name="谢谢您的回答")).to_be_visible()
    _clean(page, "office-worker-survey-done-360")
    rows = sql(server, "SELECT satisfaction, reason FROM checkout_surveys WHERE worker_id = $1", other.id)
    assert [(r["satisfaction"], r["reason"]) for r in rows] == [(4, "too_far")]

    # All notices with their text, and the training wanted, one tap each.
    page.goto("/worker/notices")
    expect(page.get_by_text("到驿站窗口带身份证申请。")).to_be_visible()
    page.get_by_role("link", name="选择想学的技能").click()
    page.get_by_role("button", name="焊工").click()
    page.wait_for_url("**/worker/training#skill-welding")
    expect(page.get_by_role("button", name="✔ 焊工")).to_have_attribute("aria-pressed", "true")
    _clean(page, "office-worker-training-360")


def test_desk_survey_notices_figures_and_the_employers_rating(web: Browser, seed: Seed) -> None:
    server = web.server
    _course_and_policy(server, seed)
    worker = seed.workers[0]
    check_in(server, seed, worker.phone)
    _api(server, api_token(server, worker.phone), f"/notices/{_course_id(server)}/interest")
    _api(server, api_token(server, seed.workers[1].phone), f"/notices/{_course_id(server)}/interest")
    # A person at the desk leaves without work: the operator asks and taps the answers.
    page = _desk(web)
    sign_in(page, seed.operator.phone)
    page.goto(f"/operator/stations/{seed.station_id}/desk?q={worker.phone}")
    page.get_by_role("button", name="代为签退").click()
    page.wait_for_url("**/desk/survey/*")
    expect(page.get_by_role("status")).to_contain_text(worker.name)
    _clean(page, "office-desk-survey-1366")
    page.get_by_role("button", name="2 不满意").click()
    page.get_by_role("button", name="没有适合我的活").click()
    expect(page.get_by_text("✔ 没有适合我的活")).to_be_visible()
    page.get_by_role("link", name="回到窗口办理").click()
    page.wait_for_url("**/desk?worker=*")
    expect(page.get_by_role("heading", name=worker.name)).to_be_visible()
    by = sql(server, "SELECT satisfaction_by FROM checkout_surveys")
    assert [r["satisfaction_by"] for r in by] == [seed.operator.id]

    # The operator publishes a policy notice from the page; the course shows its demand.
    page.goto(f"/operator/stations/{seed.station_id}/notices")
    row = page.locator("#notices tr", has_text="叉车操作培训班")
    expect(row.get_by_role("cell", name="2 / 20")).to_be_visible()
    page.locator("label.chip", has_text="政策通知").click()
    page.get_by_label("标题").fill("夏季高温津贴提醒")
    page.get_by_label("内容").fill("6月至9月露天作业，用工单位应发高温津贴。")
    page.get_by_role("button", name="发布").click()
    page.wait_for_url("**/notices?done=published")
    expect(page.locator("#notices tr", has_text="夏季高温津贴提醒")).to_contain_text("政策")
    _clean(page, "office-operator-notices-1366")
    # A form error names the field at the top.
    page.get_by_label("标题").fill("没有名额的培训")
    page.get_by_label("内容").fill("说明")
    page.get_by_role("button", name="发布").click()
    expect(page.locator(".error-summary")).to_contain_text("培训班须填写名额")

    # Today's figures: satisfaction with the number of answers, and the training wanted.
    page.goto(f"/operator/stations/{seed.station_id}/figures")
    expect(page.get_by_role("heading", name="满意度（近 30 天）")).to_be_visible()
    expect(page.locator("#no-work-reasons tr", has_text="没有适合我的活")).to_contain_text("1")
    expect(page.locator("#training-demand tr", has_text="叉车司机")).to_be_visible()
    _clean(page, "office-operator-figures-1366")

    # The wall screen shows the station's and the district's notices.
    screen, _ = make_screen(web, seed)
    expect(screen.get_by_text("【培训】叉车操作培训班")).to_be_visible()
    expect(screen.get_by_text("【政策】灵活就业社保补贴开始申领")).to_be_visible()
    _clean(screen, "office-screen-notices-1366")

    # The employer rates the station once the work is over.
    order = post_order(server, seed, "搬家", headcount=1)
    sql(server, "UPDATE orders SET starts_at = now() - interval '6 hours', ends_at = now() - interval '1 hour' "
        "WHERE id = $1", UUID(order["id"]))
    employer = _desk(web)
    sign_in(employer, seed.employer.phone)
    employer.goto(f"/employer/orders/{order['id']}")
    employer.get_by_role("button", name="驿站服务 4/5").click()
    employer.wait_for_url("**done=station_rated*")
    expect(employer.get_by_text("您的评价：★★★★ (4/5)")).to_be_visible()
    _clean(employer, "office-employer-rates-station-1366")

    # The office: notices with demand and training wanted across the district; performance.
    admin = _desk(web)
    sign_in(admin, seed.admin.phone)
    admin.goto("/admin/notices")
    expect(admin.locator("#training-demand tr", has_text="叉车司机")).to_be_visible()
    _clean(admin, "office-admin-notices-1366")
    admin.goto("/admin/performance")
    voices = admin.locator("#voices tr.total")
    expect(voices).to_contain_text("没有适合我的活 (1)")
    expect(voices).to_contain_text("4.0 (1)")  # the employer's rating
    _clean(admin, "office-admin-performance-1366")


def _course_id(server: LiveServer) -> str:
    return str(sql(server, "SELECT id FROM notices WHERE kind = 'course'")[0]["id"])
