"""The compiled engine: the lexicographic optimum (against brute force and OR-Tools); a certificate that can fail."""

from __future__ import annotations

import random
from dataclasses import dataclass
from itertools import product

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gigstation.solver import Instance, Params, solve
from gigstation.solver import engine as engine_module
from gigstation.solver.engine import (
    Certificate,
    EngineResult,
    check_certificate,
    lexicographic_costs,
    solve_compiled,
)
from gigstation.solver.flow import FlowOptions, max_flow_lexicographic
from gigstation.solver.reference import check_solution
from tests.solver.conftest import order, random_instance, worker

ORTOOLS = FlowOptions(compiled=False, cost_scaling=False)


@dataclass(frozen=True)
class Pairs:
    """A b-matching instance as arrays, with compact ids (what ``solve_compiled`` takes)."""

    worker: np.ndarray
    order: np.ndarray
    priority: np.ndarray  # per pair: its worker's priority
    distance: np.ndarray
    cap: np.ndarray


@st.composite
def pair_sets(draw: st.DrawFn, max_workers: int, max_orders: int) -> Pairs:
    """Random pairs; distances and priorities from small sets when ``tied``, so every level has ties.

    Workers and orders are split into blocks that share no pair (disconnected parts);
    a single worker or a single order comes up often at these sizes.
    """
    n_w = draw(st.integers(1, max_workers))
    n_o = draw(st.integers(1, max_orders))
    tied = draw(st.booleans())
    blocks = draw(st.integers(1, 3))
    w_block = [draw(st.integers(0, blocks - 1)) for _ in range(n_w)]
    o_block = [draw(st.integers(0, blocks - 1)) for _ in range(n_o)]
    density = draw(st.floats(0.1, 1.0))
    prio = [draw(st.sampled_from([0, 1] if tied else [0, 0, 1, 2, 3])) for _ in range(n_w)]
    rng = random.Random(draw(st.integers(0, 2**32)))
    pairs = [
        (w, o, rng.choice([0, 500, 1000]) if tied else rng.randint(0, 8000))
        for w in range(n_w)
        for o in range(n_o)
        if w_block[w] == o_block[o] and rng.random() < density
    ]
    if not pairs:
        pairs = [(0, 0, 100)]
    ws, os_, ds = (np.array(column, dtype=np.int64) for column in zip(*pairs, strict=True))
    # Compact worker ids (the engine's contract); orders may have no pair.
    _, ws = np.unique(ws, return_inverse=True)
    worker_prio = np.array(prio, dtype=np.int64)[np.array([p[0] for p in pairs])]
    cap = np.array([draw(st.integers(1, 3)) for _ in range(n_o)], dtype=np.int64)
    return Pairs(ws.astype(np.int64), os_, worker_prio, ds, cap)


def brute_force(pairs: Pairs) -> tuple[int, int, int]:
    """Best (filled, priority, distance) over every assignment: each worker takes one of its pairs or none."""
    n_w = int(pairs.worker.max()) + 1
    options: list[list[int]] = [[-1] for _ in range(n_w)]
    for e, w in enumerate(pairs.worker.tolist()):
        options[w].append(e)
    best = (0, 0, 0)
    for choice in product(*options):
        picked = [e for e in choice if e >= 0]
        load = np.bincount(pairs.order[picked], minlength=pairs.cap.shape[0])
        if (load > pairs.cap).any():
            continue
        value = (len(picked), int(pairs.priority[picked].sum()), -int(pairs.distance[picked].sum()))
        best = max(best, value)
    return best[0], best[1], -best[2]


def checked_objective(pairs: Pairs, result: EngineResult | None, engine: str) -> tuple[int, int, int]:
    """An engine's answer: a feasible b-matching whose objective is its reported bound."""
    assert result is not None, f"the {engine} found no certificate"
    chosen = result.selected
    assert np.bincount(pairs.worker[chosen], minlength=1).max(initial=0) <= 1
    assert (np.bincount(pairs.order[chosen], minlength=pairs.cap.shape[0]) <= pairs.cap).all()
    objective = (int(chosen.sum()), int(pairs.priority[chosen].sum()), int(pairs.distance[chosen].sum()))
    assert objective == result.bound
    return objective


