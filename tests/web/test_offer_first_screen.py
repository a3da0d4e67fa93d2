"""Issue 16, item 1: an offer takes a cheap phone's first screen, rings once the person has
tapped to allow it, and the page says when it is offline and catches up at once."""

from __future__ import annotations

import re
import time
from typing import Any

from playwright.sync_api import expect

from tests.web.conftest import Browser, Seed, assert_no_sideways_scroll, axe_violations, dispatch, post_order, shot
from tests.web.test_worker_pages import check_in

PHONE = {"width": 360, "height": 740}
# Counts what the page asks of the phone: vibrations and tones started.
COUNT_ALERTS = """
window.__alerts = {vibrate: 0, tones: 0};
const vibrate = navigator.vibrate ? navigator.vibrate.bind(navigator) : null;
navigator.vibrate = (pattern) => { window.__alerts.vibrate += 1; return vibrate ? vibrate(pattern) : true; };
const start = OscillatorNode.prototype.start;
OscillatorNode.prototype.start = function (...args) { window.__alerts.tones += 1; return start.apply(this, args); };
"""


def alerts(page: Any) -> dict[str, int]:
    return dict(page.evaluate("() => window.__alerts"))


def in_first_screen(page: Any, locator: Any) -> None:
    box = locator.bounding_box()
    assert box is not None, locator
    assert box["y"] >= 0 and box["y"] + box["height"] <= PHONE["height"], (locator, box)


def test_an_offer_rings_takes_the_first_screen_and_survives_going_offline(web: Browser, seed: Seed) -> None:
    server = web.server
    token_phone = seed.workers[0].phone
    check_in(server, seed, token_phone)
    ctx = web.context(360, viewport=PHONE)
    ctx.add_init_script(COUNT_ALERTS)
    ctx.add_cookies([{"name": "gs_session", "value": _token(web, token_phone), "url": server.url}])
    page = web.watch_page(ctx.new_page())
    page.goto("/worker")
    expect(page.get_by_role("heading", name=re.compile("已签到，等待派工"))).to_be_visible()

    # Asked once for the tap that lets the phone ring; the choice is remembered.
    ask = page.get_by_role("button", name="点一下，来活时手机会响")
    expect(ask).to_be_visible()
    shot(page, "issue16-worker-waiting-ask-sound-360", full_page=False)
    ask.click()
    expect(ask).to_be_hidden()
    assert page.evaluate("() => localStorage.getItem('gs-alerts')") == "on"
    after_tap = alerts(page)
    assert after_tap["vibrate"] == 1, after_tap  # the tap buzzes once so the person feels it works

    # Offline: the page says so. The operator dispatches meanwhile.
    ctx.set_offline(True)
    expect(page.locator("#net-status")).to_contain_text("没有网络")
    shot(page, "issue16-worker-offline-360", full_page=False)
    post_order(server, seed, "仓库装卸", headcount=1)
    dispatch(server, seed)
    page.wait_for_timeout(500)
    assert page.locator("article.offer").count() == 0

    # Back online: the offer is there at once, not after the stream's retry delay.
    back = time.monotonic()
    ctx.set_offline(False)
    card = page.locator("article.offer")
    card.wait_for(timeout=5_000)
    caught_up_s = time.monotonic() - back
    print(f"offer shown {caught_up_s:.2f} s after the network came back")
    assert caught_up_s < 3, caught_up_s
    expect(page.locator("#net-status")).to_contain_text("网络已恢复")
    # The stream's tries while offline failed, as they must; nothing else may log an error.
    web.watch.console_errors[:] = [e for e in web.watch.console_errors if "ERR_INTERNET_DISCONNECTED" not in e]

    # It rang and buzzed.
    page.wait_for_function("() => window.__alerts.tones >= 3 && window.__alerts.vibrate >= 2", timeout=3_000)

    # The first screen: the headline says there is an offer; pay, time, place, countdown and 接受.
    expect(page.get_by_role("heading", level=1)).to_contain_text("有派工")
    page.evaluate("() => window.scrollTo(0, 0)")
    for part in (card.locator(".pay"), card.locator(".facts li").nth(0), card.locator(".facts li").nth(1),
                 card.locator(".countdown"), card.get_by_role("button", name="接受", exact=True)):
        expect(part).to_be_visible()
        in_first_screen(page, part)
    assert re.search(r"\d:\d\d 后失效", card.locator(".countdown").inner_text())
    assert_no_sideways_scroll(page)
    assert axe_violations(page) == []
    shot(page, "issue16-worker-offer-first-screen-360", full_page=False)

    # Another visit: not asked again.
    page.reload()
    expect(page.locator("article.offer")).to_be_visible()
    expect(page.get_by_role("button", name="点一下，来活时手机会响")).to_be_hidden()
    expect(page.get_by_text("来活时手机会响铃和振动")).to_be_visible()


def _token(web: Browser, phone: str) -> str:
    from tests.web.conftest import api_token

    return api_token(web.server, phone)
