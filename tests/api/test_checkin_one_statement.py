"""The self check-in's one statement keeps every guarantee the multi-statement path had.

The account check moved from the auth middleware into the check-in's statement (one
round trip instead of two), and the distance is computed from a station place kept in
memory: these tests hold the statement to the same answers.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import asyncpg

from gigstation.platform.auth import decode_token
from gigstation.platform.clock import now
from gigstation.platform.config import Settings
from tests.api.conftest import API, Api, bearer


def _body(station_id: str, lat: float = 31.151, lon: float = 121.117, **over: Any) -> dict[str, Any]:
    body = {"station_id": station_id, "lat": lat, "lon": lon,
            "available_until": (now() + timedelta(hours=6)).isoformat()}
    body.update(over)
    return body


async def _count(db: asyncpg.Connection[Any], worker_id: str) -> tuple[int, int]:
    checkins = await db.fetchval("SELECT count(*) FROM checkins WHERE worker_id = $1::uuid", worker_id)
    audits = await db.fetchval(
        "SELECT count(*) FROM audit_log WHERE actor_id = $1::uuid AND action = 'checkin.create'", worker_id)
    return checkins, audits


async def test_a_revoked_or_disabled_account_cannot_check_in(api: Api, db: asyncpg.Connection[Any]) -> None:
    admin = await api.admin()
    station = await api.station(admin)
    worker, token = await api.worker()
    # Revoked by another host: a direct row change, not through this process's services.
    await db.execute("UPDATE users SET token_version = token_version + 1 WHERE id = $1::uuid", worker["id"])
    r = await api.client.post(f"{API}/checkins", headers=bearer(token), json=_body(station["id"]))
    assert r.status_code == 401, r.text
    assert await _count(db, worker["id"]) == (0, 0)
    other, other_token = await api.worker()
    await db.execute("UPDATE users SET disabled_at = now() WHERE id = $1::uuid", other["id"])
    r = await api.client.post(f"{API}/checkins", headers=bearer(other_token), json=_body(station["id"]))
    assert r.status_code == 401 and "停用" in r.json()["detail"], r.text
    assert await _count(db, other["id"]) == (0, 0)


async def test_a_session_ended_on_its_own_cannot_check_in(
    api: Api, db: asyncpg.Connection[Any], settings: Settings
) -> None:
    """A page logout on another host ends that one token: the statement refuses it, the
    account's other sessions go on (the account cache learns it from the insert's NOTIFY)."""
    admin = await api.admin()
    station = await api.station(admin)
    body = api.worker_body()
    worker, token = await api.worker(**body)
    other = await api.login(body["phone"], body["password"])
    jti = decode_token(settings, token).token_id
    assert jti is not None
    await db.execute("INSERT INTO revoked_tokens (jti, user_id, expires_at) "
                     "VALUES ($1, $2::uuid, now() + interval '1 hour')", jti, worker["id"])
    r = await api.client.post(f"{API}/checkins", headers=bearer(token), json=_body(station["id"]))
    assert r.status_code == 401, r.text
    assert await _count(db, worker["id"]) == (0, 0)
    r = await api.client.post(f"{API}/checkins", headers=bearer(other), json=_body(station["id"]))
    assert r.status_code == 201, r.text


async def test_a_check_in_writes_its_row_and_audit_once(api: Api, db: asyncpg.Connection[Any]) -> None:
    admin = await api.admin()
    station = await api.station(admin)
    worker, token = await api.worker()
    r = await api.client.post(f"{API}/checkins", headers=bearer(token), json=_body(station["id"]))
    assert r.status_code == 201, r.text
    assert r.json()["worker_id"] == worker["id"] and r.json()["status"] == "waiting"
    assert await _count(db, worker["id"]) == (1, 1)
    r = await api.client.post(f"{API}/checkins", headers=bearer(token), json=_body(station["id"]))
    assert r.status_code == 409
    assert await _count(db, worker["id"]) == (1, 1)


async def test_a_moved_station_measures_from_its_new_place(api: Api, db: asyncpg.Connection[Any]) -> None:
    admin = await api.admin()
    station = await api.station(admin)
    _, t1 = await api.worker()
    r = await api.client.post(f"{API}/checkins", headers=bearer(t1), json=_body(station["id"]))
    assert r.status_code == 201, r.text  # the process now remembers the station's place
    # The station moves about 1.1 km north: the same spot is now outside its radius.
    await db.execute("UPDATE stations SET lat = lat + 0.01 WHERE id = $1::uuid", station["id"])
    _, t2 = await api.worker()
    r = await api.client.post(f"{API}/checkins", headers=bearer(t2), json=_body(station["id"]))
    assert r.status_code == 422, r.text
    assert r.json()["errors"][0]["field"] == "lat"
    _, t3 = await api.worker()
    r = await api.client.post(f"{API}/checkins", headers=bearer(t3), json=_body(station["id"], lat=31.161))
    assert r.status_code == 201, r.text
    assert r.json()["distance_m"] < 10


async def test_errors_keep_their_order_and_words(api: Api, db: asyncpg.Connection[Any]) -> None:
    admin = await api.admin()
    station = await api.station(admin)
    _, token = await api.worker()
    missing = "00000000-0000-0000-0000-000000000009"
    r = await api.client.post(f"{API}/checkins", headers=bearer(token),
                              json=_body(missing, available_until=(now() - timedelta(hours=1)).isoformat()))
    assert r.status_code == 404  # the station is checked before the time window, as before
    r = await api.client.post(f"{API}/checkins", headers=bearer(token),
                              json=_body(station["id"], available_until=(now() + timedelta(hours=30)).isoformat()))
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "available_until"
    r = await api.client.post(f"{API}/checkins", headers=bearer(token), json=_body(station["id"], lat=31.5))
    assert r.status_code == 422 and "米" in r.json()["errors"][0]["reason"]
