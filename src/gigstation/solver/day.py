"""Day mode: a worker may fill several orders whose time windows do not overlap.

Solved exactly by ``milp`` (LP duals, a certified bound and a reduced-cost
neighbourhood MILP in HiGHS); if its numerics guard refuses, by staged CP-SAT (see
``cpsat``), hinted with the quick-mode flow optimum, which is always feasible here.
For each worker the overlap rule is written as one
at-most-one constraint per clique of its candidate orders' intervals (the orders
running at some order's start); on interval graphs these cliques make the LP
relaxation tight per worker, which is what lets CP-SAT prove optimality fast.
Windows are half-open: an order ending at 12:00 and one starting at 12:00 fit together.
"""

from __future__ import annotations

import time

import numpy as np
import numpy.typing as npt

from gigstation.solver.candidates import Candidates, Indexed
from gigstation.solver.chosen import Chosen
from gigstation.solver.cpsat import solve_lexicographic
from gigstation.solver.milp import solve_levels_milp
from gigstation.solver.pins import Pins
from gigstation.solver.quick import solve_quick

__all__ = ["overlap_groups", "solve_day"]

IntArray = npt.NDArray[np.int64]


def overlap_groups(worker: IntArray, start: IntArray, end: IntArray) -> list[IntArray]:
    """Edge groups that pairwise overlap in time for the same worker (maximal cliques)."""
    groups: list[IntArray] = []
    perm = np.lexsort((start, worker))
    for part in np.split(perm, np.flatnonzero(np.diff(worker[perm])) + 1) if perm.size else []:
        if part.shape[0] < 2:
            continue
        s, e = start[part], end[part]
        # Row i: the worker's edges running at the start of edge i (s sorted ascending).
        running = (s[None, :] <= s[:, None]) & (s[:, None] < e[None, :])
        seen: set[bytes] = set()
        for i in range(part.shape[0]):
            row = running[i]
            # A clique at s_i is contained in the one at s_{i+1} unless something ends in between.
            if i + 1 < part.shape[0] and not (row & ~running[i + 1]).any():
                continue
            key = row.tobytes()
            if row.sum() > 1 and key not in seen:
                seen.add(key)
                groups.append(part[row])
    return groups


def _positions(cand_keys: IntArray, keys: IntArray) -> IntArray:
    sorter = np.argsort(cand_keys, kind="stable")
    return sorter[np.searchsorted(cand_keys, keys, sorter=sorter)]


def solve_day(ix: Indexed, cand: Candidates, pins: Pins, time_limit_s: float = 10.0, engine: str = "milp") -> Chosen:
    """Lexicographic optimum for day mode, or the best found within ``time_limit_s``.

    ``engine`` is "milp" (default) or "cpsat" (the previous engine, kept for measurement).
    """
    deadline = time.monotonic() + time_limit_s
    keys = ix.pair_keys(cand.worker, cand.order)
    pinned = _positions(keys, ix.pair_keys(pins.worker, pins.order))
    groups = overlap_groups(cand.worker, ix.order_start[cand.order], ix.order_end[cand.order])
    if engine == "milp":
        exact = solve_levels_milp(
            cand.order, ix.headcount, ix.worker_priority[cand.worker], cand.distance_m, groups, pinned, time_limit_s
        )
        if exact is not None:
            edges = np.flatnonzero(exact.selected)
            return Chosen(
                worker=cand.worker[edges],
                order=cand.order[edges],
                distance_m=cand.distance_m[edges],
                optimal=exact.optimal,
                bound=exact.bound,
            )
    quick = solve_quick(ix, cand, pins, time_limit_s)
    hint = np.zeros(len(cand), dtype=np.bool_)
    hint[_positions(keys, ix.pair_keys(quick.worker, quick.order))] = True
    result = solve_lexicographic(
        cand.order,
        ix.headcount,
        ix.worker_priority[cand.worker],
        cand.distance_m,
        groups,
        pinned,
        hint,
        max(deadline - time.monotonic(), 0.001),
    )
    edges = np.flatnonzero(result.selected)
    return Chosen(
        worker=cand.worker[edges],
        order=cand.order[edges],
        distance_m=cand.distance_m[edges],
        optimal=result.optimal,
        bound=result.bound,
    )
