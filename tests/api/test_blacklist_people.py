"""The arrears blacklist lists a person, not an account (issue 15, finding 9).

Tried as the employer it binds: the listed company's legal representative registers as an
individual employer with the same ID number and posts at once; a new company with the same
legal representative; the listed credit code again; an account of the same person opened
before the listing."""

from __future__ import annotations

from datetime import date
from typing import Any

import asyncpg

from gigstation.sim.demo import demo_credit_code, demo_resident_id
from tests.api import seed
from tests.api.conftest import API, Api, bearer

REP_ID = demo_resident_id(date(1968, 8, 8), 808)


async def _list(api: Api, admin: str, employer_id: str, **extra: Any) -> Any:
    return await api.client.post(f"{API}/blacklist", headers=bearer(admin), json={
        "employer_id": employer_id, "reason": "拖欠12名工人工资", "evidence": "劳动监察支队认定书 2026-001",
        **extra})


async def test_a_listed_person_cannot_come_back_under_another_account(
    api: Api, db: asyncpg.Connection[Any]
) -> None:
    admin = await api.admin()
    await api.station(admin)
    # The representative's own account, opened before the listing.
    _, earlier = await api.employer(kind="individual", credit_code=None, name="赵某（家庭用工）",
                                    id_number=REP_ID)
    company, _ = await api.employer(credit_code=demo_credit_code(901), legal_rep_id_number=REP_ID,
                                    legal_rep_name="赵某")
    assert company["legal_rep_id_masked"] == REP_ID[0] + "*" * 16 + REP_ID[-1]
    listed = await _list(api, admin, company["id"])
    assert listed.status_code == 201, listed.text
    assert listed.json()["credit_code"] == demo_credit_code(901)
    assert listed.json()["person_masked"] == company["legal_rep_id_masked"]

    # 1. The legal representative as an individual employer, the same ID number.
    r = await api.client.post(f"{API}/employers", json=api.employer_body(
        kind="individual", credit_code=None, name="赵某", id_number=REP_ID))
    assert r.status_code == 403, r.text
    assert r.json()["code"] == "blacklisted" and "失信名单" in r.json()["detail"]
    # 2. A new company with the same legal representative.
    r = await api.client.post(f"{API}/employers", json=api.employer_body(
        credit_code=demo_credit_code(902), legal_rep_id_number=REP_ID))
    assert r.status_code == 403 and r.json()["code"] == "blacklisted", r.text
    # 3. The listed credit code again (another representative named).
    r = await api.client.post(f"{API}/employers", json=api.employer_body(credit_code=demo_credit_code(901)))
    assert r.status_code == 403 and r.json()["code"] == "blacklisted", r.text
    # 4. The account opened before the listing cannot post while it is in force.
    r = await api.client.post(f"{API}/orders", headers=bearer(earlier), json=api.order_body())
    assert r.status_code == 403 and r.json()["code"] == "blacklisted", r.text
    # No account was made; the office sees every attempt, newest first.
    assert await db.fetchval("SELECT count(*) FROM employers") == 2
    attempts = (await api.client.get(f"{API}/blacklist/attempts", headers=bearer(admin))).json()
    assert [a["matched_on"] for a in attempts] == ["credit_code", "person", "person"]
    assert {a["listed_employer_id"] for a in attempts} == {company["id"]}
    assert attempts[-1]["kind"] == "individual" and attempts[-1]["id_masked"] == company["legal_rep_id_masked"]
    assert await db.fetchval(
        "SELECT count(*) FROM audit_log WHERE action = 'employer.blacklist_attempt'") == 3
    # The number is never stored in clear, not even in the attempts.
    dump = await db.fetchval("SELECT string_agg(t::text, '|') FROM blacklist_attempts t")
    assert REP_ID not in dump
    # An unrelated person still registers; once the listing is lifted, the person posts again.
    ok = await api.client.post(f"{API}/employers", json=api.employer_body(kind="individual", credit_code=None,
                                                                     id_number=demo_resident_id(date(1980, 1, 2), 3)))
    assert ok.status_code == 201, ok.text
    lifted = await api.client.post(f"{API}/blacklist/{listed.json()['id']}/lift", headers=bearer(admin),
                                   json={"reason": "已全额清偿"})
    assert lifted.status_code == 200, lifted.text
    r = await api.client.post(f"{API}/orders", headers=bearer(earlier), json=api.order_body())
    assert r.status_code == 201, r.text


async def test_a_company_without_a_representative_on_record(api: Api, db: asyncpg.Connection[Any]) -> None:
    """Companies registered before the representative was asked for: listing needs it."""
    admin = await api.admin()
    old = await seed.employer(db, "13700008888")  # no legal representative on record
    r = await _list(api, admin, str(old))
    assert r.status_code == 422 and r.json()["code"] == "legal_rep_required", r.text
    r = await _list(api, admin, str(old), legal_rep={"name": "钱某", "id_number": REP_ID})
    assert r.status_code == 201, r.text
    assert r.json()["person_masked"] == REP_ID[0] + "*" * 16 + REP_ID[-1]
    r = await api.client.post(f"{API}/employers", json=api.employer_body(
        kind="individual", credit_code=None, id_number=REP_ID))
    assert r.status_code == 403 and r.json()["code"] == "blacklisted", r.text


async def test_a_company_adds_its_representative_once(api: Api, db: asyncpg.Connection[Any]) -> None:
    old = await seed.employer(db, "13700007777")
    await db.execute("UPDATE users SET password_hash = (SELECT password_hash FROM users WHERE role = 'admin' "
                     "LIMIT 1) WHERE id = $1", old)
    token = await api.login("13700007777", "admin-password")
    url = f"{API}/employers/me/legal-representative"
    r = await api.client.put(url, headers=bearer(token), json={"name": "孙某", "id_number": "123"})
    assert r.status_code == 422, r.text
    r = await api.client.put(url, headers=bearer(token), json={"name": "孙某", "id_number": REP_ID})
    assert r.status_code == 200 and r.json()["legal_rep_name"] == "孙某", r.text
    # Once on record it cannot be swapped by the company itself.
    r = await api.client.put(url, headers=bearer(token), json={"name": "别人", "id_number": REP_ID})
    assert r.status_code == 409 and r.json()["code"] == "legal_rep_on_record", r.text


async def test_a_company_must_name_its_representative(api: Api) -> None:
    body = api.employer_body()
    del body["legal_rep_id_number"]
    r = await api.client.post(f"{API}/employers", json=body)
    assert r.status_code == 422, r.text
    assert [e["field"] for e in r.json()["errors"]] == ["legal_rep_id_number"]
    assert "法定代表人" in r.json()["errors"][0]["reason"]
