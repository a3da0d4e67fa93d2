"""Password reset at the desk (issue 16): the operator, having checked the ID in person,
issues a one-time code; the person spends it once, soon, on a new password. Rate-limited,
audited, and the records are evidence (no rewriting, no deleting)."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Any

import asyncpg
import pytest

from gigstation.people import accounts
from gigstation.platform.auth import Principal
from gigstation.platform.clock import now
from gigstation.platform.errors import Invalid
from tests.api.conftest import API, Api, bearer
from tests.pages_http.forms import CSRF

NEW = "brand-new-pass-1"


async def _desk(api: Api) -> tuple[str, dict[str, Any], str]:
    admin = await api.admin()
    station = await api.station(admin)
    _, operator = await api.operator(admin, [station["id"]])
    worker, token = await api.worker()
    return operator, worker, token


async def _issue(api: Api, operator: str, user_id: str) -> dict[str, Any]:
    r = await api.client.post(f"{API}/accounts/{user_id}/reset-code", headers=bearer(operator))
    assert r.status_code == 200, r.text
    return dict(r.json())


async def _reset(api: Api, phone: str, code: str, password: str = NEW) -> Any:
    return await api.client.post(f"{API}/auth/password-reset",
                                 json={"phone": phone, "code": code, "new_password": password})


async def test_a_code_from_the_desk_sets_a_new_password_once(api: Api, db: asyncpg.Connection[Any]) -> None:
    operator, worker, old_token = await _desk(api)
    issued = await _issue(api, operator, worker["id"])
    assert re.fullmatch(r"\d{6}", issued["code"])
    r = await _reset(api, worker["phone"], f"{issued['code'][:3]} {issued['code'][3:]}")  # typed with a space
    assert r.status_code == 200, r.text
    assert r.json()["role"] == "worker"
    # Every older session ends; the new password works, the old does not.
    assert (await api.client.get(f"{API}/workers/me", headers=bearer(old_token))).status_code == 401
    assert (await api.client.get(f"{API}/workers/me", headers=bearer(r.json()["token"]))).status_code == 200
    await api.login(worker["phone"], NEW)
    # Once only.
    again = await _reset(api, worker["phone"], issued["code"], "another-pass-2")
    assert again.status_code == 422 and again.json()["code"] == "reset_code"
    actions = [r["action"] for r in await db.fetch(
        "SELECT action FROM audit_log WHERE action LIKE 'account.%' ORDER BY at, id")]
    assert actions == ["account.reset_code", "account.password_reset"]
    stored = await db.fetchrow("SELECT code_hmac, used_at FROM password_resets")
    assert stored["used_at"] is not None and issued["code"].encode() not in bytes(stored["code_hmac"])


async def test_five_wrong_tries_void_the_code(api: Api, db: asyncpg.Connection[Any]) -> None:
    operator, worker, _ = await _desk(api)
    code = (await _issue(api, operator, worker["id"]))["code"]
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    for _ in range(accounts.RESET_MAX_FAILURES):
        r = await _reset(api, worker["phone"], wrong)
        assert r.status_code == 422
        assert "回驿站服务台重新办理" in r.json()["errors"][0]["reason"]
    assert (await _reset(api, worker["phone"], code)).status_code == 422
    assert await db.fetchval("SELECT voided_at IS NOT NULL FROM password_resets") is True


async def test_a_new_code_voids_the_last_and_codes_expire(api: Api, db: asyncpg.Connection[Any]) -> None:
    operator, worker, _ = await _desk(api)
    first = (await _issue(api, operator, worker["id"]))["code"]
    second = (await _issue(api, operator, worker["id"]))["code"]
    if first != second:
        assert (await _reset(api, worker["phone"], first)).status_code == 422
    assert (await _reset(api, worker["phone"], second)).status_code == 200
    # A code issued 31 minutes ago no longer works (service level: the clock is an argument).
    op_id = await db.fetchval("SELECT id FROM users WHERE role = 'operator'")
    await db.set_type_codec("jsonb", encoder=json.dumps, decoder=json.loads, schema="pg_catalog")
    old = await accounts.issue_reset_code(db, b"k" * 32, Principal(op_id, "operator"), worker["id"],
                                          now() - accounts.RESET_TTL - timedelta(minutes=1))
    with pytest.raises(Invalid):
        await accounts.reset_password(db, _NoHash(), b"k" * 32, accounts.PasswordReset(
            phone=worker["phone"], code=old.code, new_password=NEW), now())


async def test_who_may_issue_codes(api: Api) -> None:
    admin = await api.admin()
    station = await api.station(admin)
    op, operator = await api.operator(admin, [station["id"]])
    other, _ = await api.operator(admin, [station["id"]])
    worker, worker_token = await api.worker()
    employer, _ = await api.employer()
    for target in (worker["id"], employer["id"]):
        assert (await api.client.post(f"{API}/accounts/{target}/reset-code",
                                      headers=bearer(operator))).status_code == 200
    # Operators cannot reset staff accounts (they look missing); administrators can.
    assert (await api.client.post(f"{API}/accounts/{other['id']}/reset-code",
                                  headers=bearer(operator))).status_code == 404
    assert (await api.client.post(f"{API}/accounts/{other['id']}/reset-code",
                                  headers=bearer(admin))).status_code == 200
    assert (await api.client.post(f"{API}/accounts/{worker['id']}/reset-code",
                                  headers=bearer(worker_token))).status_code == 403
    del op


async def test_codes_for_one_account_are_limited(api: Api) -> None:
    operator, worker, _ = await _desk(api)
    for _ in range(accounts.RESET_ISSUES_PER_ACCOUNT_PER_DAY):
        await _issue(api, operator, worker["id"])
    r = await api.client.post(f"{API}/accounts/{worker['id']}/reset-code", headers=bearer(operator))
    assert r.status_code == 429 and "retry-after" in r.headers


async def test_reset_records_are_evidence(api: Api, db: asyncpg.Connection[Any]) -> None:
    operator, worker, _ = await _desk(api)
    await _issue(api, operator, worker["id"])
    for statement in ("UPDATE password_resets SET expires_at = expires_at + interval '1 day'",
                      "UPDATE password_resets SET issued_by = user_id", "DELETE FROM password_resets"):
        with pytest.raises(asyncpg.CheckViolationError):
            await db.execute(statement)


async def test_the_reset_page_signs_in_and_keeps_the_password_on_error(api: Api) -> None:
    operator, worker, _ = await _desk(api)
    code = (await _issue(api, operator, worker["id"]))["code"]
    page = await api.client.get("/password-reset?phone=" + worker["phone"])
    assert page.status_code == 200 and worker["phone"] in page.text
    csrf = CSRF.search(page.text)
    assert csrf
    form = {"_csrf_token": csrf.group(1), "phone": worker["phone"], "code": "12", "new_password": "short"}
    bad = await api.client.post("/password-reset", data=form)
    assert bad.status_code == 422
    assert "请填写工作人员给您的6位重置码" in bad.text and "新密码至少要8位" in bad.text
    assert 'value="short"' in bad.text  # kept
    ok = await api.client.post("/password-reset", data={**form, "code": code, "new_password": NEW},
                               follow_redirects=False)
    assert ok.status_code == 303 and ok.headers["location"] == "/worker?done=password"
    assert "gs_session" in ok.headers.get("set-cookie", "")


class _NoHash:
    async def hash(self, password: str) -> str:
        return "x" + password


async def test_an_employer_gets_a_code_from_the_operators_employer_list(api: Api) -> None:
    from tests.pages_http.forms import sign_in

    admin = await api.admin()
    station = await api.station(admin)
    op, _ = await api.operator(admin, [station["id"]])
    employer, employer_token = await api.employer()
    await api.order(employer_token)  # the employer posts here, so the station lists it
    csrf = await sign_in(api.client, op["phone"], "operator-pass")
    listing = await api.client.get(f"/operator/stations/{station['id']}/employers")
    assert f"/employers/{employer['id']}/reset-code" in listing.text
    page = await api.client.post(f"/operator/stations/{station['id']}/employers/{employer['id']}/reset-code",
                                 data={"_csrf_token": csrf})
    assert page.status_code == 200
    code = re.search(r'class="reset-code">(\d{3}) (\d{3})<', page.text)
    assert code, page.text
    r = await _reset(api, employer["phone"], code.group(1) + code.group(2))
    assert r.status_code == 200 and r.json()["role"] == "employer"
