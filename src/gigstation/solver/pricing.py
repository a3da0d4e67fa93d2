"""Quick mode by pricing: solve on a sparse subset of the candidate pairs, prove the rest out.

Most of a district's eligible pairs are long trips that no optimum uses. We solve the
b-matching on a subset S and prove with LP duality that S's optimum is optimal for every
eligible pair; pairs that fail the proof join S and we solve again.

Costs. c(w, o) = W (P - priority_w) + distance with the small weight W = 4 (D + 1), and
profit p = B - c with B = F * max(c) + 1, F a bound on any matching's size. Since
c >= 0, a matching of k + 1 pairs earns at least (k + 1)(B - max c) > k B, more than any
matching of k pairs: maximising profit is "most pairs, then least c-cost", exactly what
OR-Tools' max flow with min cost returns. (The lexicographic priority level is checked
afterwards by the caller against P*, see ``quick``.)

Proof. The assignment LP on bipartite graphs is integral, so with optimal duals (u, v)
of the S-optimum (``duals``, exact int64), the matching is optimal over all pairs iff
every left-out pair has reduced cost p(w, o) - u_w - v_o <= 0: then (u, v) is feasible
for the full dual with the same objective value as the matching (weak duality). The
check is vectorised over every candidate pair, so nothing is left unpriced.

Rounds. First the cardinality level alone, with plain max flows (cheap): a left-out pair
can raise the maximum flow only if it crosses the subset's minimum cut (worker on the
source side, order not), so the shortest few crossing pairs per worker are added until
none crosses. Then min-cost rounds add every pair that prices out. After ``max_rounds``
rounds the caller falls back to the full graph: an unproven answer is never returned.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from ortools.graph.python import max_flow

from gigstation.solver.duals import least_duals
from gigstation.solver.flow import FlowOptions, max_flow_lexicographic

__all__ = ["PricingResult", "solve_by_pricing"]

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

# Seed: pairs within this many metres of the worker's or the order's nearest pair.
SEED_SLACK_M = 300
# Cardinality rounds add this many shortest cut-crossing pairs per worker.
CROSSING_PER_WORKER = 3
_SAFE = 2**62


@dataclass(frozen=True, slots=True, eq=False)
class PricingResult:
    """Chosen pairs (a mask over all candidate pairs) proven optimal for the cost ``c``, and how it went."""

    selected: BoolArray
    cut_rounds: int
    price_rounds: int
    seed_pairs: int
    final_pairs: int


def _per_group_min(group: IntArray, value: IntArray, n: int) -> IntArray:
    out = np.full(n, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(out, group, value)
    return out


def _first_per_group(idx: IntArray, group: IntArray, key: IntArray, keep: int) -> IntArray:
    """The ``keep`` entries of ``idx`` with the smallest ``key`` within each ``group``."""
    perm = np.lexsort((key[idx], group[idx]))
    ranked, g = idx[perm], group[idx[perm]]
    starts = np.flatnonzero(np.r_[True, g[1:] != g[:-1]])
    rank = np.arange(ranked.shape[0]) - np.repeat(starts, np.diff(np.r_[starts, ranked.shape[0]]))
    return ranked[rank < keep]


def _cut_crossing(worker: IntArray, order: IntArray, capacity: IntArray, n_w: int, subset: BoolArray) -> BoolArray:
    """Pairs outside ``subset`` from the source side of the subset's minimum cut to its sink side."""
    n_o = int(capacity.shape[0])
    source, sink = n_w + n_o, n_w + n_o + 1
    idx = np.flatnonzero(subset)
    flow = max_flow.SimpleMaxFlow()
    flow.add_arcs_with_capacity(
        np.concatenate([np.full(n_w, source), worker[idx], np.arange(n_o) + n_w]).astype(np.int32),
        np.concatenate([np.arange(n_w), order[idx] + n_w, np.full(n_o, sink)]).astype(np.int32),
        np.concatenate([np.ones(n_w + idx.shape[0], dtype=np.int64), capacity]),
    )
    if flow.solve(source, sink) != flow.OPTIMAL:
        return np.ones(worker.shape[0], dtype=np.bool_) & ~subset
    near_source = np.zeros(n_w + n_o + 2, dtype=np.bool_)
    near_source[np.asarray(flow.get_source_side_min_cut(), dtype=np.int64)] = True
    return near_source[worker] & ~near_source[order + n_w] & ~subset


def solve_by_pricing(
    worker: IntArray,
    order: IntArray,
    priority: IntArray,
    distance: IntArray,
    capacity: IntArray,
    n_workers: int,
    max_rounds: int = 40,
) -> PricingResult | None:
    """Max flow of least small-weight cost over all pairs, proven by duals; None if not proven in time."""
    n = int(worker.shape[0])
    n_orders = int(capacity.shape[0])
    if n == 0:
        return PricingResult(np.zeros(0, dtype=np.bool_), 0, 0, 0, 0)
    p_max = int(priority.max())
    cost = 4 * (int(distance.max()) + 1) * (p_max - priority) + distance
    flow_bound = min(n_workers, int(capacity.sum()))
    big = flow_bound * int(cost.max()) + 1
    # Duals stay below big + n * max(c) (longest simple paths); keep them and OR-Tools' scaled costs in int64.
    if big * (n_workers + n_orders + 2) * (flow_bound + 1) >= _SAFE:
        return None
    subset = (distance <= _per_group_min(worker, distance, n_workers)[worker] + SEED_SLACK_M) | (
        distance <= _per_group_min(order, distance, n_orders)[order] + SEED_SLACK_M
    )
    seed_pairs = int(subset.sum())
    cut_rounds = 0
    while True:
        if cut_rounds + 1 > max_rounds:
            return None
        cut_rounds += 1
        crossing = np.flatnonzero(_cut_crossing(worker, order, capacity, n_workers, subset))
        if crossing.size == 0:
            break
        subset[_first_per_group(crossing, worker, distance, CROSSING_PER_WORKER)] = True
    no_priority = np.zeros(n, dtype=np.int64)
    price_rounds = 0
    while price_rounds < max_rounds:
        price_rounds += 1
        idx = np.flatnonzero(subset)
        # Priorities are folded into ``cost``; zero priorities make the flow minimise ``cost`` alone.
        result = max_flow_lexicographic(
            worker[idx], order[idx], no_priority[idx], cost[idx], capacity, 60.0, FlowOptions()
        )
        if not result.optimal:
            return None
        duals = least_duals(worker[idx], order[idx], cost[idx], result.selected, capacity, n_workers, big)
        if duals is None:
            return None
        prices_out = big - cost - duals.u[worker] - duals.v[order] > 0
        if not prices_out.any():
            selected = np.zeros(n, dtype=np.bool_)
            selected[idx[result.selected]] = True
            return PricingResult(selected, cut_rounds, price_rounds, seed_pairs, int(idx.shape[0]))
        subset |= prices_out
    return None
