"""The operator's desk in a real browser (journey 3) and every operator page at phone and
desktop widths (journey 5): no console errors, nothing fetched off the server, no sideways
scroll at 360 px, no serious or critical axe violations."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from playwright.sync_api import expect

from gigstation.platform.clock import now
from gigstation.sim.demo import demo_resident_id
from tests.web.conftest import (
    PASSWORD,
    STATION_LAT,
    STATION_LON,
    Browser,
    LiveServer,
    Seed,
    assert_no_sideways_scroll,
    axe_violations,
    shot,
    sign_in,
    sql,
)


def api_token(server: LiveServer, phone: str) -> str:
    r = httpx.post(f"{server.url}/api/v1/auth/login", json={"phone": phone, "password": PASSWORD})
    assert r.status_code == 200, r.text
    return str(r.json()["token"])


def post_order(server: LiveServer, seed: Seed, title: str = "仓库装卸", headcount: int = 2,
               skill: str = "moving") -> dict[str, Any]:
    """The employer posts an order near the station, starting in half an hour (JSON API)."""
    token = api_token(server, seed.employer.phone)
    start = now() + timedelta(minutes=30)
    r = httpx.post(f"{server.url}/api/v1/orders", headers={"Authorization": f"Bearer {token}"}, json={
        "title": title, "skill": skill, "headcount": headcount,
        "starts_at": start.isoformat(), "ends_at": (start + timedelta(hours=3)).isoformat(),
        "lat": STATION_LAT + 0.012, "lon": STATION_LON + 0.01, "address": "赵巷镇沪青平公路3000号仓库",
        "pay_cents": 3000, "pay_unit": "hour"})
    assert r.status_code == 201, r.text
    return dict(r.json())


def phoneless_worker(server: LiveServer) -> tuple[str, str]:
    """A registered worker (registered earlier by an operator, say) whose ID number we know."""
    number = demo_resident_id(date(1966, 8, 8), 4242)
    r = httpx.post(f"{server.url}/api/v1/workers", json={
        "name": "陈阿姨", "phone": "13600004242", "password": PASSWORD, "id_type": "resident_id",
        "id_number": number, "skills": ["moving", "cleaning"]})
    assert r.status_code == 201, r.text
    return str(r.json()["worker"]["id"]), number


def test_operator_checks_in_a_person_without_a_phone_and_accepts_for_her(web: Browser, seed: Seed) -> None:
    server = web.server
    post_order(server, seed, "仓库搬运", headcount=2)
    post_order(server, seed, "管道焊接", headcount=1, skill="welding")
    worker_id, id_number = phoneless_worker(server)
    page = web.page(1366)
    sign_in(page, seed.operator.phone)
    page.wait_for_url(f"**/operator/stations/{seed.station_id}")
    dispatch_button = page.get_by_role("button", name="一键调度")
    expect(dispatch_button).to_be_visible()
    expect(page.get_by_label("窗口办理：手机号、服务卡号或证件号")).to_be_visible()
    expect(page.get_by_role("heading", name="空缺岗位")).to_be_visible()
    shot(page, "operator-board-1366", full_page=False)

    # She has no phone: the operator finds her by her ID card number, at the desk.
    page.get_by_label("窗口办理：手机号、服务卡号或证件号").fill(id_number.lower())
    page.get_by_role("button", name="查找").click()
    page.wait_for_url("**/desk?q=*")
    expect(page.get_by_role("heading", name="陈阿姨")).to_be_visible()
    expect(page.locator("#person .badge", has_text="50岁以上")).to_be_visible()  # born 1966
    page.locator("label.chip", has_text="10 公里").click()
    page.get_by_label("其他时间（例如 16:30）").fill(
        (now() + timedelta(hours=6)).astimezone(ZoneInfo("Asia/Shanghai")).strftime("%H:%M"))
    page.get_by_role("button", name="代为签到").click()
    page.wait_for_url("**/desk?worker=*done=checked_in*")
    expect(page.get_by_role("status").get_by_text("已代为签到")).to_be_visible()
    expect(page.get_by_text("已签到，等待派工")).to_be_visible()

    # Dispatch from the board: the result says who goes where and why a place stayed empty.
    page.get_by_role("link", name="看板").click()
    page.get_by_role("button", name="一键调度").click()
    result = page.locator("#result")
    result.wait_for()
    expect(result.get_by_text("陈阿姨")).to_be_visible()
    expect(result.get_by_text("没有会做焊工的人")).to_be_visible()
    expect(result.get_by_text("没有更多会做搬运的人")).to_be_visible()  # she is on the other place
    shot(page, "operator-dispatch-result-1366")

    # Back at the desk: her offer, accepted for her with one press.
    page.get_by_label("窗口办理：手机号、服务卡号或证件号").fill("13600004242")
    page.get_by_role("button", name="查找").click()
    page.wait_for_url("**/desk?q=13600004242")
    offer = page.locator("article.offer")
    offer.wait_for()
    expect(offer.get_by_text("¥30/小时")).to_be_visible()
    expect(offer.get_by_text("仓库搬运")).to_be_visible()
    assert axe_violations(page) == []
    shot(page, "operator-desk-offer-1366")
    offer.get_by_role("button", name="代为接受").click()
    page.wait_for_url("**done=accepted*")
    expect(page.get_by_role("status").get_by_text("已代为接受")).to_be_visible()
    expect(page.get_by_text("已接下的工作")).to_be_visible()
    expect(page.get_by_text("已有工作，已离开等候队伍。")).to_be_visible()
    expect(page.get_by_role("button", name="代为签到")).not_to_be_visible()  # folded away
    expect(page.get_by_text("赵巷镇沪青平公路3000号仓库").first).to_be_visible()
    shot(page, "operator-desk-accepted-1366")

    # Today's figures have moved: one check-in, one place filled, drawn on the server.
    page.get_by_role("link", name="今日数据").click()
    page.wait_for_url("**/figures")
    expect(page.locator("#c-checkins-h").get_by_text("合计 1")).to_be_visible()
    expect(page.locator("#c-fills-h").get_by_text("合计 1")).to_be_visible()
    expect(page.get_by_text("等候的人 0")).to_be_visible()  # she left the room when she took the job
    shot(page, "operator-figures-after-dispatch-1366")

    rows = sql(server, "SELECT a.status, u.role FROM assignments a JOIN audit_log l ON "
               "l.action = 'offer.accept' AND l.object_id = a.offer_id::text JOIN users u ON u.id = l.actor_id "
               "WHERE a.worker_id = $1::uuid", worker_id)
    assert [(r["status"], r["role"]) for r in rows] == [("active", "operator")]


OPERATOR_PAGES = ["", "/desk", "/figures", "/complaints", "/employers"]


@pytest.mark.parametrize("width", [360, 1366])
def test_operator_pages_are_clean(web: Browser, seed: Seed, width: int) -> None:
    order = post_order(web.server, seed)
    page = web.page(width)
    sign_in(page, seed.operator.phone)
    base = f"/operator/stations/{seed.station_id}"
    for path in [*OPERATOR_PAGES, f"/orders/{order['id']}", f"/desk?q={seed.workers[0].phone}"]:
        page.goto(base + path)
        page.wait_for_load_state("load")
        if width == 360:
            assert_no_sideways_scroll(page)
        assert axe_violations(page) == [], path
        name = path.strip("/").split("?")[0].replace("/", "-").replace(str(order["id"]), "one") or "board"
        if "?q=" in path:
            name = "desk-person"
        shot(page, f"operator-{name}-{width}")
    # Chart code: none is sent anywhere; the charts are SVG in the page itself.
    page.goto(base + "/figures")
    assert page.locator("svg[role=img]").count() >= 4


def test_operator_board_in_english(web: Browser, seed: Seed) -> None:
    post_order(web.server, seed)
    page = web.page(1366, lang="en")
    sign_in(page, seed.operator.phone)
    page.wait_for_url(f"**/operator/stations/{seed.station_id}")
    expect(page.get_by_role("button", name="Dispatch now")).to_be_visible()
    expect(page.get_by_role("heading", name="Open orders")).to_be_visible()
    expect(page.get_by_text("¥30/hour")).to_be_visible()
    assert axe_violations(page) == []
    shot(page, "operator-board-en-1366", full_page=False)
