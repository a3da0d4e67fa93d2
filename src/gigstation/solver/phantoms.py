"""Retire the phantom holders left by the warm start, one reverse shortest path each (numba).

The warm start may leave a slot free at a positive price v_o. ``ssp`` treats it as held
by a phantom worker whose profit there is exactly v_o (so every reduced cost stays
non-negative). Taking a phantom out of a min-cost flow is sending its unit back from
the sink along a shortest residual path: sink -> ... -> o -> phantom. We search that
path backwards from o over reversed residual arcs:

    into an order o:   worker -> o along an unchosen pair (cost c)
    into a worker w:   w's order -> w (cost -c), or sink -> w if w is unassigned (cost -N)
    sink -> order:     every order holding someone (cost 0); at o itself this is
                       "leave the slot free", at price 0 afterwards

and stop when the smallest key reaches the best path to the sink. The path moves each
worker on it one step towards o (an unassigned worker may join). With distances d to
the phantom and D the path's length, raising pi by D - d on nodes settled below D keeps
every reduced cost non-negative (the mirror image of the forward update) and the
sink's potential at 0.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from gigstation.solver._jit import jit
from gigstation.solver.ssp import heap_pop, heap_push

__all__ = ["retire_phantoms"]

IntArray = npt.NDArray[np.int64]

_INF = np.iinfo(np.int64).max


@jit
def retire_phantoms(
    order_start: IntArray,
    order_adj: IntArray,
    edge_w: IntArray,
    edge_o: IntArray,
    cost: IntArray,
    cap: IntArray,
    null_cost: int,
    chosen: IntArray,
    pi_w: IntArray,
    pi_o: IntArray,
) -> IntArray:
    """Remove every phantom (a free slot at pi_o < 0), in place; returns counters (paths, settled, relaxed)."""
    n_w = chosen.shape[0]
    n_o = cap.shape[0]
    fill = np.zeros(n_o, dtype=np.int64)
    for w in range(n_w):
        if chosen[w] >= 0:
            fill[edge_o[chosen[w]]] += 1
    dist_w = np.full(n_w, _INF, dtype=np.int64)
    dist_o = np.full(n_o, _INF, dtype=np.int64)
    done_w = np.zeros(n_w, dtype=np.bool_)
    done_o = np.zeros(n_o, dtype=np.bool_)
    via_w = np.full(n_w, -1, dtype=np.int64)  # the pair a worker would move along, towards the phantom
    via_o = np.full(n_o, -1, dtype=np.int64)  # the worker an order would give up, towards the phantom
    touched_w = np.empty(n_w, dtype=np.int64)
    touched_o = np.empty(n_o, dtype=np.int64)
    heap_key = np.empty(edge_w.shape[0] + n_w + n_o + 1, dtype=np.int64)
    heap_node = np.empty(heap_key.shape[0], dtype=np.int64)
    counters = np.zeros(3, dtype=np.int64)
    for target in range(n_o):
        while fill[target] < cap[target] and pi_o[target] < 0:
            counters[0] += 1
            n_tw = 0
            n_to = 0
            size = 0
            best = _INF
            end_w = -1
            end_o = -1
            dist_o[target] = 0
            touched_o[n_to] = target
            n_to += 1
            size = heap_push(heap_key, heap_node, size, 0, n_w + target)
            while size > 0:
                key = heap_key[0]
                v = heap_node[0]
                if key >= best:
                    break
                size = heap_pop(heap_key, heap_node, size)
                counters[1] += 1
                if v < n_w:
                    w = v
                    if done_w[w] or key > dist_w[w]:
                        continue
                    done_w[w] = True
                    e = chosen[w]
                    if e < 0:
                        through = key - null_cost - pi_w[w]  # sink -> w: w joins
                        if through < best:
                            best = through
                            end_w = w
                            end_o = -1
                        continue
                    o = edge_o[e]
                    if done_o[o]:
                        continue
                    counters[2] += 1
                    nd = key - cost[e] + pi_o[o] - pi_w[w]
                    if nd < dist_o[o] and nd < best:
                        if dist_o[o] == _INF:
                            touched_o[n_to] = o
                            n_to += 1
                        dist_o[o] = nd
                        via_o[o] = w
                        size = heap_push(heap_key, heap_node, size, nd, n_w + o)
                else:
                    o = v - n_w
                    if done_o[o] or key > dist_o[o]:
                        continue
                    done_o[o] = True
                    # sink -> o: o gives up one holder (at the target: keeps the slot free).
                    through = key - pi_o[o]
                    if through < best:
                        best = through
                        end_o = o
                        end_w = -1
                    for k in range(order_start[o], order_start[o + 1]):
                        e = order_adj[k]
                        w = edge_w[e]
                        if done_w[w] or chosen[w] == e:
                            continue
                        counters[2] += 1
                        nd = key + cost[e] + pi_w[w] - pi_o[o]
                        if nd < dist_w[w] and nd < best:
                            if dist_w[w] == _INF:
                                touched_w[n_tw] = w
                                n_tw += 1
                            dist_w[w] = nd
                            via_w[w] = e
                            size = heap_push(heap_key, heap_node, size, nd, w)

            for i in range(n_tw):
                w = touched_w[i]
                if done_w[w] and dist_w[w] < best:
                    pi_w[w] += best - dist_w[w]
                dist_w[w] = _INF
                done_w[w] = False
            for i in range(n_to):
                o = touched_o[i]
                if done_o[o] and dist_o[o] < best:
                    pi_o[o] += best - dist_o[o]
                dist_o[o] = _INF
                done_o[o] = False

            # Move the workers on the path one step towards the target.
            if end_o == target:
                continue  # the slot stays free; its price is 0 now
            if end_o >= 0:
                w = via_o[end_o]
                fill[end_o] -= 1
            else:
                w = end_w
            while True:
                e = via_w[w]
                o = edge_o[e]
                leaving = via_o[o] if o != target else -1
                chosen[w] = e
                if o == target:
                    fill[target] += 1
                    break
                w = leaving
    return counters