def _engine(pairs: Pairs) -> tuple[int, int, int]:
    result = solve_compiled(pairs.worker, pairs.order, pairs.priority, pairs.distance, pairs.cap)
    return checked_objective(pairs, result, "engine")


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pair_sets(max_workers=6, max_orders=4))
def test_engine_matches_brute_force(pairs: Pairs) -> None:
    assert _engine(pairs) == brute_force(pairs)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pair_sets(max_workers=60, max_orders=20))
def test_engine_matches_the_ortools_full_graph_flow(pairs: Pairs) -> None:
    full = max_flow_lexicographic(pairs.worker, pairs.order, pairs.priority, pairs.distance, pairs.cap, opts=ORTOOLS)
    assert full.optimal
    assert _engine(pairs) == full.bound


def _tied_instance(seed: int) -> Instance:
    """Workers and orders on a few shared spots: equal distances and priorities everywhere."""
    rng = random.Random(seed)
    spots = [(rng.uniform(-4, 4), rng.uniform(-4, 4)) for _ in range(rng.randint(1, 5))]
    workers = [
        worker(f"w{i:02d}", *rng.choice(spots), priority=rng.choice([0, 1]), max_km=rng.choice([3, 6, 12]))
        for i in range(rng.randint(1, 30))
    ]
    orders = [order(f"o{j:02d}", *rng.choice(spots), headcount=rng.randint(1, 3)) for j in range(rng.randint(1, 12))]
    return Instance(workers=workers, orders=orders, params=Params(max_distance_m=rng.choice([None, 5000.0])))


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 10**9), st.booleans())
def test_default_quick_path_matches_ortools_on_instances(seed: int, tied: bool) -> None:
    # Whole instances (forbids, windows, limits, pins upstream): the default path uses the engine here.
    instance = _tied_instance(seed) if tied else random_instance(seed, n_workers=50, n_orders=18)
    default, reference = solve(instance), solve(instance, flow_options=ORTOOLS)
    assert default.optimal and reference.optimal
    assert default.objective == reference.objective
    assert check_solution(instance, default, "quick") == []


def test_nobody_eligible_and_a_lone_pair() -> None:
    far = Instance(workers=[worker("w", 0, 0, max_km=1)], orders=[order("o", 30, 30)])
    assert solve(far).objective.filled == 0
    lone = Pairs(*(np.array([x], dtype=np.int64) for x in (0, 0, 2, 750)), np.array([3], dtype=np.int64))
    assert _engine(lone) == (1, 2, 750)


def _ladder(rungs: int, d: int) -> Pairs:
    """Filling one more slot needs every worker to move one step up a ladder, each step d metres longer.

    Worker 0 reaches only order 0; worker i (1..rungs) reaches order i-1 at 0 m and order i
    at d m. Most slots (rungs + 1) means everyone takes the d-metre step: rungs * d metres.
    With the quick weights (unassigned costs 16 (d + 1)) that chain is not worth it for more
    than 16 rungs, so the engine must notice and redo it with the safe weights.
    """
    ws = [0] + [w for i in range(1, rungs + 1) for w in (i, i)]
    os_ = [0] + [o for i in range(1, rungs + 1) for o in (i - 1, i)]
    ds = [0] + [x for _ in range(rungs) for x in (0, d)]
    arrays = (np.array(v, dtype=np.int64) for v in (ws, os_, [0] * len(ws), ds))
    return Pairs(*arrays, np.ones(rungs + 1, dtype=np.int64))


def test_a_long_chain_for_one_more_slot_is_found_with_the_safe_weights() -> None:
    ladder = _ladder(20, 1000)
    result = solve_compiled(ladder.worker, ladder.order, ladder.priority, ladder.distance, ladder.cap)
    assert result is not None
    assert result.safe_weights
    assert result.bound == (21, 0, 20_000)
    full = max_flow_lexicographic(
        ladder.worker, ladder.order, ladder.priority, ladder.distance, ladder.cap, opts=ORTOOLS
    )
    assert full.bound == result.bound


