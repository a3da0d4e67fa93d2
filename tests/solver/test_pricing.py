"""Pricing (sparse subset + exact duals) gives the same optimum as brute force and the full-graph flow."""

from __future__ import annotations

import random

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gigstation.solver import Instance, Params, solve
from gigstation.solver.duals import least_duals
from gigstation.solver.pricing import solve_by_pricing
from gigstation.solver.quick import FlowOptions
from gigstation.solver.reference import brute_force, check_solution
from tests.solver.conftest import order, random_instance, worker
from tests.solver.test_optimality import tiny_instances

PRICED = FlowOptions(pricing=True)
FULL = FlowOptions(pricing=False)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tiny_instances("quick"))
def test_pricing_matches_brute_force(instance: Instance) -> None:
    solution = solve(instance, "quick", flow_options=PRICED)
    assert check_solution(instance, solution, "quick") == []
    assert solution.optimal
    assert solution.objective == brute_force(instance, "quick")


def _tied_instance(seed: int) -> Instance:
    """Workers and orders on a few shared spots: equal distances, equal priorities, many ties."""
    rng = random.Random(seed)
    spots = [(rng.uniform(-4, 4), rng.uniform(-4, 4)) for _ in range(rng.randint(1, 5))]
    workers = [
        worker(
            f"w{i:02d}",
            *rng.choice(spots),
            skills=("moving",),
            priority=rng.choice([0, 1]),
            max_km=rng.choice([3, 6, 12]),
        )
        for i in range(rng.randint(1, 30))
    ]
    orders = [order(f"o{j:02d}", *rng.choice(spots), headcount=rng.randint(1, 3)) for j in range(rng.randint(1, 12))]
    return Instance(workers=workers, orders=orders, params=Params(max_distance_m=rng.choice([None, 5000.0])))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 10**9), st.booleans())
def test_pricing_matches_full_graph_flow(seed: int, tied: bool) -> None:
    # Disconnected parts come from the 40 km box and the 0 m / 500 m limits in random_instance.
    instance = _tied_instance(seed) if tied else random_instance(seed, n_workers=50, n_orders=18)
    priced, full = solve(instance, flow_options=PRICED), solve(instance, flow_options=FULL)
    assert priced.optimal and full.optimal
    assert priced.objective == full.objective
    assert check_solution(instance, priced, "quick") == []


def _planted() -> tuple[np.ndarray, ...]:
    """Workers A, B, C and orders X, Y (one slot each); the optimum needs the long pair A-Y.

    A (priority 3) is 1 km from X and 5 km from Y; B (priority 1) only reaches X, at 0.5 km;
    C (priority 0) only reaches Y, at 1 km. The seed (pairs near each side's nearest) leaves
    A-Y out and its optimum is A-X, C-Y (priority 3); the true optimum is B-X, A-Y (priority 4).
    """
    worker_ = np.array([0, 0, 1, 2], dtype=np.int64)
    order_ = np.array([0, 1, 0, 1], dtype=np.int64)
    distance = np.array([1000, 5000, 500, 1000], dtype=np.int64)
    priority = np.array([3, 3, 1, 0], dtype=np.int64)
    capacity = np.array([1, 1], dtype=np.int64)
    return worker_, order_, priority, distance, capacity


def test_pricing_round_finds_a_planted_left_out_pair() -> None:
    worker_, order_, priority, distance, capacity = _planted()
    cost = 4 * (int(distance.max()) + 1) * (3 - priority) + distance
    big = 2 * int(cost.max()) + 1
    # The seed's optimum, A-X and C-Y, priced with its own duals: only A-Y prices out.
    seed = np.array([0, 2, 3])
    duals = least_duals(worker_[seed], order_[seed], cost[seed], np.array([True, False, True]), capacity, 3, big)
    assert duals is not None
    reduced = big - cost - duals.u[worker_] - duals.v[order_]
    assert (reduced > 0).tolist() == [False, True, False, False]
    # End to end: the left-out pair joins and the answer is the true optimum.
    result = solve_by_pricing(worker_, order_, priority, distance, capacity, 3)
    assert result is not None
    assert result.seed_pairs == 3
    assert result.final_pairs == 4
    assert result.selected.tolist() == [False, True, True, False]


def test_round_limit_gives_up_instead_of_answering_unproven() -> None:
    worker_, order_, priority, distance, capacity = _planted()
    assert solve_by_pricing(worker_, order_, priority, distance, capacity, 3, max_rounds=1) is None


def test_round_limit_falls_back_to_the_full_graph() -> None:
    instance = random_instance(7, n_workers=50, n_orders=18)
    limited = solve(instance, flow_options=FlowOptions(pricing=True, max_pricing_rounds=0))
    assert limited.optimal
    assert limited.objective == solve(instance, flow_options=FULL).objective


def test_duals_refuse_a_matching_that_is_not_optimal() -> None:
    worker_, order_, priority, distance, capacity = _planted()
    cost = 4 * (int(distance.max()) + 1) * (3 - priority) + distance
    big = 2 * int(cost.max()) + 1
    suboptimal = np.array([True, False, False, True])  # A-X, C-Y while B-X, A-Y is better
    assert least_duals(worker_, order_, cost, suboptimal, capacity, 3, big) is None
    optimal = np.array([False, True, True, False])
    duals = least_duals(worker_, order_, cost, optimal, capacity, 3, big)
    assert duals is not None
    assert (big - cost - duals.u[worker_] - duals.v[order_] <= 0).all()
