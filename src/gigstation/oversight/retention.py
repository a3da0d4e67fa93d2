"""Retention: check-in locations and the identity of long-inactive workers do not stay forever.

What ``purge`` does (README.md, "Public-service rules", has the table and the rules behind it):

- check-in locations (latitude, longitude) older than ``location_retention_days`` are
  erased; the check-in itself (station, times, distance) stays for the statistics;
- workers inactive for ``inactive_anonymise_days`` (no check-in, no job, no profile
  change, counted from the latest of these or registration) are anonymised: name
  becomes 已注销, the phone a non-dialable placeholder, the password unusable, the ID
  number's ciphertext and blind index are replaced (the masked form says 已注销), birth
  date, home cell and priority groups with their evidence and follow-ups are removed, remaining
  check-in locations erased; the account is disabled. Workers with a job still open, pay
  not confirmed, or an unresolved complaint are skipped until the matter closes;
- wage records (assignments with hours, pay, confirmations, disputes; ratings) are
  never deleted here, so they are kept at least the 3 years the rules ask, and stay
  linked to the (anonymised) account;
- before anything is erased, every station day that is over is frozen and so is the
  priority fact of every place the anonymised workers filled (oversight.snapshots): a
  past day's report and a past period's priority share do not change.

The server runs it daily; several server processes coordinate through an advisory lock
and the audit trail, so one purge runs per interval however many processes serve.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import datetime, timedelta
from typing import Any

import asyncpg
import msgspec

from gigstation.oversight import snapshots
from gigstation.platform import audit, clock
from gigstation.platform.config import Settings
from gigstation.platform.db import transaction

__all__ = ["ANONYMISED_NAME", "PurgeResult", "purge", "purge_if_due", "run_daily"]

log = logging.getLogger(__name__)

ANONYMISED_NAME = "已注销"
_LOCK = 0x67696773_72657401  # any fixed 64-bit number shared by every gigstation process


class PurgeResult(msgspec.Struct, frozen=True):
    ran_at: datetime
    locations_erased: int
    workers_anonymised: int
    days_frozen: int = 0
    """Station days frozen before anything was erased (oversight.snapshots)."""
    places_frozen: int = 0


_ERASE_LOCATIONS = """
WITH erased AS (
    UPDATE checkins SET lat = NULL, lon = NULL
    WHERE lat IS NOT NULL AND checked_in_at < $1 RETURNING 1
) SELECT count(*) FROM erased
"""
_INACTIVE = """
SELECT u.id FROM users u JOIN workers w ON w.user_id = u.id
WHERE u.anonymised_at IS NULL
  AND greatest(u.created_at, w.updated_at,
               (SELECT max(c.checked_in_at) FROM checkins c WHERE c.worker_id = u.id),
               (SELECT max(greatest(a.created_at, a.ends_at, a.completed_at, a.paid_at, a.pay_confirmed_at,
                                    a.disputed_at, a.dispute_resolved_at))
                FROM assignments a WHERE a.worker_id = u.id)) < $1
  AND NOT EXISTS (
      SELECT 1 FROM assignments a WHERE a.worker_id = u.id AND (
          a.status = 'active'
          OR (a.status = 'completed' AND a.pay_confirmed_at IS NULL)
          OR (a.disputed_at IS NOT NULL AND a.dispute_resolved_at IS NULL)
          OR (a.no_show_contested_at IS NOT NULL AND a.contest_resolved_at IS NULL)))
ORDER BY u.id
FOR UPDATE OF u SKIP LOCKED
"""
_ANONYMISE_USERS = """
UPDATE users SET name = $2, phone = 'anon-' || md5(gen_random_uuid()::text), password_hash = '!',
       disabled_at = coalesce(disabled_at, $3), anonymised_at = $3
