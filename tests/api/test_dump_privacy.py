"""Fault 3 of issue 8: a database dump cannot rebuild an identity number.

The attacker here holds every column of every table (dates included) and, to be generous,
already knows each person's exact area code (or residence-permit prefix). They list every
number consistent with what the dump shows in clear: the mask, the stored age facts and
the registration date. The test fails if any person is narrowed below 1,000 candidates.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
from stdnum.cn import ric

from gigstation.people.identity import age_facts
from gigstation.platform.pii import PiiCipher
from gigstation.sim.demo import demo_resident_id
from tests.api.conftest import API, Api
from tests.conftest import TEST_PII_KEY

MIN_CANDIDATES = 1_000
_ZONE = ZoneInfo("Asia/Shanghai")
_TABLES = """
SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'schema_migrations'
ORDER BY tablename
"""


def _permit(prefix: str, birth: date, seq: int) -> str:
    body = f"{prefix}{birth:%Y%m%d}{seq:03d}"
    return body + ric.calc_check_digit(body + "0")


async def _dump(db: asyncpg.Connection[Any]) -> str:
    """Every column of every row of every table, as text (dates ISO, bytea as hex)."""
    parts = []
    for table in [r["tablename"] for r in await db.fetch(_TABLES)]:
        rows = await db.fetch(f'SELECT row_to_json(t)::text AS j FROM "{table}" t')
        parts += [f"{table}: {r['j']}" for r in rows]
    return "\n".join(parts)


def _birth_span(facts: tuple[date | None, date | None], registered: date) -> int:
    """Days between the first and last birth date consistent with the stored age facts."""
    births = [day for day in (date(1900, 1, 1) + timedelta(days=i) for i in range(45_000))
              if day <= registered - timedelta(days=16 * 365)
              and (lambda f: (f.adult_from, f.priority_age_from))(age_facts(day, registered)) == facts]
    return (max(births) - min(births)).days


def _candidates(area: str, masked: str, facts: tuple[date | None, date | None], registered: date) -> int:
    """How many 18-character numbers with this area fit what the dump shows in clear
    (counting stops at MIN_CANDIDATES: enough is enough)."""
    earliest, latest = date(1900, 1, 1), registered - timedelta(days=16 * 365)
    births = []
    day = earliest
    while day <= latest:
        f = age_facts(day, registered)
        if (f.adult_from, f.priority_age_from) == facts:
            births.append(day)
        day += timedelta(days=1)
    count = 0
    for birth in births:
        for seq in range(1000):
            body = f"{area}{birth:%Y%m%d}{seq:03d}"
            number = body + ric.calc_check_digit(body + "0")
            if number[0] == masked[0] and number[-1] == masked[-1]:
                count += 1
                if count >= MIN_CANDIDATES:
                    return count
    return count


async def test_a_dump_cannot_narrow_any_identity_number(api: Api, db: asyncpg.Connection[Any]) -> None:
    today = datetime.now(_ZONE).date()
    people = {  # number -> area the attacker is given
        demo_resident_id(date(1975, 3, 14), 21, "310229"): "310229",
        demo_resident_id(date(1976, 2, 29), 22, "310118"): "310118",   # a 29 February birth
        demo_resident_id(date(1970, 1, 1), 23, "110105"): "110105",    # the 1st of a month
        demo_resident_id(date(1960, 7, 31), 24, "440305"): "440305",   # already 50
        demo_resident_id(today - timedelta(days=int(16.5 * 365)), 25, "310118"): "310118",  # a minor
        _permit("810000", date(1990, 6, 15), 26): "810000",            # residence permits
        _permit("830000", date(1985, 2, 28), 27): "830000",
    }
    ids = {}
    for number in people:
        id_type = "hk_mo_tw_residence_permit" if number[:2] == "81" or number[:2] == "83" else "resident_id"
        r = await api.client.post(f"{API}/workers", json=api.worker_body(id_type=id_type, id_number=number))
        assert r.status_code == 201, r.text
        ids[number] = uuid.UUID(r.json()["worker"]["id"])
    employer_number = demo_resident_id(date(1969, 9, 9), 28, "310101")
    body = api.employer_body(kind="individual", id_number=employer_number)
    del body["credit_code"]
    assert (await api.client.post(f"{API}/employers", json=body)).status_code == 201

    dump = await _dump(db)
    for number in [*people, employer_number]:
        birth = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
        for needle in (number, number[6:14], birth.isoformat(), number.encode().hex()):
            assert needle not in dump, f"{needle[:4]}… is in the dump"
    for number, area in people.items():
        row = await db.fetchrow(
            "SELECT w.id_masked, w.adult_from, w.priority_age_from, u.created_at FROM workers w "
            "JOIN users u ON u.id = w.user_id WHERE w.user_id = $1", ids[number])
        assert row is not None
        registered = row["created_at"].astimezone(_ZONE).date()
        n = _candidates(area, row["id_masked"], (row["adult_from"], row["priority_age_from"]), registered)
        assert n >= MIN_CANDIDATES, f"{number[:6]}…: only {n} candidates"
        # No birth month either: the stored facts fit births spread over months of the year.
        span = _birth_span((row["adult_from"], row["priority_age_from"]), registered)
        assert span >= 90 or registered.timetuple().tm_yday <= 90, f"{number[:6]}…: births within {span} days"


async def test_the_stored_number_decrypts_to_the_number_given(api: Api, db: asyncpg.Connection[Any]) -> None:
    # Replacing the encryption by random bytes (or the number by another) must fail a test.
    body = api.worker_body()
    r = await api.client.post(f"{API}/workers", json=body)
    assert r.status_code == 201, r.text
    blob = await db.fetchval("SELECT id_cipher FROM workers WHERE user_id = $1::uuid", r.json()["worker"]["id"])
    assert PiiCipher(TEST_PII_KEY).decrypt(bytes(blob)) == body["id_number"]
    employer_number = demo_resident_id(date(1980, 5, 5), 77)
    body = api.employer_body(kind="individual", id_number=employer_number)
    del body["credit_code"]
    r = await api.client.post(f"{API}/employers", json=body)
    assert r.status_code == 201, r.text
    blob = await db.fetchval("SELECT id_cipher FROM employers WHERE user_id = $1::uuid", r.json()["employer"]["id"])
    assert PiiCipher(TEST_PII_KEY).decrypt(bytes(blob)) == employer_number
