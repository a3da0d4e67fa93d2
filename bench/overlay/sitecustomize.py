"""Bench-only overlay, loaded through PYTHONPATH by configs with flags (src is untouched).

``BENCH_PATCHES`` (comma list) selects what to patch in the *server* process, so a change
can be measured against what it replaced side by side in one run:

- ``slow_checkin``: the check-in as before issue 18: a transaction (BEGIN ... COMMIT) and
  the multi-statement service (station, accepted work, insert + audit row), i.e. the
  path that operator and presence-code check-ins still take.
- ``no_account_cache``: the account looked up on every request (no in-memory token
  version cache).
- ``before18``: both. (Tokens are still verified by the new hmac + msgspec code: PyJWT's
  decode cost about 54 µs more per request, measured apart.)

Runs of 2026-12-07 before 16:40 UTC lacked the account lookup in ``slow_checkin`` and
``before18`` (the patched path skipped it), so they understate the old path's cost by one
round trip.

(Earlier experiments, ``async_guards`` and ``old_checkin``, were adopted or retired; see
RESULTS.md's history.)
"""

import os

_PATCHES = {p for p in os.environ.get("BENCH_PATCHES", "").split(",") if p}

if _PATCHES & {"slow_checkin", "before18"}:
    import gigstation.stations.checkins as _ck
    from gigstation.platform.auth import check_account

    async def _slow_check_in(conn, who, data, now):
        async with conn.transaction():
            if not who.account_checked:  # the middleware's lookup, as before issue 18
                await check_account(conn, who)
            return await _ck._check_in(conn, who, data, now)

    _ck.check_in = _slow_check_in

if _PATCHES & {"no_account_cache", "before18"}:
    from gigstation.platform.events import AccountCache

    AccountCache.get = lambda self, user_id: None
