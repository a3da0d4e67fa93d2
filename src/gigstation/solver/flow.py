"""Lexicographic min-cost max flow over candidate edges (quick mode's exact engine on a given edge set).

Network: worker node (supply 1) -> order node (demand = open slots), one arc per
eligible pair, capacity 1. ``solve_max_flow_with_min_cost`` returns a maximum flow
(level 1: most slots filled) of minimum cost among maximum flows. The arc cost is

    cost = W * (P - priority) + distance,   W = F * D + 1,

with P the largest priority, D the largest arc distance and F an upper bound on the
flow (min(workers, slots)). Why the order is kept: every maximum flow has the same
value F* <= F, so its cost is W * (F* P - sum priority) + sum distance. If flow A has a
larger priority sum than flow B, cost(B) - cost(A) >= W - sum distance(A) >= W - F D > 0;
so priority dominates and distance only breaks ties (levels 2 and 3).

Overflow: OR-Tools scales costs by (nodes + 1) inside cost scaling, and totals reach
F times the largest unit cost C = W * (P - min priority) + D. We use the flow only when
C * (nodes + 1) * (F + 1) < 2**62, a conservative product of both; otherwise (or if
OR-Tools still reports BAD_COST_RANGE) the component goes to staged CP-SAT, whose
coefficients stay small. With decomposition W is computed per component, which keeps
realistic instances far from the limit (the 20000 x 6000 district: C ~ 5e8, product ~ 2e17).

Small instances (``FlowOptions.compiled_max_pairs``) go to the compiled engine first
(``engine``: successive shortest paths with an integer LP certificate); its answer is
used only when the certificate holds, otherwise the path above decides. Large ones
(``FlowOptions.cost_scaling_min_pairs``) go to the cost-scaling engine (``scaled``:
Goldberg-Kennedy cost scaling, then the same certificate) before the path above.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from ortools.graph.python import max_flow as or_max_flow
from ortools.graph.python import min_cost_flow
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from gigstation.solver.cpsat import solve_lexicographic
from gigstation.solver.engine import solve_compiled
from gigstation.solver.errors import SolverError
from gigstation.solver.scaled import solve_cost_scaled

__all__ = ["FlowOptions", "FlowResult", "best_priority", "max_flow_lexicographic"]

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

_SAFE = 2**62


@dataclass(frozen=True, slots=True)
class FlowOptions:
    """Switches for measuring what each optimisation buys; the defaults are the fast path."""

    decompose: bool = True
    closed_form_stars: bool = True
    small_weight_first: bool = True
    force_fallback: bool = False
    pricing: bool = False
    max_pricing_rounds: int = 40
    # The compiled engine (``engine``) is tried first on instances up to this many pairs;
    # above it OR-Tools' cost scaling is faster (solver/RESULTS.md).
    compiled: bool = True
    compiled_max_pairs: int = 8_000
    # From this many pairs on, the cost-scaling engine (``scaled``, proven by the same
    # certificate) is tried before OR-Tools: measured faster on the town (117 k pairs: 64 ms
    # against 97 ms solve) and the district (2.04 M pairs; solver/RESULTS.md).
    cost_scaling: bool = True
    cost_scaling_min_pairs: int = 50_000


@dataclass(frozen=True, slots=True, eq=False)
class FlowResult:
    """Chosen edges, whether all were proven optimal, and a summed lexicographic bound."""

    selected: BoolArray
    optimal: bool
    bound: tuple[int, int, int]
    components: int


def _ranks(group: IntArray) -> IntArray:
    """Position of each element within its run of equal values in a sorted array."""
    n = group.shape[0]
    starts = np.flatnonzero(np.r_[True, group[1:] != group[:-1]])
    lengths = np.diff(np.r_[starts, n])
    return np.arange(n, dtype=np.int64) - np.repeat(starts, lengths)


def _single_order(o: IntArray, w: IntArray, prio: IntArray, dist: IntArray, cap: IntArray) -> BoolArray:
    """Components with one order: its best ``cap`` workers by priority, then distance."""
    perm = np.lexsort((w, dist, -prio, o))
    chosen = np.zeros(o.shape[0], dtype=np.bool_)
    chosen[perm] = _ranks(o[perm]) < cap[o[perm]]
    return chosen


def _single_worker(w: IntArray, o: IntArray, dist: IntArray) -> BoolArray:
    """Components with one worker and several orders: the nearest order (priority is fixed)."""
    perm = np.lexsort((o, dist, w))
    chosen = np.zeros(w.shape[0], dtype=np.bool_)
    chosen[perm] = _ranks(w[perm]) == 0
    return chosen


def _min_cost_max_flow(
    w: IntArray, o: IntArray, cost: IntArray, cap: IntArray, n_w: int, n_o: int
) -> tuple[BoolArray | None, bool]:
    """Chosen arcs of a min-cost maximum flow; (None, True) when OR-Tools rejects the cost range."""
    flow = min_cost_flow.SimpleMinCostFlow()
    arcs = flow.add_arcs_with_capacity_and_unit_cost(
        w.astype(np.int32), (o + n_w).astype(np.int32), np.ones(w.shape[0], dtype=np.int64), cost
    )
    flow.set_nodes_supplies(np.arange(n_w + n_o, dtype=np.int32), np.concatenate([np.ones(n_w, dtype=np.int64), -cap]))
    status = flow.solve_max_flow_with_min_cost()
    if status == flow.BAD_COST_RANGE:
        return None, True
    if status != flow.OPTIMAL:
        raise SolverError(f"min-cost flow failed with status {status.name}")
    return np.asarray(flow.flows(np.asarray(arcs, dtype=np.int32))) > 0, False


def best_priority(w: IntArray, o: IntArray, prio: IntArray, cap: IntArray, n_w: int, n_o: int, max_flow: int) -> int:
    """The largest priority sum over maximum flows, from plain max flows (no costs).

    Matched worker sets of a b-matching form a transversal matroid, so the greedy basis
    by priority is optimal and holds exactly rank({priority >= v}) workers of priority
    >= v for every level v. Hence P* = sum over levels of (v_i - v_(i-1)) * rank(>= v_i),
    each rank being a maximum flow restricted to those workers' arcs. The lowest level's
    rank is the (known) maximum flow of the whole graph.
    """
    levels: list[int] = np.unique(prio).tolist()
    total = levels[0] * max_flow
    if len(levels) == 1:
        return total
    # One OR-Tools push-relabel max flow network (source -> workers -> orders -> sink);
    # each level only closes the source arcs of the workers below it.
    worker_prio = np.zeros(n_w, dtype=np.int64)
    worker_prio[w] = prio
    source, sink = n_w + n_o, n_w + n_o + 1
    net = or_max_flow.SimpleMaxFlow()
    net.add_arcs_with_capacity(
        np.concatenate([w, np.arange(n_o) + n_w]).astype(np.int32),
        np.concatenate([o + n_w, np.full(n_o, sink)]).astype(np.int32),
        np.concatenate([np.ones(w.shape[0], dtype=np.int64), cap.astype(np.int64)]),
    )
    source_arcs = np.asarray(
        net.add_arcs_with_capacity(
            np.full(n_w, source, dtype=np.int32), np.arange(n_w, dtype=np.int32), np.ones(n_w, dtype=np.int64)
        )
    )
    previous = levels[0]
    for level in levels[1:]:
        closed = worker_prio < level
        net.set_arcs_capacity(source_arcs[closed], np.zeros(int(closed.sum()), dtype=np.int64))
        if net.solve(source, sink) != net.OPTIMAL:
            raise SolverError("max flow failed")
        total += (level - previous) * int(net.optimal_flow())
        previous = level
    return total


def _flow_component(
    w: IntArray, o: IntArray, prio: IntArray, dist: IntArray, cap: IntArray, opts: FlowOptions, deadline: float
) -> tuple[BoolArray, bool, tuple[int, int, int]]:
    """One lexicographic min-cost max-flow over compact node ids (``w`` and ``o`` start at 0).

    Fast path: a small weight W' = 4 (D + 1) keeps OR-Tools' cost range (and so its
    number of scaling phases) small; one priority point outweighs four arcs' distance,
    which in practice already gives the best priority. Its answer is a maximum flow of least W'-cost; if its
    priority sum equals the best possible P* (from ``best_priority``), it is the
    lexicographic optimum: every maximum flow with priority P* has W'-cost
    W' (F* P - P*) + distance, so least W'-cost means least distance among them.
    Otherwise the safe weight W = F D + 1 (module docstring) decides.
    """
    n_w, n_o = int(w.max()) + 1, int(o.max()) + 1
    flow_bound = min(n_w, int(cap.sum()))
    d_max, p_max, p_min = int(dist.max()), int(prio.max()), int(prio.min())
    weight = flow_bound * d_max + 1

    def overflows(w_level: int) -> bool:
        return (w_level * (p_max - p_min) + d_max) * (n_w + n_o + 1) * (flow_bound + 1) >= _SAFE

    if opts.force_fallback:
        return _fallback(w, o, prio, dist, cap, deadline)
    small = 4 * (d_max + 1)
    # The small weight is tried before the safe weight's overflow test: on a city the safe
    # weight's conservative test fails while the small weight is far from any limit.
    if opts.small_weight_first and p_max > p_min and small < weight and not overflows(small):
        chosen, _ = _min_cost_max_flow(w, o, small * (p_max - prio) + dist, cap, n_w, n_o)
        if chosen is not None and int(prio[chosen].sum()) == best_priority(
            w, o, prio, cap, n_w, n_o, int(chosen.sum())
        ):
            return chosen, True, (int(chosen.sum()), int(prio[chosen].sum()), int(dist[chosen].sum()))
    if overflows(weight):
        return _fallback(w, o, prio, dist, cap, deadline)
    chosen, rejected = _min_cost_max_flow(w, o, weight * (p_max - prio) + dist, cap, n_w, n_o)
    if rejected or chosen is None:
        return _fallback(w, o, prio, dist, cap, deadline)
    return chosen, True, (int(chosen.sum()), int(prio[chosen].sum()), int(dist[chosen].sum()))


def _fallback(
    w: IntArray, o: IntArray, prio: IntArray, dist: IntArray, cap: IntArray, deadline: float
) -> tuple[BoolArray, bool, tuple[int, int, int]]:
    """Staged CP-SAT with one at-most-one group per worker: exact, slower, no big weights."""
    perm = np.argsort(w, kind="stable")
    groups = np.split(perm, np.flatnonzero(np.diff(w[perm])) + 1)
    result = solve_lexicographic(
        o,
        cap,
        prio,
        dist,
        groups,
        np.zeros(0, dtype=np.int64),
        np.zeros(w.shape[0], dtype=np.bool_),
        max(deadline - time.monotonic(), 0.001),
    )
    return result.selected, result.optimal, result.bound


def _compact(values: IntArray) -> tuple[IntArray, IntArray]:
    """Sorted distinct values and each value's rank among them, in O(n) without a sort."""
    present = np.zeros(int(values.max()) + 1 if values.size else 0, dtype=np.bool_)
    present[values] = True
    rank = np.cumsum(present, dtype=np.int64) - 1
    return np.flatnonzero(present).astype(np.int64), rank[values]


