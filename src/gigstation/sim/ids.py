"""Reproducible row ids for a simulated day.

Rows get random UUIDs (``gen_random_uuid()``), and the matcher breaks ties between equally
good solutions by id, so two runs of one seed used to differ by a handful of offers and
every figure after them. For the simulation only, and only on its own disposable database,
the id defaults become a seeded sequence hashed into a UUID: rows are written in the same
order every run, so they get the same ids, the matcher the same ties, the day the same
figures. The defaults are put back when the day ends.
"""

from __future__ import annotations

from typing import Any

import asyncpg

__all__ = ["random_ids", "seeded_ids"]

_TABLES = ("users", "stations", "orders", "checkins", "dispatch_runs", "offers", "assignments")


async def seeded_ids(conn: asyncpg.Connection[Any], seed: int) -> None:
    """Make new rows' ids a function of ``seed`` and the order they are written in."""
    await conn.execute("CREATE SEQUENCE IF NOT EXISTS sim_ids")
    await conn.execute("SELECT setval('sim_ids', 1, false)")
    # The seed is an int (never text from outside): formatting it into the body is safe.
    await conn.execute(f"""
        CREATE OR REPLACE FUNCTION sim_uuid() RETURNS uuid LANGUAGE sql VOLATILE AS $$
            SELECT md5('gigstation-sim:{int(seed)}:' || nextval('sim_ids'))::uuid
        $$""")
    for table in _TABLES:
        await conn.execute(f"ALTER TABLE {table} ALTER COLUMN id SET DEFAULT sim_uuid()")


async def random_ids(conn: asyncpg.Connection[Any]) -> None:
    """Put the random id defaults back."""
    for table in _TABLES:
        await conn.execute(f"ALTER TABLE {table} ALTER COLUMN id SET DEFAULT gen_random_uuid()")
    await conn.execute("DROP FUNCTION IF EXISTS sim_uuid()")
    await conn.execute("DROP SEQUENCE IF EXISTS sim_ids")
