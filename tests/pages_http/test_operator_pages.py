"""Operator pages over HTTP (no browser): board, dispatch result, desk, figures, review."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

import asyncpg

from gigstation.platform.auth import Principal
from gigstation.platform.clock import now, today
from gigstation.work import assignments, pay
from gigstation.work.offers import accept_offer
from tests.api import seed
from tests.api.conftest import Api
from tests.api.test_assignments import work_started
from tests.pages_http.forms import sign_in


async def desk_setup(api: Api) -> dict[str, Any]:
    admin = await api.admin()
    station = await api.station(admin, name="夏阳驿站")
    op, op_token = await api.operator(admin, [station["id"]])
    worker, _ = await api.worker(name="陈阿姨")
    _, employer = await api.employer()
    start = (now() + timedelta(hours=1)).replace(microsecond=0)
    order = await api.order(employer, headcount=2, title="仓库装卸", starts_at=start.isoformat(),
                            ends_at=(start + timedelta(hours=2)).isoformat())
    return {"admin": admin, "station": station, "op": op, "op_token": op_token, "worker": worker,
            "order": order}


async def test_operator_runs_the_desk_end_to_end(api: Api, db: asyncpg.Connection[Any]) -> None:
    s = await desk_setup(api)
    c = api.client
    sid = s["station"]["id"]
    token = await sign_in(c, s["op"]["phone"], "operator-pass")
    r = await c.get("/operator", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"/operator/stations/{sid}"
    board = await c.get(f"/operator/stations/{sid}")
    assert board.status_code == 200
    assert "一键调度" in board.text and "仓库装卸" in board.text
    # Find the person by phone and check them in at the desk.
    desk = await c.get(f"/operator/stations/{sid}/desk", params={"q": s["worker"]["phone"]})
    assert desk.status_code == 200 and "陈阿姨" in desk.text and "代为签到" in desk.text
    r = await c.post(f"/operator/stations/{sid}/desk/checkin", data={
        "_csrf_token": token, "worker_id": s["worker"]["id"], "until": "",
        "until_other": (now() + timedelta(hours=5)).astimezone(ZoneInfo("Asia/Shanghai")).strftime("%H:%M"),
        "max_distance_m": "10000"}, follow_redirects=False)
    assert r.status_code == 303, r.text
    # Dispatch: the result names who goes where.
    r = await c.post(f"/operator/stations/{sid}/dispatch", data={"_csrf_token": token},
                     follow_redirects=False)
    assert r.status_code == 303, r.text
    result = await c.get(r.headers["location"].split("#")[0])
    assert "调度结果" in result.text and "陈阿姨" in result.text
    assert "缺 1 人" in result.text  # two places, one person: the other stays empty, with a reason
    assert "没有更多会做装卸的人" in result.text  # the only loader is on it already
    # Accept the offer for her at the desk.
    offer_id = await db.fetchval("SELECT id FROM offers WHERE status = 'offered'")
    r = await c.post(f"/operator/stations/{sid}/desk/offers/{offer_id}/accept",
                     data={"_csrf_token": token}, follow_redirects=False)
    assert r.status_code == 303, r.text
    after = await c.get(r.headers["location"].split("#")[0])
    assert "已代为接受" in after.text and "已接下的工作" in after.text
    actor = await db.fetchval(
        "SELECT u.role FROM audit_log a JOIN users u ON u.id = a.actor_id WHERE a.action = 'offer.accept'")
    assert actor == "operator"
    figures = await c.get(f"/operator/stations/{sid}/figures")
    assert figures.status_code == 200 and "<svg" in figures.text and "每小时签到人次" in figures.text
    for tab in ("complaints", "employers"):
        assert (await c.get(f"/operator/stations/{sid}/{tab}")).status_code == 200
    order_page = await c.get(f"/operator/stations/{sid}/orders/{s['order']['id']}")
    assert order_page.status_code == 200


async def test_unknown_number_at_the_desk_says_what_to_do(api: Api) -> None:
    s = await desk_setup(api)
    await sign_in(api.client, s["op"]["phone"], "operator-pass")
    r = await api.client.get(f"/operator/stations/{s['station']['id']}/desk", params={"q": "13999999999"})
    assert r.status_code == 404 and "没有找到这位劳动者" in r.text


async def test_other_stations_and_other_roles_are_kept_out(api: Api) -> None:
    s = await desk_setup(api)
    other = await api.station(s["admin"], name="别处")
    await sign_in(api.client, s["op"]["phone"], "operator-pass")
    r = await api.client.get(f"/operator/stations/{other['id']}")
    assert r.status_code == 404
    await api.client.post("/logout", follow_redirects=False)
    api.client.cookies.clear()
    worker, _ = await api.worker()
    await sign_in(api.client, worker["phone"], "worker-pass")
    r = await api.client.get(f"/operator/stations/{s['station']['id']}", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")


async def test_operator_verifies_pins_and_resolves(api: Api, db: asyncpg.Connection[Any]) -> None:
    s = await desk_setup(api)
    c = api.client
    sid = s["station"]["id"]
    token = await sign_in(c, s["op"]["phone"], "operator-pass")
    welder, _ = await api.worker(name="赵师傅", skills=["welding", "moving"])
    wid = welder["id"]
    desk = await c.get(f"/operator/stations/{sid}/desk", params={"worker": wid})
    assert "待核验" in desk.text and "我已看过证书，标记为已核验" in desk.text
    r = await c.post(f"/operator/stations/{sid}/desk/workers/{wid}/skills/welding/verify",
                     data={"_csrf_token": token}, follow_redirects=False)
    assert r.status_code == 303
    assert await db.fetchval("SELECT status FROM worker_skills WHERE worker_id = $1 AND skill = 'welding'",
                             welder_uuid := UUID(wid)) == "active"
    # Priority needs the papers: ticking the group alone is refused, with the reason on the page.
    r = await c.post(f"/operator/stations/{sid}/desk/workers/{wid}/priority",
                     data={"_csrf_token": token, "groups": ["veteran", "not_a_group"]}, follow_redirects=False)
    assert r.status_code == 422 and "须登记核验的证明材料" in r.text, r.text
    assert await db.fetchval("SELECT priority_groups FROM workers WHERE user_id = $1", UUID(wid)) == []
    local = today("Asia/Shanghai")
    papers = {"veteran.type": "退役军人优待证", "veteran.number": "TY-2026-001",
              "veteran.date": str(local - timedelta(days=10)), "veteran.expires": str(local + timedelta(days=90))}
    r = await c.post(f"/operator/stations/{sid}/desk/workers/{wid}/priority",
                     data={"_csrf_token": token, "groups": ["veteran", "not_a_group"],
                           **papers, "veteran.expires": "2030-01-01"}, follow_redirects=False)
    assert r.status_code == 422 and "重新核验" in r.text, r.text  # longer than the group's maximum
    r = await c.post(f"/operator/stations/{sid}/desk/workers/{wid}/priority",
                     data={"_csrf_token": token, "groups": ["veteran", "not_a_group"], **papers},
                     follow_redirects=False)
    assert r.status_code == 303
    desk = await c.get(f"/operator/stations/{sid}/desk?worker={wid}")
    assert f"有效至 {local + timedelta(days=90)}" in desk.text and "T*********1" in desk.text
    assert await db.fetchval("SELECT priority_groups FROM workers WHERE user_id = $1", welder_uuid) == ["veteran"]
    # Pin, see it listed, remove it.
    order_page = f"/operator/stations/{sid}/orders/{s['order']['id']}"
    r = await c.post(f"{order_page}/pairings", data={"_csrf_token": token, "worker_id": wid, "kind": "pin"},
                     follow_redirects=False)
    assert r.status_code == 303
    assert "赵师傅" in (await c.get(order_page)).text
    assert await db.fetchval("SELECT kind FROM pairings") == "pin"
    r = await c.post(f"{order_page}/pairings", data={"_csrf_token": token, "worker_id": wid, "kind": "clear"},
                     follow_redirects=False)
    assert r.status_code == 303 and await db.fetchval("SELECT count(*) FROM pairings") == 0
    bad = await c.post(f"{order_page}/pairings", data={"_csrf_token": token, "worker_id": "x", "kind": "pin"})
    assert bad.status_code == 422
    # Verify the employer who posted here.
    employers = await c.get(f"/operator/stations/{sid}/employers")
    assert "已看过执照，标记为已认证" in employers.text
    employer_id = await db.fetchval("SELECT employer_id FROM orders")
    r = await c.post(f"/operator/stations/{sid}/employers/{employer_id}/verify", data={"_csrf_token": token},
                     follow_redirects=False)
    assert r.status_code == 303
    assert await db.fetchval("SELECT verified_at IS NOT NULL FROM employers WHERE user_id = $1", employer_id)
    assert await db.fetchval("SELECT count(*) FROM audit_log WHERE action IN "
                             "('worker.skill_verified', 'worker.priority_verified', 'pairing.pin', "
                             "'pairing.clear', 'employer.verify')") == 5


async def test_operator_resolves_a_wage_complaint(api: Api, db: asyncpg.Connection[Any]) -> None:
    s = await desk_setup(api)
    sid = UUID(s["station"]["id"])
    token = await sign_in(api.client, s["op"]["phone"], "operator-pass")
    await db.set_type_codec("jsonb", encoder=json.dumps, decoder=json.loads, schema="pg_catalog")
    (worker,) = await seed.workers(db, 1, sid)
    (offer,) = await seed.offers(db, sid, [(worker, UUID(s["order"]["id"]))])
    employer = await db.fetchval("SELECT employer_id FROM orders")
    async with db.transaction():
        a = await accept_offer(db, worker, offer)
    await work_started(db, s["order"]["id"])  # work is confirmed done only once it has started
    async with db.transaction():
        await assignments.complete(db, Principal(employer, "employer"), a.id, assignments.CompleteBody(),
                                   now())
        await pay.dispute(db, Principal(worker, "worker"), a.id, assignments.ReasonBody("没有发工资"))
    page = await api.client.get(f"/operator/stations/{sid}/complaints")
    assert "欠薪投诉" in page.text and "没有发工资" in page.text
    r = await api.client.post(f"/operator/stations/{sid}/complaints/{a.id}/resolve",
                              data={"_csrf_token": token, "note": "已电话催付"}, follow_redirects=False)
    assert r.status_code == 303
    assert await db.fetchval("SELECT resolution_note FROM assignments WHERE id = $1", a.id) == "已电话催付"
    assert "没有待处理的投诉" in (await api.client.get(f"/operator/stations/{sid}/complaints")).text
