"""Staged CP-SAT (with and without the LP stage) against brute force on random small models.

Random at-most-one groups make odd conflict cycles, so the LP relaxation is often
fractional and the rounding, reduced-cost fixing and LP-bound proof paths all run.
"""

from __future__ import annotations

from itertools import product

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gigstation.solver.cpsat import solve_lexicographic


@st.composite
def models(draw: st.DrawFn) -> dict[str, object]:
    n = draw(st.integers(2, 11))
    n_orders = draw(st.integers(1, 4))
    order = np.array([draw(st.integers(0, n_orders - 1)) for _ in range(n)], dtype=np.int64)
    capacity = np.array([draw(st.integers(1, 4)) for _ in range(n_orders)], dtype=np.int64)
    priority = np.array([draw(st.sampled_from([0, 0, 1, 3])) for _ in range(n)], dtype=np.int64)
    distance = np.array([draw(st.sampled_from([100, 200, 300, 1000])) for _ in range(n)], dtype=np.int64)
    groups = [
        np.array(sorted(g), dtype=np.int64)
        for g in draw(st.lists(st.sets(st.integers(0, n - 1), min_size=2, max_size=3), min_size=n // 2, max_size=2 * n))
    ]
    # Pins: a random subset kept only while it stays feasible.
    pins: list[int] = []
    for e in draw(st.lists(st.integers(0, n - 1), max_size=3, unique=True)):
        trial = [*pins, e]
        if _feasible(np.isin(np.arange(n), trial), order, capacity, groups):
            pins = trial
    return {
        "order": order,
        "capacity": capacity,
        "priority": priority,
        "distance": distance,
        "groups": groups,
        "pinned": np.array(pins, dtype=np.int64),
    }


def _feasible(chosen: np.ndarray, order: np.ndarray, capacity: np.ndarray, groups: list[np.ndarray]) -> bool:
    if (np.bincount(order[chosen], minlength=capacity.shape[0]) > capacity).any():
        return False
    return all(chosen[g].sum() <= 1 for g in groups)


def _brute(m: dict[str, object]) -> tuple[int, int, int]:
    order, capacity, priority, distance = (np.asarray(m[k]) for k in ("order", "capacity", "priority", "distance"))
    groups: list[np.ndarray] = m["groups"]  # type: ignore[assignment]
    pinned = np.asarray(m["pinned"])
    best: tuple[int, int, int] | None = None
    for bits in product([False, True], repeat=order.shape[0]):
        chosen = np.array(bits, dtype=np.bool_)
        if not chosen[pinned].all() or not _feasible(chosen, order, capacity, groups):
            continue
        key = (int(chosen.sum()), int(priority[chosen].sum()), -int(distance[chosen].sum()))
        best = key if best is None or key > best else best
    assert best is not None
    return best


@pytest.mark.parametrize("use_lp", [True, False], ids=["lp", "cp-sat-only"])
@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(m=models())
def test_matches_brute_force(use_lp: bool, m: dict[str, object]) -> None:
    order, priority, distance = (np.asarray(m[k]) for k in ("order", "priority", "distance"))
    pinned = np.asarray(m["pinned"])
    hint = np.isin(np.arange(order.shape[0]), pinned)
    result = solve_lexicographic(
        order,
        np.asarray(m["capacity"]),
        priority,
        distance,
        m["groups"],
        pinned,
        hint,
        10.0,
        use_lp,  # type: ignore[arg-type]
    )
    chosen = result.selected
    assert _feasible(chosen, order, np.asarray(m["capacity"]), m["groups"])  # type: ignore[arg-type]
    assert chosen[pinned].all()
    assert result.optimal
    filled, prio, dist = _brute(m)
    assert (int(chosen.sum()), int(priority[chosen].sum()), int(distance[chosen].sum())) == (filled, prio, -dist)
    assert result.bound == (filled, prio, -dist)
