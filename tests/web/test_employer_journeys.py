"""The employer in a real browser: an order below the minimum wage is stopped with the
figure before it is sent, and by the server when the check is bypassed (journey 4); the
employer pages at phone and desktop widths (journey 5)."""

from __future__ import annotations

from typing import Any

import pytest

from gigstation.sim.demo import demo_credit_code
from tests.web.conftest import (
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
    assert page.get_by_text("当地最低工资").is_visible()
    assert page.get_by_text("上海 ¥25/小时").is_visible()
    fill_order(page, "20")
    page.get_by_role("button", name="发布用工").click()
    # Stopped in the page, before anything is sent: the summary names the figure.
    summary = page.locator(".error-summary")
    assert summary.get_by_text("时薪低于上海最低工资标准 25.00 元/小时").is_visible()
    assert page.url.endswith("/employer/orders/new")
    assert sql(web.server, "SELECT count(*) AS n FROM orders")[0]["n"] == 0
    assert axe_violations(page) == []
    shot(page, "employer-order-below-minimum-360")

    # A day rate spread over four hours (¥90 / 4 h = ¥22.50/h) is stopped as well.
    fill_order(page, "90", "每天")
    page.get_by_role("button", name="发布用工").click()
    assert summary.get_by_text("25.00").is_visible()

    # The server is the real rule: with the page's check bypassed it refuses the same order.
    page.evaluate("() => document.getElementById('order-form').submit()")
    page.wait_for_load_state("domcontentloaded")
    assert page.locator(".error-summary a[href='#f-pay']").get_by_text("最低工资标准 25.00 元/小时").is_visible()
    assert sql(web.server, "SELECT count(*) AS n FROM orders")[0]["n"] == 0
    shot(page, "employer-order-refused-by-server-360")

    # At the minimum or above, the order goes up and the page shows who is coming.
    fill_order(page, "32")
    page.get_by_role("button", name="发布用工").click()
    page.wait_for_url("**/employer/orders/*")
    assert page.get_by_role("status").get_by_text("已发布").is_visible()
    assert page.get_by_role("heading", name="谁会来").is_visible()
    assert sql(web.server, "SELECT pay_cents FROM orders")[0]["pay_cents"] == 3200
    shot(page, "employer-order-360")


def test_employer_registers_with_the_commitment_in_full(web: Browser, seed: Seed) -> None:
    page = web.page(360)
    page.goto("/employer/register")
    assert page.get_by_text("不以任何名义向劳动者收取费用").is_visible()
    assert_no_sideways_scroll(page)
    assert axe_violations(page) == []
    shot(page, "employer-register-360")
    page.get_by_label("单位名称或个人姓名").fill("赵巷搬家服务有限公司")
    page.get_by_label("统一社会信用代码（单位填写）").fill(demo_credit_code(909))
    page.get_by_label("联系人").fill("周经理")
    page.get_by_label("手机号（登录用）").fill("13712349090")
    page.get_by_label("密码（至少8位）").fill("employer-pass")
    page.get_by_role("button", name="同意承诺并注册").click()
    assert page.locator(".error-summary").get_by_text("须同意诚信承诺方可注册").is_visible()
    page.get_by_label("我已阅读并同意以上承诺").check()
    page.get_by_label("密码（至少8位）").fill("employer-pass")
    page.get_by_role("button", name="同意承诺并注册").click()
    page.wait_for_url("**/employer")
    assert page.get_by_role("heading", name="赵巷搬家服务有限公司").is_visible()


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
