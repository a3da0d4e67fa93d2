"""Issue 16, item 4: the job's place as an address with links that open 高德 and 百度 (and the
phone's own map by geo:), in WGS-84 said as such; an order placed without a location says
so ("地点未定位，按地址找") and its links search for the address, never the station."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
from playwright.sync_api import expect

from gigstation.platform.clock import now
from tests.web.conftest import (
    STATION_LAT,
    STATION_LON,
    Browser,
    Seed,
    api_token,
    assert_no_sideways_scroll,
    axe_violations,
    dispatch,
    shot,
    sign_in,
)
from tests.web.test_worker_pages import check_in

ADDRESS = "青浦区赵巷镇业辉路288弄12号"


def order(web: Browser, seed: Seed, located: bool) -> dict[str, Any]:
    """An order as the employer's page makes it: with the phone's location, or without (the
    station's position stands in)."""
    token = api_token(web.server, seed.employer.phone)
    start = now() + timedelta(minutes=30)
    lat, lon = (STATION_LAT + 0.012, STATION_LON + 0.008) if located else (STATION_LAT, STATION_LON)
    r = httpx.post(f"{web.server.url}/api/v1/orders", headers={"Authorization": f"Bearer {token}"}, json={
        "title": "搬家帮手", "skill": "moving", "headcount": 1, "starts_at": start.isoformat(),
        "ends_at": (start + timedelta(hours=3)).isoformat(), "lat": lat, "lon": lon, "address": ADDRESS,
        "pay_cents": 3200, "pay_unit": "hour", "located": located})
    assert r.status_code == 201, r.text
    assert r.json()["located"] is located
    return dict(r.json())


def query(href: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(href).query).items()}


def test_an_order_placed_without_location_is_found_by_its_address(web: Browser, seed: Seed) -> None:
    order(web, seed, located=False)
    check_in(web.server, seed, seed.workers[0].phone)
    dispatch(web.server, seed)
    page = web.page(360)
    sign_in(page, seed.workers[0].phone)
    card = page.locator("article.offer")
    expect(card.get_by_text("地点未定位，按地址找")).to_be_visible()
    assert "离驿站 0 米" not in card.inner_text()
    shot(page, "issue16-offer-unlocated-360", full_page=False)

    card.get_by_role("button", name="接受", exact=True).click()
    page.wait_for_url("**/worker?accepted=1")
    expect(page.get_by_text(ADDRESS)).to_be_visible()
    expect(page.get_by_text("地点未定位，按地址找")).to_be_visible()
    amap = page.get_by_role("link", name="🗺️ 用高德地图导航").get_attribute("href") or ""
    assert amap.startswith("https://uri.amap.com/search?") and query(amap)["keyword"] == ADDRESS
    baidu = page.get_by_role("link", name="🗺️ 用百度地图导航")
    assert query(baidu.get_attribute("href") or "")["query"] == ADDRESS
    assert (baidu.get_attribute("data-app") or "").startswith("baidumap://map/place/search?")
    geo = page.get_by_role("link", name="🗺️ 用手机自带地图导航").get_attribute("href") or ""
    assert geo.startswith("geo:0,0?q=") and f"{STATION_LAT}" not in geo
    assert_no_sideways_scroll(page)
    assert axe_violations(page) == []
    shot(page, "issue16-today-unlocated-360")


def test_a_located_job_opens_amap_baidu_and_geo_at_its_position_in_wgs84(web: Browser, seed: Seed) -> None:
    placed = order(web, seed, located=True)
    token = check_in(web.server, seed, seed.workers[0].phone)
    run = dispatch(web.server, seed)
    (offer,) = run["offers"]
    r = httpx.post(f"{web.server.url}/api/v1/offers/{offer['id']}/accept",
                   headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200, r.text
    page = web.page(360)
    sign_in(page, seed.workers[0].phone)
    expect(page.get_by_text(ADDRESS)).to_be_visible()
    expect(page.get_by_text("地点未定位")).to_have_count(0)
    lat, lon = f"{placed['lat']:.6f}", f"{placed['lon']:.6f}"
    amap = query(page.get_by_role("link", name="🗺️ 用高德地图导航").get_attribute("href") or "")
    assert amap["position"] == f"{lon},{lat}" and amap["coordinate"] == "wgs84" and amap["callnative"] == "1"
    baidu = page.get_by_role("link", name="🗺️ 用百度地图导航")
    web_q = query(baidu.get_attribute("href") or "")
    assert web_q["location"] == f"{lat},{lon}" and web_q["coord_type"] == "wgs84" and web_q["output"] == "html"
    app = baidu.get_attribute("data-app") or ""
    assert app.startswith("baidumap://map/marker?") and query(app)["coord_type"] == "wgs84"
    geo = page.get_by_role("link", name="🗺️ 用手机自带地图导航").get_attribute("href") or ""
    assert geo.startswith(f"geo:{lat},{lon}?q=")
    assert axe_violations(page) == []
    shot(page, "issue16-today-located-360")
