"""Exact potentials of a given matching under other costs, by one reverse Dijkstra (numba).

``engine`` solves with small weights (quick) and must prove the answer under the safe
lexicographic weights. The potentials that would prove it are shortest distances to
the sink in the residual graph of the matching under the safe costs: pi(x) = -dist(x
-> sink). The safe cost of a pair differs from the small one by a term of the worker
alone, so the small-weight potentials, shifted by that term on workers, make every
reduced cost non-negative on the arcs a path to the sink can use (arcs out of the sink
never lie on one). Dijkstra is then exact. Whether the distances form a valid
certificate (no arc out of the sink with a negative reduced cost, i.e. the matching
is optimal) is for ``engine.check_certificate`` to decide.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from gigstation.solver.jit import kernel
from gigstation.solver.ssp import grouped, heap_pop, heap_push

__all__ = ["order_major", "sink_distances", "sink_distances_corrected"]

IntArray = npt.NDArray[np.int64]

_INF = np.iinfo(np.int64).max


@kernel
def sink_distances(
    order_start: IntArray,
    order_adj: IntArray,
    edge_w: IntArray,
    edge_o: IntArray,
    cost: IntArray,
    cap: IntArray,
    null_cost: int,
    chosen: IntArray,
    phi_w: IntArray,
    phi_o: IntArray,
) -> tuple[IntArray, IntArray, bool]:
    """Shortest distances to the sink under ``cost`` (workers, orders), and False if a reduced cost was negative.

    Arcs: worker -> order along an unchosen pair (cost c), order -> worker along a
    chosen one (-c), assigned worker -> sink (``null_cost``), order with a free slot ->
    sink (0). ``phi`` (sink at 0) must make their reduced costs non-negative.
    """
    n_w = chosen.shape[0]
    n_o = cap.shape[0]
    fill = np.zeros(n_o, dtype=np.int64)
    for w in range(n_w):
        if chosen[w] >= 0:
            fill[edge_o[chosen[w]]] += 1
    # Reduced distances: dist(x) = reduced(x) - phi(x).
    red_w = np.full(n_w, _INF, dtype=np.int64)
    red_o = np.full(n_o, _INF, dtype=np.int64)
    done_w = np.zeros(n_w, dtype=np.bool_)
    done_o = np.zeros(n_o, dtype=np.bool_)
    heap_key = np.empty(edge_w.shape[0] + n_w + n_o + 1, dtype=np.int64)
    heap_node = np.empty(heap_key.shape[0], dtype=np.int64)
    size = 0
    for o in range(n_o):
        if fill[o] < cap[o]:
            arc = phi_o[o]
            if arc < 0:
                return red_w, red_o, False
            red_o[o] = arc
            size = heap_push(heap_key, heap_node, size, arc, n_w + o)
    for w in range(n_w):
        if chosen[w] >= 0:
            arc = null_cost + phi_w[w]
            if arc < 0:
                return red_w, red_o, False
            red_w[w] = arc
            size = heap_push(heap_key, heap_node, size, arc, w)
    while size > 0:
        key = heap_key[0]
        v = heap_node[0]
        size = heap_pop(heap_key, heap_node, size)
        if v < n_w:
            w = v
            if done_w[w] or key > red_w[w]:
                continue
            done_w[w] = True
            e = chosen[w]
            if e < 0:
                continue
            # The chosen pair's reverse arc: order -> w at cost -c.
            o = edge_o[e]
            arc = -cost[e] + phi_o[o] - phi_w[w]
            if arc < 0:
                return red_w, red_o, False
            if not done_o[o] and key + arc < red_o[o]:
                red_o[o] = key + arc
                size = heap_push(heap_key, heap_node, size, key + arc, n_w + o)
        else:
            o = v - n_w
            if done_o[o] or key > red_o[o]:
                continue
            done_o[o] = True
            for k in range(order_start[o], order_start[o + 1]):
                e = order_adj[k]
                w = edge_w[e]
                if done_w[w] or chosen[w] == e:
                    continue
                arc = cost[e] + phi_w[w] - phi_o[o]
                if arc < 0:
                    return red_w, red_o, False
                if key + arc < red_w[w]:
                    red_w[w] = key + arc
                    size = heap_push(heap_key, heap_node, size, key + arc, w)
    dist_w = np.empty(n_w, dtype=np.int64)
    dist_o = np.empty(n_o, dtype=np.int64)
    for w in range(n_w):
        if red_w[w] == _INF:
            return red_w, red_o, False
        dist_w[w] = red_w[w] - phi_w[w]
    for o in range(n_o):
        if red_o[o] == _INF:
            return red_w, red_o, False
        dist_o[o] = red_o[o] - phi_o[o]
    return dist_w, dist_o, True


@kernel
def order_major(
    edge_w: IntArray, edge_o: IntArray, cost: IntArray, n_o: int
) -> tuple[IntArray, IntArray, IntArray, IntArray]:
    """Pairs grouped by order (``ssp.grouped``): start, pair ids, and their workers and costs laid out alike.

    Gathered once, so the search below reads each order's pairs from contiguous memory
    instead of gathering them from all over the pair arrays on every visit.
    """
    start, ids = grouped(edge_o, n_o)
    return start, ids, edge_w[ids], cost[ids]


@kernel
def sink_distances_corrected(
    order_start: IntArray,
    order_adj: IntArray,
    adj_w: IntArray,
    adj_cost: IntArray,
    edge_o: IntArray,
    cost: IntArray,
    cap: IntArray,
    null_cost: int,
    chosen: IntArray,
    phi_w: IntArray,
    phi_o: IntArray,
    max_work: int,
) -> tuple[IntArray, IntArray, bool]:
    """``sink_distances`` for estimates ``phi`` that may leave small negative reduced costs.

    Label correcting in heap order: a node is settled again whenever its distance
    improves, which stays exact on any residual graph without a negative cycle and
    costs little more than Dijkstra when the estimates are nearly exact (cost-scaling
    prices). False when ``max_work`` (heap pops plus arcs read) did not suffice (a
    negative cycle: the matching is not optimal under ``cost``; or a budget kept tight
    on purpose, when a failed attempt must cost little) or some node cannot reach the sink.
    """
    n_w = chosen.shape[0]
    n_o = cap.shape[0]
    fill = np.zeros(n_o, dtype=np.int64)
    for w in range(n_w):
        if chosen[w] >= 0:
            fill[edge_o[chosen[w]]] += 1
    red_w = np.full(n_w, _INF, dtype=np.int64)
    red_o = np.full(n_o, _INF, dtype=np.int64)
    heap_size = 4 * (adj_w.shape[0] + n_w + n_o + 1)
    heap_key = np.empty(heap_size, dtype=np.int64)
    heap_node = np.empty(heap_size, dtype=np.int64)
    size = 0
    for o in range(n_o):
        if fill[o] < cap[o]:
            red_o[o] = phi_o[o]
            size = heap_push(heap_key, heap_node, size, phi_o[o], n_w + o)
    for w in range(n_w):
        if chosen[w] >= 0:
            red_w[w] = null_cost + phi_w[w]
            size = heap_push(heap_key, heap_node, size, red_w[w], w)
    work = 0
    while size > 0:
        key = heap_key[0]
        v = heap_node[0]
        size = heap_pop(heap_key, heap_node, size)
        work += 1
        if work > max_work:
            return red_w, red_o, False
        if v < n_w:
            w = v
            e = chosen[w]
            if key > red_w[w] or e < 0:
                continue
            o = edge_o[e]
            nd = key - cost[e] + phi_o[o] - phi_w[w]
            if nd < red_o[o]:
                if size + 1 >= heap_size:
                    return red_w, red_o, False
                red_o[o] = nd
                size = heap_push(heap_key, heap_node, size, nd, n_w + o)
        else:
            o = v - n_w
            if key > red_o[o]:
                continue
            work += order_start[o + 1] - order_start[o]
            for k in range(order_start[o], order_start[o + 1]):
                w = adj_w[k]
                if chosen[w] == order_adj[k]:
                    continue
                nd = key + adj_cost[k] + phi_w[w] - phi_o[o]
                if nd < red_w[w]:
                    if size + 1 >= heap_size:
                        return red_w, red_o, False
                    red_w[w] = nd
                    size = heap_push(heap_key, heap_node, size, nd, w)
    dist_w = np.empty(n_w, dtype=np.int64)
    dist_o = np.empty(n_o, dtype=np.int64)
    for w in range(n_w):
        if red_w[w] == _INF:
            return red_w, red_o, False
        dist_w[w] = red_w[w] - phi_w[w]
    for o in range(n_o):
        if red_o[o] == _INF:
            return red_w, red_o, False
        dist_o[o] = red_o[o] - phi_o[o]
    return dist_w, dist_o, True
