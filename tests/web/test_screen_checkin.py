"""The wall screen and check-in by its code, for a phone that gives no location."""

from __future__ import annotations

import io
import re
from typing import Any

import httpx
import segno
from playwright.sync_api import expect

from gigstation.platform.clock import now
from gigstation.stations import presence
from tests.web.conftest import (
    Browser,
    Seed,
    assert_no_sideways_scroll,
    axe_violations,
    post_order,
    shot,
    sign_in,
    sql,
)


def make_screen(web: Browser, seed: Seed) -> tuple[Any, str]:
    """The operator makes the screen link and opens it; returns the screen page and link."""
    staff = web.page(1366)
    sign_in(staff, seed.operator.phone, next_path=f"/s/{seed.station_id}/screen")
    staff.get_by_role("button", name="生成大屏链接").click()
    link = staff.get_by_label("大屏链接").input_value()
    assert link.startswith(f"{web.server.url}/s/{seed.station_id}/screen/")
    assert axe_violations(staff) == []
    shot(staff, "screen-link-1366")
    screen = web.watch_page(staff.context.new_page())
    screen.set_viewport_size({"width": 1366, "height": 768})
    screen.goto(link)
    return screen, link


def screen_code(screen: Any) -> str:
    return str(screen.locator(".code").inner_text()).replace(" ", "")


def test_worker_without_location_checks_in_with_the_screen_code(web: Browser, seed: Seed) -> None:
    post_order(web.server, seed, "仓库装卸", headcount=3)
    post_order(web.server, seed, "超市理货搬运", headcount=1)
    screen, _ = make_screen(web, seed)
    expect(screen.get_by_role("cell", name="仓库装卸")).to_be_visible()
    expect(screen.get_by_role("cell", name="¥30/小时").first).to_be_visible()
    expect(screen.get_by_role("heading", name=seed.station_name)).to_be_visible()
    assert re.fullmatch(r"\d{6}", screen_code(screen))
    assert screen.locator(".big-number").inner_text().startswith("0")
    assert axe_violations(screen) == []
    shot(screen, "screen-1366", full_page=False)

    worker = web.page(360)  # no geolocation permission: the browser refuses the location
    sign_in(worker, seed.workers[0].phone, next_path=f"/worker/checkin?station={seed.station_id}")
    expect(worker.get_by_text("无法获取位置：请输入屏幕上的签到码")).to_be_visible()

    # A code photographed five minutes ago is refused, saying why.
    secret = sql(web.server, "SELECT presence_secret FROM station_screens WHERE station_id = $1",
                 seed.station_id)[0]["presence_secret"]
    old = presence.code_at(secret, seed.station_id, presence.minute_of(now()) - 5)
    worker.get_by_label(re.compile("输入驿站屏幕上的签到码")).fill(old)
    worker.get_by_role("button", name="签到", exact=True).click()
    expect(worker.locator(".error-summary").get_by_text(re.compile("签到码已过期（5分钟前的）"))).to_be_visible()
    assert axe_violations(worker) == []
    shot(worker, "worker-checkin-expired-code-360")

    # The code the screen shows now works.
    worker.get_by_label(re.compile("输入驿站屏幕上的签到码")).fill(screen_code(screen))
    worker.get_by_role("button", name="签到", exact=True).click()
    worker.wait_for_url(re.compile(r"/worker$"))
    expect(worker.get_by_role("heading", name=re.compile("已签到，等待派工"))).to_be_visible()
    proof = sql(web.server, "SELECT details->>'proof' AS proof, c.lat FROM audit_log a "
                "JOIN checkins c ON c.id::text = a.object_id WHERE a.action = 'checkin.create'")
    assert [(r["proof"], r["lat"]) for r in proof] == [("presence_code", None)]

    # The screen counts the new arrival by itself within a few seconds.
    screen.locator(".big-number").filter(has_text=re.compile(r"^1")).wait_for(timeout=12_000)
    assert_no_sideways_scroll(screen)


def test_scanning_the_screen_qr_code_brings_its_code_along(web: Browser, seed: Seed) -> None:
    screen, link = make_screen(web, seed)
    code = screen_code(screen)
    qr = httpx.get(f"{link}/qr.svg?c={code}")
    expected = io.BytesIO()
    segno.make(f"{web.server.url}/s/{seed.station_id}?code={code}", error="m").save(
        expected, kind="svg", scale=10, border=2, dark="#000", light="#fff")
    assert qr.content == expected.getvalue()
    # What the phone opens after scanning: the station page, then check-in with the code filled in.
    worker = web.page(360)
    sign_in(worker, seed.workers[0].phone, next_path=f"/s/{seed.station_id}?code={code}")
    worker.get_by_role("link", name="签到").click()
    # The scanned code was checked then; no need to type it (it would expire while registering).
    expect(worker.get_by_text("您刚才扫了驿站屏幕上的二维码")).to_be_visible()
    worker.get_by_role("button", name="签到", exact=True).click()
    worker.wait_for_url(re.compile(r"/worker$"))


def test_wrong_codes_are_refused_and_then_guessing_stops(web: Browser, seed: Seed) -> None:
    make_screen(web, seed)
    worker = web.page(360)
    sign_in(worker, seed.workers[1].phone, next_path=f"/worker/checkin?station={seed.station_id}")
    field = worker.get_by_label(re.compile("输入驿站屏幕上的签到码"))
    for _ in range(presence.MAX_FAILURES):
        field.fill("000000")
        worker.get_by_role("button", name="签到", exact=True).click()
        expect(worker.locator(".error-summary")).to_be_visible()
    field.fill("000000")
    worker.get_by_role("button", name="签到", exact=True).click()
    expect(worker.locator(".error-summary").get_by_text(re.compile("输错次数太多"))).to_be_visible()


def test_screen_link_is_for_staff_of_that_station_only(web: Browser, seed: Seed) -> None:
    worker = web.page(1366)
    sign_in(worker, seed.workers[0].phone, next_path="/")
    r = worker.request.post(f"/operator/stations/{seed.station_id}/screen-link", max_redirects=0,
                            headers={"x-csrftoken": worker.locator("meta[name=csrf-token]").get_attribute("content")})
    assert r.status == 303 and "/login" in r.headers["location"]
    bad = httpx.get(f"{web.server.url}/s/{seed.station_id}/screen/not-a-token")
    assert bad.status_code == 404
    assert "此屏幕已停用，请联系工作人员" in bad.text


def test_station_qr_code_opens_the_station_page(web: Browser, seed: Seed) -> None:
    r = httpx.get(f"{web.server.url}/api/v1/stations/{seed.station_id}/qr.svg")
    assert r.status_code == 200
    expected = io.BytesIO()
    segno.make(f"{web.server.url}/s/{seed.station_id}", error="m").save(expected, kind="svg", scale=8, border=2)
    assert r.content == expected.getvalue()


def test_poster_prints_name_address_qr_and_steps(web: Browser, seed: Seed) -> None:
    for width in (360, 1366):
        page = web.page(width)
        page.goto(f"/s/{seed.station_id}/poster")
        expect(page.get_by_role("heading", name=seed.station_name)).to_be_visible()
        assert page.get_by_role("img", name="驿站签到二维码").evaluate("img => img.naturalWidth") > 0
        expect(page.get_by_text("手机扫上面的二维码")).to_be_visible()
        if width == 360:
            assert_no_sideways_scroll(page)
        assert axe_violations(page) == []
        shot(page, f"station-poster-{width}")
    page.emulate_media(media="print")
    shot(page, "station-poster-print")
