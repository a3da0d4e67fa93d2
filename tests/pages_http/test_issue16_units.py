"""Pieces of issue 16 that need no browser: the map links, the presence pass, the form
checks in plain words, the form macro's attributes, the API's ``located`` and the events'
retry delay."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import asyncpg
import pytest

from gigstation.people import workers
from gigstation.platform.clock import now
from gigstation.platform.errors import Invalid
from gigstation.stations import presence, screens
from gigstation.web import template_config
from gigstation.web.forms import convert_every_field
from gigstation.web.maps import map_links
from gigstation.web.pages_worker import REGISTER_WORDS
from tests.api.conftest import API, Api, bearer
from tests.pages_http.forms import sign_in


def _q(href: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(href).query).items()}


def test_map_links_say_wgs84_when_located_and_search_the_address_when_not() -> None:
    amap, baidu, geo = map_links("赵巷镇业辉路100号", 31.151, 121.117, True, "仓库装卸", "上海市")
    assert _q(amap.href) == {"position": "121.117000,31.151000", "name": "仓库装卸", "src": "gigstation",
                             "coordinate": "wgs84", "callnative": "1"}
    assert _q(baidu.href)["coord_type"] == "wgs84" and _q(baidu.app)["location"] == "31.151000,121.117000"
    assert geo.href.startswith("geo:31.151000,121.117000?q=")
    amap, baidu, geo = map_links("赵巷镇业辉路100号", 31.151, 121.117, False, "仓库装卸", "上海市")
    assert urlsplit(amap.href).path == "/search" and _q(amap.href)["keyword"] == "赵巷镇业辉路100号"
    assert _q(baidu.href)["query"] == "赵巷镇业辉路100号" and _q(baidu.href)["region"] == "上海市"
    assert "31.151" not in amap.href + baidu.href + baidu.app + geo.href  # never the station's position


def test_every_wrong_registration_field_is_named_in_plain_words() -> None:
    with pytest.raises(Invalid) as caught:
        convert_every_field({"name": "", "phone": "123", "password": "x", "id_type": "resident_id",
                             "id_number": "", "skills": []}, workers.WorkerCreate, REGISTER_WORDS)
    named = {e.field: e.reason for e in caught.value.errors}
    assert set(named) == {"name", "phone", "password", "id_number"}
    assert named["phone"] == "手机号应为11位数字，以1开头"
    assert not any(w in r for r in named.values() for w in ("长度", "格式", "regex", "Expected"))


def test_the_field_macro_keeps_required_and_describedby_apart() -> None:
    env = template_config().engine_instance.engine
    html = env.from_string('{% import "macros.html" as m %}{{ m.field("phone", "手机号", '
                           '[{"field": "phone", "text": "x"}], hint="h") }}').render(csrf_token=lambda: "")
    assert " required aria-invalid=\"true\" aria-describedby=\"f-phone-hint f-phone-error\"" in html


async def test_a_presence_pass_lasts_its_grace_and_no_longer(api: Api, db: asyncpg.Connection[Any]) -> None:
    admin = await api.admin()
    station = await api.station(admin)
    admin_id = await db.fetchval("SELECT id FROM users WHERE role = 'admin'")
    await db.set_type_codec("jsonb", encoder=json.dumps, decoder=json.loads, schema="pg_catalog")
    await screens.make_screen_link(db, admin_id, station["id"], "http://x")
    t = now()
    code = await presence.current_code(db, station["id"], t)
    assert code is not None
    token = await presence.issue_pass(db, station["id"], code, t)
    assert token is not None
    assert await presence.issue_pass(db, station["id"], f"{(int(code) + 1) % 10**6:06d}", t) is None
    assert await presence.verify_pass(db, station["id"], token, t + presence.PASS_TTL - timedelta(minutes=1))
    assert not await presence.verify_pass(db, station["id"], token, t + presence.PASS_TTL + timedelta(minutes=2))
    other = await api.station(admin, name="别的驿站")
    assert not await presence.verify_pass(db, other["id"], token, t)
    assert not await presence.verify_pass(db, station["id"], token[:-1] + "0", t)


async def test_an_order_says_whether_it_was_located(api: Api) -> None:
    _, employer = await api.employer()
    admin = await api.admin()
    await api.station(admin)
    assert (await api.order(employer))["located"] is True
    placed = await api.order(employer, located=False)
    assert placed["located"] is False
    r = await api.client.get(f"{API}/orders/{placed['id']}", headers=bearer(employer))
    assert r.json()["located"] is False


async def test_the_order_page_without_a_location_posts_an_unlocated_order(api: Api) -> None:
    admin = await api.admin()
    station = await api.station(admin)
    body = api.employer_body()
    await api.employer(**body)
    csrf = await sign_in(api.client, body["phone"], body["password"])
    local = (now() + timedelta(hours=2)).astimezone(ZoneInfo("Asia/Shanghai"))
    r = await api.client.post("/employer/orders", follow_redirects=False, data={
        "_csrf_token": csrf, "title": "搬家", "skill": "moving", "headcount": "1",
        "day": "today" if local.date() == now().astimezone(ZoneInfo("Asia/Shanghai")).date() else "tomorrow",
        "starts": local.strftime("%H:00"), "ends": (local + timedelta(hours=3)).strftime("%H:00"),
        "station": station["id"], "address": "赵巷镇某小区", "pay": "40", "pay_unit": "hour"})
    assert r.status_code == 303, r.text
    order_id = r.headers["location"].split("/")[-1].split("?")[0]
    token = await api.login(body["phone"], body["password"])
    got = (await api.client.get(f"{API}/orders/{order_id}", headers=bearer(token))).json()
    assert got["located"] is False and (got["lat"], got["lon"]) == (station["lat"], station["lon"])
