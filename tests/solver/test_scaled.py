"""The cost-scaling engine: the lexicographic optimum (brute force, OR-Tools), or no answer at all."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gigstation.solver import scaled as scaled_module
from gigstation.solver import solve
from gigstation.solver.flow import FlowOptions, max_flow_lexicographic
from gigstation.solver.reference import check_solution
from gigstation.solver.scaled import solve_cost_scaled
from tests.solver.conftest import random_instance
from tests.solver.test_engine import (
    Pairs,
    _contested,
    _ladder,
    _tied_instance,
    brute_force,
    checked_objective,
    pair_sets,
)

ORTOOLS = FlowOptions(compiled=False, cost_scaling=False)
SCALED_ANY_SIZE = FlowOptions(compiled=False, cost_scaling_min_pairs=0)
# Every combination of the kernel's heuristics must give the same optimum.
VARIANTS = [(True, True), (True, False), (False, True), (False, False)]


def _scaled(pairs: Pairs) -> tuple[int, int, int]:
    result = solve_cost_scaled(pairs.worker, pairs.order, pairs.priority, pairs.distance, pairs.cap)
    return checked_objective(pairs, result, "cost-scaling engine")


@pytest.fixture(params=VARIANTS, ids=lambda v: f"lifo-{v[0]}-warm-{v[1]}")
def variant(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    lifo, warm = request.param
    monkeypatch.setattr(scaled_module, "LIFO", lifo)
    monkeypatch.setattr(scaled_module, "WARM_PHASES", warm)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)
@given(pair_sets(max_workers=6, max_orders=4))
def test_cost_scaling_matches_brute_force(variant: None, pairs: Pairs) -> None:
    assert _scaled(pairs) == brute_force(pairs)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)
@given(pair_sets(max_workers=60, max_orders=20))
def test_cost_scaling_matches_the_ortools_full_graph_flow(variant: None, pairs: Pairs) -> None:
    full = max_flow_lexicographic(pairs.worker, pairs.order, pairs.priority, pairs.distance, pairs.cap, opts=ORTOOLS)
    assert full.optimal
    assert _scaled(pairs) == full.bound


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 10**9), st.booleans())
def test_quick_mode_through_cost_scaling_matches_ortools_on_instances(seed: int, tied: bool) -> None:
    instance = _tied_instance(seed) if tied else random_instance(seed, n_workers=50, n_orders=18)
    got, reference = solve(instance, flow_options=SCALED_ANY_SIZE), solve(instance, flow_options=ORTOOLS)
    assert got.optimal and reference.optimal
    assert got.objective == reference.objective
    assert check_solution(instance, got, "quick") == []


def test_a_lone_pair_and_a_single_order() -> None:
    lone = Pairs(*(np.array([x], dtype=np.int64) for x in (0, 0, 2, 750)), np.array([3], dtype=np.int64))
    assert _scaled(lone) == (1, 2, 750)
    # Three workers, one single-slot order: the highest priority wins, then the nearest.
    one_order = Pairs(
        np.array([0, 1, 2], dtype=np.int64),
        np.zeros(3, dtype=np.int64),
        np.array([1, 2, 2], dtype=np.int64),
        np.array([10, 900, 400], dtype=np.int64),
        np.array([1], dtype=np.int64),
    )
    assert _scaled(one_order) == (1, 2, 400)


def test_a_quick_optimum_that_is_not_lexicographic_is_refused_and_the_flow_decides() -> None:
    # The ladder's extra slot needs a 20-rung chain that the quick weights do not pay for.
    ladder = _ladder(20, 1000)
    assert solve_cost_scaled(ladder.worker, ladder.order, ladder.priority, ladder.distance, ladder.cap) is None
    routed = max_flow_lexicographic(
        ladder.worker, ladder.order, ladder.priority, ladder.distance, ladder.cap, opts=SCALED_ANY_SIZE
    )
    assert routed.optimal
    assert routed.bound == (21, 0, 20_000)


def test_the_work_budget_gives_no_answer_and_the_flow_still_proves(monkeypatch: pytest.MonkeyPatch) -> None:
    instance = random_instance(5, n_workers=50, n_orders=18)
    expected = solve(instance, flow_options=ORTOOLS)
    monkeypatch.setattr(scaled_module, "SCANS_PER_PAIR", 0)
    monkeypatch.setattr(scaled_module, "MIN_WORK", 0)
    pairs = _contested()
    assert solve_cost_scaled(pairs.worker, pairs.order, pairs.priority, pairs.distance, pairs.cap) is None
    got = solve(instance, flow_options=SCALED_ANY_SIZE)
    assert got.optimal
    assert got.objective == expected.objective


def test_weights_that_would_overflow_are_refused() -> None:
    pairs = _contested()
    assert solve_cost_scaled(pairs.worker, pairs.order, pairs.priority * 10**15, pairs.distance, pairs.cap) is None
