"""Day mode's MILP engine (certified LP bound + reduced-cost neighbourhood) against brute force.

The random at-most-one groups of ``test_cpsat`` make odd conflict cycles, so the LP is
often fractional and the neighbourhood MILP, its widening and the proof all run; a
tiny first neighbourhood forces several widening rounds.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings

from gigstation.solver.milp import solve_levels_milp
from tests.solver.test_cpsat import _brute, _feasible, models


@pytest.mark.parametrize("first", [3000, 1], ids=["default", "tiny-neighbourhood"])
@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(m=models())
def test_milp_matches_brute_force(first: int, m: dict[str, object]) -> None:
    order, priority, distance, capacity = (np.asarray(m[k]) for k in ("order", "priority", "distance", "capacity"))
    pinned = np.asarray(m["pinned"])
    groups = m["groups"]
    result = solve_levels_milp(order, capacity, priority, distance, groups, pinned, 10.0, first)  # type: ignore[arg-type]
    assert result is not None
    chosen = result.selected
    assert _feasible(chosen, order, capacity, groups)  # type: ignore[arg-type]
    assert chosen[pinned].all()
    assert result.optimal
    filled, prio, dist = _brute(m)
    assert (int(chosen.sum()), int(priority[chosen].sum()), int(distance[chosen].sum())) == (filled, prio, -dist)
    assert result.bound == (filled, prio, -dist)


def test_empty_model_is_trivially_optimal() -> None:
    empty = np.zeros(0, dtype=np.int64)
    result = solve_levels_milp(empty, np.array([1]), empty, empty, [], empty, 1.0)
    assert result is not None
    assert result.optimal
    assert result.bound == (0, 0, 0)
