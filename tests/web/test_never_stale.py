"""Issue 16, item 5: never stale, never a dead end. Lists follow the events that change them;
a forgotten password is reset at the desk; /worker/checkin without a station offers the
stations; a new wall-screen link is confirmed and the old screen says it is off; the code
from the screen's QR survives a first-timer's registration."""

from __future__ import annotations

import hashlib
import hmac
import re

import httpx
from playwright.sync_api import expect

from gigstation.platform.clock import now
from gigstation.stations import presence
from tests.web.conftest import (
    PASSWORD,
    Browser,
    Seed,
    api_token,
    assert_no_sideways_scroll,
    axe_violations,
    dispatch,
    next_phone,
    post_order,
    shot,
    sign_in,
    sql,
    work_started,
)
from tests.web.test_screen_checkin import make_screen, screen_code
from tests.web.test_worker_journey import register
from tests.web.test_worker_pages import check_in


def _post(web: Browser, token: str, path: str, body: dict[str, object] | None = None) -> dict[str, object]:
    r = httpx.post(f"{web.server.url}/api/v1{path}", headers={"Authorization": f"Bearer {token}"}, json=body)
    assert r.status_code in (200, 201), r.text
    return dict(r.json())


def test_my_jobs_and_the_board_follow_events_without_a_reload(web: Browser, seed: Seed) -> None:
    server = web.server
    placed = post_order(server, seed, "仓库装卸", headcount=1)
    board = web.page(1366)
    sign_in(board, seed.operator.phone)
    board.wait_for_url(f"**/operator/stations/{seed.station_id}")
    headline = board.locator("#headline")
    expect(headline.locator("div", has_text="等候").locator("dd")).to_have_text("0")
    token = check_in(server, seed, seed.workers[0].phone)
    # The top figure follows the list (same refresh), not only the column below it.
    expect(headline.locator("div", has_text="等候").locator("dd")).to_have_text("1", timeout=10_000)
    expect(board.locator("#waiting-h .count")).to_have_text("1")
    (offer,) = dispatch(server, seed)["offers"]
    expect(headline.locator("div", has_text="待回复邀约").locator("dd")).to_have_text("1", timeout=10_000)
    shot(board, "issue16-board-counters-1366", full_page=False)
    job = _post(web, token, f"/offers/{offer['id']}/accept")
    expect(headline.locator("div", has_text="空缺").locator("dd")).to_have_text("0", timeout=10_000)

    page = web.page(360)
    sign_in(page, seed.workers[0].phone, next_path="/worker/jobs")
    card = page.locator("li.card").first
    expect(card.locator(".badge").first).to_have_text("待付")
    employer = api_token(server, seed.employer.phone)
    work_started(server, placed["id"])
    _post(web, employer, f"/assignments/{job['id']}/complete", {"hours": 3})
    # Completed: the page shows the rating at once, with no reload.
    expect(card.get_by_role("button", name="4 星")).to_be_visible(timeout=5_000)
    _post(web, employer, f"/assignments/{job['id']}/paid", {"amount_cents": 9000})
    expect(card.locator(".badge").first).to_have_text("已付", timeout=5_000)
    expect(card.get_by_role("link", name="确认收到工资")).to_be_visible()
    assert axe_violations(page) == []
    shot(page, "issue16-jobs-live-paid-360")


