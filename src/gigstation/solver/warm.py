"""Compile (or load from numba's disk cache) every kernel a solve uses, before the first solve.

The first solve in a process otherwise pays it: 0.3-0.6 s to load the cached kernels of
candidate generation and 1.5 s for the engine's, 15-19 s and about 6 s to compile them
when there is no cache yet (solver/CANDIDATES.md, solver/RESULTS.md). The server calls
``warm_up`` in a thread at start-up (a station's first dispatch of the morning should not
wait for it); a benchmark calls it before timing.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import numpy as np

from gigstation.solver.api import solve
from gigstation.solver.candidates import candidates, index_instance
from gigstation.solver.explain import explain_unfilled
from gigstation.solver.models import Instance, Order, Pair, Worker
from gigstation.solver.pins import validate_pins
from gigstation.solver.scaled import solve_cost_scaled

__all__ = ["warm_up"]

_DAY = datetime(2026, 1, 1, tzinfo=UTC)


def warm_up() -> float:
    """Run indexing, pin checks, pair generation, the unfilled-slot rules and a whole quick
    solve (the compiled engine) on tiny instances; returns the seconds taken."""
    began = time.perf_counter()
    worker = Worker(
        id="w", lat=31.0, lon=121.0, skills=["a"], available_from=_DAY, available_until=_DAY + timedelta(hours=23),
        max_distance_m=5000.0,
    )  # fmt: skip
    near = Order(
        id="o1", lat=31.01, lon=121.0, skill="a", headcount=1,
        starts_at=_DAY + timedelta(hours=8), ends_at=_DAY + timedelta(hours=9),
    )  # fmt: skip
    unskilled = Order(
        id="o2", lat=31.0, lon=121.0, skill="b", headcount=1,
        starts_at=_DAY + timedelta(hours=8), ends_at=_DAY + timedelta(hours=9),
    )  # fmt: skip
    instance = Instance(
        workers=[worker], orders=[near, unskilled], pinned=[Pair("w", "o1")], forbidden=[Pair("w", "o2")]
    )
    ix = index_instance(instance)
    validate_pins(ix, instance.pinned, "quick")
    cand = candidates(ix)
    candidates(ix, halves=True)  # the two-thread kernels districts and cities use
    nobody = np.zeros(0, dtype=np.int64)
    explain_unfilled(ix, nobody, nobody, cand)
    solution = solve(_tiny(), "quick")
    if len(solution.assignments) != 2:  # the kernels answered wrongly: say so at start-up
        raise RuntimeError(f"matcher warm-up filled {len(solution.assignments)} places, expected 2")
    # Cost scaling runs only on district-sized instances; load it on two workers, one order.
    one = np.array([0, 0, 1], dtype=np.int64)
    solve_cost_scaled(one, np.array([0, 1, 0], dtype=np.int64), one, np.array([5, 6, 7], dtype=np.int64),
                      np.ones(2, dtype=np.int64))
    return time.perf_counter() - began


def _tiny() -> Instance:
    """Three movers, an order for two of them and one for a welder nobody is."""
    start = _DAY + timedelta(hours=8)
    end = start + timedelta(hours=8)
    workers = [Worker(id=f"w{i}", lat=31.15 + i * 0.001, lon=121.12, skills=["loading"],
                      available_from=start, available_until=end, max_distance_m=5000, priority=i % 2)
               for i in range(3)]
    orders = [Order(id="o0", lat=31.151, lon=121.121, skill="loading", headcount=2,
                    starts_at=start, ends_at=start + timedelta(hours=4)),
              Order(id="o1", lat=31.151, lon=121.121, skill="welding", headcount=1,
                    starts_at=start, ends_at=start + timedelta(hours=4))]
    return Instance(workers=workers, orders=orders)
