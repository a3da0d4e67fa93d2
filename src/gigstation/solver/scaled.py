"""Quick mode's cost-scaling engine: ``csa`` for the matching, the engine's certificate for the proof.

Steps, all over compact ids like ``engine.solve_compiled``:

1. cost scaling (``csa``) on the quick weights (W' = 4 (D + 1), unassigned M = W'
   (levels + 4)) multiplied by n + 1, down to eps = 1: a matching optimal for the
   quick costs, and prices within 1 / (n + 1) of exact potentials;
2. exact integer potentials of that matching under the *safe* lexicographic costs
   (``potentials.sink_distances_corrected``: label correcting seeded with the prices,
   shifted per worker by the difference of the two weights, as ``engine`` lifts);
3. ``engine.check_certificate`` over every pair, in integers.

Any failure (weights that could overflow, the work budget, a quick optimum that is not
the lexicographic one, a certificate that does not hold) returns None, and the caller
uses another exact path. An unproven answer never leaves this module.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from gigstation.solver.csa import ALPHA, K_BEST, cost_scaling_assignment
from gigstation.solver.engine import (
    EngineResult,
    certificate_from_prices,
    check_certificate,
    lexicographic_costs,
    lexicographic_weight,
)
from gigstation.solver.potentials import order_major, sink_distances_corrected
from gigstation.solver.ssp import grouped

__all__ = ["solve_cost_scaled"]

IntArray = npt.NDArray[np.int64]

# Prices fall by at most about 3 n eps per phase (Goldberg), so by less than 4 n times the largest scaled cost.
_HEADROOM = 2**62
# Work budgets (arc scans per pair for the scaling, heap pops per pair for the potentials).
SCANS_PER_PAIR = 400
POPS_PER_PAIR = 20
MIN_WORK = 100_000
# The order in which active nodes are discharged (``csa``): last in, first out.
LIFO = True
# Phases keep the workers whose choice is still eps-optimal (instead of unassigning all).
WARM_PHASES = True


def solve_cost_scaled(
    edge_w: IntArray, edge_o: IntArray, priority: IntArray, distance: IntArray, cap: IntArray
) -> EngineResult | None:
    """The proven lexicographic optimum (compact ids, as ``engine.solve_compiled``), or None."""
    n_w, n_o = int(edge_w.max()) + 1, int(cap.shape[0])
    safe = lexicographic_costs(priority, distance, n_w, cap)
    if safe is None:
        return None
    cost, null_cost = safe
    cap = cap.astype(np.int64)
    scale = n_w + n_o + 2
    quick_weight = 4 * (int(distance.max()) + 1)
    levels = int(priority.max()) - int(priority.min())
    quick_null = quick_weight * (levels + 4)
    if quick_null * scale * 4 * scale >= _HEADROOM:
        return None
    quick_cost = quick_weight * (int(priority.max()) - priority) + distance
    if int(quick_cost.max()) >= 2**31:
        return None  # the kernel stores costs in int32; such priorities go to the OR-Tools path
    n_pairs = edge_w.shape[0]
    # Pairs laid out contiguously per worker: the scans read memory in order. Candidates
    # come worker by worker already; other callers' pairs are sorted here.
    start, by_worker = grouped(edge_w, n_w)
    in_order = bool(np.all(by_worker == np.arange(n_pairs)))
    pair_order = edge_o.astype(np.int32) if in_order else edge_o[by_worker].astype(np.int32)
    # int32 (the scaling factor is applied in the kernel): half the memory of int64, so the scans read less.
    pair_cost = quick_cost.astype(np.int32) if in_order else quick_cost[by_worker].astype(np.int32)
    chosen_pos, price, counters, ok = cost_scaling_assignment(
        start,
        pair_order,
        pair_cost,
        scale,
        cap,
        quick_null * scale,
        SCANS_PER_PAIR * n_pairs + MIN_WORK,
        ALPHA,
        K_BEST,
        WARM_PHASES,
        LIFO,
    )
    if not ok:
        return None
    chosen = chosen_pos if in_order else np.where(chosen_pos >= 0, by_worker[np.maximum(chosen_pos, 0)], -1)
    # Prices relative to t, back in original units (floor: off by less than one per node).
    relative = price - price[n_w + n_o]
    phi_w = relative[:n_w] // scale
    phi_o = relative[n_w : n_w + n_o] // scale
    worker_priority = np.zeros(n_w, dtype=np.int64)
    worker_priority[edge_w] = priority
    lift = (lexicographic_weight(distance, n_w, cap) - quick_weight) * (int(priority.max()) - worker_priority)
    order_start, order_adj, adj_w, adj_cost = order_major(edge_w, edge_o, cost, n_o)
    _, dist_o, exact = sink_distances_corrected(
        order_start,
        order_adj,
        adj_w,
        adj_cost,
        edge_o,
        cost,
        cap,
        null_cost,
        chosen,
        phi_w - lift,
        phi_o,
        POPS_PER_PAIR * n_pairs + MIN_WORK,
    )
    if not exact:
        return None
    profit = null_cost - cost
    cert = certificate_from_prices(chosen, dist_o, edge_o, profit)
    if not check_certificate(edge_w, edge_o, profit, cap, cert):
        return None
    picked = chosen[chosen >= 0]
    selected = np.zeros(n_pairs, dtype=np.bool_)
    selected[picked] = True
    bound = (int(picked.shape[0]), int(priority[picked].sum()), int(distance[picked].sum()))
    return EngineResult(selected, bound, int(counters[2]), int(counters[0]), int(counters[1]), False)
