"""The age rules' exact day, without keeping a birth date: once a day, the workers whose 18th
or 50th birthday falls in the current year (their stored threshold is next 1 January) have
their sealed identity number opened, and the rule is applied from the birthday on.

See `identity.AgeFacts` for what is stored (the year, and whether each rule holds)."""

from __future__ import annotations

from datetime import date
from typing import Any

import asyncpg

from gigstation.people.identity import InvalidIdentity, age_facts, validate_identity
from gigstation.platform.pii import PiiDecryptionError, PiiKeyring

__all__ = ["AGE_RULES_LOCK", "refresh_age_facts"]

AGE_RULES_LOCK = 0x67696773_74617403
"""Advisory lock: one process at a time refreshes (the others skip that round)."""

_DUE = """
SELECT user_id, id_type, id_cipher, adult_from, priority_age_from FROM workers
WHERE (adult_from = $1 OR priority_age_from = $1) AND octet_length(id_cipher) > 0
"""
_SET = "UPDATE workers SET adult_from = $2, priority_age_from = $3 WHERE user_id = $1"


async def refresh_age_facts(conn: asyncpg.Connection[Any], keyring: PiiKeyring, today: date) -> int:
    """Apply the age rules whose birthday has come this year; return how many rows changed.

    Call inside a transaction. Returns 0 when another process holds the lock."""
    if not await conn.fetchval("SELECT pg_try_advisory_xact_lock($1)", AGE_RULES_LOCK):
        return 0
    pending = date(today.year + 1, 1, 1)
    changed = 0
    for row in await conn.fetch(_DUE, pending):
        try:
            info = validate_identity(row["id_type"], keyring.decrypt(bytes(row["id_cipher"])), today)
        except (PiiDecryptionError, InvalidIdentity):
            continue  # an unreadable or odd number keeps its year-rounded threshold
        if info.birth_date is None:
            continue  # travel permits: the threshold is reached on 1 January
        facts = age_facts(info.birth_date, today)
        adult_from = row["adult_from"] if row["adult_from"] != pending else facts.adult_from
        fifty_from = row["priority_age_from"] if row["priority_age_from"] != pending else facts.priority_age_from
        if (adult_from, fifty_from) != (row["adult_from"], row["priority_age_from"]):
            await conn.execute(_SET, row["user_id"], adult_from, fifty_from)
            changed += 1
    return changed
