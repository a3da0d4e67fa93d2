"""POST /checkins with the wall screen's code instead of a location; cookie auth stays off the API."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import asyncpg

from gigstation.platform.clock import now
from gigstation.stations import presence, screens
from tests.api.conftest import API, Api, bearer


async def _screen(api: Api, db: asyncpg.Connection[Any]) -> tuple[dict[str, Any], bytes]:
    await db.set_type_codec("jsonb", encoder=json.dumps, decoder=json.loads, schema="pg_catalog")
    admin = await api.admin()
    station = await api.station(admin)
    admin_id = await db.fetchval("SELECT id FROM users WHERE role = 'admin'")
    await screens.make_screen_link(db, admin_id, station["id"], "http://x")
    secret = await presence.presence_secret(db, station["id"])
    assert secret is not None
    return station, secret


def _body(station_id: str, **over: Any) -> dict[str, Any]:
    body = {"station_id": station_id, "available_until": (now() + timedelta(hours=6)).isoformat()}
    body.update(over)
    return body


async def test_a_worker_checks_in_with_the_screen_code(api: Api, db: asyncpg.Connection[Any]) -> None:
    station, secret = await _screen(api, db)
    _, token = await api.worker()
    code = presence.code_at(secret, station["id"], presence.minute_of(now()))
    r = await api.client.post(f"{API}/checkins", headers=bearer(token),
                              json=_body(station["id"], presence_code=code))
    assert r.status_code == 201, r.text
    assert r.json()["distance_m"] is None
    row = await db.fetchrow("SELECT lat, lon FROM checkins WHERE id = $1", r.json()["id"])
    assert (row["lat"], row["lon"]) == (None, None)


async def test_old_and_wrong_codes_are_422_and_counted(api: Api, db: asyncpg.Connection[Any]) -> None:
    station, secret = await _screen(api, db)
    worker, token = await api.worker()
    old = presence.code_at(secret, station["id"], presence.minute_of(now()) - 3)
    r = await api.client.post(f"{API}/checkins", headers=bearer(token), json=_body(station["id"], presence_code=old))
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "presence_code"
    assert "已过期" in r.json()["errors"][0]["reason"]
    for _ in range(presence.MAX_FAILURES - 1):
        r = await api.client.post(f"{API}/checkins", headers=bearer(token),
                                  json=_body(station["id"], presence_code="000000"))
        assert r.status_code == 422
    assert await db.fetchval("SELECT count(*) FROM presence_failures WHERE worker_id = $1",
                             worker["id"]) == presence.MAX_FAILURES
    good = presence.code_at(secret, station["id"], presence.minute_of(now()))
    r = await api.client.post(f"{API}/checkins", headers=bearer(token), json=_body(station["id"], presence_code=good))
    assert r.status_code == 429
    # Retry-After is the real wait, and the message says the same (it used to answer 1 s).
    assert 9 * 60 < int(r.headers["retry-after"]) <= 10 * 60 and "10分钟" in r.json()["detail"]
    await db.execute("UPDATE presence_failures SET at = at - interval '7 minutes' WHERE worker_id = $1", worker["id"])
    r = await api.client.post(f"{API}/checkins", headers=bearer(token), json=_body(station["id"], presence_code=good))
    assert r.status_code == 429
    assert 2 * 60 < int(r.headers["retry-after"]) <= 3 * 60 and "3分钟" in r.json()["detail"], r.json()


async def test_a_malformed_code_and_no_proof_at_all_are_422(api: Api, db: asyncpg.Connection[Any]) -> None:
    station, _ = await _screen(api, db)
    _, token = await api.worker()
    r = await api.client.post(f"{API}/checkins", headers=bearer(token),
                              json=_body(station["id"], presence_code="12ab56"))
    assert r.status_code == 422
    r = await api.client.post(f"{API}/checkins", headers=bearer(token), json=_body(station["id"]))
    assert r.status_code == 422
    assert "签到码" in r.json()["errors"][0]["reason"]


async def test_the_session_cookie_opens_the_event_stream_only(api: Api) -> None:
    _, token = await api.worker()
    api.client.cookies.set("gs_session", token)
    try:
        assert (await api.client.get(f"{API}/offers")).status_code == 401
        assert (await api.client.get(f"{API}/workers/me")).status_code == 401
        r = await api.client.post(f"{API}/orders", json={})
        assert r.status_code == 401
    finally:
        api.client.cookies.clear()
