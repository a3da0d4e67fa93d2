"""Cost-scaling push-relabel for the quick-mode b-matching (Goldberg-Kennedy CSA, numba, int64).

The network is the one ``ssp`` solves: every worker sends one unit, along one pair
(w, o) at cost c into order o, or straight to the sink t at the "unassigned" cost N;
orders drain into t (at most ``cap`` units, cost 0). Successive shortest paths move one
unit at a time and re-explore saturated clusters for every late worker; cost scaling
instead keeps node prices p that are epsilon-optimal (every residual arc's reduced cost
c + p(tail) - p(head) >= -eps) and divides eps by ``ALPHA`` per phase, so a whole
cluster's prices fall together.

A phase (``_refine``) starts from the previous prices with every worker unassigned
(excess 1). Orders priced more than eps below t must be full at the end (their arc to t
is saturated up front, a deficit of ``cap``); cheaper ones may keep free slots. Active
nodes are discharged from a FIFO queue:

* a worker does the *double push*: it takes the order with the best b = p(o) - c
  (or t, the unassigned option, with b = p(t) - N) and drops its own price to the
  second best b minus eps (the auction bid), in one scan of its pairs;
* an order with more workers than it keeps pushes the unit back to the worker whose
  arc is most admissible (or to t when a slot is free), relabelling itself first
  when none is admissible: p(o) = best b - eps (price lowered as far as allowed);
* t, when the expensive orders demand more workers than exist (or a worker chose to
  stay unassigned while t had no deficit left), returns units to the filled order or
  unassigned worker with the best b, relabelling itself the same way. Its scan is over
  all nodes, but it is rarely active: its deficit is every worker not in a full order.

Costs are multiplied by n + 1 (n nodes), so the last phase at eps = 1 leaves a flow
that is optimal for the original costs (an eps-optimal flow with eps < 1 / n is).
Nothing here is trusted: ``scaled`` derives exact integer potentials from the flow
and ``engine.check_certificate`` proves the answer or rejects it.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from gigstation.solver._jit import jit
from gigstation.solver.ssp import heap_pop, heap_push

__all__ = ["ALPHA", "cost_scaling_assignment"]

IntArray = npt.NDArray[np.int64]

ALPHA = 8
K_BEST = 4
_NEG = np.iinfo(np.int64).min // 4


@jit
def _enqueue(queue: IntArray, queued: npt.NDArray[np.bool_], tail: int, node: int) -> int:
    if not queued[node]:
        queued[node] = True
        queue[tail % queue.shape[0]] = node
        tail += 1
    return tail


@jit
def _t_arc_value(node: int, n_w: int, price: IntArray, chosen: IntArray, sink_flow: IntArray, null_cost: int) -> int:
    """b of t's residual arc to ``node`` (p(node) - arc cost), or _NEG when there is none."""
    if node < n_w:
        return price[node] + null_cost if chosen[node] == -2 else _NEG
    return price[node] if sink_flow[node - n_w] > 0 else _NEG


@jit
def _t_offer(
    node: int, n_w: int, price: IntArray, chosen: IntArray, sink_flow: IntArray, null_cost: int,
    t_key: IntArray, t_node: IntArray, t_size: IntArray,
) -> None:
    """Record that t has an arc to ``node`` (a max-heap on b, stale entries dropped when popped)."""
    if t_size[0] == t_key.shape[0]:
        # Full of stale entries: rebuild from the arcs that exist now.
        t_size[0] = 0
        for x in range(n_w + sink_flow.shape[0]):
            b = _t_arc_value(x, n_w, price, chosen, sink_flow, null_cost)
            if b > _NEG:
                t_size[0] = heap_push(t_key, t_node, t_size[0], -b, x)
    t_size[0] = heap_push(t_key, t_node, t_size[0], -(_t_arc_value(node, n_w, price, chosen, sink_flow, null_cost)), node)


