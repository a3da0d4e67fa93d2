"""The administrator's pages in a real browser at phone and desktop widths (journey 5),
and a station created through them."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.web.conftest import (
    Browser,
    Seed,
    assert_no_sideways_scroll,
    axe_violations,
    shot,
    sign_in,
    sql,
)


def test_admin_creates_a_station_and_an_operator(web: Browser, seed: Seed) -> None:
    page = web.page(1366)
    sign_in(page, seed.admin.phone)
    page.wait_for_url("**/admin")
    page.get_by_role("link", name="新建驿站").click()
    page.get_by_label("驿站名称").fill("白鹤镇零工驿站")
    page.get_by_label("地址").fill("青浦区白鹤镇新街1号")
    page.get_by_label("纬度").fill("31.2481")
    page.get_by_label("经度").fill("121.0503")
    page.get_by_role("button", name="创建驿站").click()
    page.wait_for_url("**/admin?done=station")
    expect(page.get_by_role("link", name="白鹤镇零工驿站", exact=True)).to_be_visible()
    page.get_by_role("link", name="驿站工作人员").click()
    page.wait_for_url("**/admin/operators")
    page.get_by_label("姓名").fill("刘专员")
    page.get_by_label("手机号（登录用）").fill("13911113333")
    page.get_by_label("初始密码（至少8位）").fill("operator-pass")
    page.locator("label.chip", has_text="白鹤镇零工驿站").click()
    page.get_by_role("button", name="创建账号").click()
    page.wait_for_url("**/admin/operators?done=1")
    expect(page.get_by_role("status").get_by_text("账号已创建")).to_be_visible()
    expect(page.get_by_role("cell", name="刘专员")).to_be_visible()
    rows = sql(web.server, "SELECT s.name FROM operator_stations os JOIN stations s ON s.id = os.station_id "
               "JOIN users u ON u.id = os.operator_id WHERE u.phone = '13911113333'")
    assert [r["name"] for r in rows] == ["白鹤镇零工驿站"]


@pytest.mark.parametrize("width", [360, 1366])
def test_admin_pages_are_clean(web: Browser, seed: Seed, width: int) -> None:
    page = web.page(width)
    sign_in(page, seed.admin.phone)
    page.wait_for_url("**/admin")
    for path, name in [("/admin", "home"), (f"/admin/stations/{seed.station_id}", "station"),
                       ("/admin/stations/new", "station-new"), ("/admin/operators", "operators")]:
        page.goto(path)
        if width == 360:
            assert_no_sideways_scroll(page)
        assert axe_violations(page) == [], path
        shot(page, f"admin-{name}-{width}")
    # The poster and the wall-screen link are one click away from the station list.
    page.goto("/admin")
    assert page.locator(f"a[href='/s/{seed.station_id}/poster']").count() == 1
    page.locator(f"form[action='/operator/stations/{seed.station_id}/screen-link'] button").click()
    page.wait_for_load_state("domcontentloaded")
    assert "/screen/" in page.content()
