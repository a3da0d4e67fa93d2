"""The operator answers an offer for a worker at the desk: station-scoped and audited."""

from __future__ import annotations

from typing import Any

import asyncpg

from tests.api.conftest import API, Api, bearer


async def _offer_at_desk(api: Api) -> tuple[dict[str, Any], str, str, dict[str, Any]]:
    admin = await api.admin()
    station = await api.station(admin)
    _, op = await api.operator(admin, [station["id"]])
    worker, _ = await api.worker()
    _, employer = await api.employer()
    await api.order(employer, headcount=1)
    # No phone: the operator checks the person in (no location).
    from datetime import timedelta

    from gigstation.platform.clock import now

    r = await api.client.post(f"{API}/checkins", headers=bearer(op), json={
        "station_id": station["id"], "worker_id": worker["id"],
        "available_until": (now() + timedelta(hours=8)).isoformat(), "max_distance_m": 10000})
    assert r.status_code == 201, r.text
    r = await api.client.post(f"{API}/stations/{station['id']}/dispatch", headers=bearer(op))
    assert r.status_code == 201, r.text
    offers = r.json()["offers"]
    assert len(offers) == 1
    return station, admin, op, {**offers[0], "worker": worker}


async def test_operator_accepts_for_the_worker_and_is_the_audited_actor(
    api: Api, db: asyncpg.Connection[Any]
) -> None:
    _, _, op, offer = await _offer_at_desk(api)
    r = await api.client.post(f"{API}/offers/{offer['id']}/accept-for-worker", headers=bearer(op))
    assert r.status_code == 200, r.text
    assert r.json()["worker_id"] == offer["worker"]["id"]
    op_id = await db.fetchval("SELECT id FROM users WHERE role = 'operator'")
    row = await db.fetchrow(
        "SELECT actor_id, details FROM audit_log WHERE action = 'offer.accept' AND object_id = $1",
        offer["id"])
    assert row["actor_id"] == op_id
    assert offer["worker"]["id"] in row["details"]
    # A retry answers with the same assignment, like the worker's own accept.
    again = await api.client.post(f"{API}/offers/{offer['id']}/accept-for-worker", headers=bearer(op))
    assert again.status_code == 200 and again.json()["id"] == r.json()["id"]


async def test_decline_for_the_worker(api: Api, db: asyncpg.Connection[Any]) -> None:
    _, _, op, offer = await _offer_at_desk(api)
    r = await api.client.post(f"{API}/offers/{offer['id']}/decline-for-worker", headers=bearer(op))
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "declined"
    actor_role = await db.fetchval(
        "SELECT u.role FROM audit_log a JOIN users u ON u.id = a.actor_id "
        "WHERE a.action = 'offer.decline' AND a.object_id = $1", offer["id"])
    assert actor_role == "operator"


async def test_only_the_stations_operators_may_answer(api: Api) -> None:
    _, admin, _, offer = await _offer_at_desk(api)
    other_station = await api.station(admin, name="别的驿站")
    _, stranger = await api.operator(admin, [other_station["id"]])
    r = await api.client.post(f"{API}/offers/{offer['id']}/accept-for-worker", headers=bearer(stranger))
    assert r.status_code == 404
    _, worker_token = await api.worker()
    r = await api.client.post(f"{API}/offers/{offer['id']}/accept-for-worker", headers=bearer(worker_token))
    assert r.status_code == 403
    r = await api.client.post(f"{API}/offers/{offer['id']}/accept-for-worker", headers=bearer(admin))
    assert r.status_code == 403
