"""Pushing what helps (oversight/outreach.py): courses and policy notices to a station or the
district, interest in a course, training wishes and the demand the office sees."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta
from typing import Any

import asyncpg

from gigstation.platform.clock import today
from tests.api.conftest import API, Api, bearer


def _course(**over: Any) -> dict[str, Any]:
    day = today("Asia/Shanghai")
    body = {"kind": "course", "title": "电焊工培训班（初级）", "body": "免费培训，结业发证书。",
            "starts_on": (day + timedelta(days=7)).isoformat(),
            "ends_on": (day + timedelta(days=11)).isoformat(),
            "place": "赵巷镇社区学校二楼", "seats": 2, "skill": "welding"}
    body.update(over)
    return body


def _policy(**over: Any) -> dict[str, Any]:
    day = today("Asia/Shanghai")
    body = {"kind": "policy", "title": "灵活就业人员社保补贴申领", "body": "符合条件的可到驿站窗口申请。",
            "starts_on": day.isoformat(), "ends_on": (day + timedelta(days=30)).isoformat()}
    body.update(over)
    return body


async def _publish(api: Api, token: str, body: dict[str, Any]) -> dict[str, Any]:
    r = await api.client.post(f"{API}/notices", headers=bearer(token), json=body)
    assert r.status_code == 201, r.text
    return dict(r.json())


async def test_who_publishes_where(api: Api, db: asyncpg.Connection[Any]) -> None:
    admin = await api.admin()
    station, other = await api.station(admin), await api.station(admin)
    _, operator = await api.operator(admin, [station["id"]])
    course = await _publish(api, operator, _course(station_id=station["id"]))
    assert course["station_name"] == station["name"] and course["interested"] == 0
    assert course["skill_zh"] == "焊工"
    r = await api.client.post(f"{API}/notices", headers=bearer(operator), json=_policy())
    assert r.status_code == 403, r.text  # the district is the office's
    r = await api.client.post(f"{API}/notices", headers=bearer(operator), json=_policy(station_id=other["id"]))
    assert r.status_code == 404, r.text
    district = await _publish(api, admin, _policy())
    assert district["station_id"] is None
    _, wt = await api.worker()
    assert (await api.client.post(f"{API}/notices", headers=bearer(wt), json=_policy())).status_code == 403
    # Rules of the form, each naming its field.
    day = today("Asia/Shanghai")
    for body, field in ((_course(station_id=station["id"], seats=None), "seats"),
                        (_course(station_id=station["id"], place=" "), "place"),
                        (_course(station_id=station["id"], skill="juggling"), "skill"),
                        (_policy(seats=3), "seats"),
                        (_policy(ends_on=(day - timedelta(days=1)).isoformat(),
                                 starts_on=(day - timedelta(days=3)).isoformat()), "ends_on"),
                        (_policy(ends_on=(day - timedelta(days=9)).isoformat()), "ends_on"),
                        (_policy(title=""), "title")):
        r = await api.client.post(f"{API}/notices", headers=bearer(admin), json=body)
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == field, (field, r.text)
    assert await db.fetchval("SELECT count(*) FROM audit_log WHERE action = 'notice.publish'") == 2


async def test_workers_see_their_station_and_the_district(api: Api) -> None:
    admin = await api.admin()
    here, there = await api.station(admin), await api.station(admin)
    _, op_here = await api.operator(admin, [here["id"]])
    _, op_there = await api.operator(admin, [there["id"]])
    course = await _publish(api, op_here, _course(station_id=here["id"]))
    elsewhere = await _publish(api, op_there, _policy(station_id=there["id"], title="别的驿站的通知"))
    district = await _publish(api, admin, _policy())
    later = await _publish(api, admin, _policy(
        title="下个月的政策", starts_on=(today("Asia/Shanghai") + timedelta(days=20)).isoformat()))
    _, wt = await api.worker()

    async def mine() -> list[str]:
        r = await api.client.get(f"{API}/notices/mine", headers=bearer(wt))
        assert r.status_code == 200, r.text
        return [n["id"] for n in r.json()]

    assert await mine() == [district["id"]]  # never checked in: the district's only
    await api.checkin(wt, here["id"])
    assert set(await mine()) == {course["id"], district["id"]}
    assert elsewhere["id"] not in await mine() and later["id"] not in await mine()
    # Without sign-in, by station (what the wall screen shows).
    r = await api.client.get(f"{API}/notices", params={"station_id": there["id"]})
    assert r.status_code == 200 and {n["id"] for n in r.json()} == {elsewhere["id"], district["id"]}
    # Withdrawn: gone for everyone, kept on record; twice is harmless; others' are not theirs.
    def withdraw(notice: dict[str, Any], token: str) -> Any:
        return api.client.post(f"{API}/notices/{notice['id']}/withdraw", headers=bearer(token))

    assert (await withdraw(course, op_there)).status_code == 404
    assert (await withdraw(district, op_here)).status_code == 403
    for _ in range(2):
        r = await api.client.post(f"{API}/notices/{course['id']}/withdraw", headers=bearer(op_here))
        assert r.status_code == 200 and r.json()["withdrawn_at"], r.text
    assert await mine() == [district["id"]]
    managed = (await api.client.get(f"{API}/notices/manage", headers=bearer(op_here))).json()
    assert {n["id"] for n in managed} == {course["id"], district["id"], later["id"]}


async def test_interest_one_tap_and_withdraw(api: Api, db: asyncpg.Connection[Any]) -> None:
    admin = await api.admin()
    station = await api.station(admin)
    _, operator = await api.operator(admin, [station["id"]])
    course = await _publish(api, operator, _course(station_id=station["id"]))
    policy = await _publish(api, operator, _policy(station_id=station["id"]))
    people = [await api.worker() for _ in range(3)]
    url = f"{API}/notices/{course['id']}/interest"
    # Two taps at once from one phone count once.
    first = await asyncio.gather(*(api.client.post(url, headers=bearer(people[0][1])) for _ in range(2)))
    assert [r.status_code for r in first] == [200, 200] and first[-1].json()["interested"] is True
    for _, token in people[1:]:
        assert (await api.client.post(url, headers=bearer(token))).json()["count"] in (2, 3)
    r = await api.client.delete(url, headers=bearer(people[2][1]))
    assert r.status_code == 200 and r.json() == {"notice_id": course["id"], "interested": False, "count": 2}
    assert (await api.client.post(url, headers=bearer(people[2][1]))).json()["count"] == 3
    assert await db.fetchval("SELECT count(*) FROM course_interest") == 4  # the withdrawn row is kept
    # Demand beyond the seats is shown, not refused: 3 want it, 2 seats.
    managed = (await api.client.get(f"{API}/notices/manage", headers=bearer(operator))).json()
    shown = next(n for n in managed if n["id"] == course["id"])
    assert (shown["interested"], shown["seats"]) == (3, 2)
    r = await api.client.post(f"{API}/notices/{policy['id']}/interest", headers=bearer(people[0][1]))
    assert r.status_code == 422, r.text
    r = await api.client.post(f"{API}/notices/{uuid.uuid4()}/interest", headers=bearer(people[0][1]))
    assert r.status_code == 404, r.text
    assert (await api.client.post(url, headers=bearer(operator))).status_code == 403
    await api.client.post(f"{API}/notices/{course['id']}/withdraw", headers=bearer(operator))
    r = await api.client.post(url, headers=bearer(people[1][1]))
    assert r.status_code == 404, r.text


async def test_training_wishes_and_demand_per_skill(api: Api) -> None:
    admin = await api.admin()
    here, there = await api.station(admin), await api.station(admin)
    _, operator = await api.operator(admin, [here["id"]])
    await _publish(api, operator, _course(station_id=here["id"], seats=20))
    local = [await api.worker() for _ in range(2)]
    _, away = await api.worker()
    for _, token in local:
        await api.checkin(token, here["id"])
    await api.checkin(away, there["id"])
    for _, token in local:
        for skill in ("welding", "welding", "forklift"):
            r = await api.client.put(f"{API}/training/wishes/{skill}", headers=bearer(token))
            assert r.status_code == 200, r.text
    assert (await api.client.put(f"{API}/training/wishes/electrician", headers=bearer(away))).status_code == 200
    r = await api.client.get(f"{API}/training/wishes", headers=bearer(local[0][1]))
    assert r.json() == {"skills": ["forklift", "welding"]}
    r = await api.client.delete(f"{API}/training/wishes/forklift", headers=bearer(local[1][1]))
    assert r.status_code == 200 and r.json() == {"skills": ["welding"]}
    r = await api.client.put(f"{API}/training/wishes/juggling", headers=bearer(away))
    assert r.status_code == 404, r.text
    demand = (await api.client.get(f"{API}/training/demand", params={"station_id": here["id"]},
                                   headers=bearer(operator))).json()
    wanted = {s["skill"]: (s["workers"], s["courses"], s["seats"]) for s in demand["wishes"]}
    assert wanted == {"welding": (2, 1, 20), "forklift": (1, 0, 0)}  # not the other station's wish
    assert [c["title"] for c in demand["courses"]] == ["电焊工培训班（初级）"]
    district = (await api.client.get(f"{API}/training/demand", headers=bearer(admin))).json()
    assert {s["skill"]: s["workers"] for s in district["wishes"]} == {"welding": 2, "forklift": 1,
                                                                      "electrician": 1}
    r = await api.client.get(f"{API}/training/demand", headers=bearer(operator))
    assert r.status_code == 422, r.text
    r = await api.client.get(f"{API}/training/demand", params={"station_id": there["id"]},
                             headers=bearer(operator))
    assert r.status_code == 404, r.text
