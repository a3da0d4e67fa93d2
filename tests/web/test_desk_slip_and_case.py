"""Issue 16, items 2 and 3 in the browser: the desk prints a job slip for a person without a
smartphone (1366 px desk, the slip itself printed), and the worker follows a wage complaint
case on the jobs page at 360 px."""

from __future__ import annotations

import re
from uuid import UUID

import httpx
from playwright.sync_api import expect

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


def test_the_desk_prints_a_slip_and_the_worker_follows_the_case(web: Browser, seed: Seed) -> None:
    worker = seed.workers[0]
    desk = web.page(1366)
    sign_in(desk, seed.operator.phone)
    desk.goto(f"/operator/stations/{seed.station_id}/desk?worker={worker.id}")
    desk.get_by_role("button", name="代为签到").click()
    order = post_order(web.server, seed, "仓库装卸", headcount=1)
    dispatch(web.server, seed)
    desk.goto(f"/operator/stations/{seed.station_id}/desk?worker={worker.id}")
    desk.get_by_role("button", name="代为接受").click()
    expect(desk.get_by_role("status").get_by_text("请打印工作单")).to_be_visible()
    desk.get_by_role("button", name=re.compile("打印工作单")).click()

    # The slip: big codes (and their QR), the place, the station's phone; printable.
    expect(desk.get_by_role("heading", name="零工驿站 · 工作单")).to_be_visible()
    expect(desk.locator(".code-big")).to_have_count(2)
    assert re.fullmatch(r"[A-Z2-7]{4}-[A-Z2-7]{4}", desk.locator(".code-big").first.inner_text())
    expect(desk.get_by_text("驿站电话")).to_be_visible()
    expect(desk.get_by_role("button", name="打印")).to_be_visible()
    assert axe_violations(desk) == []
    desk.set_viewport_size({"width": 397, "height": 559})  # A6 at 96 dpi
    shot(desk, "issue16-job-slip-a6")
    desk.get_by_role("button", name="改用 58 毫米小票").click()
    desk.emulate_media(media="print")
    expect(desk.get_by_role("button", name="打印")).to_be_hidden()
    shot(desk, "issue16-job-slip-print")

    # Later the person says the wages never came; the employer answers "paid".
    aid = sql(web.server, "SELECT id FROM assignments WHERE order_id = $1", UUID(order["id"]))[0]["id"]
    sql(web.server, "UPDATE assignments SET starts_at = starts_at - interval '8 hours', "
        "ends_at = ends_at - interval '8 hours' WHERE id = $1", aid)
    for phone, path, body in ((worker.phone, "dispute", {"reason": "说好当天结，没给"}),
                              (seed.employer.phone, "complaint/messages", {"note": "已现金支付120元", "paid": True})):
        r = httpx.post(f"{web.server.url}/api/v1/assignments/{aid}/{path}", json=body,
                       headers={"Authorization": f"Bearer {api_token(web.server, phone)}"})
        assert r.status_code == 200, r.text
    phone = web.page(360)
    sign_in(phone, worker.phone)
    phone.goto("/worker/jobs")
    case = phone.locator(f"#case-{aid}")
    expect(case).to_contain_text("单位说明已付")
    expect(case).to_contain_text("已现金支付120元")
    expect(case).to_contain_text("劳动争议调解仲裁法第十四条")
    phone.get_by_label("补充情况").fill("没有收到，老板说的不对")
    phone.get_by_role("button", name="补充到投诉里").click()
    expect(phone.get_by_role("status").get_by_text("已补充到投诉里")).to_be_visible()
    expect(phone.locator(f"#case-{aid}")).to_contain_text("劳动者补充：没有收到，老板说的不对")
    assert_no_sideways_scroll(phone)
    assert axe_violations(phone) == []
    phone.locator(f"#case-{aid}").scroll_into_view_if_needed()
    shot(phone, "issue16-worker-case-360", full_page=False)

    # The employer on site (360 px) sees the case on the order; the operator (1366 px) both sides.
    boss = web.page(360)
    sign_in(boss, seed.employer.phone)
    boss.goto(f"/employer/orders/{order['id']}")
    expect(boss.locator(f"#case-{aid}")).to_contain_text("没有收到，老板说的不对")
    expect(boss.get_by_role("button", name="已付")).to_be_visible()
    assert_no_sideways_scroll(boss)
    assert axe_violations(boss) == []
    boss.locator(f"#case-{aid}").scroll_into_view_if_needed()
    shot(boss, "issue16-employer-case-360", full_page=False)
    desk.emulate_media(media="screen")
    desk.set_viewport_size({"width": 1366, "height": 768})
    desk.goto(f"/operator/stations/{seed.station_id}/complaints")
    expect(desk.locator(f"#case-{aid}")).to_contain_text("已现金支付120元")
    desk.get_by_label("结案结果").select_option("paid")
    desk.get_by_role("button", name="结案").click()
    expect(desk.get_by_role("status").get_by_text("已结案")).to_be_visible()
    expect(desk.get_by_role("heading", name="最近结案的工资投诉")).to_be_visible()
    assert axe_violations(desk) == []
    shot(desk, "issue16-operator-cases-1366")
