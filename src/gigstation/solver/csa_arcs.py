"""Arc scans for ``csa``: a worker's best two options (k-best lists) and t's arcs (a lazy max-heap).

Both rest on one fact of cost scaling: prices only fall. So a pair's value b = p(o) -
c only falls, which makes a cached best-K list with the best value left out of it a
valid bound, and makes a heap entry recorded for t at an old price an upper bound that
is corrected when popped.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from gigstation.solver.jit import kernel
from gigstation.solver.ssp import heap_push

__all__ = ["NEG", "best_two", "t_arc_value", "t_offer"]

IntArray = npt.NDArray[np.int64]

NEG = np.iinfo(np.int64).min // 4


@kernel
def t_arc_value(node: int, n_w: int, price: IntArray, chosen: IntArray, sink_flow: IntArray, null_cost: int) -> int:
    """b of t's residual arc to ``node`` (p(node) - arc cost), or NEG when there is none."""
    if node < n_w:
        return price[node] + null_cost if chosen[node] == -2 else NEG
    return price[node] if sink_flow[node - n_w] > 0 else NEG


@kernel
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
                t_size[0] = heap_push(t_key, t_node, t_size[0], -b, x)
    t_size[0] = heap_push(
        t_key, t_node, t_size[0], -(t_arc_value(node, n_w, price, chosen, sink_flow, null_cost)), node
    )


@kernel
def best_two(
    w: int,
    n_w: int,
    start: IntArray,
    pair_order: IntArray,
    cost: IntArray,
    price: IntArray,
    null_value: int,
    kbest: IntArray,
    threshold: IntArray,
    counters: IntArray,
) -> tuple[int, int, int]:
    """Best b (pair position, -2 for unassigned) and second best b over w's options.

    Goldberg-Kennedy's k-best lists: prices only fall, so b = p(o) - c only falls, and
    the pairs left out of w's cached K best were worth at most ``threshold[w]`` at the
    last full scan. When the cached pairs' current second best is still at least that,
    they hold the true best two; otherwise the pairs are scanned again.
    """
    k_size = kbest.shape[1]
    if kbest[w, 0] >= 0:
        best, best_e, second = null_value, -2, NEG
        for i in range(k_size):
            k = kbest[w, i]
            if k < 0:
                break
            b = price[n_w + pair_order[k]] - cost[k]
            if b > best:
                second, best, best_e = best, b, k
            elif b > second:
                second = b
        counters[1] += k_size + 1
        if second >= threshold[w]:
            return best, best_e, second
    # Full scan, keeping the K best pairs (sorted, best first) and the best value left out.
    top_b = np.full(k_size, NEG, dtype=np.int64)
    top_k = np.full(k_size, -1, dtype=np.int64)
    rest = NEG
    for k in range(start[w], start[w + 1]):
        b = price[n_w + pair_order[k]] - cost[k]
        if b <= top_b[k_size - 1]:
            if b > rest:
                rest = b
            continue
        if top_k[k_size - 1] >= 0 and top_b[k_size - 1] > rest:
            rest = top_b[k_size - 1]
        i = k_size - 1
        while i > 0 and top_b[i - 1] < b:
            top_b[i] = top_b[i - 1]
            top_k[i] = top_k[i - 1]
            i -= 1
        top_b[i] = b
        top_k[i] = k
    counters[1] += start[w + 1] - start[w] + 1
    for i in range(k_size):
        kbest[w, i] = top_k[i]
    threshold[w] = rest
    best, best_e, second = null_value, -2, NEG
    for i in range(k_size):
        if top_k[i] < 0:
            break
        b = top_b[i]
        if b > best:
            second, best, best_e = best, b, top_k[i]
        elif b > second:
            second = b
    if rest > second:
        second = rest  # cannot happen (rest <= every cached b), kept for safety of the bid
    return best, best_e, second
