"""Issue 16, item 2: at the desk, the times offered are after now and say 明天 when they are
(a check-in at 21:30 must not default to "空闲到 21:00"), and the operator sees the person's day."""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from gigstation.platform import clock
from tests.web.conftest import Browser, Seed, axe_violations, dispatch, post_order, shot, sign_in

SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_a_late_desk_check_in_offers_tomorrow_and_the_day_is_read_back(
    web: Browser, seed: Seed, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The service's clock reads 21:30 (the live server runs in this process).
    evening = datetime.combine(datetime.now(SHANGHAI).date(), time(21, 30), SHANGHAI)
    monkeypatch.setattr(clock, "now", lambda: evening)
    worker = seed.workers[0]
    page = web.page(1366)
    sign_in(page, seed.operator.phone)
    page.goto(f"/operator/stations/{seed.station_id}/desk?q={worker.phone}")
    expect(page.get_by_role("heading", name=worker.name)).to_be_visible()

    chips = page.locator("#f-until .chip span").all_inner_texts()
    assert "21:00" not in chips and "12:00" not in chips, chips
    assert chips == ["23:00", "明天 01:00"], chips
    checked = page.locator("#f-until input:checked").get_attribute("value")
    assert checked == "01:00"
    assert axe_violations(page) == []
    shot(page, "issue16-desk-late-check-in-1366", full_page=False)

    page.get_by_role("button", name="代为签到").click()
    expect(page.get_by_role("status").get_by_text("已代为签到")).to_be_visible()
    expect(page.get_by_text(re.compile("空闲到 明天 01:00"))).to_be_visible()
    monkeypatch.undo()

    # An offer comes; the operator accepts it for her; the desk reads her day back.
    post_order(web.server, seed, "仓库装卸", headcount=1)
    dispatch(web.server, seed)
    page.goto(f"/operator/stations/{seed.station_id}/desk?worker={worker.id}")
    page.get_by_role("button", name="代为接受").click()
    expect(page.get_by_role("status").get_by_text("已代为接受")).to_be_visible()
    day = page.locator(".day-list")
    expect(day).to_contain_text("签到（青浦区赵巷零工驿站 · 窗口办理）")
    expect(day).to_contain_text("收到邀约，已接受：仓库装卸")
    expect(page.get_by_role("heading", name="已接下的工作")).to_be_visible()
    assert axe_violations(page) == []
    shot(page, "issue16-desk-person-day-1366")


def test_the_desk_never_offers_a_time_already_past(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every hour of the day: each chip is after now, and is labelled 明天 exactly when it is
    tomorrow (pure: the chips the desk and the check-in page share)."""
    from gigstation.web.worker_forms import until_choices, until_to_datetime

    day = datetime.now(SHANGHAI).date()
    for minutes in range(0, 24 * 60, 10):
        now = datetime.combine(day, time(0, 0), SHANGHAI) + timedelta(minutes=minutes)
        choices = until_choices(now, "Asia/Shanghai")
        assert len(choices) >= 2, (now, choices)
        for value, label in choices:
            at = until_to_datetime(value, now, "Asia/Shanghai")
            assert at > now
            assert label.startswith("明天 ") == (at.date() > now.date()), (now, value, label)
