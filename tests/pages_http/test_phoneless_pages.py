"""The desk registers a person without a phone, prints their card, finds them by the card's
number (typed or scanned), checks them in and accepts a job for them; later the person takes
the account over on /takeover with their own phone."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit
from uuid import UUID
from zoneinfo import ZoneInfo

import asyncpg

from gigstation.platform.clock import now
from gigstation.stations import screens
from tests.api.conftest import Api, next_phone
from tests.pages_http.forms import CSRF, sign_in
from tests.pages_http.test_operator_pages import desk_setup


async def test_desk_registers_prints_finds_dispatches(api: Api, db: asyncpg.Connection[Any]) -> None:
    s = await desk_setup(api)
    c = api.client
    sid = s["station"]["id"]
    token = await sign_in(c, s["op"]["phone"], "operator-pass")
    desk = await c.get(f"/operator/stations/{sid}/desk")
    assert f'href="/operator/stations/{sid}/desk/register"' in desk.text
    form = await c.get(f"/operator/stations/{sid}/desk/register")
    assert form.status_code == 200 and 'name="phone"' not in form.text and 'name="password"' not in form.text
    body = api.worker_body(name="刘大爷")
    mistyped = body["id_number"][:-1] + ("1" if body["id_number"][-1] != "1" else "2")
    r = await c.post(f"/operator/stations/{sid}/desk/register", data={
        "_csrf_token": token, "name": "刘大爷", "id_type": "resident_id", "id_number": mistyped,
        "skills": ["loading"]})
    assert r.status_code == 422 and "刘大爷" in r.text, r.text  # a wrong check digit, the name kept
    r = await c.post(f"/operator/stations/{sid}/desk/register", follow_redirects=False, data={
        "_csrf_token": token, "name": "刘大爷", "id_type": "resident_id", "id_number": body["id_number"],
        "skills": ["loading"]})
    assert r.status_code == 303, r.text
    card_page = await c.get(r.headers["location"])
    assert card_page.status_code == 200 and "零工驿站服务卡" in card_page.text
    worker_id, card = await db.fetchrow("SELECT user_id, card_number FROM workers WHERE registered_by IS NOT NULL")
    assert card[:4] in card_page.text and "css/card" in card_page.text and 'id="print"' in card_page.text
    qr = await c.get(f"/operator/stations/{sid}/desk/workers/{worker_id}/card.svg")
    assert qr.status_code == 200 and qr.headers["content-type"].startswith("image/svg+xml") and b"<svg" in qr.content
    # The desk finds the person by the QR code's text (a scanner types it) and checks them in.
    desk = await c.get(f"/operator/stations/{sid}/desk", params={"q": f"GS{card}"})
    assert desk.status_code == 200 and "刘大爷" in desk.text and "无手机" in desk.text and "None" not in desk.text
    r = await c.post(f"/operator/stations/{sid}/desk/checkin", data={
        "_csrf_token": token, "worker_id": str(worker_id), "until": "",
        "until_other": (now() + timedelta(hours=5)).astimezone(ZoneInfo("Asia/Shanghai")).strftime("%H:%M"),
        "max_distance_m": "10000"}, follow_redirects=False)
    assert r.status_code == 303, r.text
    r = await c.post(f"/operator/stations/{sid}/dispatch", data={"_csrf_token": token}, follow_redirects=False)
    assert r.status_code == 303, r.text
    offer_id = await db.fetchval("SELECT id FROM offers WHERE status = 'offered' AND worker_id = $1", worker_id)
    assert offer_id is not None
    # The wall screen calls them to the desk by their card's last four digits, never by name.
    await db.set_type_codec("jsonb", encoder=json.dumps, decoder=json.loads, schema="pg_catalog")
    op_id = await db.fetchval("SELECT id FROM users WHERE role = 'operator'")
    link = await screens.make_screen_link(db, op_id, UUID(sid), "http://x")
    screen = await c.get(urlsplit(link).path + "/live")
    assert screen.status_code == 200 and "请到服务台" in screen.text, screen.text
    assert card[-4:] in screen.text and "刘大爷" not in screen.text
    r = await c.post(f"/operator/stations/{sid}/desk/offers/{offer_id}/accept",
                     data={"_csrf_token": token}, follow_redirects=False)
    assert r.status_code == 303, r.text
    after = await c.get(r.headers["location"].split("#")[0])
    assert "已代为接受" in after.text
    # Their job slip (place, time, the one-time arrival code) prints like anyone's.
    assignment_id = await db.fetchval("SELECT id FROM assignments WHERE worker_id = $1", worker_id)
    slip = await c.post(f"/operator/stations/{sid}/desk/jobs/{assignment_id}/slip", data={"_csrf_token": token})
    assert slip.status_code == 200 and "刘大爷" in slip.text and "None" not in slip.text, slip.text
    # A reset code for this person tells the desk how the person takes the account over.
    r = await c.post(f"/operator/stations/{sid}/desk/workers/{worker_id}/reset-code", data={"_csrf_token": token})
    assert r.status_code == 200 and "/takeover" in r.text, r.text
    code = re.search(r'class="reset-code">(\d{3}) (\d{3})<', r.text)
    assert code is not None

    # The person, on their own new phone.
    await c.post("/logout", data={"_csrf_token": token}, follow_redirects=False)
    c.cookies.clear()
    # Registering themselves with the same ID says how to take the desk's account over instead.
    form = await c.get("/worker/register")
    match = CSRF.search(form.text)
    assert match is not None
    r = await c.post("/worker/register", data={
        "_csrf_token": match.group(1), "name": "刘大爷", "phone": next_phone("134"), "id_type": "resident_id",
        "id_number": body["id_number"], "password": "my-own-pass", "skills": ["loading"]})
    assert r.status_code == 422 and 'href="/takeover"' in r.text, r.text
    page = await c.get("/takeover")
    match = CSRF.search(page.text)
    assert page.status_code == 200 and match is not None
    phone = next_phone("134")
    r = await c.post("/takeover", data={"_csrf_token": match.group(1), "card_number": card, "code": "000000",
                                        "phone": phone, "new_password": "my-own-pass"})
    assert r.status_code == 422 and "服务卡号或重置码不对" in r.text
    match = CSRF.search(r.text)
    assert match is not None
    r = await c.post("/takeover", follow_redirects=False, data={
        "_csrf_token": match.group(1), "card_number": card, "code": code.group(1) + code.group(2),
        "phone": phone, "new_password": "my-own-pass"})
    assert r.status_code == 303, r.text
    assert await db.fetchval("SELECT phone FROM users WHERE id = $1", UUID(str(worker_id))) == phone