def _proven(pairs: Pairs) -> tuple[Certificate, np.ndarray]:
    """A certificate the checker accepts for ``pairs``, rebuilt the way the engine builds it."""
    n_w = int(pairs.worker.max()) + 1
    costs = lexicographic_costs(pairs.priority, pairs.distance, n_w, pairs.cap)
    assert costs is not None
    cost, null_cost = costs
    profit = null_cost - cost
    result = solve_compiled(pairs.worker, pairs.order, pairs.priority, pairs.distance, pairs.cap)
    assert result is not None
    chosen = np.full(n_w, -1, dtype=np.int64)
    picked = np.flatnonzero(result.selected)
    chosen[pairs.worker[picked]] = picked
    # The least order prices that prove it: the LP dual from a label-correcting pass.
    from gigstation.solver.duals import least_duals

    duals = least_duals(pairs.worker, pairs.order, cost, result.selected, pairs.cap, n_w, null_cost)
    assert duals is not None
    cert = engine_module.certificate_from_prices(chosen, duals.v, pairs.order, profit)
    assert check_certificate(pairs.worker, pairs.order, profit, pairs.cap, cert)
    return cert, profit


def _contested() -> Pairs:
    """Three workers (priorities 2, 1, 0) for two single-slot orders at various distances."""
    return Pairs(
        np.array([0, 0, 1, 1, 2], dtype=np.int64),
        np.array([0, 1, 0, 1, 1], dtype=np.int64),
        np.array([2, 2, 1, 1, 0], dtype=np.int64),
        np.array([300, 900, 200, 400, 100], dtype=np.int64),
        np.array([1, 1], dtype=np.int64),
    )


@pytest.mark.parametrize(
    "tamper", ["raise a price", "lower an earning", "swap a pair", "overfill", "price a free order"]
)
def test_a_tampered_certificate_is_rejected(tamper: str) -> None:
    pairs = _contested()
    cert, profit = _proven(pairs)
    chosen, u, v = cert.chosen.copy(), cert.u.copy(), cert.v.copy()
    cap = pairs.cap.copy()
    if tamper == "raise a price":
        v[pairs.order[chosen[0]]] += 1  # breaks u + v = profit on a chosen pair
    elif tamper == "lower an earning":
        u[0] -= 1
    elif tamper == "swap a pair":
        # Worker 0 (priority 2) to its other order, with duals made consistent on the chosen pairs.
        other = next(e for e in np.flatnonzero(pairs.worker == 0) if e != chosen[0])
        taken = next(w for w in range(3) if chosen[w] >= 0 and pairs.order[chosen[w]] == pairs.order[other])
        chosen[taken], chosen[0] = -1, other
        u[taken] = 0
        u[0] = profit[other] - v[pairs.order[other]]
    elif tamper == "overfill":
        third = int(np.flatnonzero(chosen < 0)[0])
        chosen[third] = int(np.flatnonzero(pairs.worker == third)[0])
    else:
        cap = cap + 1  # every order now has a free slot, yet its price is positive
    assert not check_certificate(pairs.worker, pairs.order, profit, cap, Certificate(chosen, u, v))


def test_the_engine_gives_up_on_its_work_budget_and_the_flow_still_proves(monkeypatch: pytest.MonkeyPatch) -> None:
    instance = random_instance(3, n_workers=50, n_orders=18)
    expected = solve(instance, flow_options=ORTOOLS)
    monkeypatch.setattr(engine_module, "RELAXATIONS_PER_PAIR", 0)
    monkeypatch.setattr(engine_module, "MIN_RELAXATIONS", 0)
    pairs = _contested()
    assert solve_compiled(pairs.worker, pairs.order, pairs.priority, pairs.distance, pairs.cap) is None
    got = solve(instance)
    assert got.optimal
    assert got.objective == expected.objective


def test_weights_that_would_overflow_are_refused() -> None:
    pairs = _contested()
    huge = pairs.priority * 10**15
    assert lexicographic_costs(huge, pairs.distance, 3, pairs.cap) is None
    assert solve_compiled(pairs.worker, pairs.order, huge, pairs.distance, pairs.cap) is None
