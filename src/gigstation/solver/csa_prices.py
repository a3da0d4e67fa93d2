"""Global price updates for ``csa`` (Goldberg-Kennedy): move whole clusters' prices at once.

Within a phase, pushes follow admissible arcs (reduced cost below zero); a worker that
joins a saturated cluster would otherwise walk its reassignment chain one relabel at a
time. The update measures, for every node, how many eps-steps separate it from the
nearest node with a deficit in the residual graph: arc lengths l = floor(c_p / eps) +
1 (>= 0, since the flow is eps-optimal), distances by a backward Dijkstra from the
deficits, stopped once every node with an excess is settled. Lowering each price by
eps times its distance keeps the flow eps-optimal (for every residual arc, d(x) <= l +
d(y)), and afterwards each excess has an admissible path to a deficit. Nodes not
settled get the distance reached when the search stopped, which keeps the same bound.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from gigstation.solver.jit import kernel
from gigstation.solver.ssp import heap_pop, heap_push

__all__ = ["global_price_update"]

IntArray = npt.NDArray[np.int64]

_INF = np.iinfo(np.int64).max


@kernel
def _steps(reduced: int, eps: int) -> int:
    return reduced // eps + 1


@kernel
def global_price_update(
    pair_order: IntArray,
    pair_worker: IntArray,
    cost: IntArray,
    order_start: IntArray,
    order_pairs: IntArray,
    cap: IntArray,
    null_cost: int,
    eps: int,
    price: IntArray,
    chosen: IntArray,
    fill: IntArray,
    sink_flow: IntArray,
    excess_t: int,
    heap_key: IntArray,
    heap_node: IntArray,
    dist: IntArray,
) -> int:
    """Lower ``price`` in place as the module docstring says; returns heap pops (work done), -1 if not done.

    Node ids: workers, then orders, then t (``price`` and ``dist`` hold all of them);
    ``order_pairs`` lists, per order, the positions of its pairs in the worker CSR.
    """
    n_w = chosen.shape[0]
    n_o = cap.shape[0]
    t = n_w + n_o
    dist[:] = _INF
    size = 0
    waiting = 0  # nodes with an excess not settled yet
    for w in range(n_w):
        if chosen[w] == -1:
            waiting += 1
    for o in range(n_o):
        if fill[o] > sink_flow[o]:
            waiting += 1
        elif fill[o] < sink_flow[o]:
            dist[n_w + o] = 0
            size = heap_push(heap_key, heap_node, size, 0, n_w + o)
    if excess_t > 0:
        waiting += 1
    elif excess_t < 0:
        dist[t] = 0
        size = heap_push(heap_key, heap_node, size, 0, t)
    if waiting == 0 or size == 0:
        return 0
    level = 0
    pops = 0
    full = False
    while size > 0 and waiting > 0 and not full:
        key = heap_key[0]
        y = heap_node[0]
        size = heap_pop(heap_key, heap_node, size)
        pops += 1
        if key > dist[y]:
            continue
        level = key
        if y < n_w:
            if chosen[y] == -1:
                waiting -= 1
            k = chosen[y]
            if k >= 0:
                # Into w: the reverse of its chosen pair, from its order.
                x = n_w + pair_order[k]
                nd = key + _steps(-cost[k] + price[x] - price[y], eps)
                if nd < dist[x]:
                    if size >= heap_key.shape[0]:
                        full = True
                        break
                    dist[x] = nd
                    size = heap_push(heap_key, heap_node, size, nd, x)
            elif k == -2:
                nd = key + _steps(-null_cost + price[t] - price[y], eps)
                if nd < dist[t]:
                    if size >= heap_key.shape[0]:
                        full = True
                        break
                    dist[t] = nd
                    size = heap_push(heap_key, heap_node, size, nd, t)
        elif y < t:
            o = y - n_w
            if fill[o] > sink_flow[o]:
                waiting -= 1
            for i in range(order_start[o], order_start[o + 1]):
                k = order_pairs[i]
                x = pair_worker[k]
                if chosen[x] == k:
                    continue
                nd = key + _steps(cost[k] + price[x] - price[y], eps)
                if nd < dist[x]:
                    if size >= heap_key.shape[0]:
                        full = True
                        break
                    dist[x] = nd
                    size = heap_push(heap_key, heap_node, size, nd, x)
            if sink_flow[o] > 0:
                nd = key + _steps(price[t] - price[y], eps)
                if nd < dist[t]:
                    if size >= heap_key.shape[0]:
                        full = True
                        break
                    dist[t] = nd
                    size = heap_push(heap_key, heap_node, size, nd, t)
        else:
            if excess_t > 0:
                waiting -= 1
            for x in range(n_w):
                if chosen[x] != -2:
                    nd = key + _steps(null_cost + price[x] - price[t], eps)
                    if nd < dist[x]:
                        if size >= heap_key.shape[0]:
                            full = True
                            break
                        dist[x] = nd
                        size = heap_push(heap_key, heap_node, size, nd, x)
            for o in range(n_o):
                if sink_flow[o] < cap[o]:
                    x = n_w + o
                    nd = key + _steps(price[x] - price[t], eps)
                    if nd < dist[x]:
                        if size >= heap_key.shape[0]:
                            full = True
                            break
                        dist[x] = nd
                        size = heap_push(heap_key, heap_node, size, nd, x)
    if full:
        return -1  # cannot happen with the heap ``csa`` allocates; prices are left as they were
    # Settled nodes hold their distance; the rest are at least ``level`` away: use that.
    for x in range(t + 1):
        d = dist[x]
        if d > level:
            d = level
        price[x] -= eps * d
    return pops
