"""Compiled successive shortest paths for the quick-mode b-matching (numba, int64 throughout).

The min-cost flow it solves: every worker sends one unit, either along one candidate
pair (w, o) at cost c(w, o) into order o (capacity cap_o) or straight to the sink at
the "stay unassigned" cost ``null_cost``. Orders drain into the sink at cost 0.

Workers join one at a time (Hungarian style). With node potentials ``pi`` that keep
every residual arc's reduced cost c + pi(tail) - pi(head) non-negative, a Dijkstra from
the new worker finds its cheapest augmenting path: to an order with a free slot, or
down a chain of reassignments that ends with some worker (maybe itself) unassigned. The
flow stays a minimum-cost flow over the workers that have joined, so after the last one
it is optimal for all of them. The search stops as soon as the sink's distance is final
(the heap's smallest key reaches it), and only nodes settled below that distance get
their potentials lowered (Jonker-Volgenant), so a search costs what it touches.

The sink's potential stays 0 for ever (it is always settled last, at offset 0), so the
LP duals of the b-matching can be read off the potentials (``engine`` does, and checks
them: nothing here is trusted without that check).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from gigstation.solver.jit import kernel

__all__ = ["grouped", "heap_pop", "heap_push", "shortest_augmenting_paths"]

IntArray = npt.NDArray[np.int64]

_INF = np.iinfo(np.int64).max


@kernel
def heap_push(key: IntArray, node: IntArray, size: int, k: int, v: int) -> int:
    """Push (k, v) on the binary min-heap held in the first ``size`` entries; return the new size."""
    i = size
    while i > 0:
        parent = (i - 1) >> 1
        if key[parent] <= k:
            break
        key[i] = key[parent]
        node[i] = node[parent]
        i = parent
    key[i] = k
    node[i] = v
    return size + 1


@kernel
def heap_pop(key: IntArray, node: IntArray, size: int) -> int:
    """Remove the root (read it before calling); return the new size."""
    size -= 1
    last_k = key[size]
    last_v = node[size]
    i = 0
    while True:
        child = 2 * i + 1
        if child >= size:
            break
        if child + 1 < size and key[child + 1] < key[child]:
            child += 1
        if key[child] >= last_k:
            break
        key[i] = key[child]
        node[i] = node[child]
        i = child
    if size > 0:
        key[i] = last_k
        node[i] = last_v
    return size


@kernel
def starts_if_sorted(key: IntArray, n: int) -> tuple[IntArray, bool]:
    """CSR starts of ``key`` (ids below ``n``) and True when ``key`` never decreases.

    Candidates arrive worker by worker, so their pairs need no permutation: one pass
    tells, instead of building ``grouped``'s permutation and comparing it with the identity.
    """
    start = np.zeros(n + 1, dtype=np.int64)
    in_order = True
    for e in range(key.shape[0]):
        start[key[e] + 1] += 1
        if e > 0 and key[e] < key[e - 1]:
            in_order = False
    for i in range(n):
        start[i + 1] += start[i]
    return start, in_order


@kernel
def grouped(key: IntArray, n: int) -> tuple[IntArray, IntArray]:
    """CSR of edge ids grouped by ``key`` (worker or order ids below ``n``): a stable counting sort."""
    start = np.zeros(n + 1, dtype=np.int64)
    for e in range(key.shape[0]):
        start[key[e] + 1] += 1
    for i in range(n):
        start[i + 1] += start[i]
    fill = start[:-1].copy()
    ids = np.empty(key.shape[0], dtype=np.int64)
    for e in range(key.shape[0]):
        i = key[e]
        ids[fill[i]] = e
        fill[i] += 1
    return start, ids


@kernel
def shortest_augmenting_paths(
    start: IntArray,
    adj: IntArray,
    edge_w: IntArray,
    edge_o: IntArray,
    cost: IntArray,
    cap: IntArray,
    null_cost: int,
    join_order: IntArray,
    chosen: IntArray,
    pi_w: IntArray,
    pi_o: IntArray,
    max_relaxations: int,
) -> IntArray:
    """Min-cost assignment of every worker to a pair or to "unassigned", in place.

    ``start``/``adj`` is the per-worker CSR of edge ids (``grouped``). On entry
    ``chosen`` (edge per worker, -1: none) and the potentials must be a valid state:
    reduced costs >= 0 on every residual arc, 0 on chosen pairs, ``pi_o`` = 0 on orders
    with a free slot and <= 0 elsewhere, ``pi_w`` >= -N on assigned workers and <= -N on
    unassigned ones already in. ``join_order`` lists the workers still to join (with
    ``pi_w`` = 0); it changes the work done, not the optimum. Returns counters
    (searches, settled nodes, relaxations, 1 if it stopped at ``max_relaxations`` with
    workers left to join, else 0).
    """
    n_w = chosen.shape[0]
    n_o = cap.shape[0]
    slot_start = np.zeros(n_o + 1, dtype=np.int64)
    for o in range(n_o):
        slot_start[o + 1] = slot_start[o] + cap[o]
    slot_worker = np.full(slot_start[n_o], -1, dtype=np.int64)
    fill = np.zeros(n_o, dtype=np.int64)
    worker_slot = np.full(n_w, -1, dtype=np.int64)
    for w in range(n_w):
        if chosen[w] >= 0:
            o = edge_o[chosen[w]]
            slot = slot_start[o] + fill[o]
            fill[o] += 1
            slot_worker[slot] = w
            worker_slot[w] = slot

    dist_w = np.full(n_w, _INF, dtype=np.int64)
    dist_o = np.full(n_o, _INF, dtype=np.int64)
    done_w = np.zeros(n_w, dtype=np.bool_)
    done_o = np.zeros(n_o, dtype=np.bool_)
    reach_o = np.full(n_o, -1, dtype=np.int64)  # the edge a search reached the order by
    touched_w = np.empty(n_w, dtype=np.int64)
    touched_o = np.empty(n_o, dtype=np.int64)
    heap_cap = edge_w.shape[0] + n_w + n_o + 1
    heap_key = np.empty(heap_cap, dtype=np.int64)
    heap_node = np.empty(heap_cap, dtype=np.int64)
    counters = np.zeros(4, dtype=np.int64)

    for first in join_order:
        if counters[2] > max_relaxations:
            counters[3] = 1
            break
        if start[first + 1] == start[first]:
            continue  # no pairs: stays unassigned, nothing to search
        counters[0] += 1
        n_tw = 0
        n_to = 0
        size = 0
        best = _INF
        end_order = -1
        end_worker = -1
        dist_w[first] = 0
        touched_w[n_tw] = first
        n_tw += 1
        size = heap_push(heap_key, heap_node, size, 0, first)
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
                # Leaving w unassigned ends the path here.
                through = key + null_cost + pi_w[w]
                if through < best:
                    best = through
                    end_worker = w
                    end_order = -1
                base = key + pi_w[w]
                mine = chosen[w]
                for k in range(start[w], start[w + 1]):
                    e = adj[k]
                    if e == mine:
                        continue
                    o = edge_o[e]
                    if done_o[o]:
                        continue
                    counters[2] += 1
                    nd = base + cost[e] - pi_o[o]
                    if nd < dist_o[o] and nd < best:
                        if dist_o[o] == _INF:
                            touched_o[n_to] = o
                            n_to += 1
                        dist_o[o] = nd
                        reach_o[o] = e
                        size = heap_push(heap_key, heap_node, size, nd, n_w + o)
            else:
                o = v - n_w
                if done_o[o] or key > dist_o[o]:
                    continue
                done_o[o] = True
                if fill[o] < cap[o]:
                    through = key + pi_o[o]
                    if through < best:
                        best = through
                        end_order = o
                        end_worker = -1
                    continue
                base = key + pi_o[o]
                for s in range(slot_start[o], slot_start[o] + fill[o]):
                    w = slot_worker[s]
                    if done_w[w]:
                        continue
                    counters[2] += 1
                    nd = base - cost[chosen[w]] - pi_w[w]
                    if nd < dist_w[w] and nd < best:
                        if dist_w[w] == _INF:
                            touched_w[n_tw] = w
                            n_tw += 1
                        dist_w[w] = nd
                        size = heap_push(heap_key, heap_node, size, nd, w)

        # Potentials: settled nodes below the sink's distance drop by the difference.
        for i in range(n_tw):
            w = touched_w[i]
            if done_w[w] and dist_w[w] < best:
                pi_w[w] += dist_w[w] - best
            dist_w[w] = _INF
            done_w[w] = False
        for i in range(n_to):
            o = touched_o[i]
            if done_o[o] and dist_o[o] < best:
                pi_o[o] += dist_o[o] - best
            dist_o[o] = _INF
            done_o[o] = False

        # Augment back from the path's end: each worker on it moves to the order that reached it.
        if end_order >= 0:
            o = end_order
            slot = slot_start[o] + fill[o]
            fill[o] += 1
        else:
            w = end_worker
            if w == first:
                continue  # the newcomer itself stays unassigned
            o = edge_o[chosen[w]]
            slot = worker_slot[w]
            chosen[w] = -1
            worker_slot[w] = -1
        while True:
            e = reach_o[o]
            w = edge_w[e]
            previous_slot = worker_slot[w]
            previous_order = -1 if chosen[w] < 0 else edge_o[chosen[w]]
            slot_worker[slot] = w
            worker_slot[w] = slot
            chosen[w] = e
            if w == first:
                break
            o = previous_order
            slot = previous_slot
    return counters
