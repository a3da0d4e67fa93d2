"""Load the compiled kernels before the first dispatch needs them.

numba compiles on first call (about 1.5 s from its on-disk cache, several seconds without
one). A station's first dispatch of the morning should not wait for that, so the server
solves a tiny instance in a background thread at start-up (``warm_up``). The instance
has two orders, one with two places and one nobody can fill, so both the matcher and the
unfilled-slot explanation run.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from gigstation.solver.api import solve
from gigstation.solver.models import Instance, Order, Worker

__all__ = ["warm_up"]


def _tiny() -> Instance:
    start = datetime(2026, 1, 5, 8, tzinfo=UTC)
    end = start + timedelta(hours=8)
    workers = [Worker(id=f"w{i}", lat=31.15 + i * 0.001, lon=121.12, skills=["loading"],
                      available_from=start, available_until=end, max_distance_m=5000, priority=i % 2)
               for i in range(3)]
    orders = [Order(id="o0", lat=31.151, lon=121.121, skill="loading", headcount=2,
                    starts_at=start, ends_at=start + timedelta(hours=4)),
              Order(id="o1", lat=31.151, lon=121.121, skill="welding", headcount=1,
                    starts_at=start, ends_at=start + timedelta(hours=4))]
    return Instance(workers=workers, orders=orders)


def warm_up() -> float:
    """Solve a tiny instance once (quick mode, the dispatch path); returns the seconds taken."""
    began = time.perf_counter()
    solution = solve(_tiny(), "quick")
    if len(solution.assignments) != 2:  # the kernels answered wrongly: say so at start-up
        raise RuntimeError(f"matcher warm-up filled {len(solution.assignments)} places, expected 2")
    return time.perf_counter() - began
