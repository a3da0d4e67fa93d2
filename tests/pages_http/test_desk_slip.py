"""Issue 16, item 2: the person without a smartphone carried to the end. The desk accepts for
them, prints a job slip whose one-time codes the employer types in the ordinary "record
arrival" step, and later answers the recorded hours for them; another station cannot."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta
from typing import Any

import asyncpg
from litestar.testing import AsyncTestClient

from gigstation.platform import clock
from tests.api.conftest import ADMIN, API, Api, bearer
from tests.api.records import Travel, schedule, travel
from tests.pages_http.forms import sign_in

__all__ = ["travel"]  # the fixture, used by name

CODE = re.compile(r'<h2 id="code-(arrival|departure)">[^<]*</h2>\s*'
                  r'<p class="code-big"[^>]*>([A-Z2-7]{4}-[A-Z2-7]{4})</p>')


class Desk:
    def __init__(self, station: dict[str, Any], op: dict[str, Any], worker: dict[str, Any],
                 employer: dict[str, Any], order: dict[str, Any]) -> None:
        self.station, self.op, self.worker, self.employer, self.order = station, op, worker, employer, order

    @property
    def url(self) -> str:
        return f"/operator/stations/{self.station['id']}/desk"


async def _accepted_at_desk(api: Api, db: asyncpg.Connection[Any]) -> tuple[Desk, str, str]:
    """A person checked in at the desk, dispatched, and accepted for on the desk page; returns
    the desk, the assignment id and the operator's CSRF token."""
    admin = await api.admin()
    station = await api.station(admin)
    op, op_token = await api.operator(admin, [station["id"]])
    worker, _ = await api.worker()
    employer, employer_token = await api.employer()
    order = await api.order(employer_token, headcount=1)
    r = await api.client.post(f"{API}/checkins", headers=bearer(op_token), json={
        "station_id": station["id"], "worker_id": worker["id"],
        "available_until": (clock.now() + timedelta(hours=8)).isoformat(), "max_distance_m": 10000})
    assert r.status_code == 201, r.text
    r = await api.client.post(f"{API}/stations/{station['id']}/dispatch", headers=bearer(op_token))
    assert r.status_code == 201, r.text
    offer_id = r.json()["offers"][0]["id"]
    desk = Desk(station, op, worker, employer, order)
    csrf = await sign_in(api.client, op["phone"], "operator-pass")
    r = await api.client.post(f"{desk.url}/offers/{offer_id}/accept", data={"_csrf_token": csrf},
                              follow_redirects=False)
    assert r.status_code == 303, r.text
    aid = str(await db.fetchval("SELECT id FROM assignments WHERE offer_id = $1", uuid.UUID(offer_id)))
    assert f"job={aid}" in r.headers["location"]
    page = await api.client.get(r.headers["location"])
    assert "请打印工作单" in page.text and f'action="{desk.url}/jobs/{aid}/slip"' in page.text
    return desk, aid, csrf


def _codes(html: str) -> dict[str, str]:
    return dict(CODE.findall(html))


async def _employer_types(c: AsyncTestClient[Any], desk: Desk, aid: str, event: str, code: str) -> int:
    csrf = await sign_in(c, desk.employer["phone"], "employer-pass")
    r = await c.post(f"/employer/orders/{desk.order['id']}/crew/{aid}/{event}",
                     data={"_csrf_token": csrf, "code": code}, follow_redirects=False)
    return r.status_code


