"""Quick mode's compiled engine: one exact solve over all candidate pairs, and its proof.

Weights. Each pair gets the cost c = W (P - priority) + distance with W = F D + 1 (F =
min(workers, slots) bounds any matching's size, D the largest distance, P the largest
priority): among matchings of equal size, a larger priority sum always costs less,
since the distances of F pairs sum to less than W. Leaving a worker unassigned costs
N = F max(c) + 1, so each pair's profit N - c is positive and a matching of k + 1 pairs
earns more than any of k pairs ((k + 1)(N - max c) > k N when k < F). The largest
profit is therefore exactly the lexicographic optimum: most slots, then priority, then
least distance. All of it is int64; we refuse (and the caller falls back to OR-Tools)
when 4 N would not fit, which keeps every potential and Dijkstra key in range.

Solve. An epsilon-scaling auction (``auction``) prices the orders approximately; the
pairs that are exactly tight at those prices give a valid starting state, and
successive shortest paths (``ssp``) finish exactly from there.

Proof. The matching and the final potentials are turned into LP duals of the
b-matching (max sum of profits; each worker at most once, each order at most cap) and
checked here, independently of the engine, in integers over every pair:

    u >= 0, v >= 0, u_w + v_o >= profit(w, o) for every pair,
    u_w + v_o = profit on chosen pairs, u_w = 0 for unassigned workers,
    v_o = 0 for orders with a free slot, and the matching is feasible.

These are LP optimality (complementary slackness) for the primal-dual pair, so the
matching's profit equals the LP bound; the matching is optimal over every candidate
pair. If any condition fails, the answer is not used.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from gigstation.solver.auction import auction_prices, tight_start
from gigstation.solver.potentials import sink_distances
from gigstation.solver.phantoms import retire_phantoms
from gigstation.solver.ssp import grouped, shortest_augmenting_paths

__all__ = ["Certificate", "EngineResult", "check_certificate", "lexicographic_costs", "solve_compiled"]

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

# 4 N must stay below this: potentials lie in [-N, 0] and Dijkstra keys below 3 N.
_INT64_HEADROOM = 2**62
# The warm-start auction stops after this many bids per pair (it only speeds up the exact part).
AUCTION_BIDS_PER_EDGE = 4
# Up to this many pairs, a failed quick-weight proof is retried with the safe weights in the engine.
COLD_SAFE_EDGES = 20_000


@dataclass(frozen=True, slots=True, eq=False)
class Certificate:
    """A matching (chosen edge per worker, -1 for none) with LP duals to prove it optimal."""

    chosen: IntArray
    u: IntArray
    v: IntArray


@dataclass(frozen=True, slots=True, eq=False)
class EngineResult:
    """Chosen edges (a mask over the pairs given), the objective, and the search counters."""

    selected: BoolArray
    bound: tuple[int, int, int]
    warm_assigned: int
    searches: int
    settled: int
    relaxed: int
    phantoms: int
    phantom_settled: int
    phantom_relaxed: int


def lexicographic_weight(priority: IntArray, distance: IntArray, n_w: int, cap: IntArray) -> int:
    """W = F D + 1: one priority point outweighs the distances of any matching."""
    return min(n_w, int(cap.sum())) * int(distance.max()) + 1


def lexicographic_costs(priority: IntArray, distance: IntArray, n_w: int, cap: IntArray) -> tuple[IntArray, int] | None:
    """Per-pair cost c and the unassigned cost N (module docstring); None when 4 N overflows int64."""
    flow_bound = min(n_w, int(cap.sum()))
    d_max = int(distance.max())
    p_max = int(priority.max())
    weight = lexicographic_weight(priority, distance, n_w, cap)
    c_max = weight * (p_max - int(priority.min())) + d_max
    null_cost = flow_bound * c_max + 1
    if int(distance.min()) < 0 or 4 * null_cost >= _INT64_HEADROOM:
        return None
    return weight * (p_max - priority) + distance, null_cost


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
    return bool((u[edge_w] + v[edge_o] >= profit).all())


def _small_costs(priority: IntArray, distance: IntArray) -> tuple[IntArray, int, int]:
    """Quick weights (cost c', unassigned cost M, priority weight W') for the search; the proof uses the safe ones."""
    weight = 4 * (int(distance.max()) + 1)
    levels = int(priority.max()) - int(priority.min())
    return weight * (int(priority.max()) - priority) + distance, weight * (levels + 4), weight


def _search(
    graph: tuple[IntArray, IntArray, IntArray, IntArray],
    edge_w: IntArray,
    edge_o: IntArray,
    cost: IntArray,
    cap: IntArray,
    null_cost: int,
    prio: IntArray,
    warm: bool,
) -> tuple[IntArray, IntArray, IntArray, IntArray]:
    """An optimal matching under ``cost`` / ``null_cost`` and its potentials; also (auction-warm assigned, searches...)."""
    w_start, w_adj, o_start, o_adj = graph
    n_w, n_o = prio.shape[0], cap.shape[0]
    profit = null_cost - cost
    if warm:
        price, at, _ = auction_prices(
            w_start,
            w_adj,
            o_start,
            o_adj,
            edge_w,
            edge_o,
            profit,
            cap,
            np.int64(max(null_cost // 8, 1)),
            np.int64(AUCTION_BIDS_PER_EDGE * cost.shape[0]),
        )
        chosen, u = tight_start(w_start, w_adj, edge_o, profit, cap, price, at)
    else:
        price = np.zeros(n_o, dtype=np.int64)
        chosen = np.full(n_w, -1, dtype=np.int64)
        u = np.full(n_w, null_cost, dtype=np.int64)
    # Potentials: pi_w = u - N (0 for a worker still to join), pi_o = -v.
    waiting = (chosen < 0) & (u > 0)
    pi_w = np.where(waiting, 0, u - null_cost)
    pi_o = -price
    # Higher priorities join first: they win their contests anyway, so fewer reassignments.
    join = np.flatnonzero(waiting)
    join = join[np.argsort(-prio[join], kind="stable")].astype(np.int64)
    counters = np.zeros(7, dtype=np.int64)
    counters[0] = int((chosen >= 0).sum())
    counters[1:4] = shortest_augmenting_paths(
        w_start, w_adj, edge_w, edge_o, cost, cap, np.int64(null_cost), join, chosen, pi_w, pi_o
    )
    counters[4:7] = retire_phantoms(o_start, o_adj, edge_w, edge_o, cost, cap, np.int64(null_cost), chosen, pi_w, pi_o)
    return chosen, pi_w, pi_o, counters


def _certificate(chosen: IntArray, v: IntArray, edge_o: IntArray, profit: IntArray) -> Certificate:
    """Duals from order prices: an assigned worker earns what its pair leaves after the order's price."""
    assigned = chosen >= 0
    u = np.zeros(chosen.shape[0], dtype=np.int64)
    picked = chosen[assigned]
    u[assigned] = profit[picked] - v[edge_o[picked]]
    return Certificate(chosen, u, v)


