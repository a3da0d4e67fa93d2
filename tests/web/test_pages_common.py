"""Pages every role shares: the start page, sign-in, language switch, logout."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.web.conftest import (
    Seed,
    assert_no_sideways_scroll,
    axe_violations,
    shot,
    sign_in,
)


@pytest.mark.parametrize("width", [360, 1366])
def test_home_page_is_clean(new_page: Any, seed: Seed, width: int) -> None:
    page = new_page(width)
    page.goto("/")
    expect(page.get_by_role("link", name="我是工人")).to_be_visible()
    if width == 360:
        assert_no_sideways_scroll(page)
    assert axe_violations(page) == []
    shot(page, f"home-{width}")


def test_language_switch_is_remembered(new_page: Any, seed: Seed) -> None:
    page = new_page(360)
    page.goto("/login")
    page.get_by_role("link", name="English").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    page.goto("/")
    expect(page.get_by_role("link", name="I am a worker")).to_be_visible()
    page.get_by_role("link", name="中文").click()
    expect(page.get_by_role("heading", name="请选择您的身份")).to_be_visible()


def test_wrong_password_is_named_at_the_top(new_page: Any, seed: Seed) -> None:
    page = new_page(360)
    sign_in(page, seed.workers[0].phone, "wrong-password")
    expect(page.locator(".error-summary").get_by_text("手机号或密码错误")).to_be_visible()
    assert axe_violations(page) == []
    shot(page, "login-error-360")


def test_sign_in_and_out(new_page: Any, seed: Seed) -> None:
    page = new_page(1366)
    sign_in(page, seed.admin.phone, next_path="/")
    assert page.url == page.context.pages[0].url and page.url.endswith("/")
    expect(page.get_by_text("管理员").first).to_be_visible()
    cookies = {c["name"]: c for c in page.context.cookies()}
    assert cookies["gs_session"]["httpOnly"] is True
    assert cookies["gs_session"]["sameSite"] == "Lax"
    page.goto("/")
    page.get_by_role("button", name="退出").click()
    page.wait_for_url("**/")
    assert "gs_session" not in {c["name"] for c in page.context.cookies()}


def test_a_page_for_another_role_says_which_account_it_needs(new_page: Any, seed: Seed) -> None:
    page = new_page(360)
    sign_in(page, seed.workers[0].phone, next_path="/")
    page.goto("/operator")
    assert "/login?next=/operator" in page.url
    expect(page.get_by_text("您现在登录的是工人账号；这个页面需要驿站工作人员账号")).to_be_visible()
    assert axe_violations(page) == []
