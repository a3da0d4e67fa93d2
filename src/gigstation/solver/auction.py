"""Approximate order prices by an epsilon-scaling forward auction (numba): the warm start of ``ssp``.

Workers bid for order slots (each slot its own price; a worker always targets the
cheapest slot of an order) with profit p(w, o) = N - c(w, o) > 0, or settle for staying
unassigned at value 0. A bid raises the slot's price by the bidder's margin over its
second-best option plus epsilon and evicts the previous holder. Each phase divides
epsilon by ``SCALE`` and re-runs the auction from the current prices, so prices move
in big steps first and in metre-sized steps last (Bertsekas' epsilon scaling).

Nothing here needs to be exact: the prices only make the shortest-path searches of
``ssp`` short. ``engine`` turns them into a valid starting point and checks the final
answer with its own certificate.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from gigstation.solver._jit import jit

__all__ = ["auction_prices"]

IntArray = npt.NDArray[np.int64]

SCALE = 8


@jit
def _cheapest_slot(slot_price: IntArray, first: int, last: int) -> int:
    best = first
    for s in range(first + 1, last):
        if slot_price[s] < slot_price[best]:
            best = s
    return best


@jit
def _reverse(
    order_start: IntArray,
    order_adj: IntArray,
    edge_w: IntArray,
    profit: IntArray,
    slot_start: IntArray,
    slot_price: IntArray,
    slot_holder: IntArray,
    cheapest: IntArray,
    holds: IntArray,
    held_profit: IntArray,
    eps: int,
    bids: int,
    max_bids: int,
) -> int:
    """Reverse auction: every free slot with a positive price lowers it and takes the most interested worker.

    A worker's interest in a slot of order o is p(w, o) minus what it earns now. The
    slot's new price is the second-highest interest minus eps (at least 0), so the
    winner gains and nobody else is left more than eps short of its best option; the
    slot the winner leaves is processed in turn. Without this, a slot priced in an
    early (coarse) phase can stay free and expensive for ever.
    """
    n_slots = slot_price.shape[0]
    n_o = order_start.shape[0] - 1
    # A ring of slots to process; each slot is in it at most once.
    queue = np.empty(n_slots + 1, dtype=np.int64)
    queued = np.zeros(n_slots, dtype=np.bool_)
    tail = 0
    for slot in range(n_slots):
        if slot_holder[slot] < 0 and slot_price[slot] > 0:
            queue[tail] = slot
            queued[slot] = True
            tail += 1
    head = 0
    count = tail
    while count > 0 and bids < max_bids:
        slot = queue[head]
        head = head + 1 if head < n_slots else 0
        count -= 1
        queued[slot] = False
        if slot_holder[slot] >= 0 or slot_price[slot] == 0:
            continue
        lo = 0
        hi = n_o
        while hi - lo > 1:
            mid = (lo + hi) // 2
            if slot_start[mid] <= slot:
                lo = mid
            else:
                hi = mid
        o = lo
        first = np.int64(-1)
        first_w = -1
        first_e = -1
        second = np.int64(-1)
        for k in range(order_start[o], order_start[o + 1]):
            e = order_adj[k]
            w = edge_w[e]
            now = np.int64(0)
            if holds[w] >= 0:
                if slot_start[o] <= holds[w] < slot_start[o + 1]:
                    continue  # already on this order
                now = held_profit[w] - slot_price[holds[w]]
            interest = profit[e] - now
            if interest > first:
                second = first
                first = interest
                first_w = w
                first_e = e
            elif interest > second:
                second = interest
        bids += 1
        if first - eps < 0 or first_w < 0:
            slot_price[slot] = 0  # nobody wants it even for free
        else:
            slot_price[slot] = max(second - eps, 0)
            left = holds[first_w]
            if left >= 0:
                slot_holder[left] = -1
                if not queued[left]:
                    queued[left] = True
                    queue[tail] = left
                    tail = tail + 1 if tail < n_slots else 0
                    count += 1
            slot_holder[slot] = first_w
            holds[first_w] = slot
            held_profit[first_w] = profit[first_e]
            if left >= 0:
                # The order left behind: its cheapest slot may be the one just freed.
                lo = 0
                hi = n_o
                while hi - lo > 1:
                    mid = (lo + hi) // 2
                    if slot_start[mid] <= left:
                        lo = mid
                    else:
                        hi = mid
                cheapest[lo] = _cheapest_slot(slot_price, slot_start[lo], slot_start[lo + 1])
        cheapest[o] = _cheapest_slot(slot_price, slot_start[o], slot_start[o + 1])
    return bids


@jit
def auction_prices(
    start: IntArray,
    adj: IntArray,
    order_start: IntArray,
    order_adj: IntArray,
    edge_w: IntArray,
    edge_o: IntArray,
    profit: IntArray,
    cap: IntArray,
    eps_first: int,
    max_bids: int,
) -> tuple[IntArray, IntArray, int]:
    """Order prices (the cheapest slot's price) and each worker's order (-1: none) after the last phase.

    ``start``/``adj`` is the per-worker CSR of edge ids. Stops early (returning what it
    has) after ``max_bids`` bids in total; the third value is the number of bids made.
    """
    n_w = start.shape[0] - 1
    n_o = cap.shape[0]
    slot_start = np.zeros(n_o + 1, dtype=np.int64)
    for o in range(n_o):
        slot_start[o + 1] = slot_start[o] + cap[o]
    slot_price = np.zeros(slot_start[n_o], dtype=np.int64)
    slot_holder = np.full(slot_start[n_o], -1, dtype=np.int64)
    cheapest = slot_start[:-1].copy()
    holds = np.full(n_w, -1, dtype=np.int64)  # slot held by each worker
    held_profit = np.zeros(n_w, dtype=np.int64)
    queue = np.empty(n_w, dtype=np.int64)
    bids = 0
    eps = max(eps_first, 1)
    while True:
        # Keep every holding that is still within eps of the worker's best option; the
        # other workers bid again (fewer bids than starting every phase from scratch).
        head = 0
        tail = 0
        for w in range(n_w):
            if start[w + 1] == start[w]:
                continue
            best = np.int64(0)
            for k in range(start[w], start[w + 1]):
                e = adj[k]
                value = profit[e] - slot_price[cheapest[edge_o[e]]]
                if value > best:
                    best = value
            slot = holds[w]
            mine = np.int64(0)
            if slot >= 0:
                mine = held_profit[w] - slot_price[slot]
            if mine >= best - eps:
                continue
            if slot >= 0:
                slot_holder[slot] = -1
                holds[w] = -1
            queue[tail] = w
            tail += 1
        count = tail
        if tail == n_w:
            tail = 0
        while count > 0 and bids < max_bids:
            w = queue[head]
            head = head + 1 if head + 1 < n_w else 0
            count -= 1
            best = np.int64(0)  # staying unassigned is worth 0
            second = np.int64(0)
            best_o = -1
            e_best = -1
            for k in range(start[w], start[w + 1]):
                e = adj[k]
                o = edge_o[e]
                value = profit[e] - slot_price[cheapest[o]]
                if value > best:
                    second = best
                    best = value
                    best_o = o
                    e_best = e
                elif value > second:
                    second = value
            if best_o < 0:
                continue  # nothing is worth more than staying unassigned
            slot = cheapest[best_o]
            if cap[best_o] > 1:
                # The order's second-cheapest slot is an option too.
                other = np.int64(-1)
                for s in range(slot_start[best_o], slot_start[best_o + 1]):
                    if s != slot and (other < 0 or slot_price[s] < slot_price[other]):
                        other = s
                alt = best + slot_price[slot] - slot_price[other]
                if alt > second:
                    second = alt
            slot_price[slot] += best - second + eps
            bids += 1
            evicted = slot_holder[slot]
            slot_holder[slot] = w
            holds[w] = slot
            held_profit[w] = profit[e_best]
            cheapest[best_o] = _cheapest_slot(slot_price, slot_start[best_o], slot_start[best_o + 1])
            if evicted >= 0:
                holds[evicted] = -1
                queue[tail] = evicted
                tail = tail + 1 if tail + 1 < n_w else 0
                count += 1
        bids = _reverse(
            order_start, order_adj, edge_w, profit, slot_start, slot_price, slot_holder, cheapest, holds, held_profit,
            eps, bids, max_bids,
        )
        if eps == 1 or bids >= max_bids:
            break
        eps = max(eps // SCALE, 1)
    price = np.zeros(n_o, dtype=np.int64)
    for o in range(n_o):
        price[o] = slot_price[cheapest[o]]
    at = np.full(n_w, -1, dtype=np.int64)
    for w in range(n_w):
        if holds[w] >= 0:
            s = holds[w]
            # The slot's order: slots are laid out order by order.
            lo = 0
            hi = n_o
            while hi - lo > 1:
                mid = (lo + hi) // 2
                if slot_start[mid] <= s:
                    lo = mid
                else:
                    hi = mid
            at[w] = lo
    return price, at, bids


@jit
def tight_start(
    start: IntArray,
    adj: IntArray,
    edge_o: IntArray,
    profit: IntArray,
    cap: IntArray,
    price: IntArray,
    at: IntArray,
) -> tuple[IntArray, IntArray]:
    """A starting state for ``ssp`` from auction prices: (chosen edge per worker, u).

    With v = the prices and u_w = max(0, best p - v), (u, v) is dual feasible. A worker
    keeps a pair only where it is tight (u + v = p), preferring its auction order, while
    slots last. Slots left free at a positive price are "phantom" holders for ``ssp``.
    """
    n_w = start.shape[0] - 1
    n_o = cap.shape[0]
    u = np.zeros(n_w, dtype=np.int64)
    chosen = np.full(n_w, -1, dtype=np.int64)
    fill = np.zeros(n_o, dtype=np.int64)
    for w in range(n_w):
        best = np.int64(0)
        for k in range(start[w], start[w + 1]):
            e = adj[k]
            value = profit[e] - price[edge_o[e]]
            if value > best:
                best = value
        u[w] = best
        if best == 0 or at[w] < 0:
            continue
        for k in range(start[w], start[w + 1]):
            e = adj[k]
            o = edge_o[e]
            if o == at[w] and profit[e] - price[o] == best and fill[o] < cap[o]:
                chosen[w] = e
                fill[o] += 1
                break
    for w in range(n_w):
        if chosen[w] >= 0 or u[w] == 0:
            continue
        for k in range(start[w], start[w + 1]):
            e = adj[k]
            o = edge_o[e]
            if profit[e] - price[o] == u[w] and fill[o] < cap[o]:
                chosen[w] = e
                fill[o] += 1
                break
    return chosen, u
