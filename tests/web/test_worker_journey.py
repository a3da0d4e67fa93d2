"""The worker's journey in a real browser: QR page, register, check in, live offer, accept."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from playwright.sync_api import expect

from gigstation.platform.clock import now
from gigstation.sim.demo import demo_resident_id
from tests.web.conftest import (
    STATION_LAT,
    STATION_LON,
    Browser,
    Seed,
    assert_no_sideways_scroll,
    axe_violations,
    next_phone,
    post_order,
    shot,
    sign_in,
)


def free_until(hours: int = 6) -> str:
    return (now() + timedelta(hours=hours)).astimezone(ZoneInfo("Asia/Shanghai")).strftime("%H:%M")


def register(page: Any, name: str, phone: str, seq: int) -> None:
    """Fill the registration form as a worker would."""
    from datetime import date

    page.get_by_label("姓名").fill(name)
    page.get_by_label("手机号").fill(phone)
    page.get_by_label("证件号码").fill(demo_resident_id(date(1970, 5, 1) + timedelta(days=seq), seq))
    page.get_by_text("搬运").click()
    page.get_by_label("设置密码").fill("my-password-1")
    page.get_by_role("button", name="注册").click()


def test_worker_scans_registers_checks_in_gets_offer_and_accepts(web: Browser, seed: Seed) -> None:
    server = web.server
    order = post_order(server, seed)
    page = web.watch_page(web.context(360, geolocation=(STATION_LAT + 0.001, STATION_LON)).new_page())

    # The QR code opens the station page.
    page.goto(f"/s/{seed.station_id}")
    expect(page.get_by_role("heading", name=seed.station_name)).to_be_visible()
    expect(page.get_by_text("个空缺岗位")).to_be_visible()
    shot(page, "worker-station-360")
    page.get_by_role("link", name="第一次来：注册").click()

    # Register: a wrong ID number is named at the top, the form keeps what was typed.
    page.get_by_label("姓名").fill("赵大勇")
    page.get_by_label("手机号").fill(next_phone("158"))
    page.get_by_label("证件号码").fill("310229197005010000")
    page.get_by_label("设置密码").fill("my-password-1")
    page.get_by_role("button", name="注册").click()
    expect(page.locator(".error-summary")).to_be_visible()
    assert page.get_by_label("姓名").input_value() == "赵大勇"
    assert axe_violations(page) == []
    shot(page, "worker-register-error-360")
    register(page, "赵大勇", next_phone("158"), 77)

    # Straight on to check-in at the scanned station; the location comes from the phone.
    page.wait_for_url(re.compile(r"/worker/checkin\?station="))
    expect(page.get_by_text("已获取位置")).to_be_visible()
    assert_no_sideways_scroll(page)
    assert axe_violations(page) == []
    shot(page, "worker-checkin-360")
    page.get_by_text("10 公里").click()
    # Free for the next six hours, whatever the time of day the test runs.
    page.get_by_text("其他时间", exact=True).click()
    page.get_by_label("其他时间（几点）").fill(free_until())
    page.get_by_role("button", name="签到", exact=True).click()
    page.wait_for_url(re.compile(r"/worker$"))
    expect(page.get_by_role("heading", name=re.compile("已签到，等待派工"))).to_be_visible()
    expect(page.get_by_text("暂时没有派工")).to_be_visible()

    # The employer watches the order; the operator, in another browser, presses dispatch.
    employer = web.page(1366)
    sign_in(employer, seed.employer.phone, next_path=f"/employer/orders/{order['id']}")
    expect(employer.get_by_text("已接单 0/2")).to_be_visible()
    operator = web.page(1366)
    sign_in(operator, seed.operator.phone, next_path=f"/operator/stations/{seed.station_id}/figures")
    assert operator.locator(".figure-nums div").filter(has_text="已补上").locator("dd").inner_text() == "0"
    operator.goto(f"/operator/stations/{seed.station_id}")
    operator.get_by_role("button", name="一键调度").click()
    expect(operator.get_by_text("赵大勇").first).to_be_visible()

    # The offer arrives on the worker's open page without a reload.
    card = page.locator("article.offer")
    card.wait_for(timeout=10_000)
    assert card.locator(".pay").inner_text() == "¥30/小时"
    assert "共 ¥120" in card.inner_text()
    assert re.search(r"\d:\d\d 后失效", card.locator(".countdown").inner_text())
    assert_no_sideways_scroll(page)
    assert axe_violations(page) == []
    shot(page, "worker-offer-360")

    card.get_by_role("button", name="接受", exact=True).click()
    page.wait_for_url(re.compile(r"/worker\?accepted=1"))
    expect(page.get_by_text("今天的工作")).to_be_visible()
    expect(page.get_by_text("沪青平公路3000号仓库")).to_be_visible()
    amap = page.get_by_role("link", name="🗺️ 用高德地图导航").get_attribute("href")
    assert amap.startswith("https://uri.amap.com/marker?") and "coordinate=wgs84" in amap
    geo = page.get_by_role("link", name=re.compile("用手机自带地图导航"))
    assert geo.get_attribute("href").startswith(f"geo:{STATION_LAT + 0.01:.6f}")
    assert axe_violations(page) == []
    shot(page, "worker-today-360")

    page.get_by_role("link", name="我的工作").click()
    expect(page.get_by_text("待付")).to_be_visible()
    shot(page, "worker-jobs-360")

    # The employer sees the order fill; the operator's figures count the filled place.
    employer.get_by_text("已接单 1/2").wait_for(timeout=10_000)
    expect(employer.locator("#arrived-count")).to_have_text("已到 0")  # accepted, not yet arrived
    expect(employer.get_by_role("heading", name="赵大勇")).to_be_visible()
    operator.goto(f"/operator/stations/{seed.station_id}/figures")
    assert operator.locator(".figure-nums div").filter(has_text="已补上").locator("dd").inner_text() == "1"


def test_station_page_for_a_signed_in_worker_goes_straight_to_check_in(web: Browser, seed: Seed) -> None:
    page = web.page(360)
    sign_in(page, seed.workers[0].phone, next_path=f"/s/{seed.station_id}")
    page.get_by_role("link", name="签到").click()
    page.wait_for_url(re.compile(r"/worker/checkin"))
    # No location permission: the page says so and points to the screen's code.
    expect(page.get_by_text("请输入屏幕上的签到码").first).to_be_visible()


def test_worker_outside_the_radius_is_told_how_far_and_what_to_do(web: Browser, seed: Seed) -> None:
    page = web.watch_page(web.context(360, geolocation=(STATION_LAT + 0.02, STATION_LON)).new_page())
    sign_in(page, seed.workers[0].phone, next_path=f"/worker/checkin?station={seed.station_id}")
    page.get_by_text("已获取位置").wait_for()
    page.get_by_role("button", name="签到", exact=True).click()
    summary = page.locator(".error-summary")
    assert re.search(r"您距离驿站 \d+ 米，须在 500 米范围内签到", summary.inner_text())
    expect(page.get_by_label(re.compile("输入驿站屏幕上的签到码"))).to_be_visible()
    expect(page.get_by_text("请工作人员帮我签到")).to_be_visible()
    shot(page, "worker-checkin-too-far-360")
