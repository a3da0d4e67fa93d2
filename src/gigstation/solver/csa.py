"""Cost-scaling push-relabel for the quick-mode b-matching (Goldberg-Kennedy CSA, numba, int64).

The network is the one ``ssp`` solves: every worker sends one unit, along one pair
(w, o) at cost c into order o, or straight to the sink t at the "unassigned" cost N;
orders drain into t (at most ``cap`` units, cost 0). Successive shortest paths move one
unit at a time and re-explore saturated clusters for every late worker; cost scaling
instead keeps node prices p that are epsilon-optimal (every residual arc's reduced cost
c + p(tail) - p(head) >= -eps) and divides eps by ``ALPHA`` per phase, so a whole
cluster's prices fall together.

A phase (``refine_phase``; ``scaled`` runs them one by one) starts from the previous
prices and flow: a worker whose choice is still eps-optimal at the new eps keeps it
(``warm``; Goldberg-Kennedy unassign every worker instead, kept as an option), the
others start unassigned (excess 1). An order priced more than eps below t must be full
at the end (its arc to t saturated: a deficit); one priced more than eps above t must
push its workers on. Before giving up a worker's choice, a bound that fails is checked
against the pairs themselves (the cached bound is stale after a phase). Active nodes are
then discharged from a queue:

* a worker does the *double push*: it takes the option with the best b = p(o) - c
  (or t, the unassigned option, b = p(t) - N) and drops its own price to the second
  best b minus eps (the auction bid); the best two come from a cached best-K list
  (``csa_arcs.best_two``), so most discharges read K pairs, not all of them (any upper
  bound on the second best that the best beats by more than -eps makes a valid bid);
* the order it joined, if now over what it keeps, pushes a unit back at once (the
  second push) to the worker whose arc is most admissible, or to t while a slot is
  free, relabelling itself first when none is admissible: p(o) = best b - eps;
* t, when the expensive orders demand more workers than exist (or a worker chose to
  stay unassigned once t's deficit is used up), returns units to the filled order or
  unassigned worker with the best b, read from a lazy max-heap (``csa_arcs.t_offer``).

Active nodes are taken from the queue first-in first-out, or last-in first-out
(``lifo``: a displaced worker bids again at once, while its neighbourhood's prices are
fresh); both are exact, and which is faster varies by instance (solver/RESULTS.md).

The first phase runs at eps = N / ``FIRST_DIVISOR`` (64), not N / 8: from zero prices a
phase that coarse only overshoots every contested order's price, and the next phase
must then move nearly every price in the graph back, in small steps; on the district
this halved the arc scans. After it eps falls by ``ALPHA`` = 4 per phase, not 8: more
phases, but each moves prices less far, and the district and the city took a fifth
less time (solver/RESULTS.md).

Costs are multiplied by n + 1 (n nodes; the kernel takes the factor, each pair's
distance and order as uint16 or int32, and each worker's priority term apart, so the
pair arrays are small to read), so the last phase at eps = 1 leaves a flow
that is optimal for the original costs (an eps-optimal flow with eps < 1 / n is). The
flow is usually optimal several phases earlier, which only a proof can tell: ``scaled``
tries one after each fine phase and stops at the first that holds. Nothing here is
trusted: ``scaled`` derives exact integer potentials from the flow and
``engine.check_certificate`` proves the answer or rejects it.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from gigstation.solver.csa_arcs import NEG, best_two, t_arc_value, t_offer, t_pop
from gigstation.solver.jit import inlined, kernel

__all__ = ["ALPHA", "K_BEST", "ScalingState", "first_eps", "new_state", "refine_phase"]

IntArray = npt.NDArray[np.int64]

ALPHA = 4
K_BEST = 4
FIRST_DIVISOR = 64
_NEG = NEG


@inlined
def _enqueue(queue: IntArray, queued: npt.NDArray[np.bool_], tail: int, node: int) -> int:
    if not queued[node]:
        queued[node] = True
        queue[tail % queue.shape[0]] = node
        tail += 1
    return tail


@inlined
def _discharge_order(
    o: int,
    n_w: int,
    t: int,
    eps: int,
    price: IntArray,
    chosen: IntArray,
    cap: IntArray,
    slot_start: IntArray,
    slot_worker: IntArray,
    slot_cost: IntArray,
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
            b = price[slot_worker[s]] + slot_cost[s]
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
            t_offer(node, n_w, price, chosen, sink_flow, null_cost, t_key, t_node, t_size)
            if excess_t > 0:
                tail = _enqueue(queue, queued, tail, t)
            continue
        wx = slot_worker[best_s]
        fill[o] -= 1
        slot_worker[best_s] = slot_worker[slot_start[o] + fill[o]]
        slot_cost[best_s] = slot_cost[slot_start[o] + fill[o]]
        chosen[wx] = -1
        tail = _enqueue(queue, queued, tail, wx)
    return tail, excess_t


@kernel
def refine_phase(
    start: IntArray,
    pair_order: npt.NDArray[np.int32] | npt.NDArray[np.uint16],
    cost: npt.NDArray[np.int32] | npt.NDArray[np.uint16],
    worker_cost: IntArray,
    scale: int,
    cap: IntArray,
    null_cost: int,
    eps: int,
    price: IntArray,
    chosen: IntArray,
    slot_start: IntArray,
    slot_worker: IntArray,
    slot_cost: IntArray,
    fill: IntArray,
    sink_flow: IntArray,
    counters: IntArray,
    max_work: int,
    kbest: IntArray,
    threshold: IntArray,
    warm: bool,
    previous_eps: int,
    lifo: bool,
    stop: npt.NDArray[np.bool_],
) -> bool:
    """One eps phase, in place on the state (``new_state``); False when the work budget ran out
    first, or when another thread set ``stop[0]`` (a proof of an earlier phase's flow held:
    the rest of this phase is not needed).

    ``chosen[w]``: position of its pair in the worker CSR, -1 unassigned (active), -2 sent to t. ``price`` holds
    workers, then orders, then t. Order o's workers sit in
    ``slot_worker[slot_start[o]: slot_start[o] + fill[o]]``, each with its pair's scaled cost in
    ``slot_cost`` (an order's discharge reads its slots, not the pair arrays: on a city those
    are far apart in memory).
    """
    n_w = chosen.shape[0]
    n_o = cap.shape[0]
    t = n_w + n_o
    n = t + 1
    counters[2] += 1
    queue = np.empty(n + 1, dtype=np.int64)
    queued = np.zeros(n, dtype=np.bool_)
    head = 0
    tail = 0
    excess_t = -n_w
    t_key = np.empty(2 * n, dtype=np.int64)
    t_node = np.empty(2 * n, dtype=np.int64)
    t_size = np.zeros(1, dtype=np.int64)
    if not warm:
        # Goldberg-Kennedy's refine: every worker starts the phase unassigned.
        for w in range(n_w):
            if chosen[w] != -1:
                price[w] += previous_eps  # no flow out of w now: its arcs must be non-negative again
            chosen[w] = -1
    # Keep every worker whose choice is still eps-optimal at the new eps (and the flow
    # it carries); the others start the phase unassigned.
    fill[:] = 0
    for w in range(n_w):
        k = chosen[w]
        if k == -1:
            tail = _enqueue(queue, queued, tail, w)
            continue
        shift = scale * worker_cost[w]
        mine = price[t] - null_cost if k == -2 else price[n_w + pair_order[k]] - scale * cost[k] - shift
        # An upper bound on the best other option: the cached pairs now, the rest as last scanned.
        other = threshold[w] if k == -2 else max(threshold[w], price[t] - null_cost)
        for i in range(kbest.shape[1]):
            kk = kbest[w, i]
            if kk < 0:
                break
            if kk != k:
                other = max(other, price[n_w + pair_order[kk]] - scale * cost[kk] - shift)
        if other > mine + 2 * eps and threshold[w] > mine + 2 * eps:
            # The stale bound may be what fails: read the pairs again before giving up the choice.
            other = _NEG
            for kk in range(start[w], start[w + 1]):
                if kk != k:
                    other = max(other, price[n_w + pair_order[kk]] - scale * cost[kk] - shift)
            counters[1] += start[w + 1] - start[w]
            threshold[w] = other  # every pair but the choice; the list is dropped (rebuilt at the next scan)
            kbest[w, 0] = -1
            if k >= 0:
                other = max(other, price[t] - null_cost)
        if other <= mine + 2 * eps:
            price[w] = mine + eps
            if k >= 0:
                o = pair_order[k]
                slot_worker[slot_start[o] + fill[o]] = w
                slot_cost[slot_start[o] + fill[o]] = scale * cost[k] + shift
                fill[o] += 1
            else:
                excess_t += 1
                t_offer(w, n_w, price, chosen, sink_flow, null_cost, t_key, t_node, t_size)
        else:
            chosen[w] = -1
            price[w] = max(other, mine)  # every arc out of w non-negative
            tail = _enqueue(queue, queued, tail, w)
    for o in range(n_o):
        # An order priced below t by more than eps cannot keep a free slot (it must be filled);
        # one priced above t by more than eps cannot keep a worker (it must push them on).
        if price[n_w + o] < price[t] - eps:
            sink_flow[o] = cap[o]
        elif price[n_w + o] > price[t] + eps:
            sink_flow[o] = 0
        else:
            sink_flow[o] = fill[o]
        excess_t += sink_flow[o]
        if sink_flow[o] > 0:
            t_offer(n_w + o, n_w, price, chosen, sink_flow, null_cost, t_key, t_node, t_size)
        if fill[o] > sink_flow[o]:
            tail = _enqueue(queue, queued, tail, n_w + o)
    if excess_t > 0:
        tail = _enqueue(queue, queued, tail, t)
    while head < tail:
        if lifo:
            tail -= 1
            x = queue[tail % queue.shape[0]]
        else:
            x = queue[head % queue.shape[0]]
            head += 1
        queued[x] = False
        counters[0] += 1
        if counters[1] > max_work or stop[0]:
            return False
        over = -1  # an order holding more workers than it keeps: discharged after the branch
        if x < n_w:
            w = x
            if chosen[w] != -1:
                continue
            # Double push: best and second best b over the pairs and the unassigned option.
            best, best_e, second = best_two(
                w,
                n_w,
                start,
                pair_order,
                cost,
                worker_cost,
                scale,
                price,
                price[t] - null_cost,
                kbest,
                threshold,
                counters,
                eps,
            )
            price[w] = (second if second > _NEG else best) - eps
            chosen[w] = best_e
            if best_e == -2:
                excess_t += 1
                t_offer(w, n_w, price, chosen, sink_flow, null_cost, t_key, t_node, t_size)
                if excess_t > 0:
                    tail = _enqueue(queue, queued, tail, t)
                continue
            o = pair_order[best_e]
            slot_worker[slot_start[o] + fill[o]] = w
            slot_cost[slot_start[o] + fill[o]] = scale * (cost[best_e] + worker_cost[w])
            fill[o] += 1
            if fill[o] > sink_flow[o]:
                # The second push of the double push, at once: so an order never holds more than cap + 1.
                over = o
        elif x < t:
            over = x - n_w
        else:
            # t returns units: to null workers (b = p(w) + N) or to filled orders' sink arcs (b = p(o)).
            while excess_t > 0:
                counters[3] += 1
                if t_size[0] == 0:
                    return False  # cannot happen with a balanced network; refuse rather than loop
                node = t_node[0]
                best = t_arc_value(node, n_w, price, chosen, sink_flow, null_cost)
                if best != -t_key[0]:
                    # Stale: the arc is gone or its node's price fell since it was recorded.
                    t_size[0] = t_pop(t_key, t_node, t_size[0])
                    if best > _NEG:
                        t_offer(node, n_w, price, chosen, sink_flow, null_cost, t_key, t_node, t_size)
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
        if over >= 0:
            tail, excess_t = _discharge_order(
                over,
                n_w,
                t,
                eps,
                price,
                chosen,
                cap,
                slot_start,
                slot_worker,
                slot_cost,
                fill,
                sink_flow,
                excess_t,
                queue,
                queued,
                tail,
                counters,
                null_cost,
                t_key,
                t_node,
                t_size,
            )
    phase = min(counters[2], 60)
    counters[2 + 2 * phase] = counters[0]
    counters[3 + 2 * phase] = counters[1]
    return True


class ScalingState(NamedTuple):
    """What one phase hands the next: the flow, the prices and the cached best pairs.

    ``chosen[w]``: position of w's pair in the worker CSR, -1 unassigned, -2 sent to t
    (unassigned by choice; ``assignment`` reads it as -1). ``price``: workers, orders,
    then t. ``counters``: discharges, arc scans, phases, t's heap pops, then the
    discharges and scans at the end of each phase.
    """

    price: IntArray
    chosen: IntArray
    slot_start: IntArray
    slot_worker: IntArray
    slot_cost: IntArray
    fill: IntArray
    sink_flow: IntArray
    counters: IntArray
    kbest: IntArray
    threshold: IntArray

    def assignment(self) -> IntArray:
        """Chosen pair position per worker, -1 for unassigned."""
        return np.where(self.chosen >= 0, self.chosen, -1)


def new_state(n_w: int, cap: IntArray, k_best: int = K_BEST) -> ScalingState:
    """Zero prices, nobody assigned: the state before the first phase."""
    n_o = cap.shape[0]
    slot_start = np.zeros(n_o + 1, dtype=np.int64)
    np.cumsum(cap + 1, out=slot_start[1:])  # one spare slot each: an order briefly holds cap + 1
    return ScalingState(
        price=np.zeros(n_w + n_o + 1, dtype=np.int64),
        chosen=np.full(n_w, -1, dtype=np.int64),
        slot_start=slot_start,
        slot_worker=np.full(int(slot_start[n_o]), -1, dtype=np.int64),
        slot_cost=np.zeros(int(slot_start[n_o]), dtype=np.int64),
        fill=np.zeros(n_o, dtype=np.int64),
        sink_flow=np.zeros(n_o, dtype=np.int64),
        counters=np.zeros(4 + 2 * 61, dtype=np.int64),
        kbest=np.full((n_w, k_best), -1, dtype=np.int64),
        threshold=np.full(n_w, NEG, dtype=np.int64),
    )


def first_eps(null_cost: int) -> int:
    """The first phase's eps: the unassigned cost / ``FIRST_DIVISOR`` (module docstring)."""
    return max(null_cost // FIRST_DIVISOR, 1)
