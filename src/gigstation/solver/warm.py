"""Compile (or load from numba's disk cache) every kernel a solve uses, before the first solve.

The first solve in a process otherwise pays it: 0.3-0.6 s to load the cached kernels,
15-19 s to compile them when there is no cache yet (solver/CANDIDATES.md). A server
can call ``warm_up`` at start-up, a benchmark before timing.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np

from gigstation.solver.candidates import candidates, index_instance
from gigstation.solver.explain import explain_unfilled
from gigstation.solver.models import Instance, Order, Pair, Worker
from gigstation.solver.pins import validate_pins

__all__ = ["warm_up"]

_DAY = datetime(2026, 1, 1, tzinfo=UTC)


def warm_up() -> None:
    """Run indexing, pin checks, pair generation and the unfilled-slot rules on a tiny instance."""
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
    nobody = np.zeros(0, dtype=np.int64)
    explain_unfilled(ix, nobody, nobody, cand)
