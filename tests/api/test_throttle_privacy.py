"""Rate-limit and back-off rows name no phone and no address: their keys are keyed hashes."""

from __future__ import annotations

from typing import Any

import asyncpg

from tests.api.conftest import API, Api


async def test_failed_sign_ins_leave_no_phone_or_address_in_clear(api: Api, db: asyncpg.Connection[Any]) -> None:
    body = api.worker_body()
    await api.worker(**body)
    for _ in range(3):
        r = await api.client.post(f"{API}/auth/login", json={"phone": body["phone"], "password": "wrong-one"})
        assert r.status_code == 401
    ok = await api.client.post(f"{API}/auth/login", json={"phone": body["phone"], "password": body["password"]})
    assert ok.status_code == 200
    rows = [r["t"] for r in await db.fetch(
        "SELECT row_to_json(x)::text AS t FROM (SELECT bucket AS k FROM rate_limit_windows UNION ALL "
        "SELECT key FROM login_backoff UNION ALL SELECT encode(key, 'hex') FROM login_known) x")]
    assert len(rows) >= 3  # the limits did count
    text = "\n".join(rows)
    assert body["phone"] not in text and body["phone"][-8:] not in text
    assert "testclient" not in text and "@" not in text