def solve_compiled(
    edge_w: IntArray, edge_o: IntArray, priority: IntArray, distance: IntArray, cap: IntArray
) -> EngineResult | None:
    """The proven lexicographic optimum over compact ids (``edge_w`` in 0..n_w-1, ``edge_o`` indexing ``cap``).

    None when the weights could overflow or no certificate was found; the caller must
    then use another exact path.
    """
    n_w = int(edge_w.max()) + 1
    safe = lexicographic_costs(priority, distance, n_w, cap)
    if safe is None:
        return None
    cost, null_cost = safe
    profit = null_cost - cost
    cap = cap.astype(np.int64)
    graph = (*grouped(edge_w, n_w), *grouped(edge_o, cap.shape[0]))
    worker_priority = np.zeros(n_w, dtype=np.int64)
    worker_priority[edge_w] = priority
    quick_cost, quick_null, quick_weight = _small_costs(priority, distance)
    chosen, pi_w, pi_o, counters = _search(graph, edge_w, edge_o, quick_cost, cap, quick_null, worker_priority, True)
    # Lift to the safe weights: they add (W - W') (P - priority) per worker to every pair's cost.
    lift = (lexicographic_weight(priority, distance, n_w, cap) - quick_weight) * (int(priority.max()) - worker_priority)
    dist_w, dist_o, ok = sink_distances(
        graph[2], graph[3], edge_w, edge_o, cost, cap, np.int64(null_cost), chosen, pi_w - lift, pi_o
    )
    cert = _certificate(chosen, dist_o, edge_o, profit) if ok else None
    if cert is None or not check_certificate(edge_w, edge_o, profit, cap, cert):
        if edge_w.shape[0] > COLD_SAFE_EDGES:
            return None
        # Small instances: solve with the safe weights directly; the potentials prove it.
        chosen, pi_w, pi_o, counters = _search(graph, edge_w, edge_o, cost, cap, null_cost, worker_priority, False)
        cert = _certificate(chosen, -pi_o, edge_o, profit)
        if not check_certificate(edge_w, edge_o, profit, cap, cert):
            return None
    assigned = chosen >= 0
    selected = np.zeros(edge_w.shape[0], dtype=np.bool_)
    picked = chosen[assigned]
    selected[picked] = True
    bound = (int(picked.shape[0]), int(priority[picked].sum()), int(distance[picked].sum()))
    return EngineResult(selected, bound, *(int(x) for x in counters))