async def test_the_slip_carries_codes_the_employer_types_and_the_desk_answers_the_hours(
    api: Api, db: asyncpg.Connection[Any], travel: Travel
) -> None:
    desk, aid, csrf = await _accepted_at_desk(api, db)
    await schedule(db, desk.order["id"], timedelta(minutes=10))
    first = await api.client.post(f"{desk.url}/jobs/{aid}/slip", data={"_csrf_token": csrf})
    assert first.status_code == 200, first.text
    # The slip: the person (ID masked), the job, the place, the pay, the station's phone.
    w = desk.worker
    assert w["name"] in first.text and w["id_number_masked"] in first.text
    assert desk.order["title"] in first.text and desk.order["address"] in first.text
    assert desk.op["phone"] in first.text and "驿站电话" in first.text
    assert "¥" in first.text and 'id="print"' in first.text and "js/slip.js" in first.text
    assert "data:image/svg+xml;base64," in first.text  # the QR the employer's camera reads
    old = _codes(first.text)
    assert set(old) == {"arrival", "departure"}
    # The desk now knows a slip is out; printing again voids the first slip's codes.
    page = await api.client.get(f"{desk.url}?worker={w['id']}")
    assert "重新打印工作单" in page.text and "data-confirm" in page.text
    csrf = await sign_in(api.client, desk.op["phone"], "operator-pass")
    second = await api.client.post(f"{desk.url}/jobs/{aid}/slip", data={"_csrf_token": csrf})
    new = _codes(second.text)
    assert new["arrival"] != old["arrival"]
    assert await _employer_types(api.client, desk, aid, "arrival", old["arrival"]) == 422
    assert await _employer_types(api.client, desk, aid, "arrival", new["arrival"]) == 303
    row = await db.fetchrow("SELECT proof, recorded_by FROM hours_events WHERE assignment_id = $1 "
                            "AND kind = 'arrival'", uuid.UUID(aid))
    assert row["proof"] == "desk_slip"
    travel(timedelta(minutes=31))
    assert await _employer_types(api.client, desk, aid, "departure", new["departure"]) == 303
    # Back at the desk: the recorded hours, answered for the person.
    csrf = await sign_in(api.client, desk.op["phone"], "operator-pass")
    page = await api.client.get(f"{desk.url}?worker={w['id']}")
    assert "请和本人核对工时" in page.text and f"{desk.url}/jobs/{aid}/hours/confirm" in page.text
    assert f"{desk.url}/jobs/{aid}/slip" not in page.text  # nothing left to scan
    r = await api.client.post(f"{desk.url}/jobs/{aid}/hours/confirm", data={"_csrf_token": csrf},
                              follow_redirects=False)
    assert r.status_code == 303, r.text
    assert "已代本人确认工时" in (await api.client.get(r.headers["location"])).text
    row = await db.fetchrow("SELECT h.proof, h.on_behalf_of, u.role FROM hours_events h "
                            "JOIN users u ON u.id = h.recorded_by WHERE h.assignment_id = $1 AND h.kind = 'confirm'",
                            uuid.UUID(aid))
    assert row["proof"] == "desk" and row["role"] == "operator" and str(row["on_behalf_of"]) == w["id"]
    assert await db.fetchval("SELECT hours_state FROM assignments WHERE id = $1", uuid.UUID(aid)) == "confirmed"


async def test_the_desk_contests_for_the_person_and_an_empty_reason_is_named(
    api: Api, db: asyncpg.Connection[Any], travel: Travel
) -> None:
    desk, aid, csrf = await _accepted_at_desk(api, db)
    await schedule(db, desk.order["id"], timedelta(minutes=10))
    codes = _codes((await api.client.post(f"{desk.url}/jobs/{aid}/slip", data={"_csrf_token": csrf})).text)
    assert await _employer_types(api.client, desk, aid, "arrival", codes["arrival"]) == 303
    travel(timedelta(minutes=31))
    assert await _employer_types(api.client, desk, aid, "departure", codes["departure"]) == 303
    csrf = await sign_in(api.client, desk.op["phone"], "operator-pass")
    empty = await api.client.post(f"{desk.url}/jobs/{aid}/hours/contest", data={"_csrf_token": csrf, "reason": ""})
    assert empty.status_code == 422 and 'class="field-error"' in empty.text
    r = await api.client.post(f"{desk.url}/jobs/{aid}/hours/contest",
                              data={"_csrf_token": csrf, "reason": "本人说干到了五点"}, follow_redirects=False)
    assert r.status_code == 303, r.text
    assert await db.fetchval("SELECT hours_state FROM assignments WHERE id = $1", uuid.UUID(aid)) == "contested"
    assert str(await db.fetchval("SELECT on_behalf_of FROM hours_events WHERE assignment_id = $1 "
                                 "AND kind = 'contest'", uuid.UUID(aid))) == desk.worker["id"]