def test_a_forgotten_password_is_reset_at_the_desk(web: Browser, seed: Seed) -> None:
    worker = seed.workers[0]
    desk = web.page(1366)
    sign_in(desk, seed.operator.phone)
    desk.goto(f"/operator/stations/{seed.station_id}/desk?q={worker.phone}")
    desk.once("dialog", lambda d: d.accept())  # "have you checked the ID in person?"
    desk.get_by_role("button", name="已核对证件，发重置码").click()
    code = desk.locator(".reset-code").inner_text().replace(" ", "")
    assert re.fullmatch(r"\d{6}", code)
    assert axe_violations(desk) == []
    shot(desk, "issue16-desk-reset-code-1366", full_page=False)

    phone = web.page(360)
    phone.goto("/login")
    phone.get_by_role("link", name="忘记密码？").click()
    expect(phone.get_by_text("带上身份证")).to_be_visible()
    phone.get_by_label("手机号").fill(worker.phone)
    phone.get_by_label("重置码（6位数字）").fill("000000" if code != "000000" else "111111")
    phone.get_by_label("新密码").fill("new-secret-9")
    phone.get_by_role("button", name="设好新密码并登录").click()
    expect(phone.locator(".error-summary")).to_contain_text("重置码不对或已失效")
    # The new password stays in its box; only the code needs typing again.
    assert phone.get_by_label("新密码").input_value() == "new-secret-9"
    assert axe_violations(phone) == []
    shot(phone, "issue16-password-reset-wrong-code-360")
    phone.get_by_label("重置码（6位数字）").fill(code)
    phone.get_by_role("button", name="设好新密码并登录").click()
    phone.wait_for_url(re.compile(r"/worker\?done=password"))
    # The old password no longer works, the new one does; the code is spent.
    assert httpx.post(f"{web.server.url}/api/v1/auth/login",
                      json={"phone": worker.phone, "password": PASSWORD}).status_code == 401
    assert api_token(web.server, worker.phone, "new-secret-9")
    rows = sql(web.server, "SELECT action, actor_id FROM audit_log WHERE action LIKE 'account.%' ORDER BY at")
    assert [r["action"] for r in rows] == ["account.reset_code", "account.password_reset"]
    assert rows[0]["actor_id"] == seed.operator.id


def test_already_registered_points_to_sign_in_and_the_reset(web: Browser, seed: Seed) -> None:
    page = web.page(360)
    page.goto("/worker/register")
    register(page, "王师傅", seed.workers[0].phone, 5)
    summary = page.locator(".error-summary")
    expect(summary).to_contain_text("该手机号已注册")
    box = page.locator(".next-step")
    expect(box.get_by_role("link", name="直接登录")).to_be_visible()
    expect(box.get_by_role("link", name="我有重置码：设新密码")).to_be_visible()
    assert axe_violations(page) == []
    shot(page, "issue16-register-already-360")


def test_checkin_without_a_station_lists_the_stations_nearest_first(web: Browser, seed: Seed) -> None:
    sql(web.server, "INSERT INTO stations (name, address, lat, lon, service_radius_m, region) "
        "VALUES ('青浦区徐泾零工驿站', '徐泾镇', 31.178, 121.268, 500, 'Shanghai')")
    page = web.watch_page(web.context(360, geolocation=(31.177, 121.266)).new_page())
    sign_in(page, seed.workers[0].phone, next_path="/worker/checkin")
    # Location already allowed: sorted at once, nearest first, without asking again.
    page.wait_for_url(re.compile(r"/worker/checkin\?lat="))
    expect(page.get_by_role("heading", name="在哪个驿站签到？")).to_be_visible()
    names = page.locator(".station-choice").all_inner_texts()
    assert names[0].startswith("青浦区徐泾零工驿站"), names
    assert_no_sideways_scroll(page)
    assert axe_violations(page) == []
    shot(page, "issue16-choose-station-360")
    page.locator(".station-choice").first.click()
    expect(page.get_by_role("heading", name="签到")).to_be_visible()
    # Nothing here answers raw JSON any more.
    r = page.request.get("/worker/checkin")
    assert r.status == 200 and "text/html" in r.headers["content-type"]


