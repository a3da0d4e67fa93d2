"""Every worker and station page at 360 px and 1366 px, and the worker's pay and rating steps.

The ``web`` fixture fails a test on any console error or request leaving the server.
"""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from gigstation.platform.clock import now
from gigstation.platform.keys import newest_key_bytes
from tests.web.conftest import (
    STATION_LAT,
    STATION_LON,
    Browser,
    LiveServer,
    Seed,
    api_token,
    assert_no_sideways_scroll,
    axe_violations,
    dispatch,
    post_order,
    run,
    shot,
    sign_in,
    work_started,
)


def _api(server: LiveServer, token: str, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
    r = httpx.post(f"{server.url}/api/v1{path}", headers={"Authorization": f"Bearer {token}"}, json=body)
    assert r.status_code in (200, 201), r.text
    return dict(r.json())


def check_in(server: LiveServer, seed: Seed, phone: str) -> str:
    token = api_token(server, phone)
    _api(server, token, "/checkins", {
        "station_id": str(seed.station_id), "lat": STATION_LAT, "lon": STATION_LON,
        "available_until": (now() + timedelta(hours=8)).isoformat(), "max_distance_m": 10000})
    return token


def worker_with_a_paid_job(server: LiveServer, seed: Seed) -> None:
    """Worker 1 takes a job; the employer marks it done and paid. Worker 0 waits with an offer."""
    post_order(server, seed, "仓库装卸", headcount=1)
    post_order(server, seed, "搬家帮手", headcount=1)
    w0 = check_in(server, seed, seed.workers[0].phone)
    w1 = check_in(server, seed, seed.workers[1].phone)
    run = dispatch(server, seed)
    offer1 = next(o for o in run["offers"] if o["worker_id"] == str(seed.workers[1].id))
    assignment = _api(server, w1, f"/offers/{offer1['id']}/accept")
    employer = api_token(server, seed.employer.phone)
    work_started(server, assignment["order_id"])
    _api(server, employer, f"/assignments/{assignment['id']}/complete", {"hours": 4})
    _api(server, employer, f"/assignments/{assignment['id']}/paid", {"amount_cents": 12000})
    del w0


PAGES = [
    ("home", None, "/"),
    ("login", None, "/login"),
    ("worker-register", None, "/worker/register"),
    ("station", None, "/s/{station}"),
    ("station-signed-in", 0, "/s/{station}"),
    ("station-poster", None, "/s/{station}/poster"),
    ("station-screen-help", None, "/s/{station}/screen"),
    ("worker-waiting-offer", 0, "/worker"),
    ("worker-checkin-form", 2, "/worker/checkin?station={station}"),
    ("worker-jobs-paid", 1, "/worker/jobs"),
    ("worker-not-checked-in", 2, "/worker"),
]


@pytest.mark.parametrize("width", [360, 1366])
def test_every_worker_and_station_page_is_clean(web: Browser, seed: Seed, width: int) -> None:
    server = web.server
    more = run(_seed_extra(server, seed))
    worker_with_a_paid_job(server, seed)
    people = [*seed.workers, more]
    failures: dict[str, Any] = {}
    # One browser context per person, signed in once, visiting each of their pages.
    for who in (None, 0, 1, 2):
        page = web.page(width)
        if who is not None:
            sign_in(page, people[who].phone, next_path="/")
        for name, _, path in [p for p in PAGES if p[1] == who]:
            page.goto(path.format(station=seed.station_id))
            page.wait_for_load_state("load")
            if width == 360:
                assert_no_sideways_scroll(page)
            found = axe_violations(page)
            if found:
                failures[name] = found
            shot(page, f"{name}-{width}")
        page.context.close()
    assert failures == {}


async def _seed_extra(server: LiveServer, seed: Seed) -> Any:
    """A third worker who has not checked in."""
    import asyncpg

    from gigstation.people import workers
    from gigstation.platform.auth import PasswordHasher
    from gigstation.platform.pii import PiiCipher
    from gigstation.sim.demo import demo_resident_id
    from tests.web.conftest import PASSWORD, Account, next_phone

    conn = await asyncpg.connect(server.database_url)
    await conn.set_type_codec("jsonb", encoder=json.dumps, decoder=json.loads, schema="pg_catalog")
    try:
        phone = next_phone("155")
        w = await workers.register_worker(
            conn, PiiCipher(newest_key_bytes(server.settings)),
            workers.WorkerCreate(name="孙阿姨", phone=phone, password=PASSWORD, id_type="resident_id",
                                 id_number=demo_resident_id(now().date().replace(year=1968), 901),
                                 skills=["cleaning", "housekeeping"]),
            await PasswordHasher(server.settings).hash(PASSWORD), now().date())
    finally:
        await conn.close()
    return Account(w.id, phone, name=w.name)


def test_worker_confirms_pay_and_rates_the_employer(web: Browser, seed: Seed) -> None:
    worker_with_a_paid_job(web.server, seed)
    page = web.page(360)
    sign_in(page, seed.workers[1].phone, next_path="/worker/jobs")
    job = page.locator("li.card").filter(has_text="已付")
    expect(job.get_by_text("单位登记已付 ¥120")).to_be_visible()
    # Final, so asked once more, with the amount, beside a way back.
    job.get_by_role("link", name="确认收到工资").click()
    expect(page.get_by_role("heading", name="确认收到工资？")).to_be_visible()
    expect(page.get_by_text("确认后不能撤回")).to_be_visible()
    assert axe_violations(page) == []
    shot(page, "issue16-worker-confirm-pay-360")
    page.get_by_role("button", name="是，已收到 ¥120").click()
    expect(page.get_by_role("status").get_by_text("已确认收到工资")).to_be_visible()
    assert page.locator("li.card .badge").first.inner_text() == "已确认"
    page.get_by_role("button", name="4 星").click()
    expect(page.get_by_text("谢谢您的评价")).to_be_visible()
    expect(page.get_by_text("您的评价：★★★★")).to_be_visible()
    assert axe_violations(page) == []
    shot(page, "worker-jobs-rated-360")


def test_worker_reports_unpaid_wages(web: Browser, seed: Seed) -> None:
    worker_with_a_paid_job(web.server, seed)
    page = web.page(360)
    sign_in(page, seed.workers[1].phone, next_path="/worker/jobs")
    page.get_by_role("link", name="没收到工资").click()
    page.get_by_role("button", name="是，我没收到工资").click()
    expect(page.get_by_text("已提交，驿站工作人员会帮您处理")).to_be_visible()
    assert page.locator("li.card .badge").first.inner_text() == "已投诉"


def test_worker_declines_and_a_late_tap_on_a_closed_offer_is_explained(web: Browser, seed: Seed) -> None:
    worker_with_a_paid_job(web.server, seed)
    page = web.page(360)
    sign_in(page, seed.workers[0].phone, next_path="/worker")
    card = page.locator("article.offer")
    assert card.count() == 1
    accept = card.locator("form").first.get_attribute("action") or ""
    csrf = page.locator("meta[name=csrf-token]").get_attribute("content") or ""
    card.get_by_role("button", name="不接受").click()
    expect(page.get_by_text("暂时没有派工")).to_be_visible()
    # The accept button of the declined offer, pressed late (another tab, a slow network).
    r = page.request.post(accept, headers={"x-csrftoken": csrf})
    assert r.status == 422
    assert "邀约已拒绝" in r.text()
    page.set_content(r.text())
    expect(page.get_by_role("link", name="回到我的派工")).to_be_visible()
    shot(page, "worker-offer-closed-360")


def test_worker_pages_in_english(web: Browser, seed: Seed) -> None:
    worker_with_a_paid_job(web.server, seed)
    page = web.page(360, lang="en")
    sign_in(page, seed.workers[0].phone, next_path="/worker")
    expect(page.get_by_role("heading", name=re.compile("Work offered"))).to_be_visible()
    card = page.locator("article.offer")
    assert card.locator(".pay").inner_text() == "¥30/hour"
    assert re.search(r"expires in \d:\d\d", card.inner_text())
    expect(card.get_by_role("button", name="Accept", exact=True)).to_be_visible()
    shot(page, "worker-waiting-offer-en-360")
