"""Fault 10: the idempotency store keeps no usable token, no plain fingerprint, no old rows."""

from __future__ import annotations

import hashlib
from typing import Any

import asyncpg
import msgspec

from gigstation.platform import idempotency
from gigstation.platform.config import Settings
from tests.api.conftest import API, Api, bearer


async def test_stored_answer_holds_no_token_and_a_replay_gets_a_working_one(
    api: Api, db: asyncpg.Connection[Any]
) -> None:
    for path, body in (("workers", api.worker_body()), ("employers", api.employer_body())):
        key = {"Idempotency-Key": f"reg-{path}"}
        first = await api.client.post(f"{API}/{path}", json=body, headers=key)
        assert first.status_code == 201, first.text
        token = first.json()["token"]
        stored = bytes(await db.fetchval("SELECT response FROM idempotency_keys WHERE key = $1",
                                         key["Idempotency-Key"]))
        assert token.encode() not in stored
        assert token.split(".")[2].encode() not in stored  # not even the signature
        replay = await api.client.post(f"{API}/{path}", json=body, headers=key)
        assert replay.status_code == 201
        assert replay.headers["idempotent-replayed"] == "true"
        me = await api.client.get(f"{API}/{path}/me", headers=bearer(replay.json()["token"]))
        assert me.status_code == 200, me.text


async def test_fingerprint_is_keyed_not_a_plain_hash(api: Api, db: asyncpg.Connection[Any]) -> None:
    body = api.worker_body()
    raw = msgspec.json.encode(body)
    r = await api.client.post(f"{API}/workers", content=raw,
                              headers={"Idempotency-Key": "fp-1", "Content-Type": "application/json"})
    assert r.status_code == 201, r.text
    stored = bytes(await db.fetchval("SELECT request_hash FROM idempotency_keys WHERE key = 'fp-1'"))
    # What a dump reader could recompute for a guessed password, if the hash were unkeyed:
    plain = hashlib.sha256(b"POST %s\n%s" % (f"{API}/workers".encode(), raw)).digest()
    assert stored != plain
    assert len(stored) == 32


async def test_rows_expire(api: Api, db: asyncpg.Connection[Any], settings: Settings) -> None:
    body = api.order_body()
    admin = await api.admin()
    await api.station(admin)
    _, token = await api.employer()
    headers = {**bearer(token), "Idempotency-Key": "old-order"}
    first = await api.client.post(f"{API}/orders", json=body, headers=headers)
    assert first.status_code == 201
    age = settings.idempotency_ttl_s + 60
    await db.execute("UPDATE idempotency_keys SET created_at = now() - make_interval(secs => $1)", float(age))
    # An expired key is free again: the same key now makes a new order, not a replay.
    again = await api.client.post(f"{API}/orders", json=body, headers=headers)
    assert again.status_code == 201
    assert "idempotent-replayed" not in again.headers
    assert again.json()["id"] != first.json()["id"]
    # And the sweep deletes whatever expired.
    await db.execute("UPDATE idempotency_keys SET created_at = now() - make_interval(secs => $1)", float(age))
    assert await idempotency.sweep(db, settings.idempotency_ttl_s) >= 1
    assert await db.fetchval("SELECT count(*) FROM idempotency_keys") == 0