async def test_another_stations_operator_cannot_print_or_answer(api: Api, db: asyncpg.Connection[Any]) -> None:
    desk, aid, _ = await _accepted_at_desk(api, db)
    admin = await api.admin()
    other = await api.station(admin, name="别的驿站")
    stranger, _ = await api.operator(admin, [other["id"]])
    csrf = await sign_in(api.client, stranger["phone"], "operator-pass")
    for path in (f"/operator/stations/{other['id']}/desk/jobs/{aid}/slip",
                 f"/operator/stations/{other['id']}/desk/jobs/{aid}/hours/confirm",
                 f"{desk.url}/jobs/{aid}/slip"):
        r = await api.client.post(path, data={"_csrf_token": csrf})
        assert r.status_code == 404, (path, r.status_code)
    assert await db.fetchval("SELECT count(*) FROM hours_slip_codes WHERE assignment_id = $1", uuid.UUID(aid)) == 0


async def test_a_station_with_its_own_phone_prints_it_and_a_bad_number_is_named(
    api: Api, db: asyncpg.Connection[Any]
) -> None:
    desk, aid, csrf = await _accepted_at_desk(api, db)
    await db.execute("UPDATE stations SET phone = '021-59701234' WHERE id = $1", uuid.UUID(desk.station["id"]))
    slip = await api.client.post(f"{desk.url}/jobs/{aid}/slip", data={"_csrf_token": csrf})
    assert slip.status_code == 200, slip.text
    line = slip.text.split('<p class="station">')[1].split("</p>")[0]
    assert "021-59701234" in line and desk.op["phone"] not in line and desk.op["name"] not in line
    # Through the API: a station is made with its phone, and a number that is not one is named.
    admin = await api.admin()
    r = await api.client.post(f"{API}/stations", headers=bearer(admin), json={
        "name": "电话驿站", "address": "青浦区某路1号", "lat": 31.16, "lon": 121.12, "phone": "021-5970-1235"})
    assert r.status_code == 201 and r.json()["phone"] == "021-5970-1235", r.text
    r = await api.client.post(f"{API}/stations", headers=bearer(admin), json={
        "name": "错号驿站", "address": "青浦区某路2号", "lat": 31.17, "lon": 121.12, "phone": "call us"})
    assert r.status_code == 422 and [e["field"] for e in r.json()["errors"]] == ["phone"], r.text
    # The administrator's station form sets it, and an odd number comes back next to its box.
    csrf = await sign_in(api.client, ADMIN["phone"], ADMIN["password"])
    form = {"_csrf_token": csrf, "name": desk.station["name"], "address": desk.station["address"],
            "lat": str(desk.station["lat"]), "lon": str(desk.station["lon"]), "service_radius_m": "1000",
            "region": "Shanghai", "phone": "021-59709999"}
    r = await api.client.post(f"/admin/stations/{desk.station['id']}", data=form, follow_redirects=False)
    assert r.status_code == 303, r.text
    station_id = uuid.UUID(desk.station["id"])
    assert await db.fetchval("SELECT phone FROM stations WHERE id = $1", station_id) == "021-59709999"
    r = await api.client.post(f"/admin/stations/{desk.station['id']}", data={**form, "phone": "电话"})
    assert r.status_code == 422 and "电话请填数字" in r.text


