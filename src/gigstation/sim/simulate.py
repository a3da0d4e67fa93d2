"""``gigstation simulate``: one whole day of a synthetic Qingpu district, played through the
real service layer and the real database, with automatic dispatch on.

What happens: stations at Qingpu's town centres, an operator each, employers (companies
and individuals) and a few hundred workers register through the service functions. From
06:00 the workers arrive (most between 06:30 and 09:00, the last by 11:00), checking in
with the phone or through the operator; employers post orders through the day (skills
from the taxonomy, headcount 1-10, pay at or above the Shanghai minimum, places up to 7 km
around the stations); every minute the automatic dispatch sweeps the stations; workers
accept (75 %), decline (15 %) or ignore (10 %, the offer expires) within a few minutes;
employers complete the work when it ends and record the pay, workers confirm it (a few
dispute), both sides rate; a few workers do not show up. A worker who finishes early may
come back for a second job. At the end the day's report (``reports.station_report`` per
station, the same figures over the district) and the timings are printed.

The clock. Service functions take ``now`` where a rule needs it, but PostgreSQL stamps
rows with its own ``now()`` and a few statements compare with it (offer expiry and
acceptance, the snapshot's "still available" filters, the no-show rule). The simulator
therefore:

1. plays a *future* day (tomorrow, in the service's zone) one simulated minute at a time,
   as fast as the database allows (``speed`` > 0 paces it to simulated seconds per real
   second, e.g. to watch the board). Every ``now()`` comparison against a time of that
   day is then true, which is what the rule means for a day that is still running; the
   simulator itself does what the clock would otherwise do, with the simulated time:
   expiring offers past their deadline (the same statement as ``offers.expire_due_offers``
   with ``now`` as a parameter), closing orders that have ended (status ``closed``, live
   offers withdrawn: the snapshot's ``ends_at > now()`` filter would keep offering them),
   checking out workers when their availability runs out (the service ``check_out``), and
   recording no-shows (the conditional update of ``no_shows.mark_no_show``, whose
   start-time guard reads the database clock);
2. re-stamps, after each minute, the rows that minute wrote with the database clock
   (``checked_in_at``, ``created_at``, ``answered_at``, ``paid_at`` ...) to the simulated
   minute. Real stamps are all earlier than the simulated day, so "stamped before 06:00
   of the simulated day" finds exactly them. The report, the priority formula (hours
   waited, jobs today) and the medians then see simulated times. The audit log and the
   event outbox keep the wall-clock time they were written at.

Automatic dispatch is the ``autodispatch`` sweep with the simulated clock: every
``auto_dispatch_interval_s`` each station with waiting workers without a live offer and
open orders is dispatched with ``dispatch.dispatch_station(now=<simulated>)``. A station
whose inputs have not changed since its last run is skipped: a run fills as many slots as
possible, so no waiting worker without an offer can fill a remaining slot until something
arrives, is declined, expires or is withdrawn; rerunning would only store empty runs.

The simulated day is disposable, so its sessions commit with ``synchronous_commit=off``
(no wait for the WAL flush; visibility, locks and constraints are unchanged). That makes
the day several times faster on a small disk and the dispatch timings printed a few
milliseconds lower than with durable commits; ``bench/dispatch_bench.py`` measures
dispatch with durable commits.

Randomness comes from ``seed``; each worker's answers come from their own stream, and row
ids come from a seeded sequence for the day (``sim.ids``: the matcher breaks ties by id),
so two runs of one seed on one simulated day give the same figures (the timings differ).
"""

from __future__ import annotations

import time

from gigstation.platform.config import Settings
from gigstation.platform.db import apply_migrations, connect_pool
from gigstation.sim.day import Simulation
from gigstation.sim.ids import random_ids, seeded_ids
from gigstation.sim.model import SimParams, SimResult, Timings
from gigstation.sim.report import format_report, pct

__all__ = ["SimParams", "SimResult", "format_report", "run_simulation"]


def _without_flush_wait(url: str) -> str:
    # The simulated day is disposable: commits need not wait for the WAL flush. Visibility,
    # locks and constraints are unchanged; only a crash could lose the last commits.
    # (asyncpg passes unknown URL parameters to the server as session settings.)
    return url + ("&" if "?" in url else "?") + "synchronous_commit=off"


async def run_simulation(settings: Settings, params: SimParams) -> SimResult:
    """Play the day on the database in ``settings`` (which must hold no stations yet)."""
    t0 = time.perf_counter()
    pool = await connect_pool(_without_flush_wait(settings.database_url or ""), min_size=2, max_size=4)
    try:
        async with pool.acquire() as conn:
            await apply_migrations(conn)  # type: ignore[arg-type]
            await seeded_ids(conn, params.seed)  # type: ignore[arg-type]
        try:
            sim = Simulation(settings, params, pool)
            await sim.setup()
            t1 = time.perf_counter()
            await sim.play()
            t2 = time.perf_counter()
            per, total = await sim.report()
            followed = await sim.follow_up()
        finally:
            async with pool.acquire() as conn:
                await random_ids(conn)  # type: ignore[arg-type]
    finally:
        await pool.close()
    t3 = time.perf_counter()
    largest = max(sim.run_sizes, default=(0, 0))
    timings = Timings(
        dispatch_runs=len(sim.dispatch_ms), offers_made=sim.offers_made,
        dispatch_p50_ms=pct(sim.dispatch_ms, 50), dispatch_p95_ms=pct(sim.dispatch_ms, 95),
        dispatch_max_ms=round(max(sim.dispatch_ms, default=0.0), 1),
        solve_p50_ms=pct(sim.solve_ms, 50), solve_p95_ms=pct(sim.solve_ms, 95),
        largest_run_workers=largest[0], largest_run_orders=largest[1],
        setup_s=round(t1 - t0, 2), day_s=round(t2 - t1, 2), total_s=round(t3 - t0, 2))
    return SimResult(sim.day, params, sim.station_names, per, total, timings,
                     dict(sorted(sim.conflicts.items())), sim.ratings, sim.contests,
                     sim.hours_confirmed, sim.hours_contested, followed)
