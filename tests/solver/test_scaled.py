"""The cost-scaling engine: the lexicographic optimum (brute force, OR-Tools), or no answer at all."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gigstation.solver import scaled as scaled_module
from gigstation.solver import solve
from gigstation.solver.candidates import candidates, index_instance
from gigstation.solver.cli import load_instance
from gigstation.solver.csa import ALPHA, first_eps, new_state, refine_phase
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


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pair_sets(max_workers=6, max_orders=4))
def test_proofs_tried_after_every_phase_never_return_a_wrong_answer(pairs: Pairs) -> None:
    # From the first phase on: most of these proofs must fail (the flow is not optimal yet),
    # and a failed one must only let the phases go on.
    saved = scaled_module.PROOF_FROM
    scaled_module.PROOF_FROM = 0
    try:
        got = _scaled(pairs)
    finally:
        scaled_module.PROOF_FROM = saved
    assert got == brute_force(pairs)


def _phases_to_eps_one(null_cost: int) -> int:
    eps, phases = first_eps(null_cost), 1
    while eps > 1:
        eps, phases = max(eps // ALPHA, 1), phases + 1
    return phases


def test_a_town_is_proven_optimal_phases_before_eps_one() -> None:
    instance = load_instance(Path(__file__).parents[2] / "solver" / "instances" / "town.json")
    ix = index_instance(instance)
    cand = candidates(ix)
    worker, w = np.unique(cand.worker, return_inverse=True)
    orders, o = np.unique(cand.order, return_inverse=True)
    priority, cap = ix.worker_priority[cand.worker], ix.headcount[orders]
    result = solve_cost_scaled(w.astype(np.int64), o.astype(np.int64), priority, cand.distance_m, cap)
    assert result is not None
    full = max_flow_lexicographic(w, o, priority, cand.distance_m, cap, opts=ORTOOLS)
    assert full.optimal and result.bound == full.bound
    # The quick unassigned cost times the scale, as solve_cost_scaled sets it.
    quick_null = 4 * (int(cand.distance_m.max()) + 1) * (int(priority.max()) - int(priority.min()) + 4)
    scale = worker.shape[0] + orders.shape[0] + 2
    assert result.searches < _phases_to_eps_one(quick_null * scale)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pair_sets(max_workers=6, max_orders=4))
def test_distances_beyond_sixteen_bits_use_wide_pair_arrays(pairs: Pairs) -> None:
    far = Pairs(pairs.worker, pairs.order, pairs.priority, pairs.distance * 9 + 66_000, pairs.cap)
    assert scaled_module._narrow(far.distance, None).dtype == np.int32
    assert scaled_module._narrow(pairs.distance, None).dtype == np.uint16
    assert _scaled(far) == brute_force(far)


def test_pairs_that_disagree_on_a_workers_priority_are_refused() -> None:
    pairs = _contested()  # worker 0 has two pairs, both at its priority 2
    priority = pairs.priority.copy()
    priority[0] = 1
    assert solve_cost_scaled(pairs.worker, pairs.order, priority, pairs.distance, pairs.cap) is None


def test_a_phase_gives_up_at_once_when_told_to_stop() -> None:
    # What a proof that held on the other core does to the phase still running.
    pairs = _contested()
    n_w, cap = int(pairs.worker.max()) + 1, pairs.cap.astype(np.int64)
    start = np.searchsorted(pairs.worker, np.arange(n_w + 1)).astype(np.int64)
    worker_cost = np.zeros(n_w, dtype=np.int64)
    scale, null_cost = n_w + cap.shape[0] + 2, 10_000
    for stop_now, finished in ((True, False), (False, True)):
        state = new_state(n_w, cap)
        arrays = (start, pairs.order.astype(np.uint16), pairs.distance.astype(np.uint16), worker_cost)
        budget_and_flags = (state.counters, 10**9, state.kbest, state.threshold, True, 0, True)
        stop = np.array([stop_now])
        done = refine_phase(*arrays, scale, cap, null_cost * scale, 1, *state[:7], *budget_and_flags, stop)
        assert done is finished
        if stop_now:
            assert state.counters[0] == 1  # the first active node was taken, and nothing done with it


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pair_sets(max_workers=6, max_orders=4))
def test_more_orders_than_sixteen_bits_hold_use_wide_order_ids(pairs: Pairs) -> None:
    # A city with over 65,535 orders: order ids in int32 beside distances in uint16.
    narrow = scaled_module._narrow

    def wide_orders(values: np.ndarray, by_worker: np.ndarray | None) -> np.ndarray:
        laid_out = narrow(values, by_worker)
        return laid_out.astype(np.int32) if values is pairs.order else laid_out

    scaled_module._narrow = wide_orders
    try:
        got = _scaled(pairs)
    finally:
        scaled_module._narrow = narrow
    assert got == brute_force(pairs)
