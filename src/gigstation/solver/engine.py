"""Quick mode's compiled engine: one exact solve over all candidate pairs, and its proof.

Safe weights. Each pair gets the cost C = W (P - priority) + distance with W = F D + 1
(F = min(workers, slots) bounds any matching's size, D the largest distance, P the
largest priority): among matchings of equal size, a larger priority sum always costs
less, since the distances of F pairs sum to less than W. Leaving a worker unassigned
costs N = F max(C) + 1, so each pair's profit N - C is positive and a matching of k + 1
pairs earns more than any of k pairs ((k + 1)(N - max C) > k N when k < F). The largest
profit is therefore exactly the lexicographic optimum: most slots, then priority, then
least distance. All of it is int64; we refuse (the caller falls back to OR-Tools) when
4 N would not fit, which keeps every potential and Dijkstra key in range.

Search. Successive shortest paths (``ssp``) run with quick weights (W' = 4 (D + 1),
M = W' (levels + 4)): they usually give the same matching, and keep the numbers small.
The quick answer is then lifted to the safe weights (``potentials``: one reverse
Dijkstra for the exact potentials of that matching) and checked. If the check fails
(the quick weights chose differently), small instances are solved again with the safe
weights directly.

Proof. Order prices v and worker earnings u (u_w = profit of w's pair - v of its order,
0 if unassigned) are LP duals of the b-matching (max sum of profits; each worker at
most once, each order at most cap). ``check_certificate`` verifies, independently of
the engine, in integers over every pair:

    u >= 0, v >= 0, u_w + v_o >= profit(w, o) for every pair,
    u_w + v_o = profit on chosen pairs, u_w = 0 for unassigned workers,
    v_o = 0 for orders with a free slot, and the matching is feasible.

These are LP optimality (complementary slackness), so the matching's profit equals the
LP bound: it is optimal over every candidate pair. If any condition fails, the answer
is not used.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from gigstation.solver.jit import kernel
from gigstation.solver.potentials import sink_distances
from gigstation.solver.ssp import grouped, shortest_augmenting_paths

__all__ = [
    "Certificate",
    "EngineResult",
    "check_certificate",
    "lexicographic_costs",
    "lexicographic_null_cost",
    "lexicographic_weight",
    "solve_compiled",
]

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

# 4 N must stay below this: potentials lie in [-N, 0] and Dijkstra keys below 3 N.
_INT64_HEADROOM = 2**62
# Up to this many pairs, a failed quick-weight proof is retried with the safe weights.
COLD_SAFE_PAIRS = 20_000
# The searches give up (and the caller uses OR-Tools) after this many relaxations per pair:
# saturated instances need long reassignment chains, where OR-Tools' cost scaling wins.
RELAXATIONS_PER_PAIR = 25
MIN_RELAXATIONS = 10_000


@dataclass(frozen=True, slots=True, eq=False)
class Certificate:
    """A matching (chosen pair per worker, -1 for none) with LP duals meant to prove it optimal."""

    chosen: IntArray
    u: IntArray
    v: IntArray


@dataclass(frozen=True, slots=True, eq=False)
class EngineResult:
    """Chosen pairs (a mask over the pairs given), the objective, and the search counters."""

    selected: BoolArray
    bound: tuple[int, int, int]
    searches: int
    settled: int
    relaxed: int
    safe_weights: bool


def lexicographic_weight(distance: IntArray, n_w: int, cap: IntArray) -> int:
    """W = F D + 1: one priority point outweighs the distances of any matching."""
    return min(n_w, int(cap.sum())) * int(distance.max()) + 1


def lexicographic_null_cost(priority: IntArray, distance: IntArray, n_w: int, cap: IntArray) -> int | None:
    """The unassigned cost N (module docstring); None when 4 N overflows int64 or a distance is negative."""
    flow_bound = min(n_w, int(cap.sum()))
    weight = lexicographic_weight(distance, n_w, cap)
    c_max = weight * (int(priority.max()) - int(priority.min())) + int(distance.max())
    null_cost = flow_bound * c_max + 1
    if int(distance.min()) < 0 or 4 * null_cost >= _INT64_HEADROOM:
        return None
    return null_cost


def lexicographic_costs(priority: IntArray, distance: IntArray, n_w: int, cap: IntArray) -> tuple[IntArray, int] | None:
    """Per-pair safe cost C and the unassigned cost N (module docstring); None when 4 N overflows int64."""
    null_cost = lexicographic_null_cost(priority, distance, n_w, cap)
    if null_cost is None:
        return None
    # In place: a city has 11 million pairs, and each temporary is 90 MB of fresh memory.
    cost = np.subtract(int(priority.max()), priority, dtype=np.int64)
    cost *= lexicographic_weight(distance, n_w, cap)
    cost += distance
    return cost, null_cost


def check_certificate(edge_w: IntArray, edge_o: IntArray, profit: IntArray, cap: IntArray, cert: Certificate) -> bool:
    """True when ``cert`` proves its matching optimal (module docstring), in exact integers."""
    n_w, n_o = cert.u.shape[0], cert.v.shape[0]
    chosen = cert.chosen
    if chosen.shape[0] != n_w or cap.shape[0] != n_o:
        return False
    assigned = chosen >= 0
    picked = chosen[assigned]
    if picked.size and (picked.max() >= edge_w.shape[0] or (edge_w[picked] != np.flatnonzero(assigned)).any()):
        return False
    filled = np.bincount(edge_o[picked], minlength=n_o)
    if (filled > cap).any():
        return False
    u, v = cert.u, cert.v
    if (u < 0).any() or (v < 0).any() or (u[~assigned] != 0).any() or (v[filled < cap] != 0).any():
        return False
    if (u[edge_w[picked]] + v[edge_o[picked]] != profit[picked]).any():
        return False
    # The big one, over every pair: no pair could earn more than its endpoints' prices.
    return _every_pair_covered(edge_w, edge_o, profit, u, v)


@kernel
def _every_pair_covered(edge_w: IntArray, edge_o: IntArray, profit: IntArray, u: IntArray, v: IntArray) -> bool:
    """u_w + v_o >= profit on every pair (one pass, no temporaries: a city has 11 million pairs)."""
    for e in range(edge_w.shape[0]):  # noqa: SIM110 (a generator does not compile in numba)
        if u[edge_w[e]] + v[edge_o[e]] < profit[e]:
            return False
    return True


def certificate_from_prices(chosen: IntArray, v: IntArray, edge_o: IntArray, profit: IntArray) -> Certificate:
    """Duals from order prices: an assigned worker earns what its pair leaves after its order's price."""
    assigned = chosen >= 0
    u = np.zeros(chosen.shape[0], dtype=np.int64)
    picked = chosen[assigned]
    u[assigned] = profit[picked] - v[edge_o[picked]]
    return Certificate(chosen, u, v)


