"""The employer in a real browser: an order below the minimum wage is stopped with the
figure before it is sent, and by the server when the check is bypassed (journey 4); the
employer pages at phone and desktop widths (journey 5)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from gigstation.platform.clock import now
from gigstation.sim.demo import demo_credit_code, demo_resident_id
from tests.web.conftest import (
    STATION_LAT,
    STATION_LON,
    Browser,
    Seed,
    assert_no_sideways_scroll,
    axe_violations,
    shot,
    sign_in,
    sql,
)


def fill_order(page: Any, pay: str, unit: str = "每小时") -> None:
    page.get_by_label("工作名称").fill("仓库搬运")
    page.get_by_label("工种").select_option("moving")
    page.get_by_label("需要几人").fill("2")
    page.locator("label.chip", has_text="明天").click()
    page.get_by_label("开始时间").fill("09:00")
    page.get_by_label("结束时间").fill("13:00")
    page.get_by_label("详细地址").fill("赵巷镇沪青平公路3000号")
    page.get_by_label("报酬（元）").fill(pay)
    page.locator("fieldset#f-pay_unit label.chip", has_text=unit).click()


def test_order_below_the_minimum_wage_is_stopped_with_the_figure(web: Browser, seed: Seed) -> None:
    page = web.page(360)
    sign_in(page, seed.employer.phone)
    page.wait_for_url("**/employer")
    page.get_by_role("link", name="发布用工").click()
    page.wait_for_url("**/employer/orders/new")
    expect(page.get_by_text("当地最低工资")).to_be_visible()
    expect(page.get_by_text("上海市 ¥25/小时")).to_be_visible()
    fill_order(page, "20")
    page.get_by_role("button", name="发布用工").click()
    # Stopped in the page, before anything is sent: the summary names the figure.
    summary = page.locator(".error-summary")
    expect(summary.get_by_text("折合时薪 20.00 元，低于上海市最低工资标准 25.00 元/小时")).to_be_visible()
    assert page.url.endswith("/employer/orders/new")
    assert sql(web.server, "SELECT count(*) AS n FROM orders")[0]["n"] == 0
    assert axe_violations(page) == []
    shot(page, "employer-order-below-minimum-360")

    # A day rate spread over four hours (¥90 / 4 h = ¥22.50/h) is stopped as well.
    fill_order(page, "90", "每天")
    page.get_by_role("button", name="发布用工").click()
    expect(summary.get_by_text("25.00")).to_be_visible()

    # The server is the real rule: with the page's check bypassed it refuses the same order.
    with page.expect_navigation():
        page.evaluate("() => document.getElementById('order-form').submit()")
    assert page.url.endswith("/employer/orders")  # the answer of the POST: the form again, 422
    expect(page.locator(".error-summary a[href='#f-pay']").get_by_text("最低工资标准 25.00 元/小时")).to_be_visible()
    assert sql(web.server, "SELECT count(*) AS n FROM orders")[0]["n"] == 0
    shot(page, "employer-order-refused-by-server-360")

    # At the minimum or above, the order goes up and the page shows who is coming. The
    # employer stands at the site: one tap puts the order where the work is.
    fill_order(page, "32")
    page.context.grant_permissions(["geolocation"])
    page.context.set_geolocation({"latitude": 31.1635, "longitude": 121.1215, "accuracy": 20})
    page.get_by_role("button", name="我就在工作地点：用手机定位").click()
    expect(page.get_by_text("已用手机定位记下工作地点")).to_be_visible()
    shot(page, "employer-order-located-360")
    page.get_by_role("button", name="发布用工").click()
    page.wait_for_url("**/employer/orders/*")
    expect(page.get_by_role("status").get_by_text("已发布")).to_be_visible()
    expect(page.get_by_role("heading", name="谁会来")).to_be_visible()
    placed = sql(web.server, "SELECT pay_cents, lat, lon FROM orders")[0]
    assert (placed["pay_cents"], placed["lat"], placed["lon"]) == (3200, 31.1635, 121.1215)
    shot(page, "employer-order-360")


def test_employer_registers_with_the_commitment_in_full(web: Browser, seed: Seed) -> None:
    page = web.page(360)
    page.goto("/employer/register")
    expect(page.get_by_text("不以任何名义向劳动者收取费用")).to_be_visible()
    assert_no_sideways_scroll(page)
    assert axe_violations(page) == []
    shot(page, "employer-register-360")
    page.get_by_label("单位名称或个人姓名").fill("赵巷搬家服务有限公司")
    page.get_by_label("统一社会信用代码（单位填写）").fill(demo_credit_code(909))
    page.get_by_label("法定代表人姓名（单位填写）").fill("周建华")
    page.get_by_label("法定代表人身份证号（单位填写）").fill(demo_resident_id(date(1972, 2, 2), 909))
    page.get_by_label("联系人").fill("周经理")
    page.get_by_label("手机号（登录用）").fill("13712349090")
    page.get_by_label("密码（至少8位）").fill("employer-pass")
    page.get_by_role("button", name="同意承诺并注册").click()
    page.wait_for_url("**/employer/register")
    page.locator(".error-summary").wait_for()
    expect(page.locator(".error-summary").get_by_text("请阅读承诺书，并勾选“我已阅读并同意”")).to_be_visible()
    # The password is still there: only the box that was wrong needs touching.
    assert page.get_by_label("密码（至少8位）").input_value() == "employer-pass"
    page.get_by_label("我已阅读并同意以上承诺").check()
    page.get_by_role("button", name="同意承诺并注册").click()
    page.wait_for_url("**/employer")
    expect(page.get_by_role("heading", name="赵巷搬家服务有限公司")).to_be_visible()


@pytest.mark.parametrize("width", [360, 1366])
def test_employer_pages_are_clean(web: Browser, seed: Seed, width: int) -> None:
    page = web.page(width)
    sign_in(page, seed.employer.phone)
    page.wait_for_url("**/employer")
    pages = ["/employer", "/employer/orders/new"]
    for path in pages:
        page.goto(path)
        if width == 360:
            assert_no_sideways_scroll(page)
        assert axe_violations(page) == [], path
        shot(page, f"employer{path.replace('/employer', '').replace('/', '-') or '-home'}-{width}")
    # One tap lets the workers of an active job call; one more takes it back.
    page.goto("/employer")
    page.get_by_role("button", name="开启，让当天的工人能打电话给我").click()
    page.wait_for_url("**done=phone_on")
    expect(page.get_by_role("status").get_by_text("已开启：当天的工人能打电话给您")).to_be_visible()
    expect(page.get_by_text(seed.employer.phone)).to_be_visible()
    assert axe_violations(page) == []
    shot(page, f"employer-home-sharing-{width}")
    page.get_by_role("button", name="关闭，不让工人看到电话").click()
    page.wait_for_url("**done=phone_off")
    assert sql(web.server, "SELECT share_phone_with_crew AS s FROM employers")[0]["s"] is False
    page.goto("/employer/orders/new")
    fill_order(page, "35")
    page.get_by_role("button", name="发布用工").click()
    page.wait_for_url("**/employer/orders/*")
    if width == 360:
        assert_no_sideways_scroll(page)
    assert axe_violations(page) == []
    shot(page, f"employer-order-page-{width}")
    # No chart code on the employer's pages.
    scripts = page.evaluate("() => [...document.scripts].map(s => s.src)")
    assert [s for s in scripts if "chart" in s.lower()] == []


def test_employer_watches_the_order_fill_live(web: Browser, seed: Seed) -> None:
    from tests.web.test_operator_journeys import api_token, post_order

    server = web.server
    order = post_order(server, seed, "仓库搬运", headcount=1)
    page = web.page(360)
    sign_in(page, seed.employer.phone)
    page.goto(f"/employer/orders/{order['id']}")
    expect(page.get_by_text("还没有人接单")).to_be_visible()
    worker = seed.workers[0]
    token = api_token(server, worker.phone)
    auth = {"Authorization": f"Bearer {token}"}
    until = (now() + timedelta(hours=8)).isoformat()
    r = httpx.post(f"{server.url}/api/v1/checkins", headers=auth, json={
        "station_id": str(seed.station_id), "lat": STATION_LAT, "lon": STATION_LON,
        "available_until": until, "max_distance_m": 10000})
    assert r.status_code == 201, r.text
    op = {"Authorization": f"Bearer {api_token(server, seed.operator.phone)}"}
    run = httpx.post(f"{server.url}/api/v1/stations/{seed.station_id}/dispatch", headers=op).json()
    (offer,) = run["offers"]
    assert httpx.post(f"{server.url}/api/v1/offers/{offer['id']}/accept", headers=auth).status_code == 200
    # No reload: the page hears the event (or its 5 s poll) and shows who is coming.
    page.get_by_role("heading", name=worker.name).wait_for(timeout=10_000)
    expect(page.get_by_text("已接单 1/1")).to_be_visible()
    expect(page.locator("#arrived-count")).to_have_text("已到 0")
    shot(page, "employer-order-filled-360")
