"""The age rules keep only the year in the database, yet apply from the exact birthday: the
daily refresh opens the sealed number of the people whose birthday is this year."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import asyncpg

from gigstation.people import workers
from gigstation.people.age_rules import refresh_age_facts
from gigstation.platform.pii import PiiKeyring, parse_key
from gigstation.sim.demo import demo_resident_id
from tests.conftest import TEST_PII_KEY

KEYRING = PiiKeyring({1: parse_key(TEST_PII_KEY)}, 1)
_FACTS = "SELECT adult_from, priority_age_from FROM workers WHERE user_id = $1"


async def _register(db: asyncpg.Connection[Any], birth: date, n: int, today: date) -> Any:
    await db.set_type_codec("jsonb", encoder=json.dumps, decoder=json.loads, schema="pg_catalog")
    async with db.transaction():
        view = await workers.register_worker(db, KEYRING.current, workers.WorkerCreate(
            name="王师傅", phone=f"1361234{n:04d}", password="worker-pass", id_type="resident_id",
            id_number=demo_resident_id(birth, n), skills=["moving"]), "not-a-hash", today)
    return view.id


async def test_the_exact_birthday_counts_though_only_the_year_is_stored(db: asyncpg.Connection[Any]) -> None:
    registered = date(2026, 3, 10)
    minor = await _register(db, date(2008, 6, 20), 1, registered)      # 18 on 2026-06-20
    fifty = await _register(db, date(1976, 9, 5), 2, registered)       # 50 on 2026-09-05
    assert tuple(await db.fetchrow(_FACTS, minor)) == (date(2027, 1, 1), date(2059, 1, 1))
    assert tuple(await db.fetchrow(_FACTS, fifty)) == (None, date(2027, 1, 1))
    async with db.transaction():  # the day before the 18th birthday: nothing changes
        assert await refresh_age_facts(db, KEYRING, date(2026, 6, 19)) == 0
    async with db.transaction():
        assert await refresh_age_facts(db, KEYRING, date(2026, 6, 20)) == 1
    assert tuple(await db.fetchrow(_FACTS, minor)) == (None, date(2059, 1, 1))
    async with db.transaction():
        assert await refresh_age_facts(db, KEYRING, date(2026, 9, 5)) == 1
    assert tuple(await db.fetchrow(_FACTS, fifty)) == (None, date(2026, 1, 1))
    async with db.transaction():  # nothing left to do this year
        assert await refresh_age_facts(db, KEYRING, date(2026, 12, 31)) == 0