def _search(
    by_worker: tuple[IntArray, IntArray],
    edge_w: IntArray,
    edge_o: IntArray,
    cost: IntArray,
    cap: IntArray,
    null_cost: int,
    join: IntArray,
) -> tuple[IntArray, IntArray, IntArray, IntArray]:
    """Chosen pair per worker, potentials and counters of a cold successive-shortest-paths run."""
    n_w = join.shape[0]
    chosen = np.full(n_w, -1, dtype=np.int64)
    pi_w = np.zeros(n_w, dtype=np.int64)
    pi_o = np.zeros(cap.shape[0], dtype=np.int64)
    counters = shortest_augmenting_paths(
        by_worker[0],
        by_worker[1],
        edge_w,
        edge_o,
        cost,
        cap,
        null_cost,
        join,
        chosen,
        pi_w,
        pi_o,
        RELAXATIONS_PER_PAIR * edge_w.shape[0] + MIN_RELAXATIONS,
    )
    return chosen, pi_w, pi_o, counters


def solve_compiled(
    edge_w: IntArray, edge_o: IntArray, priority: IntArray, distance: IntArray, cap: IntArray
) -> EngineResult | None:
    """The proven lexicographic optimum over compact ids (``edge_w`` in 0..n_w-1, ``edge_o`` indexing ``cap``).

    None when the weights could overflow, the search gave up, or no certificate was
    found; the caller must then use another exact path.
    """
    n_w, n_o = int(edge_w.max()) + 1, int(cap.shape[0])
    safe = lexicographic_costs(priority, distance, n_w, cap)
    if safe is None:
        return None
    cost, null_cost = safe
    profit = null_cost - cost
    cap = cap.astype(np.int64)
    by_worker = grouped(edge_w, n_w)
    worker_priority = np.zeros(n_w, dtype=np.int64)
    worker_priority[edge_w] = priority
    # Higher priorities join first (they win their contests anyway), and within a priority the
    # workers with the fewest pairs (they have the fewest ways out later): fewer reassignments.
    join = np.lexsort((np.bincount(edge_w, minlength=n_w), -worker_priority)).astype(np.int64)
    quick_weight = 4 * (int(distance.max()) + 1)
    quick_null = quick_weight * (int(priority.max()) - int(priority.min()) + 4)
    cert = None
    if 4 * quick_null < _INT64_HEADROOM:
        quick_cost = quick_weight * (int(priority.max()) - priority) + distance
        chosen, pi_w, pi_o, counters = _search(by_worker, edge_w, edge_o, quick_cost, cap, quick_null, join)
        if counters[3]:
            return None
        # Safe costs add (W - W') (P - priority) to every pair of a worker: shift its potential by as much.
        lift = (lexicographic_weight(distance, n_w, cap) - quick_weight) * (int(priority.max()) - worker_priority)
        by_order = grouped(edge_o, n_o)
        _, dist_o, ok = sink_distances(
            by_order[0], by_order[1], edge_w, edge_o, cost, cap, null_cost, chosen, pi_w - lift, pi_o
        )
        cert = certificate_from_prices(chosen, dist_o, edge_o, profit) if ok else None
    safe_weights = False
    if cert is None or not check_certificate(edge_w, edge_o, profit, cap, cert):
        if edge_w.shape[0] > COLD_SAFE_PAIRS:
            return None
        safe_weights = True
        chosen, pi_w, pi_o, counters = _search(by_worker, edge_w, edge_o, cost, cap, null_cost, join)
        cert = certificate_from_prices(chosen, -pi_o, edge_o, profit)
        if counters[3] or not check_certificate(edge_w, edge_o, profit, cap, cert):
            return None
    picked = chosen[chosen >= 0]
    selected = np.zeros(edge_w.shape[0], dtype=np.bool_)
    selected[picked] = True
    bound = (int(picked.shape[0]), int(priority[picked].sum()), int(distance[picked].sum()))
    return EngineResult(selected, bound, int(counters[0]), int(counters[1]), int(counters[2]), safe_weights)
