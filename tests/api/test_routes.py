"""Every foundation route's success path, through the real app and database."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import asyncpg

from gigstation.people.employers import COMMITMENT_VERSION
from gigstation.platform import clock
from gigstation.platform.clock import now
from gigstation.sim.demo import demo_resident_id
from tests.api.conftest import ADMIN, API, Api, bearer, evidence, next_phone


async def test_login_answers_token_role_and_user_id(api: Api, db: asyncpg.Connection[Any]) -> None:
    r = await api.client.post(f"{API}/auth/login", json=ADMIN)
    assert r.status_code == 200, r.text
    body = r.json()
    admin_id = await db.fetchval("SELECT id FROM users WHERE phone = $1", ADMIN["phone"])
    assert body["role"] == "admin"
    assert body["user_id"] == str(admin_id)
    assert body["token"].count(".") == 2
    me = await api.client.get(f"{API}/stations", headers=bearer(body["token"]))
    assert me.status_code == 200


async def test_login_with_wrong_password_is_401_without_saying_which(api: Api) -> None:
    wrong = await api.client.post(f"{API}/auth/login", json={**ADMIN, "password": "nope-nope"})
    unknown = await api.client.post(f"{API}/auth/login",
                                    json={"phone": next_phone(), "password": "nope-nope"})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json()["detail"] == unknown.json()["detail"]
    assert wrong.headers["content-type"].startswith("application/problem+json")


async def test_create_and_read_stations(api: Api) -> None:
    admin = await api.admin()
    r = await api.client.post(f"{API}/stations", headers=bearer(admin), json={
        "name": "夏阳驿站", "address": "青浦区夏阳街道", "lat": 31.151, "lon": 121.117,
        "service_radius_m": 800})
    assert r.status_code == 201, r.text
    created = r.json()
    assert (created["name"], created["service_radius_m"], created["region"]) == ("夏阳驿站", 800, "Shanghai")
    one = await api.client.get(f"{API}/stations/{created['id']}")
    assert one.status_code == 200
    assert one.json() == created
    listed = await api.client.get(f"{API}/stations")
    assert [s["id"] for s in listed.json()["items"]] == [created["id"]]
    assert listed.json()["next_offset"] is None


async def test_stations_nearest_first(api: Api) -> None:
    admin = await api.admin()
    far = await api.station(admin, lat=31.30, lon=121.30, name="A远")
    near = await api.station(admin, lat=31.151, lon=121.117, name="B近")
    middle = await api.station(admin, lat=31.20, lon=121.15, name="C中")
    by_name = await api.client.get(f"{API}/stations")
    assert [s["id"] for s in by_name.json()["items"]] == [far["id"], near["id"], middle["id"]]
    r = await api.client.get(f"{API}/stations", params={"lat": 31.151, "lon": 121.117})
    assert r.status_code == 200, r.text
    items = r.json()["items"]
    assert [s["id"] for s in items] == [near["id"], middle["id"], far["id"]]
    assert items[0]["distance_m"] == 0
    assert 0 < items[1]["distance_m"] < items[2]["distance_m"]


async def test_station_list_pages(api: Api) -> None:
    admin = await api.admin()
    for i in range(3):
        await api.station(admin, name=f"站{i}")
    first = (await api.client.get(f"{API}/stations", params={"limit": 2})).json()
    assert len(first["items"]) == 2 and first["next_offset"] == 2
    second = (await api.client.get(f"{API}/stations", params={"limit": 2, "offset": 2})).json()
    assert len(second["items"]) == 1 and second["next_offset"] is None
    too_big = await api.client.get(f"{API}/stations", params={"limit": 10_000})
    assert too_big.status_code == 422
    assert too_big.json()["errors"][0]["field"] == "limit"


async def test_station_qr_code_is_svg_pointing_at_checkin(api: Api) -> None:
    admin = await api.admin()
    station = await api.station(admin)
    r = await api.client.get(f"{API}/stations/{station['id']}/qr.svg")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("image/svg+xml")
    assert r.text.lstrip().startswith("<?xml") and "<svg" in r.text
    missing = await api.client.get(f"{API}/stations/00000000-0000-0000-0000-000000000000/qr.svg")
    assert missing.status_code == 404


async def test_create_operator_bound_to_stations(api: Api, db: asyncpg.Connection[Any]) -> None:
    admin = await api.admin()
    a, b = await api.station(admin), await api.station(admin)
    phone = next_phone("139")
    r = await api.client.post(f"{API}/operators", headers=bearer(admin), json={
        "name": "周专员", "phone": phone, "password": "operator-pass", "station_ids": [a["id"], b["id"]]})
    assert r.status_code == 201, r.text
    body = r.json()
    assert sorted(body["station_ids"]) == sorted([a["id"], b["id"]])
    assert "password" not in r.text and "argon2" not in r.text
    assert await db.fetchval("SELECT count(*) FROM operator_stations WHERE operator_id = $1::uuid",
                             body["id"]) == 2
    token = await api.login(phone, "operator-pass")
    assert (await api.client.get(f"{API}/stations/{a['id']}/board", headers=bearer(token))).status_code == 200


async def test_register_worker_masks_the_id_and_stores_ciphertext(api: Api, db: asyncpg.Connection[Any]) -> None:
    body = api.worker_body(skills=["moving", "forklift"])
    r = await api.client.post(f"{API}/workers", json=body)
    assert r.status_code == 201, r.text
    worker = r.json()["worker"]
    number = body["id_number"]
    assert worker["id_number_masked"] == number[0] + "*" * 16 + number[-1]
    assert worker["minor"] is False
    assert {s["code"]: s["status"] for s in worker["skills"]} == {"moving": "active", "forklift": "claimed"}
    assert number not in r.text
    row = await db.fetchrow("SELECT id_cipher, id_masked FROM workers WHERE user_id = $1::uuid", worker["id"])
    assert number.encode() not in bytes(row["id_cipher"])
    me = await api.client.get(f"{API}/workers/me", headers=bearer(r.json()["token"]))
    assert me.status_code == 200 and me.json()["id"] == worker["id"]


async def test_worker_aged_16_is_registered_as_minor(api: Api) -> None:
    birth = clock.today("Asia/Shanghai") - timedelta(days=365 * 16 + 30)
    r = await api.client.post(f"{API}/workers", json=api.worker_body(id_number=demo_resident_id(birth, 5)))
    assert r.status_code == 201, r.text
    assert r.json()["worker"]["minor"] is True


async def test_worker_edits_own_profile(api: Api, db: asyncpg.Connection[Any]) -> None:
    _, token = await api.worker(skills=["moving", "forklift"])
    r = await api.client.patch(f"{API}/workers/me", headers=bearer(token),
                               json={"name": "王建国", "skills": ["forklift", "cleaning"]})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["name"] == "王建国"
    assert [(s["code"], s["status"]) for s in body["skills"]] == [("cleaning", "active"), ("forklift", "claimed")]
    again = (await api.client.get(f"{API}/workers/me", headers=bearer(token))).json()
    assert again == body
    assert await db.fetchval("SELECT count(*) FROM audit_log WHERE action = 'worker.update'") == 1


async def test_operator_looks_up_worker_by_phone(api: Api) -> None:
    admin = await api.admin()
    station = await api.station(admin)
    _, operator = await api.operator(admin, [station["id"]])
    worker, _ = await api.worker()
    r = await api.client.get(f"{API}/workers/lookup", params={"phone": worker["phone"]}, headers=bearer(operator))
    assert r.status_code == 200, r.text
    assert r.json()["id"] == worker["id"]
    nobody = await api.client.get(f"{API}/workers/lookup", params={"phone": next_phone()},
                                  headers=bearer(operator))
    assert nobody.status_code == 404


async def test_certificate_skill_goes_from_claimed_to_active(api: Api, db: asyncpg.Connection[Any]) -> None:
    admin = await api.admin()
    station = await api.station(admin)
    operator_view, operator = await api.operator(admin, [station["id"]])
    worker, _ = await api.worker(skills=["forklift"])
    assert worker["skills"][0]["status"] == "claimed"
    r = await api.client.post(f"{API}/workers/{worker['id']}/skills/forklift/verify", headers=bearer(operator))
    assert r.status_code == 200, r.text
    skill = r.json()["skills"][0]
    assert (skill["code"], skill["status"], skill["certificate"]) == ("forklift", "active", "特种设备作业人员证 (N1)")
    verified_by = await db.fetchval(
        "SELECT verified_by FROM worker_skills WHERE worker_id = $1::uuid AND skill = 'forklift'", worker["id"])
    assert str(verified_by) == operator_view["id"]
    unclaimed = await api.client.post(f"{API}/workers/{worker['id']}/skills/welding/verify",
                                      headers=bearer(operator))
    assert unclaimed.status_code == 404


async def test_operator_sets_priority_groups(api: Api) -> None:
    admin = await api.admin()
    station = await api.station(admin)
    _, operator = await api.operator(admin, [station["id"]])
    worker, token = await api.worker()
    r = await api.client.put(f"{API}/workers/{worker['id']}/priority-groups", headers=bearer(operator),
                             json={"groups": [evidence("veteran"), evidence("age_50_plus")]})
    assert r.status_code == 200, r.text
    assert r.json()["priority_groups"] == ["age_50_plus", "veteran"]
    me = (await api.client.get(f"{API}/workers/me", headers=bearer(token))).json()
    assert me["priority_groups"] == ["age_50_plus", "veteran"]
    unknown = await api.client.put(f"{API}/workers/{worker['id']}/priority-groups", headers=bearer(operator),
                                   json={"groups": ["vip"]})
    assert unknown.status_code == 422


async def test_register_company_employer_records_the_commitment(api: Api) -> None:
    body = api.employer_body()
    r = await api.client.post(f"{API}/employers", json=body)
    assert r.status_code == 201, r.text
    employer = r.json()["employer"]
    assert employer["kind"] == "company"
    assert employer["credit_code"] == body["credit_code"]
    assert employer["id_number_masked"] is None
    assert employer["verified"] is False
    assert employer["commitment_version"] == COMMITMENT_VERSION
    accepted = datetime.fromisoformat(employer["commitment_accepted_at"])
    assert abs(accepted - now()) < timedelta(minutes=1)
    me = await api.client.get(f"{API}/employers/me", headers=bearer(r.json()["token"]))
    assert me.status_code == 200 and me.json() == employer


async def test_register_individual_employer(api: Api) -> None:
    number = demo_resident_id(date(1980, 5, 5), 77)
    body = api.employer_body(kind="individual", name="张先生", credit_code=None, id_number=number)
    del body["credit_code"]
    r = await api.client.post(f"{API}/employers", json=body)
    assert r.status_code == 201, r.text
    employer = r.json()["employer"]
    assert employer["kind"] == "individual"
    assert employer["credit_code"] is None
    assert employer["id_number_masked"] == number[0] + "*" * 16 + number[-1]
    assert number not in r.text


async def test_commitment_text_is_public(api: Api) -> None:
    r = await api.client.get(f"{API}/employers/commitment")
    assert r.status_code == 200
    assert r.json()["version"] == COMMITMENT_VERSION
    assert "最低工资" in r.json()["text"]


async def test_operator_verifies_employer(api: Api) -> None:
    admin = await api.admin()
    station = await api.station(admin)
    _, operator = await api.operator(admin, [station["id"]])
    employer, token = await api.employer()
    r = await api.client.post(f"{API}/employers/{employer['id']}/verify", headers=bearer(operator))
    assert r.status_code == 200, r.text
    assert r.json()["verified"] is True
    order = await api.order(token)
    assert order["employer_verified"] is True


async def test_post_list_read_and_cancel_orders(api: Api, db: asyncpg.Connection[Any]) -> None:
    admin = await api.admin()
    station = await api.station(admin)
    employer, token = await api.employer()
    body = api.order_body(headcount=5, pay_cents=3200)
    r = await api.client.post(f"{API}/orders", headers=bearer(token), json=body)
    assert r.status_code == 201, r.text
    order = r.json()
    assert (order["status"], order["headcount"], order["filled"], order["pay_cents"]) == ("open", 5, 0, 3200)
    assert order["station_id"] == station["id"] and order["employer_id"] == employer["id"]
    assert order["skill_zh"] == "装卸"
    assert order["starts_at"].endswith("Z") or "+" in order["starts_at"][10:]
    listed = await api.client.get(f"{API}/orders", headers=bearer(token))
    assert [o["id"] for o in listed.json()["items"]] == [order["id"]]
    one = await api.client.get(f"{API}/orders/{order['id']}", headers=bearer(token))
    assert one.json() == order
    cancelled = await api.client.post(f"{API}/orders/{order['id']}/cancel", headers=bearer(token))
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["status"] == "cancelled"
    open_only = await api.client.get(f"{API}/orders", params={"status": "open"}, headers=bearer(token))
    assert open_only.json()["items"] == []
    again = await api.client.post(f"{API}/orders/{order['id']}/cancel", headers=bearer(token))
    assert again.status_code == 409
    assert await db.fetchval("SELECT count(*) FROM audit_log WHERE action = 'order.cancel'") == 1


async def test_operator_cancels_an_order_of_their_station(api: Api) -> None:
    admin = await api.admin()
    station = await api.station(admin)
    _, operator = await api.operator(admin, [station["id"]])
    _, token = await api.employer()
    order = await api.order(token)
    listed = await api.client.get(f"{API}/orders", headers=bearer(operator))
    assert [o["id"] for o in listed.json()["items"]] == [order["id"]]
    r = await api.client.post(f"{API}/orders/{order['id']}/cancel", headers=bearer(operator))
    assert r.status_code == 200 and r.json()["status"] == "cancelled"


async def test_worker_checks_in_reads_and_checks_out(api: Api) -> None:
    admin = await api.admin()
    station = await api.station(admin, radius=1000)
    worker, token = await api.worker()
    # About 330 m north of the station: inside the radius.
    checkin = await api.checkin(token, station["id"], lat=31.154, lon=121.117, max_distance_m=5000)
    assert checkin["status"] == "waiting" and checkin["by_operator"] is False
    assert checkin["worker_id"] == worker["id"] and checkin["max_distance_m"] == 5000
    assert 300 <= checkin["distance_m"] <= 360
    one = await api.client.get(f"{API}/checkins/{checkin['id']}", headers=bearer(token))
    assert one.status_code == 200 and one.json() == checkin
    out = await api.client.post(f"{API}/checkins/{checkin['id']}/checkout", headers=bearer(token))
    assert out.status_code == 200, out.text
    assert out.json()["status"] == "left" and out.json()["left_at"] is not None
    twice = await api.client.post(f"{API}/checkins/{checkin['id']}/checkout", headers=bearer(token))
    assert twice.status_code == 200 and twice.json() == out.json()


async def test_operator_checks_a_worker_in_without_location(api: Api, db: asyncpg.Connection[Any]) -> None:
    admin = await api.admin()
    station = await api.station(admin)
    _, operator = await api.operator(admin, [station["id"]])
    worker, _ = await api.worker()
    r = await api.client.post(f"{API}/checkins", headers=bearer(operator), json={
        "station_id": station["id"], "worker_id": worker["id"],
        "available_until": (now() + timedelta(hours=6)).isoformat()})
    assert r.status_code == 201, r.text
    checkin = r.json()
    assert checkin["by_operator"] is True and checkin["distance_m"] is None
    assert checkin["worker_id"] == worker["id"]
    row = await db.fetchrow("SELECT lat, lon FROM checkins WHERE id = $1::uuid", checkin["id"])
    assert (row["lat"], row["lon"]) == (None, None)
    out = await api.client.post(f"{API}/checkins/{checkin['id']}/checkout", headers=bearer(operator))
    assert out.status_code == 200 and out.json()["status"] == "left"


async def test_board_lists_waiting_workers_and_open_orders(api: Api) -> None:
    admin = await api.admin()
    station = await api.station(admin)
    other = await api.station(admin, lat=31.40, lon=121.40)
    _, operator = await api.operator(admin, [station["id"]])
    first, first_token = await api.worker(skills=["moving", "forklift"])
    second, second_token = await api.worker()
    await api.checkin(first_token, station["id"])
    await api.checkin(second_token, station["id"])
    _, employer = await api.employer()
    order = await api.order(employer)
    await api.order(employer, lat=31.40, lon=121.40)  # dispatched by the other station
    cancelled = await api.order(employer)
    await api.client.post(f"{API}/orders/{cancelled['id']}/cancel", headers=bearer(employer))
    r = await api.client.get(f"{API}/stations/{station['id']}/board", headers=bearer(operator))
    assert r.status_code == 200, r.text
    board = r.json()
    assert board["station_id"] == station["id"]
    assert [w["worker_id"] for w in board["waiting"]] == [first["id"], second["id"]]
    assert board["waiting"][0]["skills"] == ["moving"]  # forklift is only claimed
    assert [o["id"] for o in board["open_orders"]] == [order["id"]]
    assert board["offers"] == []
    admin_view = await api.client.get(f"{API}/stations/{other['id']}/board", headers=bearer(admin))
    assert admin_view.status_code == 200
    assert admin_view.json()["waiting"] == []


async def test_health_and_ready(api: Api) -> None:
    health = await api.client.get(f"{API}/health")
    assert health.status_code == 200 and health.json()["status"] == "ok"
    ready = await api.client.get(f"{API}/ready")
    assert ready.status_code == 200 and ready.json() == {"status": "ready", "pending_migrations": []}


async def test_skill_taxonomy_is_public(api: Api) -> None:
    r = await api.client.get(f"{API}/skills")
    assert r.status_code == 200
    codes = {s["code"]: s for s in r.json()}
    assert codes["forklift"]["certificate"] and codes["moving"].get("certificate") is None
