"""Issue 16, item 8 (the small things a trial saw): the 5★ buttons stay on one line; an order
with nobody yet reads 已接单 0/3, not 已满; the candidate list shows the offers that are out
instead of nothing; pins and forbids show on the rows; verify buttons read as actions; times
after midnight say 明天 on the wall screen, the board and the desk; the admin chart's labels
do not overlap. (Confirmations of final taps, 确认完工 only after the start and no 取消 after
the work: test_worker_pages.py and test_arrivals_count.py.)"""

from __future__ import annotations

import itertools
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from playwright.sync_api import expect

from tests.web.conftest import (
    STATION_LAT,
    STATION_LON,
    Browser,
    Seed,
    api_token,
    axe_violations,
    dispatch,
    post_order,
    shot,
    sign_in,
    sql,
)
from tests.web.test_worker_pages import check_in, worker_with_a_paid_job

SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_the_five_star_buttons_stay_on_one_line(web: Browser, seed: Seed) -> None:
    worker_with_a_paid_job(web.server, seed)
    page = web.page(360)
    sign_in(page, seed.workers[1].phone, next_path="/worker/jobs")
    stars = page.locator("li.card").first.locator(".stars").first.get_by_role("button")
    expect(stars).to_have_count(5)
    heights = {round(b["height"]) for b in (stars.nth(i).bounding_box() for i in range(5)) if b}
    assert max(heights) <= 56, heights  # one line each (min-height 52 px), "5★" not broken in two
    tops = {round(b["y"]) for b in (stars.nth(i).bounding_box() for i in range(5)) if b}
    assert len(tops) == 1, tops  # and all five in one row
    shot(page, "issue16-stars-360", full_page=False)


def _order_after_midnight(web: Browser, seed: Seed) -> dict[str, Any]:
    tomorrow = datetime.now(SHANGHAI).date() + timedelta(days=1)
    start = datetime.combine(tomorrow, time(1, 0), SHANGHAI)
    token = api_token(web.server, seed.employer.phone)
    r = httpx.post(f"{web.server.url}/api/v1/orders", headers={"Authorization": f"Bearer {token}"}, json={
        "title": "夜班理货", "skill": "moving", "headcount": 3, "starts_at": start.isoformat(),
        "ends_at": (start + timedelta(hours=4)).isoformat(), "lat": STATION_LAT + 0.01,
        "lon": STATION_LON + 0.01, "address": "赵巷镇物流园", "pay_cents": 3500, "pay_unit": "hour"})
    assert r.status_code == 201, r.text
    return dict(r.json())


def test_staff_pages_say_when_and_show_state(web: Browser, seed: Seed) -> None:
    night = _order_after_midnight(web, seed)
    placed = post_order(web.server, seed, "仓库装卸", headcount=1)
    check_in(web.server, seed, seed.workers[0].phone)
    page = web.page(1366)
    sign_in(page, seed.operator.phone)

    # An order with nobody yet: 已接单 0/3 (it read 已满 0/3).
    page.goto(f"/operator/stations/{seed.station_id}/orders/{night['id']}")
    expect(page.get_by_text("已接单 0/3")).to_be_visible()
    expect(page.get_by_text("已满")).to_have_count(0)

    # Offers out: the candidate list says who has them instead of showing nothing.
    dispatch(web.server, seed)
    page.goto(f"/operator/stations/{seed.station_id}/orders/{placed['id']}")
    expect(page.get_by_role("heading", name="邀约已发出，等回复")).to_be_visible()
    expect(page.get_by_text(seed.workers[0].name)).to_be_visible()
    expect(page.get_by_text("空位都已发出邀约")).to_be_visible()
    assert axe_violations(page) == []
    shot(page, "issue16-order-offers-out-1366", full_page=False)

    # A pin shows on its row, with the way to take it back.
    check_in(web.server, seed, seed.workers[1].phone)
    page.goto(f"/operator/stations/{seed.station_id}/orders/{night['id']}")
    row = page.locator("tr", has_text=seed.workers[1].name)
    row.get_by_role("button", name=f"指定 {seed.workers[1].name}").click()
    row = page.locator("tr", has_text=seed.workers[1].name)
    expect(row.get_by_text("已指定")).to_be_visible()
    expect(row.get_by_role("button", name=f"取消指定 {seed.workers[1].name}")).to_be_visible()
    expect(row.get_by_role("button", name=f"禁止 {seed.workers[1].name}")).to_have_count(0)
    shot(page, "issue16-order-pinned-1366", full_page=False)

    # The board: work past midnight and availability into tomorrow say 明天.
    page.goto(f"/operator/stations/{seed.station_id}")
    expect(page.locator("#live").get_by_text("明天 01:00–05:00")).to_be_visible()
    assert axe_violations(page) == []
    shot(page, "issue16-board-tomorrow-1366", full_page=False)


def test_the_wall_screen_says_tomorrow(web: Browser, seed: Seed) -> None:
    from tests.web.test_screen_checkin import make_screen

    _order_after_midnight(web, seed)
    screen, _ = make_screen(web, seed)
    expect(screen.get_by_role("cell", name="明天 01:00–05:00")).to_be_visible()
    shot(screen, "issue16-screen-tomorrow-1366", full_page=False)


def test_admin_chart_labels_do_not_overlap(web: Browser, seed: Seed) -> None:
    towns = ["夏阳街道", "盈浦街道", "香花桥街道", "朱家角镇", "练塘镇", "金泽镇", "徐泾镇", "华新镇",
             "重固镇", "白鹤镇"]
    for i, town in enumerate(towns):
        sql(web.server, "INSERT INTO stations (name, address, lat, lon, service_radius_m, region) "
            "VALUES ($1, $2, $3, 121.1, 500, 'Shanghai')", f"青浦区{town}零工驿站", town, 31.0 + i / 50)
    page = web.page(1366)
    sign_in(page, seed.admin.phone)
    page.wait_for_url("**/admin")
    chart = page.locator("svg").first
    labels = [b for b in (chart.locator(".bar-label").nth(i).bounding_box()
                          for i in range(chart.locator(".bar-label").count())) if b]
    assert len(labels) == len(towns) + 1
    labels.sort(key=lambda b: b["x"])
    for a, b in itertools.pairwise(labels):
        assert a["x"] + a["width"] <= b["x"] + 0.5, (a, b)
    chart.scroll_into_view_if_needed()
    shot(page, "issue16-admin-chart-labels-1366", full_page=False)