WHERE id = ANY($1::uuid[])
"""
_ANONYMISE_WORKERS = """
UPDATE workers SET id_cipher = '\\x'::bytea,
       id_index = sha256(convert_to('anonymised:' || user_id::text, 'UTF8')),
       id_masked = $2, adult_from = NULL, priority_age_from = NULL, priority_groups = '{}', home_cell_lat = NULL,
       card_number = NULL,
       home_cell_lon = NULL, updated_at = $3
WHERE user_id = ANY($1::uuid[])
"""
_DROP_EVIDENCE = "DELETE FROM priority_group_evidence WHERE worker_id = ANY($1::uuid[])"
# Follow-up results may name the person; their trigger lets only an anonymised person's go.
_DROP_FOLLOW_UPS = "DELETE FROM priority_followups WHERE worker_id = ANY($1::uuid[])"
_ERASE_THEIR_LOCATIONS = "UPDATE checkins SET lat = NULL, lon = NULL WHERE worker_id = ANY($1::uuid[])"


async def purge(conn: asyncpg.Connection[Any], settings: Settings, now: datetime) -> PurgeResult:
    """Erase old locations and anonymise inactive workers, in the caller's transaction."""
    erased = await conn.fetchval(_ERASE_LOCATIONS, now - timedelta(days=settings.location_retention_days))
    ids = [r["id"] for r in await conn.fetch(_INACTIVE, now - timedelta(days=settings.inactive_anonymise_days))]
    # History first: every day that is over, and the priority fact of every place these
    # workers filled, are frozen before their groups and age facts are erased.
    frozen = await snapshots.freeze_before_purge(conn, settings.timezone, now, ids)
    if ids:
        await conn.execute(_ANONYMISE_USERS, ids, ANONYMISED_NAME, now)
        await conn.execute(_ANONYMISE_WORKERS, ids, ANONYMISED_NAME, now)
        await conn.execute(_DROP_EVIDENCE, ids)
        await conn.execute(_DROP_FOLLOW_UPS, ids)
        await conn.execute(_ERASE_THEIR_LOCATIONS, ids)
        for worker_id in ids:
            await audit.record(conn, None, "worker.anonymised", "worker", worker_id,
                               {"inactive_days": settings.inactive_anonymise_days})
    result = PurgeResult(now, int(erased), len(ids), frozen.days_frozen, frozen.places_frozen)
    await audit.record(conn, None, "retention.purge", "retention", "purge", {
        "ran_at": now.isoformat(), "locations_erased": result.locations_erased,
        "workers_anonymised": result.workers_anonymised, "days_frozen": result.days_frozen,
        "places_frozen": result.places_frozen,
        "location_retention_days": settings.location_retention_days,
        "inactive_anonymise_days": settings.inactive_anonymise_days,
    })
    return result


# The run's own clock, not the row's insertion time, so a fixed clock in tests holds.
_LAST_RUN = """
SELECT max((details->>'ran_at')::timestamptz) FROM audit_log WHERE action = 'retention.purge'
"""


async def purge_if_due(pool: asyncpg.Pool[Any], settings: Settings, now: datetime) -> PurgeResult | None:
    """Purge unless another process is purging or did within the interval."""
    async with transaction(pool) as conn:
        if not await conn.fetchval("SELECT pg_try_advisory_xact_lock($1)", _LOCK):
            return None
        last = await conn.fetchval(_LAST_RUN)
        if last is not None and now - last < timedelta(seconds=settings.retention_interval_s * 0.9):
            return None
        return await purge(conn, settings, now)


async def run_daily(pool: asyncpg.Pool[Any], settings: Settings, stop: asyncio.Event) -> None:
    """The server's retention loop: first a few minutes after start, then every interval."""
    delay = min(600.0, settings.retention_interval_s)
    while not stop.is_set():
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=delay)
        if stop.is_set():
            return
        try:
            result = await purge_if_due(pool, settings, clock.now())
            if result is not None:
                log.info("retention purge: %s", result)
        except (asyncpg.PostgresError, OSError):
            log.exception("retention purge failed; retrying next interval")
        delay = settings.retention_interval_s
