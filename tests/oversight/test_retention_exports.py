"""Retention with a fixed clock; the audited employment export; planning from workers."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import uuid
from datetime import timedelta
from typing import Any

import asyncpg
import openpyxl

from gigstation.oversight import retention
from gigstation.platform.config import Settings
from gigstation.platform.db import connect_pool
from tests.api.conftest import API, Api, bearer
from tests.oversight.day import DAY, at, build_day, plus

NOW = at(3, 0, plus(4 * 365))  # four years after the day


async def test_purge_erases_locations_and_anonymises_the_inactive(
    api: Api, db: asyncpg.Connection[Any], settings: Settings
) -> None:
    day = await build_day(api, db)
    w = {k: uuid.UUID(v[0]["id"]) for k, v in day.workers.items()}
    recent, _ = await api.worker()
    await db.execute("UPDATE users SET created_at = $1 WHERE id = $2", NOW - timedelta(days=10),
                     uuid.UUID(recent["id"]))  # registered ten days before the purge: active
    # w1 and w4 confirmed their pay; w2 has an open complaint, w3 an unfinished job.
    wage_rows = await db.fetch("SELECT id, paid_cents, ends_at FROM assignments ORDER BY id")
    await db.execute("UPDATE users SET created_at = $1 WHERE id = ANY($2::uuid[])", at(7), list(w.values()))
    await db.execute("UPDATE workers SET updated_at = $1 WHERE user_id = ANY($2::uuid[])", at(7), list(w.values()))
    await db.execute("UPDATE checkins SET lat = 31.151, lon = 121.117")

    # A month later only the locations go; the people are still active.
    soon = await _purge(db, settings, at(3, 0, plus(31)))
    assert (soon.locations_erased, soon.workers_anonymised) == (5, 0)
    assert await db.fetchval("SELECT count(*) FROM checkins WHERE lat IS NOT NULL") == 0
    assert await db.fetchval("SELECT count(*) FROM checkins") == 5

    result = await _purge(db, settings, NOW)
    assert result.workers_anonymised == 2  # w1 and w4; w2 and w3 wait for their cases
    rows = {r["id"]: r for r in await db.fetch(
        "SELECT u.id, u.name, u.phone, u.disabled_at, u.anonymised_at, w.id_masked, w.adult_from, w.priority_age_from, "
        "w.priority_groups, length(w.id_cipher) AS cipher_len FROM users u JOIN workers w ON w.user_id = u.id")}
    for name in ("w1", "w4"):
        r = rows[w[name]]
        assert r["name"] == retention.ANONYMISED_NAME and r["phone"].startswith("anon-")
        assert r["id_masked"] == retention.ANONYMISED_NAME and r["cipher_len"] == 0
        assert r["adult_from"] is None and r["priority_age_from"] is None
        assert r["priority_groups"] == [] and r["anonymised_at"] == NOW
        assert r["disabled_at"] is not None
    for name in ("w2", "w3"):
        assert rows[w[name]]["anonymised_at"] is None and rows[w[name]]["name"] != retention.ANONYMISED_NAME
    assert rows[uuid.UUID(recent["id"])]["anonymised_at"] is None
    assert await db.fetchval("SELECT count(*) FROM priority_group_evidence WHERE worker_id = $1", w["w1"]) == 0
    # Wage records are untouched and still point at the (anonymised) people.
    assert await db.fetch("SELECT id, paid_cents, ends_at FROM assignments ORDER BY id") == wage_rows
    # The anonymised cannot sign in.
    r = await api.client.post(f"{API}/auth/login", json={"phone": day.workers["w1"][0]["phone"],
                                                          "password": "worker-pass"})
    assert r.status_code == 401
    actions = [r["action"] for r in await db.fetch("SELECT action FROM audit_log WHERE action LIKE 'retention%' "
                                                   "OR action = 'worker.anonymised'")]
    assert actions.count("worker.anonymised") == 2 and actions.count("retention.purge") == 2
    # Running again finds nothing new.
    again = await _purge(db, settings, NOW + timedelta(days=1))
    assert (again.locations_erased, again.workers_anonymised) == (0, 0)


async def _purge(db: asyncpg.Connection[Any], settings: Settings, now: Any) -> retention.PurgeResult:
    await db.set_type_codec("jsonb", encoder=json.dumps, decoder=json.loads, schema="pg_catalog")
    async with db.transaction():
        return await retention.purge(db, settings, now)


async def test_daily_purge_runs_once_across_processes(db: asyncpg.Connection[Any], settings: Settings) -> None:
    pools = [await connect_pool(settings.database_url or "", min_size=1, max_size=2) for _ in range(3)]
    try:
        results = await asyncio.gather(*(retention.purge_if_due(p, settings, NOW) for p in pools))
        assert sum(r is not None for r in results) == 1
        # Within the interval nobody runs it again; after it, one does.
        assert await retention.purge_if_due(pools[0], settings, NOW + timedelta(hours=12)) is None
        assert await retention.purge_if_due(pools[1], settings, NOW + timedelta(days=1)) is not None
    finally:
        for p in pools:
            await p.close()
    assert await db.fetchval("SELECT count(*) FROM audit_log WHERE action = 'retention.purge'") == 2


async def test_employment_export_is_for_admins_and_audited(api: Api, db: asyncpg.Connection[Any]) -> None:
    day = await build_day(api, db)
    url = f"{API}/reports/employment?from={DAY}&to={DAY}"
    for token in (day.op_a, day.workers["w1"][1]):
        assert (await api.client.get(url, headers=bearer(token))).status_code == 403
    assert (await api.client.get(url)).status_code == 401
    r = await api.client.get(url, headers=bearer(day.admin))
    assert r.status_code == 200, r.text
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["姓名 name", "证件类型 ID type", "证件号码(脱敏) ID number (masked)"]
    # Four jobs taken up that day (w3's is still active: it counts as found work).
    assert len(rows) == 5
    masked = {r[2] for r in rows[1:]}
    assert all("*" in m for m in masked)
    full_numbers = await db.fetch("SELECT id_masked FROM workers")
    assert masked <= {x["id_masked"] for x in full_numbers}
    assert {r[5] for r in rows[1:]} == {day.a["name"], day.b["name"]}
    assert rows[1][8].startswith(f"{DAY}T10:00:00+08:00")
    x = await api.client.get(url + f"&format=xlsx&station_id={day.b['id']}", headers=bearer(day.admin))
    sheet = openpyxl.load_workbook(io.BytesIO(x.content)).active
    assert sheet is not None
    assert len(list(sheet.iter_rows(values_only=True))) == 2
    audits = await db.fetch("SELECT actor_id, at, details FROM audit_log "
                            "WHERE action = 'export.employment_registration' ORDER BY id")
    assert [json.loads(a["details"]) for a in audits] == [
        {"from": str(DAY), "to": str(DAY), "format": "csv", "station_id": None, "rows": 4},
        {"from": str(DAY), "to": str(DAY), "format": "xlsx", "station_id": day.b["id"], "rows": 1},
    ]
    assert all(a["actor_id"] is not None and a["at"] is not None for a in audits)
    # Refused requests leave no audit row and no file.
    r = await api.client.get(f"{API}/reports/employment?from={DAY}&to={plus(-1)}", headers=bearer(day.admin))
    assert r.status_code == 422
    assert await db.fetchval("SELECT count(*) FROM audit_log WHERE action = 'export.employment_registration'") == 2


async def test_planning_from_registered_workers(api: Api, db: asyncpg.Connection[Any]) -> None:
    admin = await api.admin()
    await api.station(admin, lat=31.10, lon=121.10)
    north = (31.19, 121.10)
    homes = [(31.1001, 121.1001), (31.1002, 121.1003), north, (31.1902, 121.1001), (31.1903, 121.1002)]
    tokens = []
    for lat, lon in homes:
        _, token = await api.worker()
        r = await api.client.put(f"{API}/workers/me/home-area", headers=bearer(token), json={"lat": lat, "lon": lon})
        assert r.status_code == 200, r.text
        tokens.append(token)
    # Only the cell is kept, never the point itself.
    cells = await db.fetch("SELECT home_cell_lat, home_cell_lon FROM workers")
    assert (homes[0][0], homes[0][1]) not in {(c[0], c[1]) for c in cells}
    await api.worker()  # gave no home area and never checked in: left out
    body = {"k": 1, "radius_m": 1500, "candidates": [
        {"id": "south", "lat": 31.1, "lon": 121.1005}, {"id": "north", "lat": north[0], "lon": north[1]}]}
    r = await api.client.post(f"{API}/planning/stations", headers=bearer(admin), json=body)
    assert r.status_code == 200, r.text
    plan = r.json()
    assert (plan["chosen"], plan["covered_before"], plan["covered_after"], plan["total"], plan["optimal"]) == (
        ["north"], 2, 5, 5, True)
    assert (plan["coverage_before"], plan["coverage_after"]) == (0.4, 1.0)
    assert (plan["demand_from_home_areas"], plan["workers_unlocated"]) == (5, 1)
    assert sum(c["workers"] for c in plan["cells"]) == 5
    assert all(c["covered_after"] for c in plan["cells"])
    for bad in ({**body, "k": 3}, {**body, "candidates": [body["candidates"][0]] * 2}, {**body, "k": -1}):
        r = await api.client.post(f"{API}/planning/stations", headers=bearer(admin), json=bad)
        assert r.status_code in (400, 422), r.text
    station = await api.station(admin, lat=31.5, lon=121.5)
    _, op = await api.operator(admin, [station["id"]])
    assert (await api.client.post(f"{API}/planning/stations", headers=bearer(op), json=body)).status_code == 403
    assert (await api.client.put(f"{API}/workers/me/home-area", headers=bearer(admin),
                                 json={"lat": 31.0, "lon": 121.0})).status_code == 403


async def test_purge_command(db: asyncpg.Connection[Any], database_url: str, tmp_path: Any,
                             monkeypatch: Any, capsys: Any) -> None:
    from gigstation.cli import main

    monkeypatch.setenv("GIGSTATION_DATABASE_URL", database_url)
    monkeypatch.setenv("GIGSTATION_DATA_DIR", str(tmp_path))
    assert await asyncio.to_thread(main, ["purge"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert (out["locations_erased"], out["workers_anonymised"]) == (0, 0)
    assert await db.fetchval("SELECT count(*) FROM audit_log WHERE action = 'retention.purge'") == 1


async def test_purge_takes_the_card_number_and_the_follow_ups(
    api: Api, db: asyncpg.Connection[Any], settings: Settings
) -> None:
    admin = await api.admin()
    station = await api.station(admin)
    _, op = await api.operator(admin, [station["id"]])
    body = api.worker_body(name="刘大爷")
    del body["phone"], body["password"]
    r = await api.client.post(f"{API}/workers", headers=bearer(op), json=body)
    assert r.status_code == 201, r.text
    person = uuid.UUID(r.json()["worker"]["id"])
    r = await api.client.post(f"{API}/workers/{person}/follow-ups", headers=bearer(op),
                              json={"kind": "call", "result": "刘大爷说下周来驿站"})
    assert r.status_code == 201, r.text
    await db.execute("UPDATE users SET created_at = $1 WHERE id = $2", at(7), person)
    await db.execute("UPDATE workers SET updated_at = $1 WHERE user_id = $2", at(7), person)
    result = await _purge(db, settings, NOW)
    assert result.workers_anonymised == 1
    row = await db.fetchrow("SELECT u.phone, w.card_number FROM users u JOIN workers w ON w.user_id = u.id "
                            "WHERE u.id = $1", person)
    assert row["phone"].startswith("anon-") and row["card_number"] is None
    assert await db.fetchval("SELECT count(*) FROM priority_followups WHERE worker_id = $1", person) == 0
