"""No one left out for lack of a phone: an operator registers a person with ID only, the desk
finds them by their card number, checks them in and accepts a job for them, and the person
later adds a phone and takes the account over with a reset code from the desk."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import asyncpg
from stdnum import luhn

from gigstation.platform.clock import now
from tests.api.conftest import API, Api, bearer, next_phone


def _body(api: Api, **over: Any) -> dict[str, Any]:
    body = api.worker_body(name="刘大爷")
    del body["phone"], body["password"]
    return {**body, **over}


async def _desk_registered(api: Api) -> tuple[dict[str, Any], str, str, dict[str, Any]]:
    admin = await api.admin()
    station = await api.station(admin)
    _, op = await api.operator(admin, [station["id"]])
    r = await api.client.post(f"{API}/workers", headers=bearer(op), json=_body(api))
    assert r.status_code == 201, r.text
    return station, admin, op, dict(r.json())


async def test_registering_without_a_phone_needs_an_operator(api: Api, db: asyncpg.Connection[Any]) -> None:
    _, _, op, answer = await _desk_registered(api)
    person = answer["worker"]
    assert answer["token"] is None and person["phone"] is None
    card = person["card_number"]
    assert len(card) == 10 and luhn.is_valid(card)
    row = await db.fetchrow("SELECT w.registered_by, u.phone, u.password_hash FROM workers w JOIN users u "
                            "ON u.id = w.user_id WHERE w.user_id = $1", uuid.UUID(person["id"]))
    assert row["phone"] is None and row["password_hash"] == "!"
    assert str(row["registered_by"]) == str(await db.fetchval("SELECT id FROM users WHERE role = 'operator'"))
    # Nobody registers themselves without a phone, with or without a worker's token.
    _, wt = await api.worker()
    for headers in ({}, bearer(wt)):
        r = await api.client.post(f"{API}/workers", headers=headers, json=_body(api))
        assert r.status_code == 422, r.text
        assert r.json()["errors"][0]["field"] == "phone"
    # A password without a phone is refused (nobody could sign in with it).
    r = await api.client.post(f"{API}/workers", headers=bearer(op), json=_body(api, password="desk-pass"))
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "password", r.text
    # A bad token is not a stranger's registration.
    r = await api.client.post(f"{API}/workers", headers=bearer("nonsense"), json=_body(api))
    assert r.status_code == 401
    # Nobody can sign in to the account: it has no phone and no password.
    r = await api.client.post(f"{API}/auth/login", json={"phone": "13100000000", "password": "!"})
    assert r.status_code in (401, 422)
    # The desk finds the person by card number (typed, or the QR code's text).
    for text in (card, f"GS{card}"):
        r = await api.client.get(f"{API}/workers/cards/{text}", headers=bearer(op))
        assert r.status_code == 200 and r.json()["id"] == person["id"], r.text
    wrong = card[:-1] + str((int(card[-1]) + 1) % 10)
    r = await api.client.get(f"{API}/workers/cards/{wrong}", headers=bearer(op))
    assert r.status_code == 422, r.text  # the check digit catches a typo
    r = await api.client.get(f"{API}/workers/cards/12345", headers=bearer(op))
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "card"
    r = await api.client.get(f"{API}/workers/cards/{card}", headers=bearer(wt))
    assert r.status_code == 403
    # The audit row names the operator who registered the person.
    assert await db.fetchval("SELECT actor_id FROM audit_log WHERE action = 'worker.register' AND object_id = $1",
                             person["id"]) is not None


async def test_phoneless_person_checks_in_at_the_desk_and_is_dispatched(api: Api) -> None:
    station, _, op, answer = await _desk_registered(api)
    person = answer["worker"]
    _, employer = await api.employer()
    order = await api.order(employer, headcount=1)
    r = await api.client.post(f"{API}/checkins", headers=bearer(op), json={
        "station_id": station["id"], "worker_id": person["id"],
        "available_until": (now() + timedelta(hours=8)).isoformat(), "max_distance_m": 10000})
    assert r.status_code == 201, r.text
    r = await api.client.get(f"{API}/stations/{station['id']}/board", headers=bearer(op))
    assert r.status_code == 200 and person["id"] in r.text, r.text
    r = await api.client.post(f"{API}/stations/{station['id']}/dispatch", headers=bearer(op))
    assert r.status_code == 201, r.text
    [offer] = r.json()["offers"]
    assert offer["worker_id"] == person["id"] and offer["order_id"] == order["id"]
    r = await api.client.post(f"{API}/offers/{offer['id']}/accept-for-worker", headers=bearer(op))
    assert r.status_code == 200, r.text
    assert r.json()["worker_id"] == person["id"] and r.json()["status"] == "active"
    # The desk slip (arrival codes for a person without a smartphone) works for them too.
    r = await api.client.post(f"{API}/assignments/{r.json()['id']}/desk-slip", headers=bearer(op))
    assert r.status_code == 200, r.text


async def test_the_person_takes_the_account_over_with_a_phone(api: Api, db: asyncpg.Connection[Any]) -> None:
    _, _, op, answer = await _desk_registered(api)
    person = answer["worker"]
    card = person["card_number"]
    r = await api.client.post(f"{API}/accounts/{person['id']}/reset-code", headers=bearer(op))
    assert r.status_code == 200, r.text
    code = r.json()["code"]
    phone = next_phone("133")
    body = {"card_number": card, "code": code, "phone": phone, "new_password": "my-own-pass"}
    # A wrong code, then a phone someone else has: refused, and the code still works after.
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    r = await api.client.post(f"{API}/auth/takeover", json={**body, "code": wrong})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "code", r.text
    taken, _ = await api.worker()
    r = await api.client.post(f"{API}/auth/takeover", json={**body, "phone": taken["phone"]})
    assert r.status_code == 409 and r.json()["errors"][0]["field"] == "phone", r.text
    r = await api.client.post(f"{API}/auth/takeover", json=body)
    assert r.status_code == 200, r.text
    token = r.json()["token"]
    me = (await api.client.get(f"{API}/workers/me", headers=bearer(token))).json()
    assert me["id"] == person["id"] and me["phone"] == phone and me["card_number"] == card
    assert await api.login(phone, "my-own-pass")
    # The code is used up, and an account with a phone cannot be taken over again.
    r = await api.client.post(f"{API}/auth/takeover", json=body)
    assert r.status_code == 422
    r = await api.client.post(f"{API}/accounts/{person['id']}/reset-code", headers=bearer(op))
    r = await api.client.post(f"{API}/auth/takeover", json={**body, "code": r.json()["code"],
                                                            "phone": next_phone("133")})
    assert r.status_code == 422
    assert await db.fetchval("SELECT count(*) FROM audit_log WHERE action = 'account.takeover'") == 1