def max_flow_lexicographic(
    worker: IntArray,
    order: IntArray,
    priority: IntArray,
    distance: IntArray,
    capacity: IntArray,
    time_limit_s: float = 10.0,
    opts: FlowOptions | None = None,
) -> FlowResult:
    """Lexicographic optimum over edges; ``capacity`` is indexed by (global) order index.

    Each worker takes at most one edge and each order at most its capacity.
    """
    opts = opts or FlowOptions()
    deadline = time.monotonic() + time_limit_s
    n = int(worker.shape[0])
    selected = np.zeros(n, dtype=np.bool_)
    if n == 0:
        return FlowResult(selected, True, (0, 0, 0), 0)
    workers, w_local = _compact(worker)
    orders, o_local = _compact(order)
    cap = capacity[orders]
    if opts.compiled and not opts.force_fallback and n <= opts.compiled_max_pairs:
        compiled = solve_compiled(w_local, o_local, priority, distance, cap)
        if compiled is not None:  # None: not proven, so the OR-Tools path below decides
            return FlowResult(compiled.selected, True, compiled.bound, 1)
    large = n > opts.compiled_max_pairs or not opts.compiled
    if opts.cost_scaling and not opts.force_fallback and large and n >= opts.cost_scaling_min_pairs:
        scaled = solve_cost_scaled(w_local, o_local, priority, distance, cap)
        if scaled is not None:  # None: not proven, so the OR-Tools path below decides
            return FlowResult(scaled.selected, True, scaled.bound, 1)
    if not opts.decompose:
        chosen, optimal, bound = _flow_component(w_local, o_local, priority, distance, cap, opts, deadline)
        return FlowResult(chosen, optimal, bound, 1)
    n_w = workers.shape[0]
    graph = coo_matrix((np.ones(n, dtype=np.int8), (w_local, o_local + n_w)), shape=(n_w + orders.shape[0],) * 2)
    n_comp, label = connected_components(graph, directed=False)
    del graph  # a city's graph is hundreds of MB; free it before the flows
    edge_label = label[w_local]
    comp_workers = np.bincount(label[:n_w], minlength=n_comp)
    comp_orders = np.bincount(label[n_w:], minlength=n_comp)
    del label
    rest = np.ones(n, dtype=np.bool_)
    if opts.closed_form_stars:
        # Stars need no flow: a single order takes its best workers, a single worker its nearest order.
        one_order = comp_orders[edge_label] == 1
        one_worker = (comp_workers[edge_label] == 1) & ~one_order
        idx = np.flatnonzero(one_order)
        selected[idx] = _single_order(o_local[idx], w_local[idx], priority[idx], distance[idx], cap)
        idx = np.flatnonzero(one_worker)
        selected[idx] = _single_worker(w_local[idx], o_local[idx], distance[idx])
        rest = ~(one_order | one_worker)
    optimal = True
    bound_sum = np.zeros(3, dtype=np.int64)
    star = ~rest
    bound_sum += (int(selected[star].sum()), int(priority[selected & star].sum()), int(distance[selected & star].sum()))
    idx = np.flatnonzero(rest)
    perm = idx[np.argsort(edge_label[idx], kind="stable")]
    for part in np.split(perm, np.flatnonzero(np.diff(edge_label[perm])) + 1) if perm.size else []:
        if part.shape[0] == n:  # one component holds every edge: ids are compact already, no copies
            chosen, ok, bound = _flow_component(w_local, o_local, priority, distance, cap, opts, deadline)
            selected[part] = chosen
            optimal &= ok
            bound_sum += bound
            continue
        _, w_c = _compact(w_local[part])
        o_global, o_c = _compact(o_local[part])
        chosen, ok, bound = _flow_component(w_c, o_c, priority[part], distance[part], cap[o_global], opts, deadline)
        selected[part] = chosen
        optimal &= ok
        bound_sum += bound
    return FlowResult(selected, optimal, (int(bound_sum[0]), int(bound_sum[1]), int(bound_sum[2])), n_comp)


_best_priority = best_priority  # the name tests and benchmarks used before the split
