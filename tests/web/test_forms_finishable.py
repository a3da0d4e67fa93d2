"""Issue 16, item 6: forms people can finish. Every invalid field at once, in plain words
next to the field, the password kept; hints linked to their fields; job types in pinyin
order with the common ones first; the order form on the employer's last station; the admin's
station form takes its coordinates from a 街道/镇 or a click on the district."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from gigstation.platform import reference
from gigstation.web.worker_forms import COMMON_SKILLS, SKILL_PINYIN
from tests.web.conftest import (
    Browser,
    Seed,
    assert_no_sideways_scroll,
    axe_violations,
    next_phone,
    shot,
    sign_in,
    sql,
)
from tests.web.test_worker_journey import register

DEVELOPER_WORDS = ("校验位", "长度不能少于", "格式不正确", "取值无效", "类型错误", "字段")


def test_registration_names_every_wrong_field_at_once_in_plain_words(web: Browser, seed: Seed) -> None:
    page = web.page(360)
    page.goto("/worker/register")
    phone = page.get_by_label("手机号")
    # The hint is linked to its field, and "required" is its own attribute (the macro once
    # glued them: `requiredaria-describedby=`).
    assert phone.get_attribute("required") is not None
    assert phone.get_attribute("aria-describedby") == "f-phone-hint"
    assert "requiredaria" not in page.content()

    page.get_by_label("手机号").fill("12345")
    page.get_by_label("证件号码").fill("310229197005010000")  # check digit wrong
    page.get_by_label("设置密码").fill("abc")
    page.get_by_role("button", name="注册").click()
    summary = page.locator(".error-summary")
    expect(summary).to_be_visible()
    for field in ("name", "phone", "id_number", "password"):
        expect(page.locator(f"#f-{field}-error")).to_be_visible()
        assert page.locator(f"#f-{field}").get_attribute("aria-invalid") == "true"
        assert f"f-{field}-error" in (page.locator(f"#f-{field}").get_attribute("aria-describedby") or "")
    assert summary.locator("li").count() == 4
    text = summary.inner_text()
    assert "请填写姓名" in text and "手机号应为11位数字" in text and "密码至少要8位" in text
    assert "号码有一位不对" in text
    assert not [w for w in DEVELOPER_WORDS if w in text], text
    assert page.get_by_label("设置密码").input_value() == "abc"  # kept: the browser allows it here
    assert page.get_by_label("证件号码").input_value() == "310229197005010000"
    assert_no_sideways_scroll(page)
    assert axe_violations(page) == []
    shot(page, "issue16-register-every-error-360")
    # Fixing the fields finishes the registration.
    register(page, "赵大勇", next_phone("158"), 3)
    page.wait_for_url(re.compile(r"/worker$"))


def test_job_types_read_in_pinyin_order_after_the_common_ones(web: Browser, seed: Seed) -> None:
    assert set(SKILL_PINYIN) == set(reference.skills()), "every job type needs its pinyin"
    page = web.page(1366)
    sign_in(page, seed.employer.phone, next_path="/employer/orders/new")
    common = page.locator("#f-skill optgroup").nth(0).locator("option").all_inner_texts()
    others = page.locator("#f-skill optgroup").nth(1).locator("option").all_inner_texts()
    skills = reference.skills()
    assert common == [skills[c].zh for c in COMMON_SKILLS]
    assert others[:5] == ["保安", "叉车司机", "厨师", "促销导购", "电工"], others
    assert others == [s.zh for s in sorted((s for c, s in skills.items() if c not in COMMON_SKILLS),
                                           key=lambda s: SKILL_PINYIN[s.code])]
    # The worker's registration lists them the same way.
    worker = web.page(360)
    worker.goto("/worker/register")
    chips = [t.split(" ", 1)[1] for t in worker.locator("#f-skills .chip span").all_inner_texts()]
    assert chips[:len(COMMON_SKILLS)] == [skills[c].zh for c in COMMON_SKILLS]
    assert chips[len(COMMON_SKILLS):] == others


def test_the_order_form_starts_on_the_employers_last_station(web: Browser, seed: Seed) -> None:
    sql(web.server, "INSERT INTO stations (name, address, lat, lon, service_radius_m, region) "
        "VALUES ('青浦区重固零工驿站', '重固镇', 31.212, 121.160, 500, 'Shanghai')")
    page = web.page(1366)
    sign_in(page, seed.employer.phone, next_path="/employer/orders/new")
    first = page.get_by_label("离工作地点最近的驿站").input_value()
    # An order at 重固 (the JSON API, as a phone at the site would): next time, 重固 is chosen.
    from datetime import timedelta

    import httpx

    from gigstation.platform.clock import now
    from tests.web.conftest import api_token

    start = now() + timedelta(minutes=40)
    r = httpx.post(f"{web.server.url}/api/v1/orders", headers={
        "Authorization": f"Bearer {api_token(web.server, seed.employer.phone)}"}, json={
        "title": "苗木搬运", "skill": "greening", "headcount": 1, "starts_at": start.isoformat(),
        "ends_at": (start + timedelta(hours=3)).isoformat(), "lat": 31.2115, "lon": 121.1605,
        "address": "重固镇苗圃", "pay_cents": 3000, "pay_unit": "hour"})
    assert r.status_code == 201, r.text
    page.reload()
    chosen = page.get_by_label("离工作地点最近的驿站")
    assert chosen.locator("option:checked").inner_text() == "青浦区重固零工驿站"
    assert chosen.input_value() != first
    # ... with its job type and address.
    assert page.get_by_label("工种").input_value() == "greening"
    assert page.get_by_label("详细地址").input_value() == "重固镇苗圃"
    assert axe_violations(page) == []
    shot(page, "issue16-order-form-last-station-1366", full_page=False)


def test_the_station_form_takes_coordinates_from_a_town_or_a_click(web: Browser, seed: Seed) -> None:
    page = web.page(1366)
    sign_in(page, seed.admin.phone, next_path="/admin/stations/new")
    page.get_by_label("按街道/镇找").select_option(label="赵巷镇")
    assert page.get_by_label("纬度", exact=True).input_value() == "31.15300"
    assert page.get_by_label("经度", exact=True).input_value() == "121.19300"
    # A click on the district map puts the station where it was clicked (the town's dot here).
    box = page.locator(".place-map").bounding_box()
    dot = page.locator(".place-dot").first.bounding_box()
    assert box and dot
    page.mouse.click(dot["x"] + dot["width"] / 2, dot["y"] + dot["height"] / 2)
    lat = float(page.get_by_label("纬度", exact=True).input_value())
    lon = float(page.get_by_label("经度", exact=True).input_value())
    west = min((p for p in _places()), key=lambda p: p[0])  # the first dot is the first by name
    assert abs(lat - west[1]) < 0.01 and abs(lon - west[2]) < 0.01, (lat, lon, west)
    # Every wrong field at once, in plain words; the coordinates stay.
    page.get_by_label("签到范围（米）").fill("0")
    page.get_by_role("button", name="创建驿站").click()
    summary = page.locator(".error-summary")
    expect(summary).to_contain_text("请填写驿站名称")
    expect(summary).to_contain_text("请填写驿站地址")
    expect(summary).to_contain_text("签到范围请填")
    assert not [w for w in DEVELOPER_WORDS if w in summary.inner_text()]
    assert page.get_by_label("纬度", exact=True).input_value() == f"{lat:.5f}"
    assert axe_violations(page) == []
    shot(page, "issue16-admin-station-form-1366")


def _places() -> list[tuple[str, float, float]]:
    from gigstation.web.place_picker import district_picker

    return [(p.zh, p.lat, p.lon) for p in district_picker().places]
