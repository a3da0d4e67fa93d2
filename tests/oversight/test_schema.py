"""Migration 0006's invariants, enforced by PostgreSQL itself."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import asyncpg
import pytest

from tests.api import seed


async def _user(db: asyncpg.Connection[Any], phone: str, anonymised: bool) -> None:
    await db.execute("INSERT INTO users (role, phone, password_hash, name, anonymised_at) "
                     "VALUES ('worker', $1, 'x', 'n', CASE WHEN $2 THEN now() END)", phone, anonymised)


async def test_placeholder_phones_only_for_anonymised_accounts(db: asyncpg.Connection[Any]) -> None:
    await _user(db, "13500000001", False)
    await _user(db, "anon-" + "0" * 32, True)
    for phone, anonymised in (("anon-" + "1" * 32, False), ("12345", True), ("anon-zz", True)):
        with pytest.raises(asyncpg.CheckViolationError):
            await _user(db, phone, anonymised)


async def test_active_priority_groups_counts_only_papers_in_force(db: asyncpg.Connection[Any]) -> None:
    """Migration 0017: the evidence records decide, not the bare list of names."""
    (worker,) = await seed.workers(db, 1)
    got = await db.fetchval("SELECT active_priority_groups($1::uuid, ARRAY['veteran', 'disability'], now())", worker)
    assert got == []  # names without papers count for nothing
    insert = ("INSERT INTO priority_group_evidence (worker_id, grp, evidence_type, evidence_note, evidence_date, "
              "expires_on, expires_at, recorded_at, replaced_at) VALUES ($1, $2, '证', '原件已核', '2026-01-01', "
              "'2026-12-31', $3, $4, $5)")
    t = datetime.fromisoformat
    await db.execute(insert, worker, "veteran", t("2027-01-01T00:00+08:00"), t("2026-01-01T09:00+08:00"), None)
    await db.execute(insert, worker, "disability", t("2026-06-01T00:00+08:00"), t("2026-01-01T09:00+08:00"), None)
    await db.execute(insert, worker, "zero_employment_family", t("2027-01-01T00:00+08:00"),
                     t("2026-01-01T09:00+08:00"), t("2026-03-01T09:00+08:00"))

    async def at(moment: str) -> list[str]:
        return list(await db.fetchval("SELECT active_priority_groups($1, '{}', $2)", worker, t(moment)))

    assert await at("2026-01-01T08:59+08:00") == []  # before the papers were seen
    assert await at("2026-02-01T00:00+08:00") == ["disability", "veteran", "zero_employment_family"]
    assert await at("2026-05-31T23:59+08:00") == ["disability", "veteran"]  # one replaced on 1 March
    assert await at("2026-06-01T00:00+08:00") == ["veteran"]  # the disability card expired
    with pytest.raises(asyncpg.CheckViolationError):  # neither a number nor a note
        await db.execute("INSERT INTO priority_group_evidence (worker_id, grp, evidence_type, evidence_date, "
                         "expires_on, expires_at) VALUES ($1, 'veteran', '证', '2026-01-01', '2026-12-31', now())",
                         worker)
