"""Fault 4: tokens die with their account, can be revoked, and stay out of URLs."""

from __future__ import annotations

import asyncio
from typing import Any

import asyncpg
import pytest

from tests.api.conftest import ADMIN, API, Api, bearer
from tests.api.test_events_sse import server  # noqa: F401  (fixture: the app over real HTTP)


async def _me(api: Api, token: str) -> int:
    r = await api.client.get(f"{API}/workers/me", headers=bearer(token))
    return r.status_code


async def test_disabled_account_token_stops_at_once_and_login_is_refused(
    api: Api, db: asyncpg.Connection[Any]
) -> None:
    admin = await api.admin()
    body = api.worker_body()
    worker, token = await api.worker(**body)
    assert await _me(api, token) == 200
    r = await api.client.post(f"{API}/accounts/{worker['id']}/disable", headers=bearer(admin))
    assert r.status_code == 200, r.text
    assert r.json()["disabled_at"] is not None
    r = await api.client.get(f"{API}/workers/me", headers=bearer(token))
    assert r.status_code == 401
    assert "停用" in r.json()["detail"]
    r = await api.client.post(f"{API}/auth/login", json={"phone": body["phone"], "password": body["password"]})
    assert r.status_code == 401
    # Enabling again lets the person sign in, but the tokens issued before stay dead.
    r = await api.client.post(f"{API}/accounts/{worker['id']}/enable", headers=bearer(admin))
    assert r.status_code == 200 and r.json()["disabled_at"] is None
    assert await _me(api, token) == 401
    fresh = await api.login(body["phone"], body["password"])
    assert await _me(api, fresh) == 200
    actions = [r["action"] for r in await db.fetch(
        "SELECT action FROM audit_log WHERE object_id = $1 ORDER BY id", worker["id"])]
    assert actions[-2:] == ["account.disable", "account.enable"]


async def test_deleted_account_token_stops(api: Api, db: asyncpg.Connection[Any]) -> None:
    worker, token = await api.worker()
    await db.execute("DELETE FROM users WHERE id = $1::uuid", worker["id"])
    assert await _me(api, token) == 401


async def test_only_admins_disable_and_not_themselves(api: Api, db: asyncpg.Connection[Any]) -> None:
    admin = await api.admin()
    worker, token = await api.worker()
    _, other = await api.worker()
    r = await api.client.post(f"{API}/accounts/{worker['id']}/disable", headers=bearer(other))
    assert r.status_code == 403
    admin_id = await db.fetchval("SELECT id FROM users WHERE phone = $1", ADMIN["phone"])
    r = await api.client.post(f"{API}/accounts/{admin_id}/disable", headers=bearer(admin))
    assert r.status_code == 409
    r = await api.client.post(f"{API}/accounts/00000000-0000-0000-0000-000000000001/disable",
                              headers=bearer(admin))
    assert r.status_code == 404
    assert await _me(api, token) == 200


async def test_logout_everywhere_revokes_every_token(api: Api) -> None:
    body = api.worker_body()
    _, first = await api.worker(**body)
    await asyncio.sleep(1.1)  # a later iat, so the two tokens differ
    second = await api.login(body["phone"], body["password"])
    assert first != second
    r = await api.client.post(f"{API}/auth/logout-all", headers=bearer(second))
    assert r.status_code == 204, r.text
    assert await _me(api, first) == 401
    assert await _me(api, second) == 401
    assert await _me(api, await api.login(body["phone"], body["password"])) == 200


async def test_password_change_revokes_older_tokens(api: Api) -> None:
    body = api.worker_body()
    _, old = await api.worker(**body)
    r = await api.client.post(f"{API}/auth/password", headers=bearer(old),
                              json={"current_password": "wrong-one", "new_password": "new-pass-123"})
    assert r.status_code == 422
    assert await _me(api, old) == 200
    r = await api.client.post(f"{API}/auth/password", headers=bearer(old),
                              json={"current_password": body["password"], "new_password": "new-pass-123"})
    assert r.status_code == 200, r.text
    assert await _me(api, r.json()["token"]) == 200
    assert await _me(api, old) == 401
    r = await api.client.post(f"{API}/auth/login", json={"phone": body["phone"], "password": body["password"]})
    assert r.status_code == 401
    await api.login(body["phone"], "new-pass-123")


@pytest.mark.parametrize("path", ["/workers/me", "/stations", "/orders"])
async def test_query_token_is_refused_outside_the_event_stream(api: Api, path: str) -> None:
    _, token = await api.worker()
    r = await api.client.get(f"{API}{path}", params={"access_token": token})
    assert r.status_code == 401 if path != "/stations" else r.status_code == 200  # /stations is public
    if path == "/workers/me":
        assert (await api.client.get(f"{API}{path}", headers=bearer(token))).status_code == 200


async def test_query_token_is_accepted_by_the_event_stream(server: str, api: Api) -> None:  # noqa: F811
    _, token = await api.worker()
    host, port = server.split(":")
    for query, status in ((f"?access_token={token}", b"200"), ("?access_token=forged", b"401")):
        reader, writer = await asyncio.open_connection(host, int(port))
        writer.write(f"GET {API}/events{query} HTTP/1.1\r\nHost: {server}\r\n"
                     "Accept: text/event-stream\r\n\r\n".encode())
        await writer.drain()
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
        assert head.startswith(b"HTTP/1.1 " + status), head
        writer.close()
