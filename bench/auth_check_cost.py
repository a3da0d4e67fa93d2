"""Cost of the per-request account check (issue 8, fault 4): pooled acquire alone vs
acquire + ``auth.check_account``, on a scratch database with 100,000 users.

    PYTHONPATH=src python bench/auth_check_cost.py postgresql://postgres@127.0.0.1:5432/postgres
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg

from gigstation.platform.auth import Principal, check_account
from gigstation.platform.db import apply_migrations, connect_pool, connection

_USERS = """
INSERT INTO users (role, phone, password_hash, name)
SELECT 'worker', '136' || lpad(g::text, 8, '0'), 'x', 'w' FROM generate_series(1, 100000) g
"""


async def main(server_url: str) -> None:
    admin = await asyncpg.connect(server_url)
    name = "auth_cost_" + uuid.uuid4().hex[:8]
    await admin.execute(f'CREATE DATABASE "{name}"')
    url = server_url.rsplit("/", 1)[0] + "/" + name
    try:
        pool = await connect_pool(url, min_size=2, max_size=2)
        async with connection(pool) as conn:
            await apply_migrations(conn)
            await conn.execute(_USERS)
            await conn.execute("ANALYZE users")
            user_id = await conn.fetchval("SELECT id FROM users OFFSET 50000 LIMIT 1")
        who = Principal(user_id, "worker", 0)

        async def nothing(_: asyncpg.Connection[Any], __: Principal) -> None:
            return None

        cases: list[tuple[str, Callable[[asyncpg.Connection[Any], Principal], Awaitable[None]]]] = [
            ("acquire only", nothing), ("acquire + check_account", check_account)]
        for label, step in cases:
            samples = []
            for _ in range(3):
                began, n = time.perf_counter(), 2000
                for _ in range(n):
                    async with connection(pool) as conn:
                        await step(conn, who)
                samples.append((time.perf_counter() - began) / n * 1e6)
            print(f"{label}: {statistics.median(samples):.0f} us per request (median of 3 x 2000)")
        await pool.close()
    finally:
        await admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        await admin.close()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
