"""Fault 5: limits shared by every process, per address and per account, 429 + Retry-After,
registration refused before the password is hashed."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import msgspec
import pytest
from litestar.testing import AsyncTestClient

from gigstation.application import create_app
from gigstation.platform.config import Settings
from tests.api.conftest import API, Api, next_phone


@contextlib.asynccontextmanager
async def _client(settings: Settings) -> AsyncIterator[AsyncTestClient[Any]]:
    async with AsyncTestClient(create_app(settings)) as c:
        yield c


async def _fresh_window() -> None:
    # Fixed one-minute windows: do not straddle a boundary mid-test.
    if time.time() % 60 > 45:
        await asyncio.sleep(61 - time.time() % 60)


def _assert_retry_after(r: Any) -> None:
    assert r.status_code == 429, r.text
    assert 1 <= int(r.headers["retry-after"]) <= 3600
    assert r.headers["content-type"].startswith("application/problem+json")


async def test_two_processes_share_one_login_count(settings: Settings, db: asyncpg.Connection[Any]) -> None:
    limited = msgspec.structs.replace(settings, login_rate_per_minute=6)
    await _fresh_window()
    async with _client(limited) as a, _client(limited) as b:  # two apps, two pools, one database
        statuses = []
        for i in range(10):
            client = (a, b)[i % 2]
            r = await client.post(f"{API}/auth/login", json={"phone": next_phone(), "password": "wrong"})
            statuses.append(r.status_code)
            if r.status_code == 429:
                _assert_retry_after(r)
    assert statuses == [401] * 6 + [429] * 4, statuses


async def test_one_persons_failures_do_not_lock_out_others_on_the_same_address(
    settings: Settings, db: asyncpg.Connection[Any]
) -> None:
    limited = msgspec.structs.replace(settings, login_free_failures=3, login_rate_per_minute=1000)
    await _fresh_window()
    async with _client(limited) as c:
        api = Api(c)
        victim = api.worker_body()
        await api.worker(**victim)
        neighbour = api.worker_body()
        await api.worker(**neighbour)
        for _ in range(4):
            r = await c.post(f"{API}/auth/login", json={"phone": victim["phone"], "password": "guess"})
            assert r.status_code == 401
        # Backed off: even the right password waits, so guessing gains nothing.
        r = await c.post(f"{API}/auth/login", json={"phone": victim["phone"], "password": victim["password"]})
        _assert_retry_after(r)
        # Someone else on the same station Wi-Fi signs in normally.
        await api.login(neighbour["phone"], neighbour["password"])
        await asyncio.sleep(int(r.headers["retry-after"]) + 0.1)
        await api.login(victim["phone"], victim["password"])


async def test_a_stranger_exhausting_the_address_budget_does_not_lock_out_regulars(
    settings: Settings, db: asyncpg.Connection[Any]
) -> None:
    limited = msgspec.structs.replace(settings, login_rate_per_minute=5)
    await _fresh_window()
    async with _client(limited) as c:
        api = Api(c)
        regular = api.worker_body()
        await api.worker(**regular)
        await api.login(regular["phone"], regular["password"])  # signs in here every morning
        newcomer = api.worker_body()
        await api.worker(**newcomer)
        for _ in range(5):  # a stranger on the same Wi-Fi tries phone after phone
            r = await c.post(f"{API}/auth/login", json={"phone": next_phone(), "password": "guess"})
            assert r.status_code == 401
        r = await c.post(f"{API}/auth/login", json={"phone": next_phone(), "password": "guess"})
        _assert_retry_after(r)
        await api.login(regular["phone"], regular["password"])
        # Not promised: someone who never signed in from here waits like the stranger.
        r = await c.post(f"{API}/auth/login", json={"phone": newcomer["phone"], "password": newcomer["password"]})
        _assert_retry_after(r)


async def test_registration_is_refused_before_hashing(settings: Settings, db: asyncpg.Connection[Any]) -> None:
    limited = msgspec.structs.replace(settings, register_rate_per_minute=3)
    await _fresh_window()
    async with _client(limited) as c:
        hasher = c.app.state.runtime.hasher
        hashed = 0
        real_hash = hasher.hash

        async def counting_hash(password: str) -> str:
            nonlocal hashed
            hashed += 1
            return str(await real_hash(password))

        hasher.hash = counting_hash
        api = Api(c)
        statuses = []
        for i in range(6):
            body = api.worker_body() if i % 2 == 0 else api.employer_body()
            r = await c.post(f"{API}/{'workers' if i % 2 == 0 else 'employers'}", json=body)
            statuses.append(r.status_code)
            if r.status_code == 429:
                _assert_retry_after(r)
    assert statuses == [201, 201, 201, 429, 429, 429], statuses
    assert hashed == 3, "a refused registration must not run argon2"


@pytest.mark.parametrize("limit", [2])
async def test_every_registration_from_all_addresses_is_bounded(
    settings: Settings, db: asyncpg.Connection[Any], limit: int
) -> None:
    limited = msgspec.structs.replace(settings, register_rate_global_per_minute=limit)
    await _fresh_window()
    async with _client(limited) as c:
        api = Api(c)
        codes = [(await c.post(f"{API}/workers", json=api.worker_body())).status_code for _ in range(limit + 1)]
    assert codes == [201] * limit + [429]


async def test_guessing_one_phone_from_many_addresses_is_capped(
    settings: Settings, db: asyncpg.Connection[Any]
) -> None:
    limited = msgspec.structs.replace(settings, login_failures_per_phone_per_hour=3, login_free_failures=100)
    async with _client(limited) as c:
        api = Api(c)
        victim = api.worker_body()
        await api.worker(**victim)
        for _ in range(3):
            r = await c.post(f"{API}/auth/login", json={"phone": victim["phone"], "password": "guess"})
            assert r.status_code == 401
        # Other addresses share this count (it is keyed by phone alone).
        await db.execute("DELETE FROM login_backoff")  # as if from elsewhere: keys are hashes now
        r = await c.post(f"{API}/auth/login", json={"phone": victim["phone"], "password": victim["password"]})
        _assert_retry_after(r)
