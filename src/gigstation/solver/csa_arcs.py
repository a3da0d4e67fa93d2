"""Arc scans for ``csa``: a worker's best two options (k-best lists) and t's arcs (a lazy max-heap).

Both rest on one fact of cost scaling: prices only fall. So a pair's value b = p(o) -
c only falls, which makes a cached best-K list with the best value left out of it a
valid bound, and makes a heap entry recorded for t at an old price an upper bound that
is corrected when popped.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from gigstation.solver.jit import inlined

__all__ = ["NEG", "best_two", "t_arc_value", "t_offer", "t_pop"]

IntArray = npt.NDArray[np.int64]

NEG = np.iinfo(np.int64).min // 4


@inlined
def _t_push(key: IntArray, node: IntArray, size: int, k: int, v: int) -> int:
    """Push (k, v) on t's 4-ary min-heap (the first ``size`` entries); return the new size.

    Four children a node (``ssp``'s heaps have two): half the levels, and the four keys
    compared at each level share a cache line. t's heap is popped millions of times on
    a city, mostly for stale entries, and it is inlined here rather than called. It has
    the shape of ``ssp.heap_push`` on purpose but lives here: numba's disk cache does not
    notice edits to a compiled helper in another module (``nearby``'s docstring).
    """
    i = size
    while i > 0:
        parent = (i - 1) >> 2
        if key[parent] <= k:
            break
        key[i] = key[parent]
        node[i] = node[parent]
        i = parent
    key[i] = k
    node[i] = v
    return size + 1


@inlined
def t_pop(key: IntArray, node: IntArray, size: int) -> int:
    """Remove the root of t's heap (read it before calling); return the new size."""
    size -= 1
    last_k = key[size]
    last_v = node[size]
    i = 0
    while True:
        first = 4 * i + 1
        if first >= size:
            break
        child = first
        for c in range(first + 1, min(first + 4, size)):
            if key[c] < key[child]:
                child = c
        if key[child] >= last_k:
            break
        key[i] = key[child]
        node[i] = node[child]
        i = child
    if size > 0:
        key[i] = last_k
        node[i] = last_v
    return size


@inlined
def t_arc_value(node: int, n_w: int, price: IntArray, chosen: IntArray, sink_flow: IntArray, null_cost: int) -> int:
    """b of t's residual arc to ``node`` (p(node) - arc cost), or NEG when there is none."""
    if node < n_w:
        return price[node] + null_cost if chosen[node] == -2 else NEG
    return price[node] if sink_flow[node - n_w] > 0 else NEG


@inlined
def t_offer(
    node: int,
    n_w: int,
    price: IntArray,
    chosen: IntArray,
    sink_flow: IntArray,
    null_cost: int,
    t_key: IntArray,
    t_node: IntArray,
    t_size: IntArray,
) -> None:
    """Record that t has an arc to ``node`` (a max-heap on b, stale entries dropped when popped)."""
    if t_size[0] == t_key.shape[0]:
        # Full of stale entries: rebuild from the arcs that exist now.
        t_size[0] = 0
        for x in range(n_w + sink_flow.shape[0]):
            b = t_arc_value(x, n_w, price, chosen, sink_flow, null_cost)
            if b > NEG:
                t_size[0] = _t_push(t_key, t_node, t_size[0], -b, x)
    t_size[0] = _t_push(
        t_key, t_node, t_size[0], -(t_arc_value(node, n_w, price, chosen, sink_flow, null_cost)), node
    )


@inlined
def best_two(
    w: int,
    n_w: int,
    start: IntArray,
    pair_order: npt.NDArray[np.int32] | npt.NDArray[np.uint16],
    cost: npt.NDArray[np.int32] | npt.NDArray[np.uint16],
    worker_cost: IntArray,
    scale: int,
    price: IntArray,
    null_value: int,
    kbest: IntArray,
    threshold: IntArray,
    counters: IntArray,
    eps: int,
) -> tuple[int, int, int]:
    """Best b (pair position, -2 for unassigned) and second best b over w's options.

    Goldberg-Kennedy's k-best lists: prices only fall, so b = p(o) - c only falls, and
    the pairs left out of w's cached K best were worth at most ``threshold[w]`` at the
    last full scan. When the cached pairs' current second best is still at least that,
    they hold the true best two; otherwise the pairs are scanned again.
    """
    k_size = kbest.shape[1]  # 4: the full scan below keeps four in scalars
    shift = scale * worker_cost[w]  # the worker's part of every pair's cost
    if kbest[w, 0] >= 0:
        best, best_e, second = null_value, -2, NEG
        for i in range(k_size):
            k = kbest[w, i]
            if k < 0:
                break
            b = price[n_w + pair_order[k]] - scale * cost[k] - shift
            if b > best:
                second, best, best_e = best, b, k
            elif b > second:
                second = b
        counters[1] += k_size + 1
        if second >= threshold[w]:
            return best, best_e, second
        if best > threshold[w] - eps:
            # The bid needs only an upper bound on the second best that the best beats by
            # more than -eps: the threshold bounds every pair left out, so it serves.
            return best, best_e, threshold[w]
    # Full scan, keeping the 4 best pairs (best first) and the best value left out. The four
    # live in scalars, not an array: the scan is the engine's innermost loop.
    b1 = b2 = b3 = b4 = NEG
    k1 = k2 = k3 = k4 = -1
    rest = NEG
    for k in range(start[w], start[w + 1]):
        b = price[n_w + pair_order[k]] - scale * cost[k] - shift
        if b <= b4:
            if b > rest:
                rest = b
            continue
        if k4 >= 0 and b4 > rest:
            rest = b4
        if b > b2:
            b4, k4, b3, k3 = b3, k3, b2, k2
            if b > b1:
                b2, k2, b1, k1 = b1, k1, b, k
            else:
                b2, k2 = b, k
        elif b > b3:
            b4, k4, b3, k3 = b3, k3, b, k
        else:
            b4, k4 = b, k
    counters[1] += start[w + 1] - start[w] + 1
    kbest[w, 0], kbest[w, 1], kbest[w, 2], kbest[w, 3] = k1, k2, k3, k4
    threshold[w] = rest
    # The unassigned option competes with the pairs (it is never cached: its value is read afresh).
    best, best_e, second = null_value, -2, NEG
    if k1 >= 0:
        if b1 > best:
            second, best, best_e = best, b1, k1
        else:
            second = b1
        if k2 >= 0 and b2 > second:
            second = b2
    if rest > second:
        second = rest  # cannot happen (rest <= every cached b), kept for safety of the bid
    return best, best_e, second