@jit
def _discharge_order(
    o: int,
    n_w: int,
    t: int,
    eps: int,
    price: IntArray,
    chosen: IntArray,
    cost: IntArray,
    cap: IntArray,
    slot_start: IntArray,
    slot_worker: IntArray,
    fill: IntArray,
    sink_flow: IntArray,
    excess_t: int,
    queue: IntArray,
    queued: npt.NDArray[np.bool_],
    tail: int,
    counters: IntArray,
    null_cost: int,
    t_key: IntArray,
    t_node: IntArray,
    t_size: IntArray,
) -> tuple[int, int]:
    """Push an order's excess back to its workers or to t (relabelling when nothing is admissible)."""
    node = n_w + o
    while fill[o] - sink_flow[o] > 0:
        # Out arcs: back to each worker (b = p(x) + c) and to t while a slot is free (b = p(t)).
        best = price[t] if sink_flow[o] < cap[o] else _NEG
        best_s = -1
        for s in range(slot_start[o], slot_start[o] + fill[o]):
            wx = slot_worker[s]
            b = price[wx] + cost[chosen[wx]]
            if b > best:
                best = b
                best_s = s
        counters[1] += fill[o] + 1
        if price[node] >= best:
            price[node] = best - eps
        if best_s < 0:
            moved = min(fill[o] - sink_flow[o], cap[o] - sink_flow[o])
            sink_flow[o] += moved
            excess_t += moved
            _t_offer(node, n_w, price, chosen, sink_flow, null_cost, t_key, t_node, t_size)
            if excess_t > 0:
                tail = _enqueue(queue, queued, tail, t)
            continue
        wx = slot_worker[best_s]
        fill[o] -= 1
        slot_worker[best_s] = slot_worker[slot_start[o] + fill[o]]
        chosen[wx] = -1
        tail = _enqueue(queue, queued, tail, wx)
    return tail, excess_t