async def test_the_desk_files_a_wage_complaint_for_the_person(api: Api, db: asyncpg.Connection[Any]) -> None:
    """A person without a phone has no other way to complain about unpaid wages."""
    desk, aid, csrf = await _accepted_at_desk(api, db)
    await schedule(db, desk.order["id"], timedelta(hours=-6))
    page = await api.client.get(f"{desk.url}?worker={desk.worker['id']}")
    assert page.status_code == 200 and f'action="{desk.url}/jobs/{aid}/dispute"' in page.text
    assert "代为投诉" in page.text
    empty = await api.client.post(f"{desk.url}/jobs/{aid}/dispute", data={"_csrf_token": csrf, "reason": ""})
    assert empty.status_code == 422 and 'class="field-error"' in empty.text
    r = await api.client.post(f"{desk.url}/jobs/{aid}/dispute",
                              data={"_csrf_token": csrf, "reason": "本人说一分钱没收到"}, follow_redirects=False)
    assert r.status_code == 303, r.text
    row = await db.fetchrow("SELECT dispute_reason, disputed_by FROM assignments WHERE id = $1", uuid.UUID(aid))
    assert row["dispute_reason"] == "本人说一分钱没收到" and str(row["disputed_by"]) == desk.op["id"]
    page = await api.client.get(r.headers["location"])
    assert "已代本人投诉工资" in page.text and f"/jobs/{aid}/dispute" not in page.text
    # Another station's operator cannot file one for this job.
    admin = await api.admin()
    other = await api.station(admin, name="别的驿站")
    stranger, _ = await api.operator(admin, [other["id"]])
    csrf = await sign_in(api.client, stranger["phone"], "operator-pass")
    r = await api.client.post(f"/operator/stations/{other['id']}/desk/jobs/{aid}/dispute",
                              data={"_csrf_token": csrf, "reason": "x"})
    assert r.status_code == 404


async def test_the_desk_confirms_for_the_person_that_the_pay_arrived(api: Api, db: asyncpg.Connection[Any]) -> None:
    """Without it a person without a phone could never confirm their pay: the job stayed on the
    overdue pay list against the employer, and the person was never anonymised."""
    desk, aid, csrf = await _accepted_at_desk(api, db)
    await schedule(db, desk.order["id"], timedelta(hours=-6))
    page = await api.client.get(f"{desk.url}?worker={desk.worker['id']}")
    assert f"/jobs/{aid}/pay-confirm" not in page.text  # nothing recorded as paid yet
    employer_token = await api.login(desk.employer["phone"], "employer-pass")
    r = await api.client.post(f"{API}/assignments/{aid}/complete", headers=bearer(employer_token))
    assert r.status_code == 200, r.text
    r = await api.client.post(f"{API}/assignments/{aid}/paid", headers=bearer(employer_token),
                              json={"amount_cents": 20000})
    assert r.status_code == 200, r.text
    # Another station's operator cannot; the API takes no admin or employer for the worker.
    admin = await api.admin()
    other = await api.station(admin, name="别的驿站")
    _, stranger = await api.operator(admin, [other["id"]])
    assert (await api.client.post(f"{API}/assignments/{aid}/confirm-pay", headers=bearer(stranger))).status_code == 404
    for token in (admin, employer_token):
        assert (await api.client.post(f"{API}/assignments/{aid}/confirm-pay", headers=bearer(token))).status_code == 403
    csrf = await sign_in(api.client, desk.op["phone"], "operator-pass")
    page = await api.client.get(f"{desk.url}?worker={desk.worker['id']}")
    assert f'action="{desk.url}/jobs/{aid}/pay-confirm"' in page.text
    r = await api.client.post(f"{desk.url}/jobs/{aid}/pay-confirm", data={"_csrf_token": csrf},
                              follow_redirects=False)
    assert r.status_code == 303, r.text
    row = await db.fetchrow("SELECT pay_confirmed_at, pay_confirmed_by FROM assignments WHERE id = $1",
                            uuid.UUID(aid))
    assert row["pay_confirmed_at"] is not None and str(row["pay_confirmed_by"]) == desk.op["id"]
    details = await db.fetchval("SELECT details FROM audit_log WHERE action = 'assignment.confirm_pay' "
                                "AND object_id = $1", aid)
    assert desk.worker["id"] in details
    page = await api.client.get(r.headers["location"])
    assert "已代本人确认收到工资" in page.text and f"/jobs/{aid}/pay-confirm" not in page.text
    # The person sees on their own page that the desk confirmed it, and who to tell if not so.
    await sign_in(api.client, desk.worker["phone"], "worker-pass")
    jobs = await api.client.get("/worker/jobs")
    assert "驿站已在服务台代您确认收到工资" in jobs.text
