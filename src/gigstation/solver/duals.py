"""Optimal dual prices of a b-matching, read off an optimal primal, in exact integers.

The quick-mode problem on an edge set E is the LP

    max  sum_e p_e x_e   s.t.  sum_{e at w} x_e <= 1,  sum_{e at o} x_e <= cap_o,  x >= 0,

with profit p_e = B - c_e > 0 (``pricing`` explains B and c). Its dual is

    min  sum_w u_w + sum_o cap_o v_o   s.t.  u_w + v_o >= p_e  (e = (w, o) in E),  u, v >= 0.

Given an optimal matching M, complementary slackness fixes u_w = p(w, o*_w) - v(o*_w)
for a matched worker w (at order o*_w) and u_w = 0 for an unmatched one. Substituting,
dual feasibility on E becomes a system of difference constraints on the orders alone:

    v_o >= p(w, o)                               for w unmatched, (w, o) in E
    v_o >= v(o*_w) + c(w, o*_w) - c(w, o)         for w matched,   (w, o) in E
    v_o >= 0

Its least solution is a longest-path closure from those lower bounds, computed here by
label-correcting relaxation (Bellman-Ford restricted to the orders whose label moved).
When M is optimal, any optimal dual (u*, v*) satisfies the system, so the least v is
at most v*: hence u_w >= u*_w >= 0 and v_o <= v*_o = 0 on unsaturated orders, i.e. the
least solution is itself an optimal dual. A positive cycle (M not optimal) shows up as
labels still moving after n rounds; the caller then gets None and must not trust M.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

__all__ = ["Duals", "least_duals"]

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True, slots=True, eq=False)
class Duals:
    """Worker prices ``u`` and order prices ``v`` (int64), and how many relaxation rounds they took."""

    u: IntArray
    v: IntArray
    rounds: int


def least_duals(
    worker: IntArray,
    order: IntArray,
    cost: IntArray,
    chosen: BoolArray,
    capacity: IntArray,
    n_workers: int,
    big: int,
) -> Duals | None:
    """Optimal duals of the chosen (optimal) matching over the given edges, or None if it is not optimal.

    ``worker`` and ``order`` index ``n_workers`` workers and ``capacity.shape[0]`` orders;
    every profit is ``big - cost``.
    """
    n_orders = int(capacity.shape[0])
    at = np.full(n_workers, -1, dtype=np.int64)
    at[worker[chosen]] = order[chosen]
    at_cost = np.zeros(n_workers, dtype=np.int64)
    at_cost[worker[chosen]] = cost[chosen]
    matched = at[worker] >= 0

    v = np.zeros(n_orders, dtype=np.int64)
    free = ~matched
    np.maximum.at(v, order[free], big - cost[free])

    # Arcs tail -> head of length c(w, o*) - c(w, o), grouped by tail for frontier lookups.
    arc = np.flatnonzero(matched & (at[worker] != order))
    tail = at[worker[arc]]
    perm = np.argsort(tail, kind="stable")
    tail, head = tail[perm], order[arc[perm]]
    length = at_cost[worker[arc[perm]]] - cost[arc[perm]]
    starts = np.searchsorted(tail, np.arange(n_orders + 1))

    frontier = np.unique(tail)
    rounds = 0
    while frontier.size:
        rounds += 1
        if rounds > n_orders + 1:
            return None
        counts = starts[frontier + 1] - starts[frontier]
        idx = np.repeat(starts[frontier] - np.cumsum(counts) + counts, counts) + np.arange(int(counts.sum()))
        offer = v[tail[idx]] + length[idx]
        better = offer > v[head[idx]]
        if not better.any():
            break
        before = v.copy()
        np.maximum.at(v, head[idx[better]], offer[better])
        frontier = np.flatnonzero(v != before)

    u = np.zeros(n_workers, dtype=np.int64)
    has = at >= 0
    u[has] = big - at_cost[has] - v[at[has]]
    filled = np.bincount(order[chosen], minlength=n_orders)
    if (u < 0).any() or (v[filled < capacity] != 0).any():
        return None
    return Duals(u, v, rounds)