def test_a_new_screen_link_is_confirmed_and_the_old_screen_says_it_is_off(web: Browser, seed: Seed) -> None:
    screen, _ = make_screen(web, seed)
    staff = web.page(1366)
    sign_in(staff, seed.operator.phone, next_path=f"/s/{seed.station_id}/screen")
    staff.get_by_role("button", name="生成大屏链接").click()
    # One click no longer replaces a working screen: the page asks, saying what happens.
    expect(staff.get_by_role("heading", name="更换大屏链接？")).to_be_visible()
    expect(staff.get_by_text("旧屏幕马上停用")).to_be_visible()
    assert axe_violations(staff) == []
    shot(staff, "issue16-screen-link-confirm-1366", full_page=False)
    staff.get_by_role("button", name="确定：生成新链接，停用旧屏幕").click()
    expect(staff.get_by_label("大屏链接")).to_be_visible()
    # The old screen, polling by itself, now says it is off instead of showing a dead code.
    expect(screen.get_by_text("此屏幕已停用，请联系工作人员")).to_be_visible(timeout=12_000)
    expect(screen.locator(".code").filter(has_text=re.compile(r"\d{3} \d{3}"))).to_have_count(0)
    assert axe_violations(screen) == []
    shot(screen, "issue16-screen-stopped-1366", full_page=False)


def test_the_qr_code_survives_a_first_timer_registering(web: Browser, seed: Seed) -> None:
    screen, _ = make_screen(web, seed)
    code = screen_code(screen)
    page = web.page(360)  # no location: a phone indoors
    page.goto(f"/s/{seed.station_id}?code={code}")
    page.get_by_role("link", name="第一次来：注册").click()
    register(page, "钱师傅", next_phone("159"), 61)
    page.wait_for_url(re.compile(r"/worker/checkin\?station="))
    expect(page.get_by_text("您刚才扫了驿站屏幕上的二维码")).to_be_visible()
    shot(page, "issue16-checkin-after-register-360")
    # Registration took long: the QR's code itself has long expired by the time they submit.
    cookie = next(c for c in page.context.cookies() if c["name"] == "gs_presence")
    secret = sql(web.server, "SELECT presence_secret FROM station_screens WHERE station_id = $1",
                 seed.station_id)[0]["presence_secret"]
    old_minute = presence.minute_of(now()) - 5
    mac = cookie["value"].split("|")[1].split(".")[1]
    assert mac  # the pass is signed; a pass from five minutes ago, made the same way:
    aged = hmac.new(secret, f"pass:{seed.station_id}:{old_minute}".encode(), hashlib.sha256).hexdigest()[:32]
    page.context.add_cookies([{**cookie, "value": f"{seed.station_id}|{old_minute}.{aged}"}])
    page.get_by_text("其他时间", exact=True).click()
    page.get_by_label("其他时间（几点）").fill("23:59")
    page.get_by_role("button", name="签到", exact=True).click()
    page.wait_for_url(re.compile(r"/worker$"))
    rows = sql(web.server, "SELECT details->>'proof' AS proof FROM audit_log WHERE action = 'checkin.create'")
    assert [r["proof"] for r in rows] == ["presence_code"]
    assert not [c for c in page.context.cookies() if c["name"] == "gs_presence"]  # spent


def test_a_pass_older_than_its_grace_is_not_honoured(web: Browser, seed: Seed) -> None:
    make_screen(web, seed)
    secret = sql(web.server, "SELECT presence_secret FROM station_screens WHERE station_id = $1",
                 seed.station_id)[0]["presence_secret"]
    minute = presence.minute_of(now()) - int(presence.PASS_TTL.total_seconds() // 60) - 1
    mac = hmac.new(secret, f"pass:{seed.station_id}:{minute}".encode(), hashlib.sha256).hexdigest()[:32]
    page = web.page(360)
    page.context.add_cookies([{"name": "gs_presence", "value": f"{seed.station_id}|{minute}.{mac}",
                               "url": f"{web.server.url}/worker"}])
    sign_in(page, seed.workers[1].phone, next_path=f"/worker/checkin?station={seed.station_id}")
    expect(page.get_by_text("您刚才扫了驿站屏幕上的二维码")).to_have_count(0)
    expect(page.get_by_label(re.compile("输入驿站屏幕上的签到码"))).to_be_visible()