@jit
def _best_two(
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
        best, best_e, second = null_value, -2, _NEG
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
    top_b = np.full(k_size, _NEG, dtype=np.int64)
    top_k = np.full(k_size, -1, dtype=np.int64)
    rest = _NEG
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
    best, best_e, second = null_value, -2, _NEG
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


@jit
def _refine(
    start: IntArray,
    pair_order: IntArray,
    cost: IntArray,
    cap: IntArray,
    null_cost: int,
    eps: int,
    price: IntArray,
    chosen: IntArray,
    slot_start: IntArray,
    slot_worker: IntArray,
    fill: IntArray,
    sink_flow: IntArray,
    counters: IntArray,
    max_work: int,
    kbest: IntArray,
    threshold: IntArray,
) -> bool:
    """One eps phase in place; False when the work budget ran out first.

    ``chosen[w]``: position of its pair in the worker CSR, -1 unassigned (active), -2 sent to t. ``price`` holds
    workers, then orders, then t. Order o's workers sit in
    ``slot_worker[slot_start[o]: slot_start[o] + fill[o]]``.
    """
    n_w = chosen.shape[0]
    n_o = cap.shape[0]
    t = n_w + n_o
    n = t + 1
    queue = np.empty(n + 1, dtype=np.int64)
    queued = np.zeros(n, dtype=np.bool_)
    head = 0
    tail = 0
    excess_t = -n_w
    t_key = np.empty(2 * n, dtype=np.int64)
    t_node = np.empty(2 * n, dtype=np.int64)
    t_size = np.zeros(1, dtype=np.int64)
    for o in range(n_o):
        fill[o] = 0
        # An order priced below t by more than eps cannot keep a free slot: it must be filled.
        sink_flow[o] = cap[o] if price[n_w + o] < price[t] - eps else 0
        excess_t += sink_flow[o]
        if sink_flow[o] > 0:
            _t_offer(n_w + o, n_w, price, chosen, sink_flow, null_cost, t_key, t_node, t_size)
    for w in range(n_w):
        chosen[w] = -1
        tail = _enqueue(queue, queued, tail, w)
    if excess_t > 0:
        tail = _enqueue(queue, queued, tail, t)
    while head < tail:
        x = queue[head % queue.shape[0]]
        head += 1
        queued[x] = False
        counters[0] += 1
        if counters[1] > max_work:
            return False
        if x < n_w:
            w = x
            if chosen[w] != -1:
                continue
            # Double push: best and second best b over the pairs and the unassigned option.
            best, best_e, second = _best_two(w, n_w, start, pair_order, cost, price, price[t] - null_cost, kbest, threshold, counters)
            price[w] = (second if second > _NEG else best) - eps
            chosen[w] = best_e
            if best_e == -2:
                excess_t += 1
                _t_offer(w, n_w, price, chosen, sink_flow, null_cost, t_key, t_node, t_size)
                if excess_t > 0:
                    tail = _enqueue(queue, queued, tail, t)
                continue
            o = pair_order[best_e]
            slot_worker[slot_start[o] + fill[o]] = w
            fill[o] += 1
            if fill[o] > sink_flow[o]:
                # The second push of the double push, at once: so an order never holds more than cap + 1.
                tail, excess_t = _discharge_order(
                    o, n_w, t, eps, price, chosen, cost, cap, slot_start, slot_worker, fill, sink_flow,
                    excess_t, queue, queued, tail, counters, null_cost, t_key, t_node, t_size,
                )
        elif x < t:
            tail, excess_t = _discharge_order(
                x - n_w, n_w, t, eps, price, chosen, cost, cap, slot_start, slot_worker, fill, sink_flow,
                excess_t, queue, queued, tail, counters, null_cost, t_key, t_node, t_size,
            )
        else:
            # t returns units: to null workers (b = p(w) + N) or to filled orders' sink arcs (b = p(o)).
            while excess_t > 0:
                counters[3] += 1
                if t_size[0] == 0:
                    return False  # cannot happen with a balanced network; refuse rather than loop
                node = t_node[0]
                best = _t_arc_value(node, n_w, price, chosen, sink_flow, null_cost)
                if best != -t_key[0]:
                    # Stale: the arc is gone or its node's price fell since it was recorded.
                    t_size[0] = heap_pop(t_key, t_node, t_size[0])
                    if best > _NEG:
                        t_size[0] = heap_push(t_key, t_node, t_size[0], -best, node)
                    continue
                if price[t] >= best:
                    price[t] = best - eps
                if node < n_w:
                    chosen[node] = -1
                    excess_t -= 1
                    tail = _enqueue(queue, queued, tail, node)
                else:
                    o = node - n_w
                    moved = min(sink_flow[o], excess_t)
                    sink_flow[o] -= moved
                    excess_t -= moved
                    if fill[o] - sink_flow[o] > 0:
                        tail = _enqueue(queue, queued, tail, node)
    return True


@jit
def cost_scaling_assignment(
    start: IntArray,
    pair_order: IntArray,
    cost: IntArray,
    cap: IntArray,
    null_cost: int,
    max_work: int,
    alpha: int,
    k_best: int,
) -> tuple[IntArray, IntArray, IntArray, bool]:
    """Chosen pair per worker (its position in the worker CSR ``start``/``pair_order``/``cost``;
    -1 unassigned), node prices (workers, orders, t) and counters.

    ``cost`` and ``null_cost`` must already be multiplied by n + 1 (module docstring).
    The flag is False when ``max_work`` arc scans ran out; the caller must not use the
    answer then. Counters: discharges, arc scans, phases.
    """
    n_w = start.shape[0] - 1
    n_o = cap.shape[0]
    price = np.zeros(n_w + n_o + 1, dtype=np.int64)
    chosen = np.full(n_w, -1, dtype=np.int64)
    slot_start = np.zeros(n_o + 1, dtype=np.int64)
    for o in range(n_o):
        slot_start[o + 1] = slot_start[o] + cap[o] + 1  # one spare: an order briefly holds cap + 1
    slot_worker = np.full(slot_start[n_o], -1, dtype=np.int64)
    fill = np.zeros(n_o, dtype=np.int64)
    sink_flow = np.zeros(n_o, dtype=np.int64)
    counters = np.zeros(4 + 2 * 61, dtype=np.int64)
    kbest = np.full((n_w, k_best), -1, dtype=np.int64)
    threshold = np.full(n_w, _NEG, dtype=np.int64)
    eps = max(null_cost, 1)
    while True:
        eps = max(eps // alpha, 1)
        counters[2] += 1
        if not _refine(
            start, pair_order, cost, cap, null_cost, eps, price, chosen,
            slot_start, slot_worker, fill, sink_flow, counters, max_work, kbest, threshold,
        ):
            return chosen, price, counters, False
        phase = min(counters[2], 60)
        counters[4 + 2 * phase] = counters[0]
        counters[5 + 2 * phase] = counters[1]
        if eps == 1:
            break
    for w in range(n_w):
        if chosen[w] == -2:
            chosen[w] = -1
    return chosen, price, counters, True
