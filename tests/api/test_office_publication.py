"""Published without sign-in: the wage figures in force and the arrears blacklist as the rules
allow (oversight/publication.py). Both routes were absent (404) before issue 19."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

import asyncpg
from hypothesis import given, settings
from hypothesis import strategies as st

from gigstation.oversight.publication import MASK, redact
from gigstation.platform.clock import today
from gigstation.sim.demo import demo_resident_id
from tests.api.conftest import API, Api, bearer
from tests.api.test_assignments import staffed


async def _guidance(api: Api, admin: str, skill: str, low: int, on: date, region: str = "Shanghai") -> dict[str, Any]:
    r = await api.client.post(f"{API}/wages/guidance/entries", headers=bearer(admin), json={
        "skill": skill, "pay_unit": "hour", "low_fen": low, "median_fen": low + 500,
        "high_fen": low + 1000, "effective_from": on.isoformat(), "region": region,
        "source": "青浦区人力资源市场工资指导价位（测试）"})
    assert r.status_code == 201, r.text
    return dict(r.json())


async def test_wages_are_published_without_sign_in(api: Api) -> None:
    admin = await api.admin()
    day = today("Asia/Shanghai")
    old = await _guidance(api, admin, "moving", 2600, day - timedelta(days=60))
    wrong = await _guidance(api, admin, "loading", 2000, day - timedelta(days=30))
    r = await api.client.post(f"{API}/wages/guidance/entries/{wrong['id']}/supersede", headers=bearer(admin),
                              json={"skill": "loading", "pay_unit": "hour", "low_fen": 2700,
                                    "median_fen": 3000, "high_fen": 3500,
                                    "effective_from": (day - timedelta(days=30)).isoformat()})
    assert r.status_code == 201, r.text
    newer = await _guidance(api, admin, "moving", 2800, day - timedelta(days=1))
    future = await _guidance(api, admin, "moving", 3000, day + timedelta(days=20))
    r = await api.client.post(f"{API}/wages/minimums", headers=bearer(admin), json={
        "region": "Shanghai", "effective_from": (day + timedelta(days=40)).isoformat(),
        "hourly_fen": 2700, "monthly_fen": 290000, "source": "announced"})
    assert r.status_code == 201, r.text

    r = await api.client.get(f"{API}/public/wages")  # no token
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["on"] == day.isoformat()
    shanghai = [m for m in body["minimums"] if m["region"] == "Shanghai"]
    assert len(shanghai) == 1 and shanghai[0]["region_zh"] == "上海市"
    assert shanghai[0]["hourly_fen"] == (2500 if day >= date(2025, 7, 1) else 2400)
    rows = {(g["skill"], g["low_fen"]) for g in body["guidance"]}
    # The newest entry in force per job type; the superseded figure and the old one are gone.
    assert rows == {("moving", 2800), ("loading", 2700)}
    moving = next(g for g in body["guidance"] if g["skill"] == "moving")
    assert moving["skill_zh"] == "搬运" and moving["source"].startswith("青浦区")
    assert [(g["skill"], g["low_fen"]) for g in body["upcoming_guidance"]] == [("moving", 3000)]
    assert [m["hourly_fen"] for m in body["upcoming_minimums"]] == [2700]
    assert "created_by" not in json.dumps(body)
    assert newer["id"] != old["id"] != future["id"]
    # On a given day, the figures of that day.
    past = (await api.client.get(f"{API}/public/wages", params={"on": (day - timedelta(days=40)).isoformat()})).json()
    assert {(g["skill"], g["low_fen"]) for g in past["guidance"]} == {("moving", 2600)}


async def test_a_bad_wage_date_is_a_422_naming_it(api: Api) -> None:
    for bad in ("1900-01-01", "soon"):
        r = await api.client.get(f"{API}/public/wages", params={"on": bad})
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "on", r.text


async def test_blacklist_is_published_without_worker_data(api: Api, db: asyncpg.Connection[Any]) -> None:
    job = await staffed(api)
    worker = job.workers[0][0]
    company = job.employer
    r = await api.client.post(f"{API}/blacklist", headers=bearer(job.admin), json={
        "employer_id": company["id"],
        "reason": f"拖欠{worker['name']}等3人工资共4800元，电话{worker['phone']}，逾期未支付",
        "evidence": "劳动保障监察限期整改指令书（内部证据，不公开）"})
    assert r.status_code == 201, r.text
    id_number = demo_resident_id(date(1980, 1, 1), 53)
    individual, _ = await api.employer(kind="individual", name="张个体", credit_code=None,
                                       id_number=id_number)
    r = await api.client.post(f"{API}/blacklist", headers=bearer(job.admin), json={
        "employer_id": individual["id"], "reason": "拖欠装修工人工资", "evidence": "证据"})
    assert r.status_code == 201, r.text
    lifted, _ = await api.employer()
    r = await api.client.post(f"{API}/blacklist", headers=bearer(job.admin), json={
        "employer_id": lifted["id"], "reason": "已结清", "evidence": "证据"})
    entry = r.json()
    r = await api.client.post(f"{API}/blacklist/{entry['id']}/lift", headers=bearer(job.admin),
                              json={"reason": "已全额支付"})
    assert r.status_code == 200, r.text

    r = await api.client.get(f"{API}/public/blacklist")
    assert r.status_code == 200, r.text
    text = r.text
    listings = {x["employer_name"]: x for x in r.json()["listings"]}
    assert set(listings) == {company["name"], "张个体"}  # the lifted listing is not published
    c = listings[company["name"]]
    assert c["kind"] == "company" and c["credit_code"] == company["credit_code"]
    assert c["reason"] == f"拖欠{MASK}等3人工资共4800元，电话{MASK}，逾期未支付"
    assert c["listed_on"] == today("Asia/Shanghai").isoformat() and c["ends_on"] > c["listed_on"]
    p = listings["张个体"]
    assert p["kind"] == "individual" and p["credit_code"] is None
    for secret in (worker["name"], worker["phone"], "内部证据", id_number, id_number[-6:],
                   individual["id_number_masked"], "evidence", "listed_by", job.admin):
        assert secret not in text, secret


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from("0123456789Xx 工资王师傅李"), max_size=40),
       st.sampled_from(["王师傅", "李", "王"]))
def test_redaction_leaves_no_long_number_and_no_name(text: str, name: str) -> None:
    out = redact(text, {name})
    assert name not in out
    digits = "".join(ch if ch.isdigit() else " " for ch in out).split()
    assert all(len(d) < 11 for d in digits), out
