"""Issue 16, item 3 (and two of item 8's small fixes on the same page): the employer's order
counts "已到 N" from recorded arrivals only, never from acceptances; 确认完工 is offered only
once the work has started, and 取消这个订单 no longer once work is done."""

from __future__ import annotations

from uuid import UUID

import httpx
from playwright.sync_api import expect

from tests.web.conftest import (
    Browser,
    Seed,
    assert_no_sideways_scroll,
    axe_violations,
    dispatch,
    post_order,
    shot,
    sign_in,
    sql,
    work_started,
)
from tests.web.test_worker_pages import check_in


def test_arrivals_are_counted_from_records_and_steps_come_in_their_time(web: Browser, seed: Seed) -> None:
    server = web.server
    placed = post_order(server, seed, "工地小工", headcount=1)
    token = check_in(server, seed, seed.workers[0].phone)
    (offer,) = dispatch(server, seed)["offers"]
    r = httpx.post(f"{server.url}/api/v1/offers/{offer['id']}/accept", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200, r.text
    assignment_id = UUID(r.json()["id"])

    page = web.page(360)  # the employer, on the site, on a phone
    sign_in(page, seed.employer.phone, next_path=f"/employer/orders/{placed['id']}")
    line = page.locator("#live .status-line")
    expect(line).to_contain_text("已接单 1/1")
    expect(page.locator("#arrived-count")).to_have_text("已到 0")  # accepted is not arrived
    # Before the start: no 确认完工, a line saying when it becomes possible; cancelling still works.
    expect(page.get_by_role("button", name="确认完工 · 王师傅1")).to_have_count(0)
    expect(page.get_by_text("开工后（")).to_be_visible()
    expect(page.get_by_role("button", name="取消这个订单")).to_be_visible()
    assert axe_violations(page) == []
    shot(page, "issue16-employer-accepted-not-arrived-360")

    # The arrival is recorded (the worker's code scanned): the page counts it by itself.
    work_started(server, placed["id"])
    sql(server, "INSERT INTO hours_events (assignment_id, kind, at, arrived_at, proof) "
                "VALUES ($1, 'arrival', now(), now(), 'phone_code')", assignment_id)
    expect(page.locator("#arrived-count")).to_have_text("已到 1", timeout=10_000)
    page.reload()
    complete = page.get_by_role("button", name="确认完工 · 王师傅1")
    expect(complete).to_be_visible()
    page.once("dialog", lambda d: d.accept())  # irreversible: the page asks first
    complete.click()
    expect(page.get_by_role("status").get_by_text("已确认完工")).to_be_visible()
    # Work done: the order can no longer be cancelled from the page.
    expect(page.get_by_role("button", name="取消这个订单")).to_have_count(0)
    assert_no_sideways_scroll(page)
    assert axe_violations(page) == []
    shot(page, "issue16-employer-arrived-done-360")
